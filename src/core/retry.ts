/**
 * Retry with exponential backoff and full jitter, inside a deadline. Pure apart from the
 * injected clock, sleep and random source, so tests drive it without waiting.
 * Used for every outbound call (Twilio REST, Sync, the portal API).
 */
import { isRetryable } from './twilio-errors';

export interface RetryClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const systemClock: RetryClock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

export interface RetryOptions {
  /** Absolute time (clock.now() units) after which no new attempt starts. */
  deadline: number;
  /** First backoff ceiling in ms. */
  baseDelayMs?: number;
  /** Largest backoff ceiling in ms. */
  maxDelayMs?: number;
  /** Upper bound on attempts, whatever the deadline. */
  maxAttempts?: number;
  /** Classifier; defaults to Twilio's rules. */
  retryable?: (error: unknown) => boolean;
  /** Told about each retry (for logs and counters). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  clock?: RetryClock;
}

/** Thrown when the deadline leaves no room for another try; carries the last error. */
export class DeadlineExceededError extends Error {
  readonly retryable = true;
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(`gave up after ${attempts} attempt(s): deadline reached`);
    this.name = 'DeadlineExceededError';
  }
}

/** Socket-level failure codes from Node, axios and undici. */
const NETWORK_CODE = /^(E[A-Z]+|ERR_NETWORK|ERR_SOCKET\w*|UND_ERR\w*)$/;

/** The failure fields we can read from a Twilio RestException, a fetch failure or our own errors. */
export function failureOf(error: unknown): {
  status?: number;
  code?: number;
  network?: boolean;
  retryAfterMs?: number;
} {
  if (error === null || typeof error !== 'object') return {};
  const e = error as Record<string, unknown>;
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const code =
    typeof e.code === 'number'
      ? e.code
      : typeof e.code === 'string' && /^\d+$/.test(e.code)
        ? Number(e.code)
        : undefined;
  const network =
    status === undefined &&
    ((typeof e.code === 'string' && NETWORK_CODE.test(e.code)) ||
      e.name === 'AbortError' ||
      e.name === 'TimeoutError' ||
      e.network === true);
  const retryAfterMs = typeof e.retryAfterMs === 'number' ? e.retryAfterMs : undefined;
  return { status, code, network, retryAfterMs };
}

export function defaultRetryable(error: unknown): boolean {
  // No status, code or network failure (a programming error) falls through to "not retryable".
  return isRetryable(failureOf(error));
}

/** "Retry-After" header value (seconds or HTTP date) to milliseconds. */
export function parseRetryAfter(value: string | undefined | null, nowMs: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

export async function withRetry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const clock = options.clock ?? systemClock;
  const base = options.baseDelayMs ?? 100;
  const cap = options.maxDelayMs ?? 2000;
  const maxAttempts = options.maxAttempts ?? 8;
  const retryable = options.retryable ?? defaultRetryable;

  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (!retryable(error)) throw error;
      if (attempt >= maxAttempts) throw error;
      // Full jitter: a random wait in [0, min(cap, base * 2^n)], but never shorter than Retry-After.
      const ceiling = Math.min(cap, base * 2 ** (attempt - 1));
      const jittered = Math.floor(clock.random() * ceiling);
      const retryAfter = failureOf(error).retryAfterMs ?? 0;
      const delayMs = Math.max(jittered, retryAfter);
      if (clock.now() + delayMs >= options.deadline) throw new DeadlineExceededError(attempt, error);
      options.onRetry?.({ attempt, delayMs, error });
      await clock.sleep(delayMs);
    }
  }
}
