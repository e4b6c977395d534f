import { DeadlineExceededError, parseRetryAfter, withRetry, type RetryClock } from '../../src/core/retry';
import { isRetryable } from '../../src/core/twilio-errors';

/** A clock that never really waits: sleep advances virtual time and records the delay. */
function fakeClock(randomValue = 0.5): RetryClock & { time: number; sleeps: number[] } {
  const clock = {
    time: 0,
    sleeps: [] as number[],
    now: () => clock.time,
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.time += ms;
    },
    random: () => randomValue,
  };
  return clock;
}

const twilioError = (status: number, code?: number, retryAfterMs?: number) =>
  Object.assign(new Error(`HTTP ${status}`), { status, code, retryAfterMs });

describe('withRetry', () => {
  test('retries 429 / 20429 / 5xx / network errors, then succeeds', async () => {
    const clock = fakeClock();
    const failures = [
      twilioError(429, 20429),
      twilioError(503),
      Object.assign(new Error('reset'), { code: 'ECONNRESET' }),
    ];
    const result = await withRetry(
      async () => {
        const next = failures.shift();
        if (next) throw next;
        return 'ok';
      },
      { deadline: 10_000, clock },
    );
    expect(result).toBe('ok');
    expect(clock.sleeps).toHaveLength(3);
  });

  test('backoff is exponential with full jitter: random * min(cap, base * 2^n)', async () => {
    const clock = fakeClock(0.5);
    await expect(
      withRetry(async () => Promise.reject(twilioError(500)), {
        deadline: 1e9,
        clock,
        baseDelayMs: 100,
        maxDelayMs: 1000,
        maxAttempts: 6,
      }),
    ).rejects.toMatchObject({ status: 500 });
    expect(clock.sleeps).toEqual([50, 100, 200, 400, 500]);
  });

  test('jitter can be zero and never exceeds the ceiling', async () => {
    for (const r of [0, 0.999999]) {
      const clock = fakeClock(r);
      await expect(
        withRetry(async () => Promise.reject(twilioError(502)), {
          deadline: 1e9,
          clock,
          baseDelayMs: 100,
          maxDelayMs: 400,
          maxAttempts: 5,
        }),
      ).rejects.toBeDefined();
      for (const [i, ms] of clock.sleeps.entries()) {
        expect(ms).toBeGreaterThanOrEqual(0);
        expect(ms).toBeLessThanOrEqual(Math.min(400, 100 * 2 ** i));
      }
    }
  });

  test('honors Retry-After when it is longer than the jittered wait', async () => {
    const clock = fakeClock(0);
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ === 0) throw twilioError(429, 20429, 1500);
        return 'ok';
      },
      { deadline: 10_000, clock },
    );
    expect(clock.sleeps).toEqual([1500]);
  });

  test('never sleeps past the deadline: gives up with DeadlineExceededError carrying the last error', async () => {
    const clock = fakeClock(0.9);
    const error = await withRetry(async () => Promise.reject(twilioError(429, 20429, 3000)), {
      deadline: 5000,
      clock,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeadlineExceededError);
    expect((error as DeadlineExceededError).lastError).toMatchObject({ code: 20429 });
    expect(clock.time).toBeLessThanOrEqual(5000);
  });

  test.each([21211, 21610, 21614, 63016, 63015, 54208])('permanent Twilio error %i is not retried', async (code) => {
    const clock = fakeClock();
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw twilioError(400, code);
        },
        { deadline: 10_000, clock },
      ),
    ).rejects.toMatchObject({ code });
    expect(calls).toBe(1);
  });

  test('programming errors (no status, no code) are not retried', async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new TypeError('x is undefined');
        },
        { deadline: 10_000, clock: fakeClock() },
      ),
    ).rejects.toThrow(TypeError);
    expect(calls).toBe(1);
  });

  test('onRetry is told each attempt and delay', async () => {
    const seen: number[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ < 2) throw twilioError(503);
        return 1;
      },
      { deadline: 10_000, clock: fakeClock(), onRetry: ({ attempt }) => seen.push(attempt) },
    );
    expect(seen).toEqual([1, 2]);
  });
});

test('parseRetryAfter reads seconds and HTTP dates', () => {
  expect(parseRetryAfter('2', 0)).toBe(2000);
  expect(parseRetryAfter('0.5', 0)).toBe(500);
  expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
  expect(parseRetryAfter('soon', 0)).toBeUndefined();
  expect(parseRetryAfter(undefined, 0)).toBeUndefined();
});

test('isRetryable follows HTTP status when the code is unknown', () => {
  expect(isRetryable({ status: 429 })).toBe(true);
  expect(isRetryable({ status: 500, code: 99999 })).toBe(true);
  expect(isRetryable({ status: 400, code: 99999 })).toBe(false);
  expect(isRetryable({ status: 404 })).toBe(false);
  expect(isRetryable({ network: true })).toBe(true);
});
