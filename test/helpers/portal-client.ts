/**
 * The portal's side of /register under faults: call, and on 202 / 429 / 5xx / a dropped
 * connection call again after Retry-After, until a final answer. Records what a portal
 * developer would check: attempts, and any 202 or 429 that came without Retry-After.
 */
import { register, type System } from './system';

export interface PortalResult {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
  attempts: number;
  /** 202/429 answers without a Retry-After header. */
  missingRetryAfter: number;
  /** Each answer before the final one: `202 retry_later`, `503 ...`, or `no answer` (connection failed). */
  retried: string[];
}

export async function registerUntilFinal(
  system: System,
  fields: Record<string, string>,
  options: { maxAttempts?: number } = {},
): Promise<PortalResult> {
  const maxAttempts = options.maxAttempts ?? 40;
  let missingRetryAfter = 0;
  const retried: string[] = [];
  for (let attempt = 1; ; attempt++) {
    let waitSeconds = 1;
    try {
      const res = await register(system, fields);
      if (res.status !== 202 && res.status !== 429 && res.status < 500)
        return { status: res.status, body: res.json, attempts: attempt, missingRetryAfter, retried };
      retried.push(`${res.status} ${res.json?.status ?? res.json?.error?.code ?? ''}`.trim());
      const retryAfter = res.headers.get('retry-after');
      if ((res.status === 202 || res.status === 429) && !retryAfter) missingRetryAfter++;
      waitSeconds = Number(retryAfter ?? 1);
    } catch {
      // twilio-run restarting: the portal retries too
      retried.push('no answer');
    }
    if (attempt >= maxAttempts) return { status: 0, body: undefined, attempts: attempt, missingRetryAfter, retried };
    await new Promise((r) => setTimeout(r, waitSeconds * 1000));
  }
}

/** Runs `job` over `items` with `concurrency` workers. */
export async function inParallel<T>(items: T[], concurrency: number, job: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await job(items[next++]!);
    }),
  );
}
