import fc from 'fast-check';
import { describeTwilioError, isRetryable, type ErrorCategory } from '../../src/core/twilio-errors';
import { decidedCodes, outcomeKind } from '../../src/core/twilio-outcome';

/**
 * What each Twilio error code means for us, from Twilio's error dictionary
 * (https://www.twilio.com/docs/api/errors): retry the same request later, or never.
 */
const KNOWN: Array<[number, ErrorCategory, boolean]> = [
  [20003, 'auth', false],
  [20404, 'not_found', false],
  [20429, 'rate_limited', true],
  [20500, 'temporary', true],
  [20503, 'temporary', true],
  [21211, 'invalid_number', false],
  [21408, 'config', false],
  [21606, 'config', false],
  [21610, 'opted_out', false],
  [21611, 'queue_overflow', true],
  [21612, 'unreachable', false],
  [21614, 'not_mobile', false],
  [21703, 'config', false],
  [30001, 'queue_overflow', true],
  [30002, 'config', false],
  [30003, 'unreachable', false],
  [30004, 'carrier_filtered', false],
  [30005, 'unreachable', false],
  [30006, 'unreachable', false],
  [30007, 'carrier_filtered', false],
  [30008, 'unknown', false],
  [30034, 'carrier_filtered', false],
  [30036, 'expired', false],
  [35114, 'schedule_window', false],
  [35115, 'schedule_window', false],
  [35118, 'schedule_window', false],
  [54009, 'rate_limited', true],
  [54103, 'conflict', false],
  [54208, 'conflict', false],
  [63003, 'unreachable', false],
  [63015, 'whatsapp_not_joined', false],
  [63016, 'whatsapp_outside_window', false],
  [63024, 'unreachable', false],
  [63027, 'whatsapp_template', false],
  [63032, 'opted_out', false],
  [63049, 'whatsapp_marketing_limit', false],
];

describe('describeTwilioError', () => {
  test.each(KNOWN)('%i is %s, retryable=%s, with a description for the dashboard', (code, category, retryable) => {
    expect(describeTwilioError(code)).toEqual({
      code,
      category,
      retryable,
      description: expect.stringMatching(/\w{3}/),
    });
  });

  test('each code has its own description', () => {
    const descriptions = KNOWN.map(([code]) => describeTwilioError(code)?.description);
    expect(new Set(descriptions).size).toBe(KNOWN.length);
  });

  test('unknown or absent codes have no entry', () => {
    expect(describeTwilioError(undefined)).toBeUndefined();
    expect(describeTwilioError(12345)).toBeUndefined();
  });

  test('the unreachable streak counts 30003, 30005 and 30006 only', () => {
    expect(decidedCodes().filter((code) => outcomeKind(code) === 'unreachable')).toEqual([30003, 30005, 30006]);
  });
});

describe('isRetryable: worth another try?', () => {
  test.each(KNOWN)('code %i (category %s): %s, whatever the HTTP status', (code, _category, retryable) => {
    for (const status of [400, 429, 503, undefined]) expect(isRetryable({ status, code })).toBe(retryable);
    // twilio-node gives the code as a number; some answers carry it as text
    expect(isRetryable({ status: 400, code: String(code) })).toBe(retryable);
  });

  test.each([
    [{ status: 429 }, true],
    [{ status: 500 }, true],
    [{ status: 503 }, true],
    [{ status: 599 }, true],
    [{ status: 499 }, false],
    [{ status: 428 }, false],
    [{ status: 430 }, false],
    [{ status: 400 }, false],
    [{ status: 404 }, false],
    [{}, false],
    [{ code: 99999 }, false],
    [{ status: 500, code: 99999 }, true],
    [{ status: 400, code: 'not-a-code' }, false],
    [{ network: true }, true],
    [{ network: true, status: 400, code: 21211 }, true],
    [{ network: false, status: 400 }, false],
  ])('unknown codes follow the HTTP status: %j -> %s', (failure, expected) => {
    expect(isRetryable(failure)).toBe(expected);
  });

  test('a code Twilio does not list falls back to the status for every status', () => {
    fc.assert(
      fc.property(fc.integer({ min: 100, max: 599 }), (status) => {
        expect(isRetryable({ status, code: 1 })).toBe(status === 429 || status >= 500);
      }),
    );
  });
});
