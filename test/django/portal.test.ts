/**
 * End to end with a real Django portal: the example project (integrations/django/example) with
 * the aamcare_messaging app, Debian's Django 3.2 + DRF, SQLite, `runserver`, against the real
 * twilio-run and the sandbox. Run by `npm run test:django` (not by `npm test`: it needs Python).
 *
 * - portal A: 2,000 seeded users + a staff user, its own DRF API with its own field names
 *   (phone_number, full_name, preferred_language) -> service S1 (WELCOME_RATE_PER_MINUTE 600,
 *   the default) maps them with PORTAL_*_FIELD; A signs its signups with S1's secret.
 * - portal B: 300 seeded users, the app's own /aamcare/users/ endpoint -> service S2 (120 a
 *   minute); B's signups go to S1 with a wrong secret, through a proxy that can hold them.
 * Expected outcomes come from the seeding (portal/seeding.py), never from the code under test.
 */
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPortalClient } from '../../src/twilio/portal';
import { freePort, startSystem, unixNow, waitFor, type System } from '../helpers/system';
import {
  checkPython,
  PYTHON,
  ROOT,
  run,
  startGate,
  startPortal,
  type DjangoPortal,
  type Gate,
  type Run,
  type Truth,
} from './portal';

jest.setTimeout(20 * 60_000);

const API_TOKEN_A = 'a'.repeat(8) + Math.random().toString(16).slice(2).padEnd(32, '0');
const SERVICE_TOKEN_B = 'b'.repeat(8) + Math.random().toString(16).slice(2).padEnd(32, '0');
const WRONG_SECRET = 'not-the-secret-' + 'x'.repeat(32);

let s1: System;
let s2: System;
let a: DjangoPortal;
let b: DjangoPortal;
let gate: Gate;

beforeAll(async () => {
  await checkPython();
  const [portA, portB] = [await freePort(), await freePort()];
  const common = { LOOKUP_MODE: 'basic', BATCH_CONCURRENCY: '8' };
  [s1, s2] = await Promise.all([
    startSystem({
      sandbox: { statusCallbacks: false },
      env: {
        ...common,
        WELCOME_RATE_PER_MINUTE: '600',
        PORTAL_API_URL: `http://127.0.0.1:${portA}/api/users/`,
        PORTAL_API_TOKEN: API_TOKEN_A,
        PORTAL_AUTH_SCHEME: 'Token',
        PORTAL_PHONE_FIELD: 'phone_number',
        PORTAL_NAME_FIELD: 'full_name',
        PORTAL_LANGUAGE_FIELD: 'preferred_language',
      },
      forkPerRequest: false,
    }),
    startSystem({
      sandbox: { statusCallbacks: false },
      env: {
        ...common,
        WELCOME_RATE_PER_MINUTE: '120',
        PORTAL_API_URL: `http://127.0.0.1:${portB}/aamcare/users/`,
        PORTAL_API_TOKEN: SERVICE_TOKEN_B,
      },
      forkPerRequest: false,
    }),
  ]);
  gate = await startGate();
  [a, b] = await Promise.all([
    startPortal({
      port: portA,
      users: 2000,
      apiToken: API_TOKEN_A,
      env: {
        AAMCARE_MESSAGING_URL: s1.baseUrl,
        PORTAL_WEBHOOK_SECRET: s1.env.PORTAL_WEBHOOK_SECRET!,
        ADMIN_TOKEN: s1.env.ADMIN_TOKEN!,
        PORTAL_API_TOKEN: SERVICE_TOKEN_B,
        AAMCARE_MAX_RETRY_DELAY: '3',
      },
    }),
    startPortal({
      port: portB,
      users: 300,
      env: {
        AAMCARE_MESSAGING_URL: s1.baseUrl,
        PORTAL_WEBHOOK_SECRET: WRONG_SECRET,
        ADMIN_TOKEN: s2.env.ADMIN_TOKEN!,
        PORTAL_API_TOKEN: SERVICE_TOKEN_B,
        // Its registrations go through the gate (requests honours HTTP_PROXY).
        HTTP_PROXY: gate.url,
        http_proxy: gate.url,
        NO_PROXY: '',
        no_proxy: '',
      },
    }),
  ]);
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop(), gate?.close()]);
  await Promise.all([s1?.stop(), s2?.stop()]);
});

afterEach(() => {
  expect(s1.sandbox.violations()).toEqual([]);
  expect(s2.sandbox.violations()).toEqual([]);
});

/** Users signed up during the tests, with the outcome a later batch run must give them (by portal). */
const signedUp: Record<'a' | 'b', Array<{ id: string; outcome: string }>> = { a: [], b: [] };

function cli(args: string[], admin: string): Promise<Run> {
  return run(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'batch.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, ADMIN_TOKEN: admin },
  });
}

/** The CSV report: userId -> outcome, in order. */
function readReport(file: string): Array<[string, string]> {
  // A real CSV reader: a masked raw value keeps the portal's commas (`"**,***,000"`).
  const rows: string[][] = parse(readFileSync(file, 'utf8'));
  expect(rows[0]).toEqual(['userId', 'masked', 'outcome', 'reason', 'holder']);
  return rows.slice(1).map(([id, , outcome]) => [id!, outcome!]);
}

function expected(truth: Truth[], dryRun: boolean, extra: Array<{ id: string; outcome: string }> = []) {
  return [
    ...truth.map((t): [string, string] => [t.id, dryRun ? t.dryRunOutcome : t.outcome]),
    ...extra.map((e): [string, string] => [e.id, e.outcome]),
  ];
}

const tally = (rows: Array<[string, string]>) => {
  const counts: Record<string, number> = {};
  for (const [, outcome] of rows) counts[outcome] = (counts[outcome] ?? 0) + 1;
  return counts;
};

/** Welcome slots counted in Sync per minute (WELCOME_RATE_PER_MINUTE's buckets, every shard). */
function slotsPerMinute(system: System): number[] {
  const byMinute: Record<string, number> = {};
  for (let shard = 0; shard < 8; shard++)
    for (const item of system.sandbox.syncItems(`welcome-rate-${shard}`)) {
      const minute = item.key.slice(0, 16);
      byMinute[minute] = (byMinute[minute] ?? 0) + (item.data as { count: number }).count;
    }
  return Object.values(byMinute);
}

/** Welcomes created per clock minute. */
function createdPerMinute(system: System): number[] {
  return Object.values(tally(welcomes(system).map((m): [string, string] => ['', m.dateCreated.slice(0, 16)])));
}

/** Python signs with the app's own signing module. */
async function pythonSign(url: string, params: Record<string, string>, secret: string): Promise<string> {
  const code =
    'import json, os, sys; sys.path.insert(0, sys.argv[1]); from aamcare_messaging.signing import sign; ' +
    'print(sign(sys.argv[2], json.loads(sys.argv[3]), os.environ["SECRET"]))';
  const result = await run(PYTHON, ['-c', code, join(ROOT, 'integrations', 'django'), url, JSON.stringify(params)], {
    cwd: ROOT,
    env: { ...process.env, SECRET: secret },
  });
  expect(result.stderr).toBe('');
  return result.stdout.trim();
}

async function signup(portal: DjangoPortal, fields: Record<string, string>): Promise<{ status: number; id: string }> {
  const res = await fetch(`${portal.url}/signup/`, { method: 'POST', body: new URLSearchParams(fields) });
  const body = (await res.json()) as { id: number };
  return { status: res.status, id: String(body.id) };
}

/** Welcomes only: a registration also schedules the first daily tip (TIPS_ON_REGISTER), with a SendAt. */
const welcomes = (system: System) => system.sandbox.messages().filter((m) => m.sendAt === undefined);
const messagesTo = (system: System, e164: string) => welcomes(system).filter((m) => m.to === e164);

describe('signing rules (docs/portal-integration.md): the URL signed is PUBLIC_BASE_URL + path, nothing else', () => {
  const fields = (n: number) => ({
    user_id: `sign-${n}`,
    phone: `98510000${String(n).padStart(2, '0')}`,
    timestamp: unixNow(),
  });
  const post = async (url: string, params: Record<string, string>, signature: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Portal-Signature': signature },
      body: new URLSearchParams(params),
    });

  test('the Django app signature of the exact URL is accepted by /register', async () => {
    const url = `${s1.baseUrl}/register`;
    const params = fields(1);
    const res = await post(url, params, await pythonSign(url, params, s1.env.PORTAL_WEBHOOK_SECRET!));
    expect(res.status).toBe(201);
  });

  test('each documented mistake answers as documented', async () => {
    const secret = s1.env.PORTAL_WEBHOOK_SECRET!;
    const exact = `${s1.baseUrl}/register`;
    // 127.0.0.1 signed, localhost called (or the other way round): 401 naming the URL to sign.
    const p2 = fields(2);
    const other = await post(exact, p2, await pythonSign(exact.replace('localhost', '127.0.0.1'), p2, secret));
    expect(other.status).toBe(401);
    const body = (await other.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_signature');
    expect(body.error.message).toContain(`sign exactly ${exact}`);
    expect(body.error.message).not.toContain(secret);
    // A trailing slash: no such route.
    const p3 = fields(3);
    expect((await post(`${exact}/`, p3, await pythonSign(`${exact}/`, p3, secret))).status).toBe(404);
    // A query string: fields travel in the body only, so the call is refused before any signature check.
    const p4 = fields(4);
    const withQuery = `${exact}?source=portal`;
    const queried = await post(withQuery, p4, await pythonSign(withQuery, p4, secret));
    expect(queried.status).toBe(400);
    expect(((await queried.json()) as { error: { code: string } }).error.code).toBe('query_not_allowed');
    // The wrong secret, and a stale timestamp.
    const p5 = fields(5);
    expect((await post(exact, p5, await pythonSign(exact, p5, WRONG_SECRET))).status).toBe(401);
    const p6 = { ...fields(6), timestamp: String(Number(unixNow()) - 600) };
    const stale = await post(exact, p6, await pythonSign(exact, p6, secret));
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe('stale_signature');
    expect(welcomes(s1).map((m) => m.to)).toEqual(['+9779851000001']);
  });
});

describe('the batch reads the portal: dry runs give the seeded truth', () => {
  test('npm run batch --dry-run over the portal’s own API (PORTAL_*_FIELD mapped): counts are the truth, one portal request per page', async () => {
    const report = join(a.dir, 'dry-node.csv');
    const result = await cli(
      ['--url', s1.baseUrl, '--dry-run', '--report', report, '--state-dir', join(a.dir, 'state-node')],
      s1.env.ADMIN_TOKEN!,
    );
    expect(result.code).toBe(0);
    const rows = readReport(report);
    expect(rows).toEqual(expected(a.truth, true));
    expect(tally(rows)).toEqual(tally(expected(a.truth, true)));
    expect(result.stderr).not.toMatch(/warning: .*PORTAL_(NAME|LANGUAGE)_FIELD/); // the mapped fields are there
    const pages = Math.ceil(a.truth.length / 100);
    expect(a.logs().match(/"GET \/api\/users\/\?[^"]*" 200/g)).toHaveLength(pages);
    expect(welcomes(s1)).toHaveLength(1); // the signing test's only
  });

  test('register_all_users_with_twilio --dry-run writes the same report', async () => {
    const report = join(a.dir, 'dry-django.csv');
    const result = await a.manage([
      'register_all_users_with_twilio',
      '--dry-run',
      '--report',
      report,
      '--state-dir',
      join(a.dir, 'state-django'),
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/dry run: nothing is sent or stored/);
    expect(result.stdout).toContain(`done: run `);
    expect(readFileSync(report, 'utf8')).toBe(readFileSync(join(a.dir, 'dry-node.csv'), 'utf8'));
  });

  test('the app’s /aamcare/users/ serves every user in the shape the batch reads, through the service’s own portal client', async () => {
    const client = createPortalClient(
      { url: `${a.url}/aamcare/users/`, token: SERVICE_TOKEN_B, scheme: 'Token', idField: 'id', phoneField: 'phone' },
      { deadline: () => Date.now() + 60_000 },
    );
    const users = [];
    let url: string | null = client.firstPageUrl(500);
    while (url) {
      const page = await client.fetchPage(url);
      expect(page.missingFields).toBeUndefined();
      users.push(...page.users);
      url = page.next;
    }
    expect(users.map((u) => u.id)).toEqual(a.truth.map((t) => t.id));
    const byId = new Map(a.truth.map((t) => [t.id, t]));
    for (const user of users) {
      const truth = byId.get(user.id)!;
      expect([user.id, user.language ?? 'en']).toEqual([user.id, truth.language]);
      expect([user.id, user.name]).toEqual([user.id, truth.name ?? undefined]);
    }
    // Padding and stray separators are gone at the source.
    expect(users.some((u) => typeof u.phone === 'string' && /\s$|[;,]$/.test(u.phone))).toBe(false);
  });
});

describe('signups', () => {
  test('signup -> one welcome in the user’s language with their name; the number is never logged', async () => {
    const phone = '9851000101';
    const { status, id } = await signup(a, {
      username: 'sita-new',
      phone_number: `${phone};`,
      full_name: 'सीता शर्मा',
      preferred_language: 'Nepali',
    });
    expect(status).toBe(201);
    const [welcome] = await waitFor(
      'the welcome',
      () => {
        const sent = messagesTo(s1, `+977${phone}`);
        return sent.length > 0 ? sent : undefined;
      },
      30_000,
    );
    expect(welcome!.body).toMatch(/^आमकेयरमा स्वागत छ, सीता शर्मा!/);
    await waitFor(
      'the record',
      () => (a.logs().includes(`aamcare_messaging.registered user=${id} phone=+977******101`) ? true : undefined),
      10_000,
    );
    expect(messagesTo(s1, `+977${phone}`)).toHaveLength(1);
    expect(a.logs()).not.toContain(phone);
    signedUp.a.push({ id, outcome: 'already_registered' });
  });

  test('Twilio failing: the signup still succeeds at once; the registration is retried after Retry-After and sent once', async () => {
    s1.sandbox.configure({ errorRate: 1 });
    const phone = '9851000102';
    const { status, id } = await signup(a, {
      username: 'ram-new',
      phone_number: phone,
      full_name: 'Ram Thapa',
      preferred_language: 'en',
    });
    expect(status).toBe(201);
    await waitFor(
      'a retry',
      () => (a.logs().includes(`aamcare_messaging.retry user=${id} `) ? true : undefined),
      60_000,
    );
    s1.sandbox.configure({ errorRate: 0 });
    const [welcome] = await waitFor(
      'the welcome after the retry',
      () => {
        const sent = messagesTo(s1, `+977${phone}`);
        return sent.length > 0 ? sent : undefined;
      },
      60_000,
    );
    expect(welcome!.body).toMatch(/^Welcome to Aamcare, Ram Thapa!/);
    await waitFor(
      'registered',
      () => (a.logs().includes(`aamcare_messaging.registered user=${id} `) ? true : undefined),
      10_000,
    );
    expect(messagesTo(s1, `+977${phone}`)).toHaveLength(1);
    signedUp.a.push({ id, outcome: 'already_registered' });
  });

  test('a wrong secret: the signup neither waits for messaging nor fails; the error is logged (masked), nothing is sent', async () => {
    gate.hold();
    const phone = '9852000103';
    const { status, id } = await signup(b, {
      username: 'gita-new',
      phone_number: phone,
      full_name: 'Gita Gurung',
      preferred_language: 'ne',
    });
    // The signup answered; its registration is still held at the gate, unanswered.
    expect(status).toBe(201);
    await waitFor(
      'the registration at the gate',
      () => (gate.held().some((r) => r.endsWith('/register')) ? true : undefined),
      10_000,
    );
    gate.release();
    await waitFor(
      'the error logged',
      () => (b.logs().includes(`aamcare_messaging.failed user=${id} phone=+977******103 http=401`) ? true : undefined),
      20_000,
    );
    const logged = b.logs();
    expect(logged).toContain('bad_signature');
    expect(logged).toContain('AAMCARE_PORTAL_WEBHOOK_SECRET');
    expect(logged).not.toContain(phone);
    expect(logged).not.toContain(WRONG_SECRET);
    expect(messagesTo(s1, `+977${phone}`)).toHaveLength(0);
    const record = await b.manage([
      'shell',
      '-c',
      `from aamcare_messaging.models import MessagingRegistration as M; r = M.objects.get(user_id="${id}"); print(r.status, r.attempts, r.phone_masked)`,
    ]);
    expect(record.stdout.trim()).toBe('failed 1 +977******103');
    // The batch registers this user later (the real run below).
    signedUp.b.push({ id, outcome: 'registered' });
  });
});

describe('real runs finish in one command, waiting for the welcome rate', () => {
  test('npm run batch (S1, 600 a minute, portal A) and register_all_users_with_twilio (S2, 120 a minute, portal B), side by side', async () => {
    const nodeReport = join(a.dir, 'real-node.csv');
    const djangoReport = join(b.dir, 'real-django.csv');
    const apiRequestsBefore = a.logs().match(/"GET \/api\/users\/\?[^"]*" 200/g)?.length ?? 0;
    // The welcome rate counts per clock minute: started near a minute's end, a run gets two
    // minutes' slots at once and need not wait. Start in a fresh minute, whatever the machine's speed.
    await new Promise((r) => setTimeout(r, (61 - new Date().getUTCSeconds()) * 1000));
    const [node, django] = await Promise.all([
      cli(['--url', s1.baseUrl, '--report', nodeReport, '--state-dir', join(a.dir, 'state-real')], s1.env.ADMIN_TOKEN!),
      b.manage(['register_all_users_with_twilio', '--report', djangoReport, '--state-dir', join(b.dir, 'state-real')], {
        AAMCARE_MESSAGING_URL: s2.baseUrl,
      }),
    ]);

    // npm run batch: one command, exit 0, it waited, every user once with the truth's outcome.
    expect(node.code).toBe(0);
    expect(node.stderr).toMatch(/waiting for the welcome rate \(600\/min\), \d+ left, done at about \d\d:\d\d/);
    const nodeRows = readReport(nodeReport);
    expect(nodeRows).toEqual(expected(a.truth, false, signedUp.a));
    expect(nodeRows.filter(([, o]) => o === 'retry_later')).toEqual([]);
    expect(node.stderr).not.toMatch(/temporary Twilio failure/);
    // One portal request per page, across the waits.
    const apiRequests = (a.logs().match(/"GET \/api\/users\/\?[^"]*" 200/g)?.length ?? 0) - apiRequestsBefore;
    expect(apiRequests).toBe(Math.ceil((a.truth.length + signedUp.a.length) / 100));

    // Every seeded number welcomed once, Nepali users in Nepali with their names.
    for (const t of a.truth.filter((u) => u.outcome === 'registered')) {
      const sent = messagesTo(s1, t.e164!);
      expect([t.id, sent.length]).toEqual([t.id, 1]);
      const body = sent[0]!.body!;
      const greeting = t.language === 'ne' ? 'आमकेयरमा स्वागत छ' : 'Welcome to Aamcare';
      const start = t.welcomeName ? `${greeting}, ${t.welcomeName}!` : `${greeting}!`;
      // A US number can reply, so its welcome also says how to get help, and the name gives
      // way when the SMS would pass its segment budget (src/core/welcome.ts).
      const plain = `${greeting}!`;
      const begins = t.category === 'us' && body.startsWith(plain) ? plain : start;
      expect([t.id, body.slice(0, begins.length)]).toEqual([t.id, begins]);
    }
    expect(
      a.truth.filter((t) => t.category === 'valid' && t.language === 'ne' && t.welcomeName).length,
    ).toBeGreaterThan(500);
    // The cap held: slots counted in Sync per minute, and welcomes created per clock minute
    // (a send whose slot was taken in a minute's last instant lands in the next: at most one
    // per user in flight, BATCH_CONCURRENCY).
    expect(Math.max(...slotsPerMinute(s1))).toBeLessThanOrEqual(600);
    expect(Math.max(...createdPerMinute(s1))).toBeLessThanOrEqual(600 + 8);

    // The seed's own command: one run, it waited, every user once (the failed signup registered now).
    expect(django.code).toBe(0);
    expect(django.stdout).toMatch(/waiting for the welcome rate \(120\/min\), \d+ left, done at about \d\d:\d\d/);
    expect(readReport(djangoReport)).toEqual(expected(b.truth, false, signedUp.b));
    for (const t of b.truth.filter((u) => u.outcome === 'registered')) expect(messagesTo(s2, t.e164!)).toHaveLength(1);
    expect(messagesTo(s2, '+9779852000103')).toHaveLength(1);
    expect(Math.max(...slotsPerMinute(s2))).toBeLessThanOrEqual(120);
    expect(Math.max(...createdPerMinute(s2))).toBeLessThanOrEqual(120 + 8);
  });
});
