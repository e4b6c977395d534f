import { createDecipheriv, createHmac } from 'node:crypto';
import fc from 'fast-check';
import {
  BUDGET,
  MAX_CURSOR_LENGTH,
  PAGE_SIZE,
  RESULTS_LIMIT,
  addCounts,
  advanceRun,
  batchOutcomeOf,
  carriedPage,
  decodeRunToken,
  emptyCounts,
  encodeRunToken,
  newRunId,
  newRunState,
  numberHash,
  openCarry,
  parseResultsQuery,
  parseSliceOptions,
  sealCarry,
  SeenNumbers,
  type BatchResult,
} from '../../src/core/batch';
import { firstPageUrl, portalPageUrl, readPage, readUser } from '../../src/twilio/portal';

const SECRET = 'a'.repeat(48);

describe('parseSliceOptions', () => {
  test('a real run only with an explicit dryRun: false; page 100 and budget from BUDGET_MS by default', () => {
    expect(parseSliceOptions({ dryRun: false }, 8000)).toEqual({
      ok: true,
      value: { dryRun: false, runId: undefined, cursor: undefined, pageSize: 100, budgetMs: 8000 },
    });
    expect(parseSliceOptions({ dryRun: 'false' }, 8000)).toMatchObject({ ok: true, value: { dryRun: false } });
  });
  test.each([{}, { dryRun: '' }, { dryRun: null }, { dryRun: '  ' }])(
    'no dryRun (%j) is never a real run: 400 dry_run_required',
    (body) => {
      expect(parseSliceOptions(body, 8000)).toEqual({
        ok: false,
        code: 'dry_run_required',
        field: 'dryRun',
        message: expect.stringContaining('dryRun: false') as unknown,
      });
    },
  );
  test('form strings are read like JSON values', () => {
    const parsed = parseSliceOptions({ dryRun: 'true', pageSize: '20', budgetMs: '3000', runId: 'run_x' }, 8000);
    expect(parsed).toEqual({
      ok: true,
      value: { dryRun: true, runId: 'run_x', cursor: undefined, pageSize: 20, budgetMs: 3000 },
    });
  });
  test.each([
    [{ pageSize: 0 }, 'invalid_page_size', 'pageSize'],
    [{ pageSize: 501 }, 'invalid_page_size', 'pageSize'],
    [{ pageSize: '1.5' }, 'invalid_page_size', 'pageSize'],
    [{ budgetMs: 8001 }, 'invalid_budget', 'budgetMs'],
    [{ budgetMs: 10 }, 'invalid_budget', 'budgetMs'],
    [{ dryRun: 'maybe' }, 'invalid_dry_run', 'dryRun'],
    [{ runId: 'has space' }, 'invalid_run_id', 'runId'],
    [{ runId: 42 }, 'invalid_run_id', 'runId'],
    [{ cursor: { a: 1 } }, 'invalid_cursor', 'cursor'],
  ])('%j is refused with %s, naming %s', (body, code, field) => {
    const parsed = parseSliceOptions({ dryRun: true, ...body }, 8000);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect([parsed.code, parsed.field]).toEqual([code, field]);
  });
  test('the limits themselves are allowed, one past them is refused with the limits in words', () => {
    const value = (body: Record<string, unknown>) => {
      const parsed = parseSliceOptions({ dryRun: true, ...body }, 8000);
      return parsed.ok ? parsed.value : parsed;
    };
    expect(value({ pageSize: PAGE_SIZE.min })).toMatchObject({ pageSize: 1 });
    expect(value({ pageSize: PAGE_SIZE.max })).toMatchObject({ pageSize: 500 });
    expect(value({ budgetMs: BUDGET.min })).toMatchObject({ budgetMs: 500 });
    expect(value({ budgetMs: BUDGET.max })).toMatchObject({ budgetMs: 8000 });
    expect(value({ pageSize: PAGE_SIZE.max + 1 })).toEqual({
      ok: false,
      field: 'pageSize',
      code: 'invalid_page_size',
      message: 'pageSize must be an integer from 1 to 500',
    });
    expect(value({ budgetMs: BUDGET.min - 1 })).toEqual({
      ok: false,
      field: 'budgetMs',
      code: 'invalid_budget',
      message: 'budgetMs must be an integer from 500 to 8000',
    });
    expect(value({ budgetMs: 'soon' })).toMatchObject({ code: 'invalid_budget' });
    expect(value({ dryRun: 'maybe' })).toEqual({
      ok: false,
      field: 'dryRun',
      code: 'invalid_dry_run',
      message: 'dryRun must be true or false',
    });
  });
  test('a blank runId or cursor (null or empty, as a form sends them) starts a run', () => {
    for (const blank of [null, '', undefined]) {
      expect(parseSliceOptions({ dryRun: true, runId: blank, cursor: blank }, 8000)).toMatchObject({
        ok: true,
        value: { runId: undefined, cursor: undefined },
      });
    }
    expect(parseSliceOptions({ dryRun: true, runId: 'run_1', cursor: 'abc.def' }, 8000)).toMatchObject({
      ok: true,
      value: { runId: 'run_1', cursor: 'abc.def' },
    });
  });
  test('a cursor may be MAX_CURSOR_LENGTH long, not longer; refusals say what to send', () => {
    expect(parseSliceOptions({ dryRun: true, cursor: 'a'.repeat(MAX_CURSOR_LENGTH) }, 8000).ok).toBe(true);
    expect(parseSliceOptions({ dryRun: true, cursor: 'a'.repeat(MAX_CURSOR_LENGTH + 1) }, 8000)).toEqual({
      ok: false,
      field: 'cursor',
      code: 'invalid_cursor',
      message: 'cursor must be the `next` string a previous slice answered',
    });
    expect(parseSliceOptions({ dryRun: true, runId: 'a b' }, 8000)).toEqual({
      ok: false,
      field: 'runId',
      code: 'invalid_run_id',
      message: 'runId must be the runId a previous slice answered',
    });
  });
  test('a BUDGET_MS above the Function limit is capped at 8000', () => {
    const parsed = parseSliceOptions({ dryRun: true }, 20000);
    expect(parsed.ok && parsed.value.budgetMs).toBe(8000);
  });
});

describe('parseResultsQuery (POST /admin/batch-results)', () => {
  test.each([
    [{ runId: 'run_1' }, { ok: true, value: { runId: 'run_1', from: 0, limit: 1000 } }],
    [
      { runId: 'run_1', from: '250', limit: '5000' },
      { ok: true, value: { runId: 'run_1', from: 250, limit: 5000 } },
    ],
    [{}, { ok: false, code: 'invalid_run_id' }],
    [{ runId: 'a/b' }, { ok: false, code: 'invalid_run_id' }],
    [
      { runId: 'run_1', from: '-1' },
      { ok: false, code: 'invalid_from' },
    ],
    [
      { runId: 'run_1', from: '1.5' },
      { ok: false, code: 'invalid_from' },
    ],
    [
      { runId: 'run_1', limit: '0' },
      { ok: false, code: 'invalid_limit' },
    ],
    [
      { runId: 'run_1', limit: '5001' },
      { ok: false, code: 'invalid_limit' },
    ],
  ])('%j', (query, expected) => expect(parseResultsQuery(query)).toMatchObject(expected));
  test('limit 1 and the maximum are allowed; refusals name the field and say what is allowed', () => {
    expect(parseResultsQuery({ runId: 'run_1', limit: '1' })).toMatchObject({ ok: true, value: { limit: 1 } });
    expect(parseResultsQuery({ runId: 'run_1', limit: String(RESULTS_LIMIT.max) })).toMatchObject({
      ok: true,
      value: { limit: 5000 },
    });
    expect(parseResultsQuery({ runId: 'run_1', limit: 'x' })).toEqual({
      ok: false,
      code: 'invalid_limit',
      message: 'limit must be a whole number from 1 to 5000',
      field: 'limit',
    });
    expect(parseResultsQuery({ runId: 'run_1', from: 'x' })).toEqual({
      ok: false,
      code: 'invalid_from',
      message: 'from must be a row index (a whole number, 0 or more)',
      field: 'from',
    });
    expect(parseResultsQuery({ runId: 7 })).toEqual({
      ok: false,
      code: 'invalid_run_id',
      message: 'runId must be the runId of a real run',
      field: 'runId',
    });
  });
});

describe('advanceRun keeps results ahead of the cursor until the cursor reaches them', () => {
  const r = (userId: string, outcome: BatchResult['outcome'] = 'registered'): BatchResult => ({
    userId,
    masked: null,
    outcome,
    reason: null,
  });
  const now = new Date('2026-11-24T05:00:00Z');
  const start = newRunState({ runId: 'run_1', dryRun: false, firstPage: 'http://p/u/', now });

  test('held ahead, then reported once and counted once', () => {
    const waiting = advanceRun(start, {
      cursor: { page: 'http://p/u/', offset: 2 },
      results: [r('1'), r('2')],
      total: 6,
      now,
      ahead: [r('4', 'invalid'), r('5')],
    });
    expect(waiting.ahead).toEqual([r('4', 'invalid'), r('5')]);
    expect(waiting.processed).toBe(2);
    expect(waiting.counts.invalid).toBe(0);
    const later = advanceRun(waiting, {
      cursor: { page: 'http://p/u/', offset: 5 },
      results: [r('3'), r('4', 'invalid'), r('5')],
      total: 6,
      now,
    });
    expect(later.ahead).toBeUndefined();
    expect(later.counts).toMatchObject({ registered: 4, invalid: 1 });
    const done = advanceRun(later, { cursor: null, results: [r('6')], total: 6, now, ahead: [r('9')] });
    expect(done).toMatchObject({ processed: 6, finishedAt: now.toISOString() });
    expect(done.ahead).toBeUndefined(); // nothing is ahead of a finished run
  });

  test('a result held again for the same user replaces the earlier one', () => {
    const once = advanceRun(start, { cursor: { page: 'x', offset: 0 }, results: [], total: 3, now, ahead: [r('2')] });
    const twice = advanceRun(once, {
      cursor: { page: 'x', offset: 0 },
      results: [],
      total: 3,
      now,
      ahead: [r('2', 'duplicate'), r('3')],
    });
    expect(twice.ahead).toEqual([r('2', 'duplicate'), r('3')]);
  });
});

describe('the carried pages travel sealed', () => {
  const carry = [
    {
      url: 'http://p/u/?page=2',
      count: 9,
      next: null,
      from: 0,
      users: [{ id: '7', phone: '+9779807969278', name: 'सीता शर्मा', language: 'ne' as const }],
    },
  ];
  const state = {
    ...newRunState({ runId: 'run_1', dryRun: false, firstPage: 'http://p/u/', now: new Date(0) }),
    carry,
  };

  test('a token carries them, and no number or name can be read in it', () => {
    const token = encodeRunToken(state, SECRET);
    const visible = token
      .split('.')
      .map((part) => Buffer.from(part, 'base64url').toString('utf8'))
      .join(' ');
    expect(visible).not.toContain('9807969278');
    expect(visible).not.toContain('सीता');
    expect(decodeRunToken(token, SECRET)!.carry).toEqual(carry);
    // Sealed anew each time (random IV): two tokens of one state differ.
    expect(encodeRunToken(state, SECRET)).not.toBe(token);
  });

  test('pages sealed with another key, or damaged, are left behind (the slice fetches them)', () => {
    expect(openCarry(sealCarry(carry, 'b'.repeat(48)), SECRET)).toBeUndefined();
    const sealed = sealCarry(carry, SECRET);
    expect(openCarry(sealed, SECRET)).toEqual(carry);
    const flipped = Buffer.from(sealed, 'base64url');
    flipped[20] = flipped[20]! ^ 1;
    expect(openCarry(flipped.toString('base64url'), SECRET)).toBeUndefined();
    expect(openCarry('short', SECRET)).toBeUndefined();
  });

  test("the format: base64url(iv | AES-256-GCM ciphertext | tag) under a key of its own (the admin token's HMAC of 'batch-carry-v1')", () => {
    const bytes = Buffer.from(sealCarry(carry, SECRET), 'base64url');
    const key = createHmac('sha256', SECRET).update('batch-carry-v1').digest();
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const text = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    expect(JSON.parse(text.toString('utf8'))).toEqual(carry);
  });
});

describe('carriedPage', () => {
  const carry = [
    {
      url: 'http://p/u/?page=2',
      count: 9,
      next: 'http://p/u/?page=3',
      from: 3,
      users: [
        { id: '7', phone: 'a' },
        { id: '8', phone: 'b' },
      ],
    },
  ];
  test('the carried users keep their page indices; a page or offset not held is not carried', () => {
    const page = carriedPage(carry, 'http://p/u/?page=2', 4)!;
    expect(page.users.slice(3)).toEqual(carry[0]!.users);
    expect(page.users).toHaveLength(5);
    expect(page).toMatchObject({ count: 9, next: 'http://p/u/?page=3' });
    expect(carriedPage(carry, 'http://p/u/?page=2', 2)).toBeUndefined(); // users before `from` are not held
    expect(carriedPage(carry, 'http://p/u/?page=2', 3)!.users).toHaveLength(5); // from `from` on
    expect(carriedPage(carry, 'http://p/u/?page=2', 5)!.users).toHaveLength(5); // all done: the slice moves on to `next`
    expect(carriedPage(carry, 'http://p/u/?page=2', 6)).toBeUndefined();
    expect(carriedPage(carry, 'http://p/u/?page=3', 0)).toBeUndefined();
    expect(carriedPage(undefined, 'http://p/u/?page=2', 3)).toBeUndefined();
  });
});

describe('batchOutcomeOf', () => {
  test.each([
    [{ kind: 'registered', masked: '+977******278' }, 'registered', null],
    [{ kind: 'would_register', masked: '+977******278' }, 'would_register', null],
    [{ kind: 'suppressed', masked: '+977******278' }, 'already_registered', 'suppressed'],
    [{ kind: 'in_progress', masked: '+977******278' }, 'retry_later', 'in_progress'],
    [{ kind: 'rate_limited', masked: '+977******278' }, 'retry_later', 'rate_limited'],
    [{ kind: 'rate_limited', masked: '+977******278', cause: 'welcome_rate' }, 'retry_later', 'rate_limited'],
    [{ kind: 'rate_limited', masked: '+977******278', cause: 'cooldown' }, 'retry_later', 'cooldown'],
    [{ kind: 'invalid', reason: 'too_short' }, 'invalid', 'too_short'],
    [{ kind: 'invalid', reason: 'lookup_invalid' }, 'invalid', 'lookup_invalid'],
    [{ kind: 'invalid', reason: 'country_not_allowed' }, 'country_not_allowed', 'country_not_allowed'],
    [{ kind: 'rejected', masked: '+977******001', code: 21211 }, 'rejected_by_twilio', 'twilio_21211'],
    [{ kind: 'not_configured' }, 'retry_later', 'not_configured'],
  ])('%j -> %s (%s)', (input, outcome, reason) => {
    const mapped = batchOutcomeOf(input);
    expect(mapped.outcome).toBe(outcome);
    expect(mapped.reason).toBe(reason);
    expect(mapped.masked).toBe((input as { masked?: string }).masked ?? null);
  });
});

describe('batchOutcomeOf, whole answers', () => {
  test.each([
    'registered',
    'would_register',
    'already_registered',
    'opted_out',
    'conflict',
    'needs_join',
    'retry_later',
  ])('%s is reported as itself, with no reason', (kind) => {
    expect(batchOutcomeOf({ kind, masked: '+977******278' })).toEqual({
      outcome: kind,
      reason: null,
      masked: '+977******278',
    });
  });
  test('a conflict names the portal user who holds the number', () => {
    expect(batchOutcomeOf({ kind: 'conflict', masked: '+977******278', holderUserId: '41' })).toEqual({
      outcome: 'conflict',
      reason: null,
      masked: '+977******278',
      holder: '41',
    });
  });
  test('an invalid number without a reason, and a rejection without a code, still say what they are', () => {
    expect(batchOutcomeOf({ kind: 'invalid' })).toEqual({ outcome: 'invalid', reason: 'invalid', masked: null });
    expect(batchOutcomeOf({ kind: 'rejected', masked: '' })).toEqual({
      outcome: 'rejected_by_twilio',
      reason: null,
      masked: null,
    });
  });
});

describe('counts and run state', () => {
  const result = (outcome: BatchResult['outcome']): BatchResult => ({
    userId: 'u',
    masked: null,
    outcome,
    reason: null,
  });
  test('counts start at zero for every outcome of the mode and add up', () => {
    expect(Object.keys(emptyCounts(true))).toContain('would_register');
    expect(Object.keys(emptyCounts(false))).not.toContain('would_register');
    const counts = addCounts(emptyCounts(true), [
      result('would_register'),
      result('duplicate'),
      result('would_register'),
    ]);
    expect(counts).toMatchObject({ would_register: 2, duplicate: 1, invalid: 0 });
  });
  test('advanceRun moves the cursor, adds counts and finishes at a null cursor', () => {
    const start = newRunState({
      runId: 'r',
      dryRun: false,
      firstPage: 'http://p/?page_size=2',
      now: new Date('2026-01-01T00:00:00Z'),
    });
    const mid = advanceRun(start, {
      cursor: { page: 'http://p/?page=2', offset: 0 },
      results: [result('registered')],
      total: 3,
      now: new Date('2026-01-01T00:00:01Z'),
    });
    expect(mid).toMatchObject({
      processed: 1,
      total: 3,
      finishedAt: null,
      cursor: { page: 'http://p/?page=2', offset: 0 },
    });
    const end = advanceRun(mid, {
      cursor: null,
      results: [result('invalid'), result('registered')],
      total: null,
      now: new Date('2026-01-01T00:00:02Z'),
    });
    expect(end).toMatchObject({
      processed: 3,
      total: 3,
      finishedAt: '2026-01-01T00:00:02.000Z',
      counts: { registered: 2, invalid: 1 },
    });
  });
  test('run ids are sortable by start time and carry a random tail', () => {
    expect(newRunId(new Date('2026-11-24T05:11:00.123Z'), 'ab12cdef')).toBe('run_2026-11-24T05-11-00Z_ab12cd');
  });
});

describe('cursor token', () => {
  const state = {
    ...newRunState({
      runId: 'run_1',
      dryRun: true,
      firstPage: 'http://portal/api/users/?page_size=5',
      now: new Date(),
    }),
    seen: 'AAAAAAAB',
    seenCapped: false,
  };
  test('round-trips', () => {
    expect(decodeRunToken(encodeRunToken(state, SECRET), SECRET)).toEqual(state);
  });
  test('another secret, a flipped character, a changed seen part or garbage is refused', () => {
    const token = encodeRunToken(state, SECRET);
    expect(decodeRunToken(token, 'b'.repeat(48))).toBeUndefined();
    const [payload, seen, sig] = token.split('.');
    expect(seen).toBe(state.seen); // the hashes ride as they are, not inside the JSON
    const tampered = Buffer.from(JSON.stringify({ ...state, seen: undefined, processed: 999 })).toString('base64url');
    expect(decodeRunToken(`${tampered}.${seen}.${sig}`, SECRET)).toBeUndefined();
    expect(decodeRunToken(`${payload}.AAAAAAAC.${sig}`, SECRET)).toBeUndefined();
    expect(decodeRunToken(`${payload}.${sig}`, SECRET)).toBeUndefined();
    expect(decodeRunToken(`${payload}.${seen}.${sig}x`, SECRET)).toBeUndefined();
    expect(decodeRunToken('not-a-token', SECRET)).toBeUndefined();
    expect(decodeRunToken('', SECRET)).toBeUndefined();
  });
  test('the token is the JSON, the seen part and an HMAC-SHA256 over both joined by a dot, under a key of its own', () => {
    const token = encodeRunToken(state, SECRET);
    const [payload, seen, sig] = token.split('.');
    const key = createHmac('sha256', SECRET).update('batch-cursor-v1').digest();
    expect(sig).toBe(createHmac('sha256', key).update(`${payload}.${seen}`).digest('base64url'));
    const { seen: _seen, ...rest } = state;
    expect(JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'))).toEqual(rest);
  });
  test('no carried pages: nothing sealed, and none come back', () => {
    const token = encodeRunToken({ ...state, carry: [] }, SECRET);
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'))).not.toHaveProperty(
      'sealedCarry',
    );
    expect(decodeRunToken(token, SECRET)).not.toHaveProperty('carry');
  });
  test('a real run token carries no seen part, even an empty one', () => {
    const real = newRunState({ runId: 'run_3', dryRun: false, firstPage: 'http://portal/api/users/', now: new Date() });
    expect(decodeRunToken(encodeRunToken(real, SECRET), SECRET)).not.toHaveProperty('seen');
  });
  test('a real run (no seen set) has a two-part token', () => {
    const real = newRunState({ runId: 'run_2', dryRun: false, firstPage: 'http://portal/api/users/', now: new Date() });
    const token = encodeRunToken(real, SECRET);
    expect(token.split('.')).toHaveLength(2);
    expect(decodeRunToken(token, SECRET)).toEqual(real);
  });
});

describe('SeenNumbers', () => {
  test('remembers numbers across pack/unpack (property)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 9800000000, max: 9869999999 }), { maxLength: 200 }), (nationals) => {
        const seen = new SeenNumbers();
        const numbers = nationals.map((n) => `+977${n}`);
        numbers.slice(0, numbers.length / 2).forEach((n) => seen.add(n));
        const again = new SeenNumbers(seen.pack(), seen.capped);
        numbers.forEach((n, i) => expect(again.has(n)).toBe(i < Math.floor(numbers.length / 2)));
      }),
      { numRuns: 50 },
    );
  });
  test('a new set, or one from a cursor that was not capped, is not capped', () => {
    expect(new SeenNumbers().capped).toBe(false);
    expect(new SeenNumbers(new SeenNumbers().pack()).capped).toBe(false);
  });
  test('stops remembering at the cap and says so', () => {
    const seen = new SeenNumbers('', false, 3);
    ['+9779840000001', '+9779840000002', '+9779840000003', '+9779840000004'].forEach((n) => seen.add(n));
    expect(seen.size).toBe(3);
    expect(seen.capped).toBe(true);
    expect(seen.has('+9779840000004')).toBe(false);
    expect(Buffer.from(seen.pack(), 'base64url')).toHaveLength(18);
  });
  test('merges the cursor hashes with the slice ones in order, once each, 8 characters per number', () => {
    const first = new SeenNumbers();
    const numbers = Array.from({ length: 50 }, (_, i) => `+97798400${String(i * 7919).padStart(5, '0')}`);
    numbers.slice(0, 30).forEach((n) => first.add(n));
    const second = new SeenNumbers(first.pack());
    numbers.slice(20).forEach((n) => second.add(n)); // 10 already seen
    expect(second.size).toBe(50);
    const packed = second.pack();
    expect(packed).toHaveLength(50 * 8);
    const bytes = Buffer.from(packed, 'base64url');
    const hashes = Array.from({ length: 50 }, (_, i) => bytes.readUIntBE(i * 6, 6));
    expect(hashes).toEqual([...hashes].sort((a, b) => a - b));
    expect(new Set(hashes).size).toBe(50);
    expect(new Set(hashes)).toEqual(new Set(numbers.map(numberHash)));
  });
});

describe('portal page reading', () => {
  const config = {
    url: 'https://portal.example/api/users/',
    token: 't',
    scheme: 'Token',
    idField: 'id',
    phoneField: 'phone',
  };
  test('first page URL sets page_size and drops page', () => {
    expect(firstPageUrl('https://portal.example/api/users/?page=3&active=1', 50)).toBe(
      'https://portal.example/api/users/?active=1&page_size=50',
    );
  });
  test('next stays on the portal host, on its scheme', () => {
    expect(portalPageUrl('http://portal.example/api/users/?page=2', config.url)).toBe(
      'https://portal.example/api/users/?page=2',
    );
    expect(portalPageUrl('/api/users/?page=2', config.url)).toBe('https://portal.example/api/users/?page=2');
    expect(portalPageUrl('https://evil.example/api/users/?page=2', config.url)).toBeUndefined();
    expect(portalPageUrl('file:///etc/passwd', config.url)).toBeUndefined();
  });
  test('a DRF page is read, with configurable field names, language and blank phones', () => {
    const page = readPage(
      {
        count: 3,
        next: 'https://portal.example/api/users/?page=2',
        previous: null,
        results: [
          { pk: 7, mobile: '9841000000', language: 'NE' },
          { pk: 'x', mobile: null },
          { pk: 9, mobile: '', language: 'fr' },
        ],
      },
      'https://portal.example/api/users/',
      { ...config, idField: 'pk', phoneField: 'mobile' },
    );
    expect(page).toEqual({
      url: 'https://portal.example/api/users/',
      count: 3,
      next: 'https://portal.example/api/users/?page=2',
      users: [
        { id: '7', phone: '9841000000', language: 'ne' },
        { id: 'x', phone: '' },
        { id: '9', phone: '' },
      ],
      // PORTAL_NAME_FIELD defaults to `name`, which no user of this page has.
      missingFields: [{ setting: 'PORTAL_NAME_FIELD', field: 'name' }],
    });
  });

  test('every field the batch reads is mapped: name, language (with its spellings), channel, time zone, nested paths', () => {
    const mapped = {
      ...config,
      idField: 'pk',
      phoneField: 'profile.mobile',
      nameField: 'full_name',
      languageField: 'preferred_language',
      channelField: 'channel',
      timezoneField: 'profile.tz',
    };
    const user = (fields: Record<string, unknown>) =>
      ({ pk: 1, profile: { mobile: ' 9841000000 ', tz: 'America/New_York' }, ...fields }) as Record<string, unknown>;
    const page = readPage(
      {
        count: 6,
        next: null,
        results: [
          user({ full_name: '  Sita Sharma ', preferred_language: 'ne', channel: 'WhatsApp' }),
          user({ full_name: 'Ram', preferred_language: 'Nepali', channel: 'sms' }),
          user({ full_name: '', preferred_language: 'नेपाली', channel: 'pigeon' }),
          user({ preferred_language: 'np' }),
          user({ preferred_language: 'ne_NP', profile: { mobile: '1', tz: 'Mars/Olympus' } }),
          user({ preferred_language: 'en-US', name: 'not this field' }),
        ],
      },
      config.url,
      mapped,
    );
    expect(typeof page).toBe('object');
    const { users, missingFields } = page as Exclude<typeof page, string>;
    expect(users.map((u) => [u.name, u.language, u.channel, u.timezone])).toEqual([
      ['Sita Sharma', 'ne', 'whatsapp', 'America/New_York'],
      ['Ram', 'ne', 'sms', 'America/New_York'],
      [undefined, 'ne', undefined, 'America/New_York'],
      [undefined, 'ne', undefined, 'America/New_York'],
      [undefined, 'ne', undefined, undefined],
      [undefined, 'en', undefined, 'America/New_York'],
    ]);
    expect(users[0]!.phone).toBe(' 9841000000 ');
    // A field some users have is not missing; one that no user of the page has is.
    expect(missingFields).toBeUndefined();
    const bare = readPage({ count: 1, next: null, results: [{ pk: 1, profile: { mobile: '1' } }] }, config.url, mapped);
    expect((bare as Exclude<typeof bare, string>).missingFields).toEqual([
      { setting: 'PORTAL_NAME_FIELD', field: 'full_name' },
      { setting: 'PORTAL_LANGUAGE_FIELD', field: 'preferred_language' },
      { setting: 'PORTAL_CHANNEL_FIELD', field: 'channel' },
      { setting: 'PORTAL_TIMEZONE_FIELD', field: 'profile.tz' },
    ]);
    // Unmapped channel and time zone are never reported; an empty page reports nothing.
    const plain = readPage({ count: 0, next: null, results: [] }, config.url, config);
    expect((plain as Exclude<typeof plain, string>).missingFields).toBeUndefined();
  });
  test.each([
    [[], 'not a JSON object'],
    [{ count: 1, next: null }, 'no "results"'],
    [{ next: null, results: [] }, 'no integer "count"'],
    [{ count: 1, next: 5, results: [] }, '"next"'],
    [{ count: 1, next: 'https://other.example/?page=2', results: [] }, 'another host'],
    [{ count: 1, next: null, results: [{ phone: '1' }] }, 'PORTAL_ID_FIELD'],
    [{ count: 1, next: null, results: [{ id: 1 }] }, 'PORTAL_PHONE_FIELD'],
    [{ count: 1, next: null, results: ['x'] }, 'not an object'],
  ])('malformed page %j is explained (%s)', (body, why) => {
    const page = readPage(body, config.url, config);
    expect(typeof page).toBe('string');
    expect(page as string).toContain(why);
  });
  test('a user id is trimmed and bounded', () => {
    expect(readUser({ id: ' a'.padEnd(100, 'b'), phone: '1' }, config)).toMatchObject({ id: 'a'.padEnd(64, 'b') });
  });
});
