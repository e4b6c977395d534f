/**
 * POST to an /admin/* route with the admin token, retried through the project's one retry
 * helper (src/core/retry.ts): the caller says which failures are worth another try.
 */
import { parseRetryAfter, withRetry } from '../src/core/retry';

/** A non-200 answer, or no answer at all (status 0). */
export class AdminCallError extends Error {
  constructor(
    readonly status: number,
    /** The route's `error.code`, if it answered one. */
    readonly errorCode: string | undefined,
    /** The route's `error.message`, or the network error's. */
    readonly detail: string | undefined,
    readonly body: unknown,
    readonly retryAfterMs?: number,
  ) {
    super(
      status === 0 ? `network error (${detail ?? 'no answer'})` : `HTTP ${status}${errorCode ? ` ${errorCode}` : ''}`,
    );
    this.name = 'AdminCallError';
  }
}

export interface AdminCallOptions {
  retryable: (failure: AdminCallError) => boolean;
  maxAttempts: number;
  signal?: AbortSignal;
  /** Longest wait for one answer. */
  timeoutMs?: number;
  onRetry?: (failure: AdminCallError, delayMs: number, attempt: number) => void;
}

async function postOnce(url: string, token: string, body: unknown, options: AdminCallOptions): Promise<unknown> {
  let res: Response;
  try {
    const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
    res = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
      signal: options.signal ? AbortSignal.any([options.signal, timeout]) : timeout,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new AdminCallError(0, undefined, error instanceof Error ? error.message : String(error), undefined);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (res.status === 200) return json;
  const error = (json as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  throw new AdminCallError(
    res.status,
    typeof error?.code === 'string' ? error.code : undefined,
    typeof error?.message === 'string' ? error.message : undefined,
    json,
    parseRetryAfter(res.headers.get('retry-after'), Date.now()),
  );
}

/** The parsed JSON of a 200 answer; otherwise throws AdminCallError (after the retries) or the abort. */
export function postAdmin(url: string, token: string, body: unknown, options: AdminCallOptions): Promise<unknown> {
  return withRetry(() => postOnce(url, token, body, options), {
    deadline: Number.POSITIVE_INFINITY,
    baseDelayMs: 1000,
    maxDelayMs: 15_000,
    maxAttempts: options.maxAttempts,
    retryable: (error) => error instanceof AdminCallError && !options.signal?.aborted && options.retryable(error),
    onRetry: ({ attempt, delayMs, error }) => options.onRetry?.(error as AdminCallError, delayMs, attempt),
  });
}
