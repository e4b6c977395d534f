/**
 * The dashboard's counters on the sandbox's Sync: concurrent writers lose nothing, reads sum
 * every slot and shard, date ranges are exact, and a buffered activity writes once per date.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import { ALL_TIME } from '../../src/core/activity';
import { createLogger } from '../../src/core/log';
import { bufferActivity, COUNTER_SLOTS, createActivity, createActivityReader } from '../../src/app/activity';
import { createTwilioClient } from '../../src/twilio/client';
import type { KeyValueStore } from '../../src/app/ports';
import { createSyncStore } from '../../src/twilio/sync-store';
import { startSandbox, type SandboxHandle } from '../../sandbox/server';

const SHARDS = 2;
let sandbox: SandboxHandle;
let store: KeyValueStore;
const warnings: string[] = [];
const log = createLogger((line) => warnings.push(line));

beforeAll(async () => {
  sandbox = await startSandbox({ latencyMs: 2 });
  const client = createTwilioClient({
    ACCOUNT_SID: sandbox.options.accountSid,
    AUTH_TOKEN: sandbox.options.authToken,
    TWILIO_API_BASE_URL: sandbox.url,
  });
  store = createSyncStore({ client, serviceSid: sandbox.options.syncServiceSid, deadline: () => Date.now() + 20_000 });
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());

test('100 concurrent counts on one date are all kept, spread over several items, and nothing is reported lost', async () => {
  const activity = createActivity(store, SHARDS, log);
  await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      activity.count('2026-03-10', { 'registration.created': 1, ...(i % 4 === 0 ? { 'failure.30003': 2 } : {}) }),
    ),
  );
  const byDate = await createActivityReader(store, SHARDS).countersBetween('2026-03-10', '2026-03-10');
  expect(byDate.get('2026-03-10')).toEqual({ 'registration.created': 100, 'failure.30003': 50 });
  let items = 0;
  for (let shard = 0; shard < SHARDS; shard++)
    items += (await store.list(`counters-${shard}`, { pageSize: 100 })).items.filter((i) =>
      i.key.startsWith('2026-03-10'),
    ).length;
  expect(items).toBeGreaterThan(1);
  expect(items).toBeLessThanOrEqual(SHARDS * COUNTER_SLOTS);
  expect(warnings.filter((w) => w.includes('count_failed'))).toEqual([]);
});

test('a date range includes both end dates and nothing outside them', async () => {
  const activity = createActivity(store, SHARDS, log);
  for (const date of ['2026-04-01', '2026-04-02', '2026-04-03', '2026-04-04'])
    await activity.count(date, { n: Number(date.slice(-1)) });
  const byDate = await createActivityReader(store, SHARDS).countersBetween('2026-04-02', '2026-04-03');
  expect([...byDate.keys()].sort()).toEqual(['2026-04-02', '2026-04-03']);
  expect(byDate.get('2026-04-02')).toEqual({ n: 2 });
  expect(byDate.get('2026-04-03')).toEqual({ n: 3 });
});

test('gauges sum every slot of every shard, and an item written before slots existed', async () => {
  const activity = createActivity(store, SHARDS, log);
  await Promise.all(Array.from({ length: 30 }, () => activity.gauge({ 'subscribers.active': 1 })));
  await activity.gauge({ 'subscribers.active': -1, 'subscribers.opted_out': 1 });
  await store.create('counters-1', ALL_TIME, { 'subscribers.active': 5 }); // the old, unslotted key
  expect(await createActivityReader(store, SHARDS).gauges()).toEqual({
    'subscribers.active': 34,
    'subscribers.opted_out': 1,
  });
});

test('a buffered activity writes nothing until flushed, then one counter write per date', async () => {
  let writes = 0;
  const counting: KeyValueStore = {
    ...store,
    create: (...args) => (writes++, store.create(...args)),
    update: (...args) => (writes++, store.update(...args)),
    get: (...args) => store.get(...args),
    list: (...args) => store.list(...args),
    remove: (...args) => store.remove(...args),
  };
  const buffered = bufferActivity(createActivity(counting, SHARDS, log));
  for (let i = 0; i < 50; i++) {
    await buffered.count('2026-05-01', { 'registration.created': 1 });
    await buffered.gauge({ 'subscribers.active': 1 });
  }
  await buffered.count('2026-05-02', { 'registration.invalid.too_short': 1 });
  await buffered.gauge({ 'subscribers.active': -1, 'subscribers.opted_out': 1 });
  await buffered.gauge({ 'subscribers.opted_out': -1, 'subscribers.active': 1 });
  expect(writes).toBe(0);
  await buffered.flush();
  expect(writes).toBe(3); // 2026-05-01, 2026-05-02, all-time
  await buffered.flush();
  expect(writes).toBe(3); // nothing pending: nothing written
  const reader = createActivityReader(store, SHARDS);
  const byDate = await reader.countersBetween('2026-05-01', '2026-05-02');
  expect(byDate.get('2026-05-01')).toEqual({ 'registration.created': 50 });
  expect(byDate.get('2026-05-02')).toEqual({ 'registration.invalid.too_short': 1 });
  // opted_out +1 then -1 nets to zero: it is not written at all.
  expect(await reader.gauges()).toEqual({ 'subscribers.active': 50 });
});

describe('events pages (GET /admin/events)', () => {
  const kinds = ['registration.created', 'consent.opt_out', 'delivery.failed', 'consent.opt_in'];
  /** `count` events spread over the shards, one second apart; every `rare`-th is an opt-out. */
  function seedEvents(count: number, rare: number): Array<{ key: string; event: string }> {
    const seeded: Array<{ key: string; event: string }> = [];
    for (let i = 0; i < count; i++) {
      const time = new Date(Date.UTC(2026, 2, 1) + i * 1000).toISOString();
      const event = i % rare === 0 ? 'consent.opt_out' : kinds[i % 2 === 0 ? 0 : 2]!;
      const key = `${time}_${i.toString(36)}`;
      sandbox.putItem(`events-${i % SHARDS}`, key, { time, event, masked: '+977******278', detail: 'portal' });
      seeded.push({ key, event });
    }
    return seeded.reverse();
  }

  async function allPages(limit: number, match?: (e: { event: string }) => boolean) {
    const reader = createActivityReader(store, SHARDS);
    const seen: string[] = [];
    let short = 0;
    let before: string | undefined;
    for (let pages = 0; pages < 200; pages++) {
      const page = await reader.eventsPage({ limit, ...(before ? { before } : {}), ...(match ? { match } : {}) });
      expect(page.events.length).toBeLessThanOrEqual(limit);
      seen.push(...page.events.map((e) => e.key));
      if (page.next && page.events.length < limit) short++;
      if (!page.next) return { seen, pages: pages + 1, short };
      before = page.next;
    }
    throw new Error('paging did not end');
  }

  test('unfiltered: every event once, newest first, full pages', async () => {
    const seeded = seedEvents(57, 5);
    const { seen, pages } = await allPages(10);
    expect(seen).toEqual(seeded.map((e) => e.key));
    expect(pages).toBe(6);
  });

  test('filtered, with shards that stop reading before they find enough: still every match once, in order', async () => {
    // 1,300 events over 2 shards (650 each: more than a shard reads for one page), 1 in 301 an opt-out.
    const seeded = seedEvents(1300, 301);
    const optOut = (e: { event: string }) => e.event === 'consent.opt_out';
    const { seen, short } = await allPages(5, optOut);
    expect(seen).toEqual(seeded.filter(optOut).map((e) => e.key));
    expect(seen).toHaveLength(5);
    expect(short).toBeGreaterThan(0); // a page answered short, with a next, where the shards stopped reading
  }, 60_000);

  test('an empty map answers an empty last page', async () => {
    expect(await createActivityReader(store, SHARDS).eventsPage({ limit: 10 })).toEqual({ events: [], next: null });
  });
});
