import fc from 'fast-check';
import {
  addCounts,
  advanceRun,
  batchOutcomeOf,
  decodeRunToken,
  emptyCounts,
  encodeRunToken,
  newRunId,
  newRunState,
  numberHash,
  parseSliceOptions,
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
  test('a BUDGET_MS above the Function limit is capped at 8000', () => {
    const parsed = parseSliceOptions({ dryRun: true }, 20000);
    expect(parsed.ok && parsed.value.budgetMs).toBe(8000);
  });
});

describe('batchOutcomeOf', () => {
  test.each([
    [{ kind: 'registered', masked: '+977******278' }, 'registered', null],
    [{ kind: 'would_register', masked: '+977******278' }, 'would_register', null],
    [{ kind: 'suppressed', masked: '+977******278' }, 'already_registered', 'suppressed'],
    [{ kind: 'in_progress', masked: '+977******278' }, 'retry_later', 'in_progress'],
    [{ kind: 'rate_limited', masked: '+977******278' }, 'retry_later', 'rate_limited'],
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
    });
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
