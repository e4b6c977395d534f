/**
 * The slice engine (src/app/batch.ts) with in-memory adapters: the real registration
 * service, an in-memory Sync store with revisions, a counting sender and a paged portal
 * built from the sandbox's user generator (whose categories give the expected outcomes).
 */
import {
  DRY_SLICE_MAX_USERS,
  runResults,
  runSlice,
  type BatchDeps,
  type SliceAnswer,
  type SliceResponse,
} from '../../src/app/batch';
import type { RegistrationDeps } from '../../src/app/registration';
import { decodeRunToken, encodeRunToken, type BatchResult } from '../../src/core/batch';
import { createLogger } from '../../src/core/log';
import { DeadlineExceededError } from '../../src/core/retry';
import { sendWindowClosed } from '../../src/core/send-outcome';
import { createActivity } from '../../src/app/activity';
import {
  PortalError,
  type KeyValueStore,
  type PortalClient,
  type PortalPage,
  type StoredItem,
} from '../../src/app/ports';
import { portalUser, type UserCategory } from '../../sandbox/portal';

const SECRET = 's'.repeat(48);
const SEED = 7;

class MemoryStore implements KeyValueStore {
  maps = new Map<string, Map<string, { data: unknown; revision: number }>>();
  writes = 0;
  /** Once armed: writes to `map` fail after `allowed` more (simulates a Function killed before its commit). */
  kill?: { map: string; allowed: number };

  private map(name: string) {
    let m = this.maps.get(name);
    if (!m) this.maps.set(name, (m = new Map()));
    return m;
  }
  private write(map: string) {
    if (this.kill?.map === map && this.kill.allowed-- <= 0) throw new Error('killed');
    this.writes++;
  }
  async create<T>(map: string, key: string, data: T): Promise<StoredItem<T> | undefined> {
    this.write(map);
    const m = this.map(map);
    if (m.has(key)) return undefined;
    m.set(key, { data: structuredClone(data), revision: 0 });
    return { key, data: structuredClone(data), revision: '0' };
  }
  async get<T>(map: string, key: string): Promise<StoredItem<T> | undefined> {
    const item = this.map(map).get(key);
    return item ? { key, data: structuredClone(item.data) as T, revision: String(item.revision) } : undefined;
  }
  async update<T>(map: string, key: string, data: T, revision: string): Promise<StoredItem<T> | undefined> {
    this.write(map);
    const item = this.map(map).get(key);
    if (!item || String(item.revision) !== revision) return undefined;
    item.data = structuredClone(data);
    item.revision++;
    return { key, data: structuredClone(data), revision: String(item.revision) };
  }
  async remove(map: string, key: string): Promise<void> {
    this.write(map);
    this.map(map).delete(key);
  }
  /** Keys in order after `after` (exclusive), as Sync's Map Item list with From and Bounds=exclusive. */
  async list<T>(
    map: string,
    options: { after?: string; pageSize?: number; order?: 'asc' | 'desc' } = {},
  ): Promise<{ items: StoredItem<T>[]; nextAfter?: string }> {
    const desc = options.order === 'desc';
    const size = options.pageSize ?? 100;
    const keys = [...this.map(map).keys()]
      .sort()
      .filter((k) => options.after === undefined || (desc ? k < options.after : k > options.after));
    if (desc) keys.reverse();
    const items = await Promise.all(keys.slice(0, size).map((k) => this.get<T>(map, k)));
    const page = items.filter((i): i is StoredItem<T> => i !== undefined);
    return { items: page, nextAfter: page.length === size ? page[page.length - 1]!.key : undefined };
  }
}

/** DRF-like pages over the sandbox generator; `malformedPage` answers a PortalError for that page. */
class MemoryPortal implements PortalClient {
  fetches = 0;
  fetched: string[] = [];
  malformedPage = 0;
  /** Phone of user i, overriding the generator (to place duplicates far apart). */
  phoneOverride = new Map<number, string>();
  constructor(readonly users: number) {}
  firstPageUrl(pageSize: number) {
    return `http://portal/api/users/?page=1&page_size=${pageSize}`;
  }
  /** Called on every page fetch (to change things mid-slice). */
  onFetch?: () => Promise<void>;
  async fetchPage(url: string): Promise<PortalPage> {
    this.fetches++;
    this.fetched.push(url);
    await this.onFetch?.();
    const u = new URL(url);
    const page = Number(u.searchParams.get('page'));
    const size = Number(u.searchParams.get('page_size'));
    if (page === this.malformedPage)
      throw new PortalError('portal_malformed_page', `The portal page ?page=${page} is not valid JSON`, 200);
    const users = [];
    for (let i = (page - 1) * size; i < Math.min(this.users, page * size); i++) {
      const p = portalUser(i, SEED);
      users.push({ id: String(p.id), phone: this.phoneOverride.get(i) ?? p.phone, name: p.name });
    }
    const next = page * size < this.users ? `http://portal/api/users/?page=${page + 1}&page_size=${size}` : null;
    return { url, count: this.users, next, users };
  }
}

function setup(users: number) {
  const store = new MemoryStore();
  const portal = new MemoryPortal(users);
  const sent: string[] = [];
  const log = createLogger(() => undefined);
  let t = 1_000_000;
  const registration: RegistrationDeps = {
    store,
    sender: {
      async send(message) {
        sent.push(message.to);
        return { sid: `SM${sent.length}`, status: 'queued' };
      },
      async cancel() {},
      async findSent(_channel, to) {
        const i = sent.lastIndexOf(to);
        return i === -1 ? undefined : { sid: `SM${i + 1}`, status: 'queued' };
      },
    },
    lookup: { lookup: async () => ({ valid: true, validationErrors: [] }) },
    activity: createActivity(store, 2, log),
    welcomeCap: { take: async () => 0 },
    log,
    config: {
      defaultCountry: 'NP',
      allowedCountries: ['NP', 'US'],
      lookupMode: 'basic',
      shards: 2,
      cooldownSeconds: 60,
      welcomesPerMinute: 0,
      joinInstruction: '',
      statusCallbackUrl: 'http://x/status-callback',
      twoWaySmsCountries: ['US'],
      shortenUrls: false,
    },
    now: () => new Date(t),
    newId: (() => {
      let n = 0;
      return () => `id-${++n}`;
    })(),
    localDate: () => '2026-01-01',
    unsubscribeLink: (e164: string) => `http://x/u?t=${e164.slice(1)}`,
  };
  let runs = 0;
  const deps: BatchDeps = {
    registration,
    portal,
    store,
    log,
    // Every look at the clock costs 5 ms: slices end after a predictable number of users.
    clock: () => (t += 5),
    newRunId: () => `run_test_${++runs}`,
    newLeaseId: () => `lease-${Math.random()}`,
    cursorSecret: SECRET,
    concurrency: 4,
    channel: 'sms',
  };
  const slice = (body: { dryRun: boolean; runId?: string; cursor?: string; pageSize?: number; budgetMs?: number }) =>
    runSlice({ ...body, pageSize: body.pageSize ?? 50, budgetMs: body.budgetMs ?? 3500, startedAt: t }, deps);
  const later = (ms: number) => (t += ms);
  return { store, portal, sent, deps, slice, later };
}

function ok(answer: SliceAnswer): SliceResponse {
  if (!answer.ok) throw new Error(`slice failed: ${answer.status} ${answer.code} ${answer.message}`);
  return answer.body;
}

/** The outcome each generated user must get in a fresh store. */
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

function expectedCounts(users: number, dryRun: boolean): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < users; i++) {
    const o = expectedOutcome(portalUser(i, SEED).category, dryRun);
    counts[o] = (counts[o] ?? 0) + 1;
  }
  return counts;
}

async function loop(
  slice: ReturnType<typeof setup>['slice'],
  dryRun: boolean,
  maxSlices = 1000,
  start?: { runId: string; cursor?: string },
  budgetMs?: number,
) {
  const results: BatchResult[] = [];
  const bodies: SliceResponse[] = [];
  let runId = start?.runId;
  let cursor = start?.cursor;
  for (let i = 0; i < maxSlices; i++) {
    const body = ok(await slice({ dryRun, runId, cursor, budgetMs }));
    bodies.push(body);
    results.push(...body.results);
    runId = body.runId;
    cursor = body.next ?? undefined;
    if (body.done) break;
  }
  return { results, bodies, runId: runId!, cursor, last: bodies[bodies.length - 1]! };
}

const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n > 0));

describe('batch slices over the in-memory portal', () => {
  test('dry run: many slices, every user once in portal order, expected counts, no write, no message', async () => {
    const { slice, store, sent } = setup(230);
    const { results, bodies, last } = await loop(slice, true, 1000, undefined, 2000);
    expect(bodies.length).toBeGreaterThan(2);
    expect(results.map((r) => r.userId)).toEqual(Array.from({ length: 230 }, (_, i) => String(i + 1)));
    expect(last).toMatchObject({ done: true, next: null, total: 230, processed: 230 });
    expect(nonZero(last.counts)).toEqual(expectedCounts(230, true));
    results.forEach((r, i) => expect(r.outcome).toBe(expectedOutcome(portalUser(i, SEED).category, true)));
    expect(store.writes).toBe(0);
    expect(sent).toHaveLength(0);
  });

  test('a dry slice starts at most DRY_SLICE_MAX_USERS users even with budget left; the next continues mid-page', async () => {
    const users = DRY_SLICE_MAX_USERS + 1234;
    const { slice, deps, store } = setup(users);
    deps.clock = () => 1_000_000; // time stands still: only the cap can end a slice
    const { results, bodies, last } = await loop(slice, true);
    expect(bodies.map((b) => b.results.length)).toEqual([DRY_SLICE_MAX_USERS, 1234]);
    expect(bodies[0]).toMatchObject({ done: false, processed: DRY_SLICE_MAX_USERS });
    expect(results.map((r) => r.userId)).toEqual(Array.from({ length: users }, (_, i) => String(i + 1)));
    expect(last).toMatchObject({ done: true, processed: users });
    // At this size the generator gives a few 'valid' users a number an earlier one has: duplicates too.
    const numbers = new Set<string>();
    const expected = Array.from({ length: users }, (_, i) => {
      const u = portalUser(i, SEED);
      const outcome = expectedOutcome(u.category, true);
      if (outcome !== 'would_register') return outcome;
      if (numbers.has(u.e164!)) return 'duplicate';
      numbers.add(u.e164!);
      return outcome;
    });
    expect(results.map((r) => r.outcome)).toEqual(expected);
    expect(last.counts.duplicate).toBe(expected.filter((o) => o === 'duplicate').length);
    expect(store.writes).toBe(0);
  });

  test('a real slice is not capped by DRY_SLICE_MAX_USERS', async () => {
    const users = DRY_SLICE_MAX_USERS + 100;
    const { slice, deps } = setup(users);
    deps.clock = () => 1_000_000;
    const first = ok(await slice({ dryRun: false, pageSize: 500, budgetMs: 8000 }));
    expect(first).toMatchObject({ done: true, processed: users });
  });

  test('duplicates far apart are found across slices: from the cursor in a dry run, from the subscriber record in a real run', async () => {
    for (const dryRun of [true, false]) {
      const { slice, portal } = setup(230);
      portal.phoneOverride.set(0, '+9779841234567');
      portal.phoneOverride.set(225, '09841234567');
      const { results, bodies } = await loop(slice, dryRun);
      // User 1 is in the first slice, user 226 in a later one.
      expect(bodies[0]!.results.some((r) => r.userId === '1')).toBe(true);
      expect(bodies[0]!.results.some((r) => r.userId === '226')).toBe(false);
      expect(results.find((r) => r.userId === '1')!.outcome).toBe(dryRun ? 'would_register' : 'registered');
      expect(results.find((r) => r.userId === '226')).toMatchObject({ outcome: 'duplicate', masked: '+977******567' });
    }
  });

  test('real run: one welcome per valid unique number, duplicates reported, resumable by runId alone', async () => {
    const { slice, sent } = setup(230);
    const first = ok(await slice({ dryRun: false }));
    expect(first.done).toBe(false);
    // Resume with the runId only: the state is in Sync.
    const rest = await loop(slice, false, 1000, { runId: first.runId });
    const results = [...first.results, ...rest.results];
    expect(results.map((r) => r.userId)).toEqual(Array.from({ length: 230 }, (_, i) => String(i + 1)));
    expect(nonZero(rest.last.counts)).toEqual(expectedCounts(230, false));
    const valid = new Set(
      Array.from({ length: 230 }, (_, i) => portalUser(i, SEED))
        .filter((u) => u.category === 'valid' || u.category === 'us')
        .map((u) => u.e164),
    );
    expect(sent.length).toBe(valid.size);
    expect(new Set(sent)).toEqual(valid);
    // A finished run answers done again, with nothing new.
    const again = ok(await slice({ dryRun: false, runId: first.runId }));
    expect(again).toMatchObject({ done: true, results: [], processed: 230 });
  });

  test('real run: every portal page is fetched once; the next slice reads the pages the last one carried', async () => {
    const { slice, portal } = setup(230);
    const first = ok(await slice({ dryRun: false }));
    expect(first.done).toBe(false);
    // The token carries the pages from the cursor on, users not done yet only.
    const carried = decodeRunToken(first.next!, SECRET)!;
    expect(carried.carry![0]).toMatchObject({ url: carried.cursor!.page, from: carried.cursor!.offset });
    expect(carried.carry![0]!.users[0]!.id).toBe(String(first.processed + 1));
    const rest = await loop(slice, false, 1000, { runId: first.runId, cursor: first.next! });
    expect(rest.bodies.length).toBeGreaterThan(1);
    const ids = [...first.results, ...rest.results].map((r) => r.userId);
    expect(ids).toEqual(Array.from({ length: 230 }, (_, i) => String(i + 1)));
    // Five pages of 50, five portal requests, however the slices cut them.
    const pages = Array.from({ length: 5 }, (_, i) => `http://portal/api/users/?page=${i + 1}&page_size=50`);
    expect(portal.fetched).toEqual(pages);
  });

  test('real run, stale or older cursor: the run state in Sync decides; an older token without pages is fetched while the state is read', async () => {
    const { slice, store, portal } = setup(600);
    const first = ok(await slice({ dryRun: false }));
    const second = ok(await slice({ dryRun: false, runId: first.runId, cursor: first.next! }));
    expect(second.results[0]!.userId).toBe(String(first.processed + 1));
    // A client replaying an old `next`: its pages are used only where they are the state's page.
    const third = ok(await slice({ dryRun: false, runId: first.runId, cursor: first.next! }));
    expect(third.results[0]!.userId).toBe(String(second.processed + 1));
    // A token of the earlier format (no carried pages): the page it names is fetched while
    // the run state is read, and dropped when the state names another.
    const { carry: _carry, ...older } = decodeRunToken(first.next!, SECRET)!;
    const fetchesAtStateRead: number[] = [];
    const get = store.get.bind(store);
    store.get = async (map: string, key: string) => {
      if (map === 'batch-runs') fetchesAtStateRead.push(portal.fetches);
      return get(map, key);
    };
    const before = portal.fetches;
    portal.fetched.length = 0;
    const fourth = ok(await slice({ dryRun: false, runId: first.runId, cursor: encodeRunToken(older, SECRET) }));
    expect(third.done).toBe(false);
    expect(fetchesAtStateRead[0]).toBe(before + 1); // the guessed page was already on its way
    expect(fourth.results[0]!.userId).toBe(String(third.processed + 1));
    const stateNow = decodeRunToken(third.next!, SECRET)!.cursor!.page;
    expect(portal.fetched[0]).toBe(older.cursor!.page);
    if (stateNow !== older.cursor!.page) expect(portal.fetched[1]).toBe(stateNow);
    const rest = await loop(slice, false, 1000, { runId: first.runId, cursor: fourth.next ?? undefined });
    const ids = [...first.results, ...second.results, ...third.results, ...fourth.results, ...rest.results].map(
      (r) => r.userId,
    );
    expect(ids).toEqual(Array.from({ length: 600 }, (_, i) => String(i + 1)));
  });

  test('a slice killed before its commit is replayed: no second welcome, no user skipped', async () => {
    const { slice, store, sent, later } = setup(120);
    const first = ok(await slice({ dryRun: false }));
    const sentByFirst = sent.length;
    // The next slice does registrations but dies at its first commit.
    store.kill = { map: 'batch-runs', allowed: 0 };
    await expect(slice({ dryRun: false, runId: first.runId })).rejects.toThrow('killed');
    await new Promise((r) => setTimeout(r, 50)); // its in-flight registrations finish
    const sentBeforeReplay = sent.length;
    expect(sentBeforeReplay).toBeGreaterThan(sentByFirst);
    store.kill = undefined;
    later(20_000); // the dead slice's lease runs out
    const rest = await loop(slice, false, 1000, { runId: first.runId });
    const results = [...first.results, ...rest.results];
    expect(results.map((r) => r.userId)).toEqual(Array.from({ length: 120 }, (_, i) => String(i + 1)));
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent.length).toBe(sentBeforeReplay + rest.results.filter((r) => r.outcome === 'registered').length);
    // Replayed users answer already_registered; their duplicates are still duplicates.
    expect(rest.results.some((r) => r.outcome === 'already_registered')).toBe(true);
    const dups = results.filter((r) => r.outcome === 'duplicate').map((r) => Number(r.userId) - 1);
    expect(dups.every((i) => portalUser(i, SEED).category === 'duplicate')).toBe(true);
  });

  test('a slice killed after committing a page: the run state still counts every user exactly once', async () => {
    const { slice, store, sent, later } = setup(400);
    const first = ok(await slice({ dryRun: false }));
    store.kill = { map: 'batch-runs', allowed: 1 };
    await expect(slice({ dryRun: false, runId: first.runId })).rejects.toThrow('killed');
    await new Promise((r) => setTimeout(r, 50));
    store.kill = undefined;
    later(20_000);
    const rest = await loop(slice, false, 1000, { runId: first.runId });
    expect(rest.last).toMatchObject({ done: true, processed: 400 });
    expect(Object.values(rest.last.counts).reduce((a, b) => a + b, 0)).toBe(400);
    // The answers the client saw miss the page the dead slice committed, and repeat no one.
    const seen = [...first.results, ...rest.results].map((r) => Number(r.userId));
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(sent).size).toBe(sent.length);
    // The service kept every committed row: a client fills the answers it lost from there.
    const kept = await runResults({ runId: first.runId, from: 0, limit: 5000 }, store);
    expect(kept).toMatchObject({ ok: true, body: { done: true, processed: 400, from: 0, next: null } });
    const rows = kept.ok ? kept.body.results : [];
    expect(rows.map((r) => r.userId)).toEqual(Array.from({ length: 400 }, (_, i) => String(i + 1)));
    const answered = new Map([...first.results, ...rest.results].map((r) => [r.userId, r]));
    for (const row of rows) if (answered.has(row.userId)) expect(row).toEqual(answered.get(row.userId));
    // From any row index, in pages.
    const page = await runResults({ runId: first.runId, from: 37, limit: 50 }, store);
    expect(page.ok && page.body.results.map((r) => r.userId)).toEqual(
      Array.from({ length: 50 }, (_, i) => String(i + 38)),
    );
    expect(page.ok && page.body.next).toBe(87);
  });

  test('the welcome rate used up: the slice stops and says how long to wait; the run then finishes with every user once, in order', async () => {
    const { slice, deps, sent, later } = setup(230);
    deps.registration.config = { ...deps.registration.config, welcomesPerMinute: 30 };
    const sentAt: number[] = [];
    const send = deps.registration.sender.send.bind(deps.registration.sender);
    deps.registration.sender = {
      ...deps.registration.sender,
      send: (message) => (sentAt.push(deps.registration.now().getTime()), send(message)),
    };
    const bodies: SliceResponse[] = [];
    let runId: string | undefined;
    let cursor: string | undefined;
    for (let i = 0; i < 200 && !bodies.at(-1)?.done; i++) {
      const body = ok(await slice({ dryRun: false, runId, cursor }));
      bodies.push(body);
      runId = body.runId;
      cursor = body.next ?? undefined;
      if (body.waiting) later(body.waiting.retryAfterSeconds * 1000);
    }
    const last = bodies.at(-1)!;
    expect(last).toMatchObject({ done: true, processed: 230 });
    const waits = bodies.filter((b) => b.waiting);
    expect(waits.length).toBeGreaterThanOrEqual(4); // about 170 welcomes at 30 a minute
    for (const b of waits) {
      expect(b.waiting).toMatchObject({ reason: 'welcome_rate', welcomesPerMinute: 30, left: 230 - b.processed });
      expect(b.waiting!.retryAfterSeconds).toBeGreaterThan(0);
      expect(b.waiting!.retryAfterSeconds).toBeLessThanOrEqual(60);
      expect(Date.parse(b.waiting!.estimatedDoneAt)).toBeGreaterThan(0);
    }
    // Users in flight beside the one that met the cap finished: held ahead, reported in their turn.
    expect(waits.some((b) => (decodeRunToken(b.next!, SECRET)!.ahead ?? []).length > 0)).toBe(true);
    // Every user once, in portal order, each with its true outcome: none is left to a re-run.
    const results = bodies.flatMap((b) => b.results);
    expect(results.map((r) => r.userId)).toEqual(Array.from({ length: 230 }, (_, i) => String(i + 1)));
    results.forEach((r, i) => expect(r.outcome).toBe(expectedOutcome(portalUser(i, SEED).category, false)));
    expect(nonZero(last.counts)).toEqual(expectedCounts(230, false));
    // Each answer's rows follow the previous one's.
    bodies.forEach((b, i) => expect(b.from).toBe(i === 0 ? 0 : bodies[i - 1]!.processed));
    // One welcome per number, never more than 30 in a clock minute.
    expect(new Set(sent).size).toBe(sent.length);
    const perMinute = new Map<number, number>();
    for (const at of sentAt) perMinute.set(Math.floor(at / 60_000), (perMinute.get(Math.floor(at / 60_000)) ?? 0) + 1);
    expect(Math.max(...perMinute.values())).toBeLessThanOrEqual(30);
  });

  test("a welcome the slice's time box refuses before Twilio is not started: the slice ends there and the next resumes at that user", async () => {
    const { slice, deps, sent } = setup(230);
    const send = deps.registration.sender.send.bind(deps.registration.sender);
    // The messaging adapter's two time-box refusals, at fixed sends rather than at a machine's speed:
    // its send window closed before a create started; its retries' deadline came with no Twilio answer.
    const refusals = new Map<number, () => Error>([
      [20, sendWindowClosed],
      [
        60,
        () => new DeadlineExceededError(2, Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })),
      ],
    ]);
    const refused: string[] = [];
    let attempts = 0;
    deps.registration.sender = {
      ...deps.registration.sender,
      send: async (message) => {
        const refuse = refusals.get(++attempts);
        if (refuse) {
          refused.push(message.to);
          throw refuse();
        }
        return send(message);
      },
    };
    const { results, bodies, last } = await loop(slice, false);
    expect(refused).toHaveLength(2);
    const userOf = new Map(
      Array.from({ length: 230 }, (_, i) => portalUser(i, SEED)).map((u) => [u.e164, String(u.id)]),
    );
    for (const to of refused) {
      // The slice that met the refusal ended there; the next one starts with that user, who is registered then.
      const next = bodies.find((b) => b.results[0]?.userId === userOf.get(to));
      expect(next).toBeDefined();
      expect(next!.results[0]!.outcome).toBe('registered');
    }
    expect(results.filter((r) => r.outcome === 'retry_later')).toEqual([]);
    expect(results.map((r) => r.userId)).toEqual(Array.from({ length: 230 }, (_, i) => String(i + 1)));
    results.forEach((r, i) => expect(r.outcome).toBe(expectedOutcome(portalUser(i, SEED).category, false)));
    expect(nonZero(last.counts)).toEqual(expectedCounts(230, false));
    // One welcome per valid number, the refused ones included.
    expect(new Set(sent).size).toBe(sent.length);
    expect(sent).toEqual(expect.arrayContaining(refused));
  });

  test('a malformed page stops the run with a clear error; the cursor is kept and resuming works once fixed', async () => {
    const { slice, portal } = setup(200);
    portal.malformedPage = 3;
    // The slice that meets the bad page answers the work it did before it.
    const first = await loop(slice, false, 1, undefined, 8000);
    expect(first.last).toMatchObject({ done: false, processed: 100 }); // pages 1 and 2 only
    const failed = await slice({ dryRun: false, runId: first.runId });
    expect(failed).toMatchObject({
      ok: false,
      status: 502,
      code: 'portal_malformed_page',
      extra: { runId: first.runId },
    });
    if (!failed.ok) expect(failed.message).toMatch(/page=3.*not valid JSON/);
    portal.malformedPage = 0;
    const rest = await loop(slice, false, 1000, { runId: first.runId });
    expect([...first.results, ...rest.results].map((r) => r.userId)).toEqual(
      Array.from({ length: 200 }, (_, i) => String(i + 1)),
    );
    expect(rest.last).toMatchObject({ done: true, processed: 200 });
  });

  test('a dry run with a malformed page keeps its cursor in the error', async () => {
    const { slice, portal } = setup(200);
    portal.malformedPage = 2;
    const first = ok(await slice({ dryRun: true, budgetMs: 8000 }));
    expect(first).toMatchObject({ done: false, processed: 50 });
    const failed = await slice({ dryRun: true, runId: first.runId, cursor: first.next! });
    expect(failed).toMatchObject({ ok: false, code: 'portal_malformed_page' });
    portal.malformedPage = 0;
    const cursor = (failed as unknown as { extra: { next: string } }).extra.next;
    const rest = await loop(slice, true, 1000, { runId: first.runId, cursor });
    expect(rest.last).toMatchObject({ done: true, processed: 200 });
    expect(nonZero(rest.last.counts)).toEqual(expectedCounts(200, true));
  });

  test('two clients on one run: the second is told the run is busy', async () => {
    const { slice, deps, store } = setup(100);
    const first = ok(await slice({ dryRun: false, budgetMs: 600 }));
    // Hold the lease as a live slice would.
    const item = await store.get<{ lease: unknown }>('batch-runs', first.runId);
    await store.update(
      'batch-runs',
      first.runId,
      { ...item!.data, lease: { id: 'other', until: new Date(deps.clock() + 5000).toISOString() } },
      item!.revision,
    );
    const busy = await slice({ dryRun: false, runId: first.runId });
    expect(busy).toMatchObject({ ok: false, status: 409, code: 'run_busy' });
  });

  test('a run changed by another client during a slice: this slice stops at its next commit and answers 409', async () => {
    const { slice, store, portal } = setup(300);
    const first = ok(await slice({ dryRun: false, budgetMs: 600 }));
    let bumped = false;
    portal.onFetch = async () => {
      if (bumped) return;
      bumped = true;
      const item = await store.get<object>('batch-runs', first.runId);
      await store.update('batch-runs', first.runId, { ...item!.data }, item!.revision);
    };
    const lost = await slice({ dryRun: false, runId: first.runId, budgetMs: 8000 });
    expect(lost).toMatchObject({ ok: false, status: 409, code: 'run_busy' });
    const state = await store.get<{ processed: number }>('batch-runs', first.runId);
    expect(state!.data.processed).toBe(first.processed);
  });

  test('dry-run state needs its cursor; a forged or mismatched cursor is refused', async () => {
    const { slice } = setup(100);
    const first = ok(await slice({ dryRun: true, budgetMs: 600 }));
    expect(await slice({ dryRun: true, runId: first.runId })).toMatchObject({
      ok: false,
      status: 400,
      code: 'cursor_required',
    });
    expect(
      await slice({
        dryRun: true,
        runId: first.runId,
        // A changed payload character (the signature's last character may only carry padding bits).
        cursor: first.next!.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
      }),
    ).toMatchObject({ ok: false, code: 'invalid_cursor' });
    expect(await slice({ dryRun: false, cursor: first.next! })).toMatchObject({
      ok: false,
      status: 409,
      code: 'run_mode_mismatch',
    });
    expect(await slice({ dryRun: false, runId: 'run_unknown' })).toMatchObject({
      ok: false,
      status: 404,
      code: 'run_not_found',
    });
  });
});
