/**
 * The attack suite (issue 14): the probes that got through, and the guarantees that held,
 * replayed against the real twilio-run and the sandbox. Every attack asserts its answer AND
 * that nothing was written to Sync and nothing was sent (the sandbox records every Twilio
 * API call: a write is any call that is not a GET). docs/security.md says what each route
 * trusts.
 */
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import twilio from 'twilio';
import { answer, register, signPortal, startSystem, unixNow, type HttpAnswer, type System } from '../helpers/system';

jest.setTimeout(120_000);

let system: System;
let admin: Record<string, string>;

beforeAll(async () => {
  system = await startSystem({
    // No status callbacks: the only Sync writes are the ones an attack would cause.
    sandbox: { recordRequests: true, statusCallbacks: false },
    env: { LOOKUP_MODE: 'off' },
    // One warm process (the runtime builds `event` the same way as with a fork per request).
    forkPerRequest: false,
  });
  admin = { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` };
});
afterAll(async () => system?.stop());
afterEach(() => expect(system.sandbox.violations()).toEqual([]));

/** Twilio API calls that change something (Messages create, Sync writes), and messages sent. */
function effects() {
  const writes = system.sandbox.requests().filter((r) => r.method !== 'GET').length;
  return { writes, sent: system.sandbox.messages().length };
}

/** Runs an attack and asserts it changed nothing at Twilio: no Sync write, no message. */
async function noEffect<T>(attack: () => Promise<T>): Promise<T> {
  await system.sandbox.settle();
  const before = effects();
  const result = await attack();
  await system.sandbox.settle();
  expect(effects()).toEqual(before);
  return result;
}

async function raw(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<HttpAnswer> {
  return answer(await fetch(system.baseUrl + path, { method: init.method ?? 'POST', ...init }));
}

const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'Content-Type': 'application/json' };
const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const twilioSig = (url: string, params: Record<string, string | string[]>) =>
  twilio.getExpectedTwilioSignature(system.env.AUTH_TOKEN!, url, params as Record<string, string>);

function subscriber(e164: string) {
  for (let shard = 0; shard < 4; shard++) {
    const found = system.sandbox.syncItems(`subscribers-${shard}`).find((i) => i.key === e164);
    if (found) return found.data as { status: string; name?: string };
  }
  return undefined;
}

/** A registered subscriber and its welcome's MessageSid. */
async function registered(userId: string, national: string): Promise<string> {
  const res = await register(system, { user_id: userId, phone: national });
  expect(res.status).toBe(201);
  return res.json.welcome.messageSid as string;
}

function expectError(res: HttpAnswer, status: number, code: string, field?: string) {
  expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status, code });
  if (field !== undefined) expect(res.json.error.field).toBe(field);
  // Never a stack trace, a path on this machine, or a secret in an error answer.
  expect(res.text).not.toMatch(/\n\s+at |node_modules|\/work\//);
  expect(res.text).not.toContain(system.env.ADMIN_TOKEN!);
  expect(res.text).not.toContain(system.env.AUTH_TOKEN!);
}

describe('1. unsigned parameters riding on a signed webhook', () => {
  test('a signed `sent` callback with ErrorCode=21610 appended twice is refused; the subscriber stays active', async () => {
    const sid = await registered('atk-1a', '9844100001');
    const url = `${system.baseUrl}/status-callback`;
    const signed = { MessageSid: sid, MessageStatus: 'sent', To: '+9779844100001' };
    const res = await noEffect(() =>
      raw('/status-callback', {
        headers: { ...FORM, 'X-Twilio-Signature': twilioSig(url, signed) },
        body: `${form(signed)}&ErrorCode=21610&ErrorCode=21610`,
      }),
    );
    expectError(res, 403, 'bad_signature');
    expect(subscriber('+9779844100001')?.status).toBe('active');
  });

  test('repeated keys signed exactly as Twilio signs them pass the signature; a repeated field the route reads is still refused', async () => {
    const sid = await registered('atk-1b', '9844100002');
    const url = `${system.baseUrl}/status-callback`;
    const params = { MessageSid: sid, MessageStatus: 'failed', ErrorCode: ['21610', '30003'], To: '+9779844100002' };
    const body = `${form({ MessageSid: sid, MessageStatus: 'failed', To: '+9779844100002' })}&ErrorCode=21610&ErrorCode=30003`;
    const res = await noEffect(() =>
      raw('/status-callback', { headers: { ...FORM, 'X-Twilio-Signature': twilioSig(url, params) }, body }),
    );
    expectError(res, 400, 'repeated_field', 'ErrorCode');
    expect(subscriber('+9779844100002')?.status).toBe('active');
  });

  test('a signed /register with name=a&name=b or a doubled resubscribe=true appended is refused', async () => {
    const url = `${system.baseUrl}/register`;
    const signed = { user_id: 'atk-1c', phone: '9844100003', timestamp: unixNow() };
    const signature = signPortal(system.env.PORTAL_WEBHOOK_SECRET!, url, signed);
    for (const extra of ['&name=a&name=b', '&resubscribe=true&resubscribe=true']) {
      const res = await noEffect(() =>
        raw('/register', { headers: { ...FORM, 'X-Portal-Signature': signature }, body: form(signed) + extra }),
      );
      expectError(res, 401, 'bad_signature');
    }
    // Even signed by the portal itself, a repeated field is refused before any handler logic.
    const both = { ...signed, name: ['a', 'b'] };
    const res = await noEffect(() =>
      raw('/register', {
        headers: {
          ...FORM,
          'X-Portal-Signature': twilio.getExpectedTwilioSignature(
            system.env.PORTAL_WEBHOOK_SECRET!,
            url,
            both as never,
          ),
        },
        body: `${form(signed)}&name=a&name=b`,
      }),
    );
    expectError(res, 400, 'repeated_field', 'name');
    expect(subscriber('+9779844100003')).toBeUndefined();
  });

  test('an unexpected field on a signed /register is refused even when signed', async () => {
    const res = await noEffect(() =>
      system.post(
        '/register',
        { user_id: 'atk-1d', phone: '9844100004', role: 'admin', timestamp: unixNow() },
        { sign: 'portal' },
      ),
    );
    expectError(res, 400, 'unknown_field', 'role');
  });
});

describe('2. the caller cannot write event.request', () => {
  const bearer = () => encodeURIComponent(`Bearer ${system.env.ADMIN_TOKEN}`);

  test('GET /admin/stats?request[headers][authorization]=Bearer <token> with no header is refused', async () => {
    const res = await noEffect(() => system.get(`/admin/stats?request[headers][authorization]=${bearer()}`));
    expectError(res, 400, 'reserved_field', 'request');
    // With cookies and a content-length too (the runtime's shape, as far as a query can copy it).
    const fuller = await noEffect(() =>
      system.get(
        `/admin/stats?request[headers][authorization]=${bearer()}&request[cookies][a]=b&request[headers][content-length]=0`,
      ),
    );
    expectError(fuller, 400, 'reserved_field', 'request');
  });

  test('a JSON body {"request":{"headers":…}} on /admin/batch-register is refused, with or without a real header', async () => {
    const body = { dryRun: true, request: { headers: { authorization: `Bearer ${system.env.ADMIN_TOKEN}` } } };
    expectError(await noEffect(() => system.postJson('/admin/batch-register', body)), 400, 'reserved_field', 'request');
    expectError(
      await noEffect(() => system.postJson('/admin/batch-register', body, admin)),
      400,
      'reserved_field',
      'request',
    );
  });

  test('a form field `request` and a query-set X-Twilio-Signature are refused', async () => {
    const res = await noEffect(() =>
      raw('/register', { headers: FORM, body: form({ request: 'x', user_id: 'atk-2c', phone: '9844100005' }) }),
    );
    expectError(res, 400, 'reserved_field', 'request');
    const sig = twilioSig(`${system.baseUrl}/status-callback`, {
      MessageSid: 'SM' + '0'.repeat(32),
      MessageStatus: 'failed',
    });
    const forged = await noEffect(() =>
      raw(`/status-callback?request[headers][x-twilio-signature]=${encodeURIComponent(sig)}`, {
        headers: FORM,
        body: form({ MessageSid: 'SM' + '0'.repeat(32), MessageStatus: 'failed' }),
      }),
    );
    expectError(forged, 400, 'reserved_field', 'request');
  });

  test('the unsubscribe link cannot be made to act like the page form by a query-set Content-Type', async () => {
    const res = await noEffect(() =>
      raw('/u?t=abcd&action=stop&request[headers][content-type]=application%2Fx-www-form-urlencoded', {
        method: 'GET',
      }),
    );
    expectError(res, 400, 'reserved_field', 'request');
  });
});

describe('3. a real run is asked for explicitly', () => {
  test.each([
    ['/admin/batch-register', {}],
    ['/admin/batch-register', { dryRun: '' }],
    ['/admin/batch-register', { dryRun: null }],
    ['/admin/schedule-tips', {}],
    ['/admin/schedule-tips', { days: 2 }],
  ])('%s %j without dryRun -> 400 dry_run_required, nothing sent', async (path, body) => {
    const res = await noEffect(() => system.postJson(path, body, admin));
    expectError(res, 400, 'dry_run_required', 'dryRun');
  });

  test.each([
    ['/admin/batch-register', { dryRun: 'maybe' }],
    ['/admin/schedule-tips', { dryRun: 'sometimes' }],
  ])('%s %j -> 400 invalid_dry_run', async (path, body) => {
    expectError(await noEffect(() => system.postJson(path, body, admin)), 400, 'invalid_dry_run', 'dryRun');
  });
});

describe('4. every admin input is validated before use: 400 with the field named, never 500', () => {
  test.each([
    ['/admin/stats', { to: '2026-13-01' }, 'invalid_date', 'to'],
    ['/admin/stats', { from: '2026-02-30' }, 'invalid_date', 'from'],
    ['/admin/stats', { from: '2026-05-02', to: '2026-05-01' }, 'invalid_range', 'from'],
    ['/admin/stats', { from: '1990-01-01', to: '2026-01-01' }, 'range_too_long', 'from'],
    ['/admin/stats', { to: ['2026-01-01'] }, 'repeated_field', 'to'],
    ['/admin/stats', { to: { $gt: '' } }, 'invalid_field', 'to'],
    ['/admin/stats', { until: '2026-01-01' }, 'unknown_field', 'until'],
    ['/admin/schedule-tips', { dryRun: true, date: '2026-13-40' }, 'invalid_date', 'date'],
    ['/admin/schedule-tips', { dryRun: true, days: 1e9 }, 'invalid_days', 'days'],
    ['/admin/schedule-tips', { dryRun: true, days: 'two' }, 'invalid_days', 'days'],
    ['/admin/schedule-tips', { dryRun: true, cursor: 'not-a-cursor' }, 'invalid_cursor', 'cursor'],
    ['/admin/batch-register', { dryRun: true, pageSize: -1 }, 'invalid_page_size', 'pageSize'],
    ['/admin/batch-register', { dryRun: true, budgetMs: 'NaN' }, 'invalid_budget', 'budgetMs'],
    ['/admin/batch-register', { dryRun: true, runId: '../../etc' }, 'invalid_run_id', 'runId'],
    ['/admin/consent-history', { phone: '' }, 'empty', 'phone'],
    ['/admin/consent-history', { phone: '9844100006', format: 'xml' }, 'invalid_format', 'format'],
    ['/admin/events', { kind: 'everything' }, 'invalid_kind', 'kind'],
    ['/admin/events', { limit: 1e9 }, 'invalid_limit', 'limit'],
    ['/admin/events', { before: '../../etc' }, 'invalid_cursor', 'before'],
    ['/admin/events', { kind: { $ne: '' } }, 'invalid_field', 'kind'],
    ['/admin/subscriber', { phone: '' }, 'empty', 'phone'],
    ['/admin/subscriber', { phone: ['9844100006'] }, 'repeated_field', 'phone'],
    ['/admin/subscriber', { phone: '9844100006', format: 'csv' }, 'unknown_field', 'format'],
  ])('%s %j -> 400 %s', async (path, body, code, field) => {
    expectError(await noEffect(() => system.postJson(path, body, admin)), 400, code, field);
  });
});

describe('5. names cannot garble the welcome', () => {
  test('bidi overrides and zero-width characters are dropped; the name is cut by grapheme, never inside an emoji', async () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}';
    const name = `Evil\u202Eexe.\u200Bx${'a'.repeat(20)}${family}${family}`;
    const res = await system.post(
      '/register',
      // Nepali: its welcome is UCS-2 anyway, so an emoji in the name does not push it over budget
      // (an English SMS welcome leaves out a name that would make it UCS-2, issue 25).
      { user_id: 'atk-5', phone: '9844100007', name, language: 'ne', timestamp: unixNow() },
      { sign: 'portal' },
    );
    expect(res.status).toBe(201);
    // The welcome, not the first tip that is scheduled beside it.
    const body = system.sandbox.messages().find((m) => m.to === '+9779844100007' && !m.sendAt)!.body ?? '';
    expect(body).not.toMatch(/[\u202A-\u202E\u2066-\u2069\u200B\u2060\uFEFF]/u);
    expect(body).toContain(`Evilexe.x${'a'.repeat(20)}`);
    // 30 graphemes: "Evilexe.x" (9) + 20 a + one whole family emoji; no lone half of a surrogate pair.
    expect(body).toContain(`${'a'.repeat(20)}${family}!`);
    expect(body).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/u);
  });
});

describe('7. phone numbers and tokens stay out of URLs and access logs', () => {
  test('/register with its fields in the query string is refused; the access log shows no number', async () => {
    const params = { user_id: 'atk-7', phone: '9807969286', timestamp: unixNow() };
    const url = `${system.baseUrl}/register?${form(params)}`;
    const res = await noEffect(() =>
      raw(`/register?${form(params)}`, {
        headers: {
          'X-Portal-Signature': signPortal(system.env.PORTAL_WEBHOOK_SECRET!, `${system.baseUrl}/register`, params),
        },
      }),
    );
    expectError(res, 400, 'query_not_allowed');
    // Part in the body, part in the query: still refused.
    const split = await noEffect(() =>
      raw('/register?phone=9807969286', {
        headers: { ...FORM, 'X-Portal-Signature': signPortal(system.env.PORTAL_WEBHOOK_SECRET!, url, params) },
        body: form({ user_id: 'atk-7', timestamp: params.timestamp }),
      }),
    );
    expectError(split, 400, 'query_not_allowed');
    expect(system.logs()).not.toContain('9807969286');
  });

  test('an admin token in the query or the body is refused and never logged', async () => {
    const token = system.env.ADMIN_TOKEN!;
    expectError(await noEffect(() => system.get(`/admin/stats?token=${token}`)), 400, 'query_not_allowed');
    expectError(
      await noEffect(() => system.get(`/admin/stats?authorization=${encodeURIComponent(`Bearer ${token}`)}`)),
      400,
      'query_not_allowed',
    );
    expectError(await noEffect(() => system.postJson('/admin/stats', { token })), 401, 'unauthorized');
    expectError(
      await noEffect(() =>
        system.postJson('/admin/batch-register', { dryRun: true, authorization: `Bearer ${token}` }),
      ),
      401,
      'unauthorized',
    );
    expectError(
      await noEffect(() => system.postJson('/admin/consent-history?phone=9844100001', {}, admin)),
      400,
      'query_not_allowed',
    );
    expect(system.logs()).not.toContain(token);
  });
});

describe('8. the dev server', () => {
  test('twilio-run listens on 127.0.0.1 only', () => {
    const port = Number(new URL(system.baseUrl).port);
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const listening = (file: string) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .slice(1)
        .map((line) => line.trim().split(/\s+/))
        .filter((cols) => cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A')
        .map((cols) => cols[1]!.split(':')[0]);
    expect(listening('/proc/net/tcp')).toEqual(['0100007F']);
    expect(listening('/proc/net/tcp6')).toEqual([]);
  });

  test('the sandbox auth token is random per run: a webhook signed with the old all-zeros token is refused', async () => {
    expect(system.env.AUTH_TOKEN).toMatch(/^[0-9a-f]{32}$/);
    expect(system.env.AUTH_TOKEN).not.toBe('0'.repeat(32));
    const params = { From: '+14155550100', Body: 'STOP', MessageSid: 'SM' + '1'.repeat(32) };
    const url = `${system.baseUrl}/incoming`;
    const res = await noEffect(() =>
      raw('/incoming', {
        headers: { ...FORM, 'X-Twilio-Signature': twilio.getExpectedTwilioSignature('0'.repeat(32), url, params) },
        body: form(params),
      }),
    );
    expectError(res, 403, 'bad_signature');
  });
});

describe('guarantees that held: signatures', () => {
  const fields = () => ({ user_id: 'atk-sig', phone: '9844100009', timestamp: unixNow() });
  const url = () => `${system.baseUrl}/register`;
  const sign = (u: string, p: Record<string, string>) => signPortal(system.env.PORTAL_WEBHOOK_SECRET!, u, p);

  test.each([
    ['missing', () => ({ headers: FORM, params: fields() }), 401, 'missing_signature'],
    [
      'wrong secret',
      () => {
        const p = fields();
        return {
          headers: { ...FORM, 'X-Portal-Signature': twilio.getExpectedTwilioSignature('x'.repeat(48), url(), p) },
          params: p,
        };
      },
      401,
      'bad_signature',
    ],
    [
      'stale (10 minutes old)',
      () => {
        const p = { ...fields(), timestamp: String(Math.floor(Date.now() / 1000) - 600) };
        return { headers: { ...FORM, 'X-Portal-Signature': sign(url(), p) }, params: p };
      },
      401,
      'stale_signature',
    ],
    [
      'future (10 minutes ahead)',
      () => {
        const p = { ...fields(), timestamp: String(Math.floor(Date.now() / 1000) + 600) };
        return { headers: { ...FORM, 'X-Portal-Signature': sign(url(), p) }, params: p };
      },
      401,
      'stale_signature',
    ],
    [
      'foreign URL',
      () => {
        const p = fields();
        return { headers: { ...FORM, 'X-Portal-Signature': sign('https://evil.example/register', p) }, params: p };
      },
      401,
      'bad_signature',
    ],
    [
      'reordered (params concatenated unsorted)',
      () => {
        const p = fields();
        const data =
          url() +
          Object.entries(p)
            .map(([k, v]) => k + v)
            .reverse()
            .join('');
        const sig = createHmac('sha1', system.env.PORTAL_WEBHOOK_SECRET!).update(data).digest('base64');
        return { headers: { ...FORM, 'X-Portal-Signature': sig }, params: p };
      },
      401,
      'bad_signature',
    ],
    [
      'no timestamp',
      () => {
        const { timestamp: _t, ...p } = fields();
        return { headers: { ...FORM, 'X-Portal-Signature': sign(url(), p) }, params: p };
      },
      401,
      'missing_timestamp',
    ],
  ])('/register %s -> refused, nothing written', async (_what, make, status, code) => {
    const { headers, params } = make();
    expectError(await noEffect(() => raw('/register', { headers, body: form(params) })), status, code);
  });

  test('body order does not matter (Twilio sorts), so a correctly signed call sent in another order is accepted', async () => {
    const p = { user_id: 'atk-order', phone: '9844100010', timestamp: unixNow() };
    const body = form({ timestamp: p.timestamp, phone: p.phone, user_id: p.user_id });
    const res = await raw('/register', { headers: { ...FORM, 'X-Portal-Signature': sign(url(), p) }, body });
    expect(res.status).toBe(201);
  });

  test('/incoming and /status-callback: missing or wrong X-Twilio-Signature -> 403, nothing written', async () => {
    const params = { From: '+14155550100', Body: 'STOP', MessageSid: 'SM' + '2'.repeat(32) };
    expectError(await noEffect(() => raw('/incoming', { headers: FORM, body: form(params) })), 403, 'bad_signature');
    const cb = { MessageSid: 'SM' + '3'.repeat(32), MessageStatus: 'failed', ErrorCode: '21610' };
    const foreign = twilio.getExpectedTwilioSignature(
      system.env.AUTH_TOKEN!,
      'https://evil.example/status-callback',
      cb,
    );
    expectError(
      await noEffect(() =>
        raw('/status-callback', { headers: { ...FORM, 'X-Twilio-Signature': foreign }, body: form(cb) }),
      ),
      403,
      'bad_signature',
    );
  });
});

describe('guarantees that held: the admin token', () => {
  const token = () => system.env.ADMIN_TOKEN!;
  test.each([
    ['no header', () => ({})],
    ['wrong token', () => ({ Authorization: 'Bearer ' + 'x'.repeat(48) })],
    ['token prefix', () => ({ Authorization: `Bearer ${token().slice(0, -1)}` })],
    ['token with a suffix', () => ({ Authorization: `Bearer ${token()}x` })],
    ['Basic scheme', () => ({ Authorization: `Basic ${Buffer.from(`admin:${token()}`).toString('base64')}` })],
    ['token without scheme', () => ({ Authorization: token() })],
    ['other header', () => ({ 'X-Admin-Token': token() })],
  ])('%s -> 401, nothing sent', async (_what, headers) => {
    expectError(
      await noEffect(() => system.postJson('/admin/batch-register', { dryRun: false }, headers())),
      401,
      'unauthorized',
    );
    expectError(
      await noEffect(() => system.postJson('/admin/schedule-tips', { dryRun: false }, headers())),
      401,
      'unauthorized',
    );
  });
});

describe('guarantees that held: sizes, encodings, characters', () => {
  test('a 1 MB body is refused by the route (413) and a 7 MB one by the runtime (413 JSON, no stack trace)', async () => {
    const mb = await noEffect(() =>
      raw('/register', {
        headers: FORM,
        body: form({ user_id: 'atk-big', phone: '9844100011', name: 'a'.repeat(1_000_000) }),
      }),
    );
    expectError(mb, 413, 'body_too_large');
    const statsMb = await noEffect(() => system.postJson('/admin/stats', { pad: 'a'.repeat(1_000_000) }, admin));
    expectError(statsMb, 413, 'body_too_large');
    const seven = await noEffect(() =>
      system.postJson('/admin/batch-register', { dryRun: true, pad: 'a'.repeat(7_000_000) }, admin),
    );
    expectError(seven, 413, 'body_too_large');
    expect(seven.headers.get('content-type')).toMatch(/^application\/json/);
  });

  test('malformed JSON gets a JSON error without a stack trace', async () => {
    for (const body of ['{"dryRun":', '{"dryRun": tru}', '[1,2', '\u0000']) {
      const res = await noEffect(() => raw('/admin/batch-register', { headers: { ...JSON_TYPE, ...admin }, body }));
      expectError(res, 400, 'malformed_body');
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    }
    expect(system.logs()).not.toMatch(/SyntaxError|at JSON\.parse/);
  });

  test('a body of another type is refused (415)', async () => {
    const res = await noEffect(() =>
      raw('/admin/batch-register', { headers: { 'Content-Type': 'text/plain', ...admin }, body: 'dryRun=false' }),
    );
    expectError(res, 415, 'unsupported_media_type');
    const formToAdmin = await noEffect(() =>
      raw('/admin/schedule-tips', { headers: { ...FORM, ...admin }, body: 'dryRun=false' }),
    );
    expectError(formToAdmin, 415, 'unsupported_media_type');
  });

  test('5 KB fields are refused with the field named', async () => {
    const big = 'x'.repeat(5 * 1024);
    for (const [field, value] of [
      ['user_id', big],
      ['phone', big],
      ['name', big],
      ['timezone', big],
    ] as const) {
      const params = { user_id: 'atk-5kb', phone: '9844100012', timestamp: unixNow(), [field]: value };
      const res = await noEffect(() => system.post('/register', params, { sign: 'portal' }));
      expectError(res, 400, 'field_too_long', field);
    }
    expectError(
      await noEffect(() => system.postJson('/admin/stats', { from: big }, admin)),
      400,
      'field_too_long',
      'from',
    );
  });

  test.each(['\u0000', '\u001b[31m', '\r\n', '\u007f', '\u0085'])(
    'control character %j in a portal field -> 400 control_character',
    async (ch) => {
      const params = { user_id: 'atk-ctl', phone: '9844100013', name: `Si${ch}ta`, timestamp: unixNow() };
      const res = await noEffect(() => system.post('/register', params, { sign: 'portal' }));
      expectError(res, 400, 'control_character', 'name');
    },
  );

  test('an unknown route and an asset path leak nothing', async () => {
    const res = await system.get('/../../etc/passwd');
    expect(res.status).toBe(404);
    expect(res.text).not.toMatch(/root:|\/work\//);
  });
});
