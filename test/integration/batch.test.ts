/**
 * POST /admin/batch-register and the batch CLI through the real twilio-run against the
 * sandbox's demo portal (1,000 mixed users). Expected outcomes come from the sandbox's
 * user generator (`portalUser(...).category`), never from the code under test.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_PORTAL, portalUser, type UserCategory } from '../../sandbox/portal';
import { startSystem, waitFor, type HttpAnswer, type System } from '../helpers/system';

const USERS = 1000;
// Slices are cut by BATCH_SLICE_MAX_USERS (below), not by a short budget, so the outcomes do not
// depend on machine speed; this cap only ends a hung test.
jest.setTimeout(300_000);
const root = join(__dirname, '..', '..');
let system: System;
let auth: Record<string, string>;
let seed: number;

beforeAll(async () => {
  // One warm twilio-run process, and no status callbacks: this suite counts welcomes, not deliveries.
  system = await startSystem({
    sandbox: { portal: { users: USERS }, statusCallbacks: false },
    // A user cap per slice, so "several slices" holds on a fast machine as on a slow one.
    // The welcome rate (derived from SENDER_MPS by default) is the subject of the 'capped' suite below, not of these.
    env: {
      LOOKUP_MODE: 'basic',
      BATCH_CONCURRENCY: '8',
      BATCH_SLICE_MAX_USERS: '300',
      WELCOME_RATE_PER_MINUTE: '100000',
    },
    forkPerRequest: false,
  });
  auth = { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` };
  seed = system.sandbox.options.portal.seed ?? DEFAULT_PORTAL.seed;
}, 60_000);
afterAll(async () => system?.stop());
// Checked after every test: the reset before each one clears the sandbox's record.
afterEach(() => expect(system.sandbox.violations()).toEqual([]));
beforeEach(() => {
  system.sandbox.reset();
  system.sandbox.configure({ portal: { users: USERS } });
});

const users = () => Array.from({ length: USERS }, (_, i) => portalUser(i, seed));
const allIds = () => users().map((u) => String(u.id));
/** The portal user who holds a duplicate's number: the first one listed with it. */
const holderOf = (e164: string | undefined) => String(users().find((u) => u.e164 === e164)!.id);

function expectedOutcome(category: UserCategory, dryRun: boolean): string {
  const fresh = dryRun ? 'would_register' : 'registered';
  return {
    valid: fresh,
    us: fresh,
    duplicate: 'duplicate',
    invalid: 'invalid',
    landline: 'invalid',
    blank: 'invalid',
    foreign: 'country_not_allowed',
  }[category];
}

function expectedCounts(dryRun: boolean): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const u of users()) {
    const o = expectedOutcome(u.category, dryRun);
    counts[o] = (counts[o] ?? 0) + 1;
  }
  return counts;
}

/** Numbers that must get exactly one welcome: every valid and US user's number. */
function welcomeNumbers(): Set<string> {
  return new Set(
    users()
      .filter((u) => u.category === 'valid' || u.category === 'us')
      .map((u) => u.e164!),
  );
}

const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

interface Driven {
  answers: HttpAnswer[];
  results: Array<{ userId: string; outcome: string; reason: string | null; masked: string | null }>;
  runId: string;
  next: string | null;
  last: HttpAnswer;
}

/** Loops slices like the CLI does, stopping at `done`, at the first non-200 or after maxSlices. */
async function drive(body: Record<string, unknown>, maxSlices = 100): Promise<Driven> {
  const answers: HttpAnswer[] = [];
  const results: Driven['results'] = [];
  let runId = body.runId as string | undefined;
  let next = (body.cursor as string | undefined) ?? null;
  for (let i = 0; i < maxSlices; i++) {
    const res = await system.postJson('/admin/batch-register', { ...body, runId, cursor: next ?? undefined }, auth);
    answers.push(res);
    if (res.status !== 200) break;
    results.push(...res.json.results);
    runId = res.json.runId;
    next = res.json.next;
    if (res.json.done) break;
  }
  return { answers, results, runId: runId!, next, last: answers[answers.length - 1]! };
}

function welcomesByNumber(): Map<string, number> {
  const byNumber = new Map<string, number>();
  for (const m of system.sandbox.messages()) byNumber.set(m.to, (byNumber.get(m.to) ?? 0) + 1);
  return byNumber;
}

const subscriberItems = () =>
  Array.from({ length: 8 }, (_, i) => system.sandbox.syncItems(`subscribers-${i}`).length).reduce((a, b) => a + b, 0);

describe('POST /admin/batch-register', () => {
  test('a missing or wrong admin token is refused with 401 and nothing happens', async () => {
    const none = await system.postJson('/admin/batch-register', { dryRun: true });
    const wrong = await system.postJson(
      '/admin/batch-register',
      { dryRun: true },
      { Authorization: 'Bearer not-the-token' },
    );
    for (const res of [none, wrong]) {
      expect(res.status).toBe(401);
      expect(res.json.error.code).toBe('unauthorized');
    }
    expect(system.sandbox.syncItems('batch-runs')).toHaveLength(0);
  });

  test('dry run over 1,000 users in several slices: counts as the portal says, no message, no Sync write', async () => {
    const run = await drive({ dryRun: true, pageSize: 100 });
    expect(run.last.status).toBe(200);
    expect(run.answers.length).toBeGreaterThan(1); // duplicates are found across slices too
    expect(run.last.json).toMatchObject({ dryRun: true, done: true, next: null, total: USERS, processed: USERS });
    expect(nonZero(run.last.json.counts)).toEqual(expectedCounts(true));
    expect(run.results.map((r) => r.userId)).toEqual(allIds());
    const byId = new Map(users().map((u) => [String(u.id), u]));
    for (const r of run.results) expect(r.outcome).toBe(expectedOutcome(byId.get(r.userId)!.category, true));
    expect(run.results.filter((r) => r.outcome === 'invalid').every((r) => r.reason !== null)).toBe(true);
    expect(JSON.stringify(run.results)).not.toMatch(/\+977\d{10}/); // numbers masked
    expect(system.sandbox.messages()).toHaveLength(0);
    expect(subscriberItems()).toBe(0);
    expect(system.sandbox.syncItems('batch-runs')).toHaveLength(0);
    // One portal request per page: a slice hands the pages it read on in its `next`.
    expect(system.sandbox.portalRequests()).toEqual([
      '/portal/api/users/?page_size=100',
      ...Array.from({ length: 9 }, (_, i) => `/portal/api/users/?page=${i + 2}&page_size=100`),
    ]);
  });

  test('real run interrupted after 2 slices and resumed by runId: one welcome per valid unique number, no user skipped or repeated', async () => {
    const first = await drive({ dryRun: false, pageSize: 50 }, 2);
    expect(first.answers.map((a) => a.status)).toEqual([200, 200]);
    expect(first.last.json.done).toBe(false);
    const state = system.sandbox.syncItems('batch-runs').find((i) => i.key === first.runId)?.data as {
      processed: number;
      cursor: unknown;
    };
    expect(state.processed).toBe(first.results.length);
    expect(state.cursor).not.toBeNull();

    // A new client resumes with the runId alone (the run state is in Sync).
    const rest = await drive({ dryRun: false, pageSize: 50, runId: first.runId });
    expect(rest.last.status).toBe(200);
    expect(rest.last.json).toMatchObject({ runId: first.runId, done: true, processed: USERS, total: USERS });
    expect([...first.results, ...rest.results].map((r) => r.userId)).toEqual(allIds());
    expect(nonZero(rest.last.json.counts)).toEqual(expectedCounts(false));

    const welcomes = welcomesByNumber();
    expect(new Set(welcomes.keys())).toEqual(welcomeNumbers());
    expect([...welcomes.values()].every((n) => n === 1)).toBe(true);

    // The dashboard counts every registration once (slices write their counts at commits).
    const stats = await system.get('/admin/stats', auth);
    expect(stats.status).toBe(200);
    const registered = expectedCounts(false).registered!;
    expect(stats.json.registrations.created).toBe(registered);
    expect(stats.json.subscribers.active).toBe(registered);

    // Driving the finished run again changes nothing.
    const again = await system.postJson('/admin/batch-register', { dryRun: false, runId: first.runId }, auth);
    expect(again.json).toMatchObject({ done: true, results: [], processed: USERS });
    expect(system.sandbox.messages()).toHaveLength(welcomeNumbers().size);
  });

  test('a dry run after a real run reads the subscribers it made (lean reader): registered users are already_registered, nothing written', async () => {
    const real = await drive({ dryRun: false, pageSize: 100 });
    expect(real.last.json.done).toBe(true);
    const itemsBefore = subscriberItems();
    const revisionsBefore = JSON.stringify(
      Array.from({ length: 8 }, (_, i) => system.sandbox.syncItems(`subscribers-${i}`)),
    );
    const messagesBefore = system.sandbox.messages().length;

    const dry = await drive({ dryRun: true, pageSize: 100 });
    expect(dry.last.json).toMatchObject({ dryRun: true, done: true, processed: USERS });
    const expected = expectedCounts(false);
    expect(nonZero(dry.last.json.counts)).toEqual(
      nonZero({ ...expected, already_registered: expected.registered!, registered: 0 }),
    );
    const byId = new Map(users().map((u) => [String(u.id), u]));
    for (const r of dry.results) {
      const fresh = expectedOutcome(byId.get(r.userId)!.category, false);
      expect(r.outcome).toBe(fresh === 'registered' ? 'already_registered' : fresh);
    }
    expect(subscriberItems()).toBe(itemsBefore);
    expect(JSON.stringify(Array.from({ length: 8 }, (_, i) => system.sandbox.syncItems(`subscribers-${i}`)))).toBe(
      revisionsBefore,
    );
    expect(system.sandbox.messages()).toHaveLength(messagesBefore);
  });

  test('portal 500s are retried with backoff and the run still completes', async () => {
    system.sandbox.configure({ portal: { users: USERS, failRate: 0.4 } });
    const run = await drive({ dryRun: true, pageSize: 100 });
    expect(run.last.status).toBe(200);
    expect(run.last.json).toMatchObject({ done: true, processed: USERS });
    expect(nonZero(run.last.json.counts)).toEqual(expectedCounts(true));
  });

  test('a malformed page stops the run with a clear error, keeps its cursor, and the run resumes once fixed', async () => {
    system.sandbox.configure({ portal: { users: USERS, malformedPage: 4 } });
    const broken = await drive({ dryRun: false, pageSize: 100 });
    const failure = broken.last;
    expect(failure.status).toBe(502);
    expect(failure.json.error).toMatchObject({ code: 'portal_malformed_page', runId: broken.runId });
    expect(failure.json.error.message).toMatch(/page=4.*not valid JSON/);
    expect(broken.results.map((r) => r.userId)).toEqual(allIds().slice(0, 300));
    const state = system.sandbox.syncItems('batch-runs').find((i) => i.key === broken.runId)?.data as {
      processed: number;
    };
    expect(state.processed).toBe(300);

    // Still broken: same error, nothing lost, nothing repeated.
    const again = await system.postJson('/admin/batch-register', { dryRun: false, runId: broken.runId }, auth);
    expect(again.status).toBe(502);

    system.sandbox.configure({ portal: { users: USERS } });
    const rest = await drive({ dryRun: false, runId: broken.runId });
    expect(rest.last.json).toMatchObject({ done: true, processed: USERS });
    expect([...broken.results, ...rest.results].map((r) => r.userId)).toEqual(allIds());
    expect([...welcomesByNumber().values()].every((n) => n === 1)).toBe(true);
    expect(welcomesByNumber().size).toBe(welcomeNumbers().size);
  });

  test('a wrong portal token is reported naming the settings to fix', async () => {
    system.sandbox.configure({ portal: { users: USERS, token: 'rotated-token' } });
    const res = await system.postJson('/admin/batch-register', { dryRun: true }, auth);
    expect(res.status).toBe(502);
    expect(res.json.error.code).toBe('portal_unauthorized');
    expect(res.json.error.message).toMatch(/PORTAL_API_TOKEN/);
    expect(res.json.error.message).toMatch(/PORTAL_AUTH_SCHEME/);
    expect(res.text).not.toContain('portal-demo-token');
  });

  test('bad options are refused with 400', async () => {
    const res = await system.postJson('/admin/batch-register', { dryRun: true, pageSize: 1000 }, auth);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_page_size');
  });
});

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(join(root, 'node_modules', '.bin', 'tsx'), [join(root, 'scripts', 'batch.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ADMIN_TOKEN: system.env.ADMIN_TOKEN!, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('batch CLI end to end', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'batch-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('dry run to a CSV report: every user once, counts as the portal says, token never printed', async () => {
    const report = join(dir, 'report.csv');
    const run = await cli([
      '--url',
      system.baseUrl,
      '--dry-run',
      '--report',
      report,
      '--page-size',
      '200',
      '--state-dir',
      join(dir, 'state'),
    ]);
    expect(run.code).toBe(0);
    const rows = readFileSync(report, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('userId,masked,outcome,reason,holder');
    const outcomes = rows.slice(1).map((r) => r.split(','));
    expect(outcomes.map((r) => r[0])).toEqual(allIds());
    const counts: Record<string, number> = {};
    for (const r of outcomes) counts[r[2]!] = (counts[r[2]!] ?? 0) + 1;
    expect(counts).toEqual(expectedCounts(true));
    // Invalid rows show the portal's value with only its last 3 digits; duplicates name the holder
    // (a dry run knows it within a slice: earlier slices' numbers ride in the cursor as hashes).
    const byId = new Map(users().map((u) => [String(u.id), u]));
    for (const [id, masked, outcome, , holder] of outcomes) {
      const user = byId.get(id!)!;
      if (user.category === 'invalid') expect(masked).toBe(user.phone === '12345' ? '**345' : '**** **');
      if (user.category === 'blank') expect(masked).toBe('');
      if (outcome === 'duplicate' && holder !== '') expect(holder).toBe(holderOf(user.e164));
    }
    expect(outcomes.filter((r) => r[2] === 'duplicate' && r[4] !== '').length).toBeGreaterThan(0);
    expect(run.stderr + run.stdout).not.toContain(system.env.ADMIN_TOKEN!);
    expect(system.sandbox.messages()).toHaveLength(0);
  });

  test('real run stopped after one slice, resumed with the printed command, JSON report of everyone', async () => {
    const report = join(dir, 'report.json');
    const state = join(dir, 'state');
    const common = ['--url', system.baseUrl, '--report', report, '--state-dir', state];
    const first = await cli([...common, '--page-size', '100', '--budget-ms', '4000', '--max-slices', '1']);
    expect(first.code).toBe(3);
    const resume = /--resume (\S+)/.exec(first.stderr);
    expect(resume).not.toBeNull();
    expect(first.stderr).not.toContain(system.env.ADMIN_TOKEN!);
    const second = await cli([...common, '--resume', resume![1]!]);
    expect(second.code).toBe(0);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json).toMatchObject({ runId: resume![1], done: true, processed: USERS });
    expect(json.results.map((r: { userId: string }) => r.userId)).toEqual(allIds());
    expect(nonZero(json.counts)).toEqual(expectedCounts(false));
    // A real run always knows who holds a duplicate's number (the subscriber record says).
    const byId = new Map(users().map((u) => [String(u.id), u]));
    const duplicates = json.results.filter((r: { outcome: string }) => r.outcome === 'duplicate');
    expect(duplicates.length).toBeGreaterThan(0);
    for (const r of duplicates as Array<{ userId: string; holder?: string }>)
      expect(r.holder).toBe(holderOf(byId.get(r.userId)!.e164));
    expect(system.sandbox.messages()).toHaveLength(welcomeNumbers().size);
  });

  test('real run: the CLI killed (-9) in the middle of a slice; `--resume` alone finds the run and the report still has everyone once', async () => {
    const report = join(dir, 'report.csv');
    const state = join(dir, 'state');
    const child = spawn(
      join(root, 'node_modules', '.bin', 'tsx'),
      [join(root, 'scripts', 'batch.ts'), '--url', system.baseUrl, '--page-size', '100', '--state-dir', state],
      // Its own process group: tsx runs the CLI in a child process, and kill -9 must reach it.
      { cwd: root, env: { ...process.env, ADMIN_TOKEN: system.env.ADMIN_TOKEN! }, stdio: 'ignore', detached: true },
    );
    const exited = new Promise((resolve) => child.once('exit', resolve));
    // Once the CLI has saved a slice and the service has committed a page of the next one
    // without finishing it (its lease is still held: the final commit clears it), the CLI
    // is waiting for that slice's answer. Kill it then.
    const run = () =>
      system.sandbox.syncItems('batch-runs')[0] as
        { key: string; data: { processed: number; lease: { until: string } | null } } | undefined;
    const savedProcessed = (runId: string) => {
      try {
        return JSON.parse(readFileSync(join(state, `${runId}.json`), 'utf8')).processed as number;
      } catch {
        return undefined;
      }
    };
    await waitFor(
      'a page of a slice committed that the CLI has no answer for yet',
      () => {
        const item = run();
        const saved = item && savedProcessed(item.key);
        return item && saved !== undefined && item.data.lease && item.data.processed > saved ? true : undefined;
      },
      120_000,
    );
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
    const runId = run()!.key;
    const saved = savedProcessed(runId)!;
    // The service finishes the slice it was in.
    await waitFor('the slice in flight finished', () => (run()!.data.lease === null ? true : undefined), 30_000);
    const lost = run()!.data.processed - saved;
    expect(lost).toBeGreaterThan(0);

    // No runId, no URL: the unfinished run is picked from the state directory.
    const resumed = await cli(['--resume', '--report', report, '--state-dir', state]);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain(`recovered ${lost} users' results from the service`);
    const rows = readFileSync(report, 'utf8').trim().split('\n').slice(1);
    expect(rows.map((r) => r.split(',')[0])).toEqual(allIds());
    const counts: Record<string, number> = {};
    for (const r of rows) counts[r.split(',')[2]!] = (counts[r.split(',')[2]!] ?? 0) + 1;
    expect(counts).toEqual(expectedCounts(false));
    expect([...welcomesByNumber().values()].every((n) => n === 1)).toBe(true);
    expect(welcomesByNumber().size).toBe(welcomeNumbers().size);
    // Pages were asked of the portal once, but for those the lost answer carried (its unfinished
    // page and the one read ahead): the resumed slice fetched them again.
    const requests = system.sandbox.portalRequests();
    expect(requests.length - new Set(requests).size).toBeLessThanOrEqual(2);
  });

  test('`--resume` without a runId lists the unfinished runs when there are several', async () => {
    const state = join(dir, 'state');
    for (const n of [1, 2]) {
      const first = await cli(['--url', system.baseUrl, '--dry-run', '--max-slices', '1', '--state-dir', state]);
      expect([n, first.code]).toEqual([n, 3]);
    }
    const list = await cli(['--resume', '--state-dir', state]);
    expect(list.code).toBe(2);
    expect(list.stderr).toMatch(/2 unfinished runs/);
    expect(list.stderr.match(/run_\S+ +dry run/g)).toHaveLength(2);
  });

  test('a wrong token exits 1 with a clear message', async () => {
    const run = await cli(['--url', system.baseUrl, '--dry-run', '--state-dir', join(dir, 'state')], {
      ADMIN_TOKEN: 'wrong-token',
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/refused the admin token \(401\)/);
    expect(run.stderr).not.toContain('wrong-token');
  });

  test('usage errors exit 2', async () => {
    const run = await cli(['--dry-run'], { ADMIN_TOKEN: 'x' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--url/);
  });
});

describe('the welcome cap in a batch (WELCOME_RATE_PER_MINUTE 200, one shard: blocks of 3)', () => {
  let capped: System;
  beforeAll(async () => {
    capped = await startSystem({
      sandbox: { portal: { users: 100 }, statusCallbacks: false },
      env: { LOOKUP_MODE: 'basic', BATCH_CONCURRENCY: '8', SYNC_SHARDS: '1', WELCOME_RATE_PER_MINUTE: '200' },
      forkPerRequest: false,
    });
  }, 60_000);
  afterAll(async () => {
    expect(capped?.sandbox.violations() ?? []).toEqual([]);
    await capped?.stop();
  });

  /** Drives a real run like the CLI: on `waiting`, waits the time it says (at most once, unless `waitAll`). */
  const driveCapped = async (waitAll: boolean) => {
    let runId: string | undefined;
    let next: string | undefined;
    const answers: HttpAnswer['json'][] = [];
    for (let i = 0; i < 40; i++) {
      const res = await capped.postJson(
        '/admin/batch-register',
        { dryRun: false, pageSize: 50, runId, cursor: next },
        { Authorization: `Bearer ${capped.env.ADMIN_TOKEN}` },
      );
      expect(res.status).toBe(200);
      answers.push(res.json);
      runId = res.json.runId;
      next = res.json.next ?? undefined;
      if (res.json.done) break;
      if (res.json.waiting) {
        if (!waitAll) return { answers, waitingAt: new Date() };
        await new Promise((r) => setTimeout(r, res.json.waiting.retryAfterSeconds * 1000));
      }
    }
    return { answers, waitingAt: undefined };
  };
  /** Welcome slots counted in Sync for the minute of `at`, over every bucket. */
  const counted = (at: Date) =>
    capped.sandbox
      .syncItems('welcome-rate-0')
      .filter((i) => i.key.startsWith(at.toISOString().slice(0, 16)))
      .reduce((sum, i) => sum + (i.data as { count: number }).count, 0);

  test('spare reserved slots go back; past the cap the run waits for the next minute instead of giving up, and finishes with every user once', async () => {
    // Both runs must start in one clock minute (the cap's window).
    const second = new Date().getUTCSeconds();
    if (second > 30) await new Promise((r) => setTimeout(r, (61 - second) * 1000));
    const minute = new Date();
    const capSeed = capped.sandbox.options.portal.seed ?? DEFAULT_PORTAL.seed;
    const fresh = (from: number, to: number) =>
      new Set(
        Array.from({ length: to - from }, (_, i) => portalUser(from + i, capSeed))
          .filter((u) => u.category === 'valid' || u.category === 'us')
          .map((u) => u.e164!),
      );

    // Under the cap: every welcome sent, and the bucket counts exactly those (no slot kept).
    const small = await driveCapped(true);
    const firstHundred = fresh(0, 100).size;
    expect(small.answers.at(-1).counts.registered).toBe(firstHundred);
    expect(small.answers.some((a) => a.waiting)).toBe(false);
    expect(capped.sandbox.messages()).toHaveLength(firstHundred);
    expect(counted(minute)).toBe(firstHundred);

    // Over the cap in the same minute: the run stops at exactly 200 welcomes and says how long to wait.
    capped.sandbox.configure({ portal: { users: 400 } });
    const newNumbers = [...fresh(100, 400)].filter((n) => !fresh(0, 100).has(n));
    expect(newNumbers.length).toBeGreaterThan(200 - firstHundred);
    const big = await driveCapped(false);
    expect(big.waitingAt).toBeDefined();
    expect(big.waitingAt!.getUTCMinutes()).toBe(minute.getUTCMinutes());
    const waiting = big.answers.at(-1);
    expect(waiting.done).toBe(false);
    expect(waiting.waiting).toMatchObject({
      reason: 'welcome_rate',
      welcomesPerMinute: 200,
      left: 400 - waiting.processed,
    });
    expect(waiting.waiting.retryAfterSeconds).toBeGreaterThan(0);
    expect(waiting.waiting.retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(capped.sandbox.messages()).toHaveLength(200);
    expect(counted(minute)).toBe(200);
    // Nobody was told to come back: the ones not done are simply not reported yet.
    const seen = big.answers.flatMap((a) => a.results);
    expect(seen.filter((r: { outcome: string }) => r.outcome === 'retry_later')).toEqual([]);

    // The same run, continued after the wait: it finishes, every user once, every number welcomed once.
    const rest: HttpAnswer['json'][] = [];
    let answer = waiting;
    for (let i = 0; i < 20 && !answer.done; i++) {
      if (answer.waiting) await new Promise((r) => setTimeout(r, answer.waiting.retryAfterSeconds * 1000));
      const res = await capped.postJson(
        '/admin/batch-register',
        { dryRun: false, runId: answer.runId, cursor: answer.next },
        { Authorization: `Bearer ${capped.env.ADMIN_TOKEN}` },
      );
      expect(res.status).toBe(200);
      answer = res.json;
      rest.push(answer);
    }
    expect(answer).toMatchObject({ done: true, processed: 400 });
    const results = [...seen, ...rest.flatMap((a) => a.results)];
    expect(results.map((r: { userId: string }) => r.userId)).toEqual(
      Array.from({ length: 400 }, (_, i) => String(i + 1)),
    );
    expect(results.filter((r: { outcome: string }) => r.outcome === 'retry_later')).toEqual([]);
    const sent = capped.sandbox.messages().map((m) => m.to);
    expect(new Set(sent).size).toBe(sent.length);
    expect(new Set(sent)).toEqual(new Set([...fresh(0, 100), ...newNumbers]));
  }, 240_000);
});
