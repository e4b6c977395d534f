/** The parsers routes use (src/core): typed requests, or a 400's code; never a stringified object. */
import { parseFlag, parseInteger } from '../../src/core/form-values';
import { parseStatsDates } from '../../src/core/stats-input';
import { decodeTipCursor, encodeTipCursor, isFirstSlice, parseTipsRequest } from '../../src/core/tips-input';
import { parseInboundMessage, parseStatusCallback } from '../../src/core/webhook-input';

const SID = 'SM' + 'a'.repeat(32);

describe('parseFlag and parseInteger: the one reading of request booleans and numbers', () => {
  test.each([
    [undefined, false],
    ['', false],
    [true, true],
    ['TRUE', true],
    ['1', true],
    ['yes', true],
    [false, false],
    ['0', false],
    ['no', false],
    ['maybe', undefined],
    [['true'], undefined],
    [{ a: 1 }, undefined],
  ])('flag %j -> %j', (value, expected) => expect(parseFlag(value)).toBe(expected));
  test.each([
    [undefined, 7],
    ['', 7],
    ['20', 20],
    [20, 20],
    ['1.5', undefined],
    [['20'], undefined],
  ])('integer %j -> %j', (value, expected) => expect(parseInteger(value, 7)).toBe(expected));
});

describe('parseStatusCallback', () => {
  test('reads Twilio fields, lower-cases the status, strips the WhatsApp prefix', () => {
    expect(
      parseStatusCallback({
        MessageSid: SID,
        MessageStatus: 'Failed',
        ErrorCode: '30003',
        To: 'whatsapp:+9779800000004',
      }),
    ).toEqual({ ok: true, value: { messageSid: SID, status: 'failed', errorCode: 30003, to: '+9779800000004' } });
    expect(parseStatusCallback({ SmsSid: SID, SmsStatus: 'sent' })).toEqual({
      ok: true,
      value: { messageSid: SID, status: 'sent' },
    });
  });
  test.each([
    [{ MessageStatus: 'sent' }],
    [{ MessageSid: 'SMnope', MessageStatus: 'sent' }],
    [{ MessageSid: SID }],
    [{ MessageSid: [SID, SID], MessageStatus: 'sent' }],
    [{ MessageSid: SID, MessageStatus: { toString: 'sent' } }],
  ])('%j is refused', (params) => {
    expect(parseStatusCallback(params)).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });
  test('an unusable ErrorCode or To is left out, not guessed', () => {
    expect(parseStatusCallback({ MessageSid: SID, MessageStatus: 'sent', ErrorCode: ['1'], To: ['+1'] })).toEqual({
      ok: true,
      value: { messageSid: SID, status: 'sent' },
    });
  });
  test.each([
    ['0', null, {}],
    ['9'.repeat(400), null, {}], // parses to Infinity
    [null, null, {}],
    ['30007', '+9779800whatsapp:00004', { errorCode: 30007 }], // the prefix is stripped only at the start
    ['63016', '+12', { errorCode: 63016 }],
  ])('ErrorCode %j and To %j: only %j is kept', (ErrorCode, To, kept) => {
    expect(parseStatusCallback({ MessageSid: SID, MessageStatus: 'sent', ErrorCode, To })).toEqual({
      ok: true,
      value: { messageSid: SID, status: 'sent', ...kept },
    });
  });
  test('the refusal says what is required', () => {
    expect(parseStatusCallback({ MessageSid: SID, MessageStatus: '' })).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'MessageSid and MessageStatus are required' },
    });
  });
});

describe('parseInboundMessage', () => {
  test('single values pass; absent ones are empty', () => {
    expect(parseInboundMessage({ From: '+15005550006', Body: 'STOP' })).toEqual({
      ok: true,
      value: { from: '+15005550006', body: 'STOP' },
    });
    expect(parseInboundMessage({})).toEqual({ ok: true, value: { from: '', body: '' } });
    expect(parseInboundMessage({ From: null, Body: null })).toEqual({ ok: true, value: { from: '', body: '' } });
  });
  test('the refusal says why', () => {
    expect(parseInboundMessage({ From: ['+1', '+2'], Body: 'STOP' })).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'From and Body must be single values' },
    });
  });
  test.each([[{ From: ['+1', '+2'], Body: 'STOP' }], [{ From: '+1', Body: { a: 'STOP' } }]])(
    'an array or object is refused, never stringified: %j',
    (params) => expect(parseInboundMessage(params)).toMatchObject({ ok: false, error: { code: 'bad_request' } }),
  );
});

describe('parseTipsRequest', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const time = { timeZone: 'Asia/Kathmandu', localTime: '07:00' };
  test('defaults: one day, the next tip date, from the start; a real run only with an explicit dryRun: false', () => {
    expect(parseTipsRequest({ dryRun: false }, now, time)).toEqual({
      ok: true,
      value: { dates: ['2026-06-01'], dryRun: false, cursor: { shard: 0 }, allowOverrun: false },
    });
  });
  test.each([{}, { dryRun: '' }, { dryRun: null }])('no dryRun (%j): 400 dry_run_required naming dryRun', (body) => {
    expect(parseTipsRequest(body, now, time)).toEqual({
      ok: false,
      error: { code: 'dry_run_required', message: expect.any(String) as unknown, details: { field: 'dryRun' } },
    });
  });
  test('explicit date, days, dryRun and a cursor it issued', () => {
    const cursor = encodeTipCursor({ shard: 2, after: '+9779800000001' });
    expect(parseTipsRequest({ date: '2026-06-03', days: '2', dryRun: 'true', cursor }, now, time)).toEqual({
      ok: true,
      value: {
        dates: ['2026-06-03', '2026-06-04'],
        dryRun: true,
        cursor: { shard: 2, after: '+9779800000001' },
        allowOverrun: false,
      },
    });
  });
  test.each([
    [{ days: 0 }, 'invalid_days'],
    [{ days: 36 }, 'invalid_days'],
    [{ days: ['2'] }, 'invalid_days'],
    [{ date: '2026-02-30' }, 'invalid_date'],
    [{ date: ['2026-06-03'] }, 'invalid_date'],
    [{ date: '2026-09-01' }, 'outside_schedule_window'],
    [{ cursor: 'not-a-cursor' }, 'invalid_cursor'],
    [{ cursor: encodeTipCursor({ shard: -1 }) }, 'invalid_cursor'],
    [{ dryRun: 'maybe' }, 'invalid_dry_run'],
  ])('%j is refused with %s', (params, code) => {
    expect(parseTipsRequest(params, now, time)).toMatchObject({ ok: false, error: { code } });
  });
  test('a cursor round-trips', () => {
    expect(decodeTipCursor(encodeTipCursor({ shard: 3 }))).toEqual({ shard: 3 });
    // The window plan rides in the cursor; a damaged one is refused.
    const load = { '2026-06-01 Asia/Kathmandu sms': 1200 };
    expect(decodeTipCursor(encodeTipCursor({ shard: 1, load }))).toEqual({ shard: 1, load });
    expect(decodeTipCursor(encodeTipCursor({ shard: 1, load: { x: -1 } }))).toBeUndefined();
    expect(decodeTipCursor(undefined)).toEqual({ shard: 0 });
  });
  test('every refusal with its exact message and field', () => {
    const refused = (code: string, message: string, details: Record<string, unknown>) => ({
      ok: false,
      error: { code, message, details },
    });
    const days = refused('invalid_days', 'days must be a whole number from 1 to 35', { field: 'days' });
    expect(parseTipsRequest({ days: 36, dryRun: true }, now, time)).toEqual(days);
    expect(parseTipsRequest({ days: '0', dryRun: true }, now, time)).toEqual(days);
    const date = refused('invalid_date', 'date must be YYYY-MM-DD', { field: 'date' });
    expect(parseTipsRequest({ date: '2026-02-30', dryRun: true }, now, time)).toEqual(date);
    expect(parseTipsRequest({ date: { y: 2026 }, dryRun: true }, now, time)).toEqual(date);
    expect(parseTipsRequest({ date: '2026-09-01', dryRun: true }, now, time)).toEqual(
      refused(
        'outside_schedule_window',
        '2026-09-01: SendAt is 7953300 s ahead; Twilio allows at most 3024000 s (35 days)',
        { field: 'date', twilioCode: 35114, date: '2026-09-01' },
      ),
    );
    const cursor = refused('invalid_cursor', 'cursor is not one this service issued', { field: 'cursor' });
    expect(parseTipsRequest({ cursor: 'not-a-cursor', dryRun: true }, now, time)).toEqual(cursor);
    expect(parseTipsRequest({ cursor: ['x'], dryRun: true }, now, time)).toEqual(cursor);
    expect(parseTipsRequest({}, now, time)).toEqual(
      refused('dry_run_required', 'Say dryRun: true for a dry run or dryRun: false to schedule the tips for real', {
        field: 'dryRun',
      }),
    );
    expect(parseTipsRequest({ dryRun: 'maybe' }, now, time)).toEqual(
      refused('invalid_dry_run', 'dryRun must be true or false', { field: 'dryRun' }),
    );
    expect(parseTipsRequest({ dryRun: true, allowOverrun: 'perhaps' }, now, time)).toEqual(
      refused('invalid_field', 'allowOverrun must be true or false', { field: 'allowOverrun' }),
    );
  });
  test("35 days fit Twilio's window; null date and cursor are the defaults; allowOverrun is read", () => {
    const result = parseTipsRequest(
      { days: 35, date: null, cursor: null, dryRun: 'false', allowOverrun: 'yes' },
      now,
      time,
    );
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.dates).toHaveLength(35);
    expect([result.value.dates[0], result.value.dates[34]]).toEqual(['2026-06-01', '2026-07-05']);
    expect(result.value).toMatchObject({ dryRun: false, cursor: { shard: 0 }, allowOverrun: true });
    expect(parseTipsRequest({ date: '', dryRun: true }, now, time)).toMatchObject({ value: { dates: ['2026-06-01'] } });
  });
});

describe('the tips cursor', () => {
  const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  test.each([
    ['shard 0', { shard: 0 }, { shard: 0 }],
    ['after', { shard: 2, after: 'k' }, { shard: 2, after: 'k' }],
    ['unknown fields dropped', { shard: 1, extra: 'x' }, { shard: 1 }],
    ['empty load', { shard: 0, load: {} }, { shard: 0, load: {} }],
    [
      'load of 0 segments, key of 80',
      { shard: 0, load: { ['k'.repeat(80)]: 0 } },
      { shard: 0, load: { ['k'.repeat(80)]: 0 } },
    ],
    ['negative shard', { shard: -1 }, undefined],
    ['fractional shard', { shard: 1.5 }, undefined],
    ['no shard', { after: 'k' }, undefined],
    ['after not a string', { shard: 0, after: 5 }, undefined],
    ['load a number', { shard: 0, load: 5 }, undefined],
    ['load empty text', { shard: 0, load: '' }, undefined],
    ['load an array', { shard: 0, load: [1] }, undefined],
    ['load null', { shard: 0, load: null }, undefined],
    ['load key of 81', { shard: 0, load: { ['k'.repeat(81)]: 1 } }, undefined],
    ['load not a number', { shard: 0, load: { k: '1' } }, undefined],
    ['load fractional', { shard: 0, load: { k: 1.5 } }, undefined],
    ['load beyond safe integers', { shard: 0, load: { k: 2 ** 53 } }, undefined],
    ['load negative', { shard: 0, load: { k: -1 } }, undefined],
    ['null', null, undefined],
    ['a number', 3, undefined],
    ['an array', [0], undefined],
  ])('%s', (_name, value, expected) => {
    expect(decodeTipCursor(token(value))).toEqual(expected);
  });
  test('a load of 500 keys is carried, 501 is refused', () => {
    const load = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(decodeTipCursor(token({ shard: 0, load: load(500) }))).toEqual({ shard: 0, load: load(500) });
    expect(decodeTipCursor(token({ shard: 0, load: load(501) }))).toBeUndefined();
  });
  test('no token is the start; damaged base64 or JSON is refused', () => {
    expect(decodeTipCursor('')).toEqual({ shard: 0 });
    expect(decodeTipCursor(Buffer.from('{"shard":').toString('base64url'))).toBeUndefined();
  });
  test.each([
    [{ shard: 0 }, true],
    [{ shard: 0, load: {} }, true],
    [{ shard: 1 }, false],
    [{ shard: 0, after: '' }, false],
    [{ shard: 0, load: { k: 0 } }, false],
  ])('isFirstSlice(%j) -> %p', (cursor, expected) => {
    expect(isFirstSlice(cursor)).toBe(expected);
  });
});

describe('parseStatsDates', () => {
  test('defaults to the 30 days ending today', () => {
    expect(parseStatsDates({}, '2026-06-30')).toEqual({ ok: true, value: { from: '2026-06-01', to: '2026-06-30' } });
  });
  test('366 days are allowed, 367 are not', () => {
    expect(parseStatsDates({ from: '2025-01-01', to: '2026-01-01' }, '2026-06-30').ok).toBe(true);
    expect(parseStatsDates({ from: '2024-12-31', to: '2026-01-01' }, '2026-06-30')).toMatchObject({
      ok: false,
      error: { code: 'range_too_long' },
    });
  });
  test.each([
    [{ from: '2026-13-01' }, 'invalid_date'],
    [{ to: ['2026-06-01'] }, 'invalid_date'],
    [{ from: '2026-06-02', to: '2026-06-01' }, 'invalid_range'],
  ])('%j is refused with %s', (params, code) => {
    expect(parseStatsDates(params, '2026-06-30')).toMatchObject({ ok: false, error: { code } });
  });
  const badDate = (field: string) => ({
    ok: false,
    error: {
      code: 'invalid_date',
      message: `${field} must be a date as YYYY-MM-DD (a real calendar day)`,
      details: { field },
    },
  });
  test.each([
    // Absent, null and empty are the default; anything else must be a real day.
    [
      { from: null, to: null },
      { ok: true, value: { from: '2026-06-01', to: '2026-06-30' } },
    ],
    [
      { from: '', to: ' ' },
      { ok: true, value: { from: '2026-06-01', to: '2026-06-30' } },
    ],
    [{ to: '2026-02-10' }, { ok: true, value: { from: '2026-01-12', to: '2026-02-10' } }],
    [{ from: '2026-05-01' }, { ok: true, value: { from: '2026-05-01', to: '2026-06-30' } }],
    [
      { from: '2026-06-05', to: '2026-06-05' },
      { ok: true, value: { from: '2026-06-05', to: '2026-06-05' } },
    ],
    [{ to: '2026-02-30' }, badDate('to')],
    [{ to: { day: 1 } }, badDate('to')],
    [{ from: ['2026-06-01'] }, badDate('from')],
    [{ from: '2026-6-1' }, badDate('from')],
    [
      { from: '2026-06-02', to: '2026-06-01' },
      { ok: false, error: { code: 'invalid_range', message: 'from must not be after to', details: { field: 'from' } } },
    ],
    [
      { from: '2024-12-31', to: '2026-01-01' },
      { ok: false, error: { code: 'range_too_long', message: 'at most 366 days', details: { field: 'from' } } },
    ],
  ])('%j -> %j', (params, expected) => {
    expect(parseStatsDates(params, '2026-06-30')).toEqual(expected);
  });
});
