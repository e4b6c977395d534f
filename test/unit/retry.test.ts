import fc from 'fast-check';
import {
  DeadlineExceededError,
  defaultRetryable,
  failureOf,
  parseRetryAfter,
  systemClock,
  withRetry,
  type RetryClock,
} from '../../src/core/retry';
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

describe('withRetry limits', () => {
  const always = (error: Error) => async () => Promise.reject(error);

  test('defaults: 8 attempts, backoff from 100 ms doubling up to 2 s', async () => {
    const clock = fakeClock(0.5);
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw twilioError(503);
        },
        { deadline: 1e9, clock },
      ),
    ).rejects.toMatchObject({ status: 503 });
    expect(calls).toBe(8);
    expect(clock.sleeps).toEqual([50, 100, 200, 400, 800, 1000, 1000]);
  });

  test('maxAttempts is the number of calls made, then the last error is thrown as is', async () => {
    const clock = fakeClock();
    const errors = [twilioError(503), twilioError(502), twilioError(500)];
    let calls = 0;
    const thrown = await withRetry(
      async (attempt) => {
        expect(attempt).toBe(++calls);
        throw errors[attempt - 1]!;
      },
      { deadline: 1e9, clock, maxAttempts: 3 },
    ).catch((e: unknown) => e);
    expect(thrown).toBe(errors[2]);
    expect(calls).toBe(3);
  });

  test('jitter is a whole number of milliseconds', async () => {
    const clock = fakeClock(1 / 3);
    await expect(
      withRetry(always(twilioError(500)), { deadline: 1e9, clock, maxAttempts: 3, baseDelayMs: 100 }),
    ).rejects.toBeDefined();
    expect(clock.sleeps).toEqual([33, 66]);
  });

  test('a Retry-After shorter than the jittered wait does not shorten it', async () => {
    const clock = fakeClock(0.5);
    await expect(
      withRetry(always(twilioError(429, 20429, 10)), { deadline: 1e9, clock, maxAttempts: 2, baseDelayMs: 1000 }),
    ).rejects.toBeDefined();
    expect(clock.sleeps).toEqual([500]);
  });

  test.each([
    // [now, delay, deadline, gives up?]: a wait that would end at or after the deadline is not started
    [0, 1500, 1500, true],
    [0, 1500, 1501, false],
    [1000, 500, 1500, true],
    [1000, 500, 1499, true],
  ])(
    'deadline boundary: at %i, waiting %i ms with deadline %i -> gives up: %s',
    async (now, delay, deadline, gives) => {
      const clock = fakeClock(0);
      clock.time = now;
      let calls = 0;
      const outcome = await withRetry(
        async () => {
          if (calls++ === 0) throw twilioError(429, 20429, delay);
          return 'ok';
        },
        { deadline, clock },
      ).catch((e: unknown) => e);
      if (gives) {
        expect(outcome).toBeInstanceOf(DeadlineExceededError);
        expect(outcome).toMatchObject({ attempts: 1, retryable: true, name: 'DeadlineExceededError' });
        expect((outcome as Error).message).toBe('gave up after 1 attempt(s): deadline reached');
        expect(clock.sleeps).toEqual([]);
      } else {
        expect(outcome).toBe('ok');
        expect(clock.sleeps).toEqual([delay]);
      }
    },
  );

  test('onRetry hears the attempt, the delay and the error before the wait', async () => {
    const clock = fakeClock(0);
    const error = twilioError(429, 20429, 700);
    const seen: unknown[] = [];
    let calls = 0;
    await withRetry(
      async () => {
        if (calls++ === 0) throw error;
        return 'ok';
      },
      { deadline: 1e9, clock, onRetry: (info) => seen.push({ ...info, sleptBefore: clock.sleeps.length }) },
    );
    expect(seen).toEqual([{ attempt: 1, delayMs: 700, error, sleptBefore: 0 }]);
  });

  test('a custom classifier replaces the Twilio rules', async () => {
    let calls = 0;
    const result = await withRetry(
      async () => {
        if (calls++ === 0) throw new TypeError('flaky');
        return 'ok';
      },
      { deadline: 1e9, clock: fakeClock(), retryable: (e) => e instanceof TypeError },
    );
    expect(result).toBe('ok');
    await expect(
      withRetry(always(twilioError(503)), { deadline: 1e9, clock: fakeClock(), retryable: () => false }),
    ).rejects.toMatchObject({ status: 503 });
  });
});

describe('systemClock', () => {
  afterEach(() => jest.useRealTimers());

  test('reads the real time, sleeps with a timer, draws from [0, 1)', async () => {
    jest.useFakeTimers({ now: 1_700_000_000_000 });
    expect(systemClock.now()).toBe(1_700_000_000_000);
    let woke = false;
    const sleeping = systemClock.sleep(100).then(() => (woke = true));
    await jest.advanceTimersByTimeAsync(99);
    expect(woke).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    await sleeping;
    expect(woke).toBe(true);
    const draws = Array.from({ length: 20 }, () => systemClock.random());
    for (const r of draws) expect(r >= 0 && r < 1).toBe(true);
    expect(new Set(draws).size).toBeGreaterThan(1);
  });
});

describe('failureOf: the fields a retry decision reads', () => {
  test.each([
    ['not an object', 'boom', {}],
    ['null', null, {}],
    ['a Twilio RestException', { status: 429, code: 20429 }, { status: 429, code: 20429, network: false }],
    ['statusCode (node http)', { statusCode: 503 }, { status: 503, network: false }],
    ['status wins over statusCode', { status: 400, statusCode: 503 }, { status: 400 }],
    ['a numeric code given as text', { status: 400, code: '21211' }, { code: 21211 }],
    ['a non-numeric text code', { status: 400, code: '2121x' }, { code: undefined }],
    ['a text code that only ends in digits', { status: 400, code: 'x21211' }, { code: undefined }],
    ['a statusCode that is not a number', { statusCode: '503' }, { status: undefined }],
    ['Retry-After kept by the client', { status: 429, retryAfterMs: 1500 }, { retryAfterMs: 1500 }],
    ['a Retry-After that is not a number', { status: 429, retryAfterMs: '1500' }, { retryAfterMs: undefined }],
  ])('%s', (_name, error, expected) => {
    const failure = failureOf(error);
    if (Object.keys(expected).length === 0) expect(failure).toEqual({});
    else expect(failure).toMatchObject(expected);
  });

  test.each([
    ['ECONNRESET', true],
    ['ECONNREFUSED', true],
    ['ETIMEDOUT', true],
    ['ERR_NETWORK', true],
    ['ERR_SOCKET_CONNECTION_TIMEOUT', true],
    ['UND_ERR_SOCKET', true],
    ['UND_ERR_CONNECT_TIMEOUT', true],
    ['XECONNRESET', false],
    ['ECONNRESET!', false],
    ['ERR_INVALID_ARG_TYPE', false],
    ['MODULE_NOT_FOUND', false],
    ['E', false],
  ])('socket code %s is a network failure: %s', (code, network) => {
    expect(failureOf(Object.assign(new Error('x'), { code })).network).toBe(network);
    // an HTTP answer came back: not a network failure, whatever the code says
    expect(failureOf(Object.assign(new Error('x'), { code, status: 502 })).network).toBe(false);
  });

  test.each([
    [{ name: 'AbortError' }, true],
    [{ name: 'TimeoutError' }, true],
    [{ network: true }, true],
    [{ network: 'yes' }, false],
    [{ name: 'TypeError' }, false],
    [{ name: 'AbortError', status: 500 }, false],
  ])('%j is a network failure: %s', (error, network) => {
    expect(failureOf(error).network).toBe(network);
  });

  test.each([
    [new TypeError('x is undefined'), false],
    [{ status: 503 }, true],
    [{ status: 400 }, false],
    [{ code: 20429 }, true],
    [{ code: 21211 }, false],
    [{ code: 'ECONNRESET' }, true],
    [{ network: true }, true],
  ])('defaultRetryable(%j) -> %s', (error, expected) => {
    expect(defaultRetryable(error)).toBe(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-24T05:00:00Z');
  test.each([
    ['120', 120_000],
    ['2', 2000],
    [' 3 ', 3000],
    ['0', 0],
    ['1.5', 1500],
    ['1.25', 1250],
    ['0.0004', 0],
    [new Date(now + 7000).toUTCString(), 7000],
    [new Date(now - 7000).toUTCString(), 0],
    ['5 seconds', undefined],
    ['-5', 0],
    ['', undefined],
    ['soon', undefined],
  ])('%j -> %s ms', (value, ms) => expect(parseRetryAfter(value, now)).toBe(ms));

  test('null and undefined mean no header', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  test('any whole number of seconds is seconds, never a year', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 86_400 }), (s) => {
        expect(parseRetryAfter(String(s), now)).toBe(s * 1000);
      }),
    );
  });
});
