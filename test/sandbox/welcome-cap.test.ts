/**
 * The welcome cap on the sandbox's Sync (revisions, races, TTL): exact under concurrency,
 * one cap shared by the per-call and the batch's reserving taker, and the reserving one
 * writes once per block and gives unused slots back.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from '@jest/globals';
import {
  bucketCapacity,
  createWelcomeCap,
  createReservingWelcomeCap,
  type WelcomeCapDeps,
} from '../../src/app/welcome-cap';
import { createLogger } from '../../src/core/log';
import { shardOf } from '../../src/core/shard';
import { createTwilioClient } from '../../src/twilio/client';
import type { KeyValueStore } from '../../src/app/ports';
import { createSyncStore } from '../../src/twilio/sync-store';
import { startSandbox, type SandboxHandle } from '../../sandbox/server';

let sandbox: SandboxHandle;
let store: KeyValueStore;
const lines: string[] = [];
const log = createLogger((line) => lines.push(line));
let now = new Date('2026-05-01T06:30:05Z');

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
beforeEach(() => {
  sandbox.reset();
  lines.length = 0;
  now = new Date('2026-05-01T06:30:05Z');
});

/** Counts Sync writes (creates and updates) to the welcome-rate maps. */
function countingStore(): { store: KeyValueStore; writes: () => number } {
  let writes = 0;
  return {
    store: {
      ...store,
      create: (...args) => (writes++, store.create(...args)),
      update: (...args) => (writes++, store.update(...args)),
    },
    writes: () => writes,
  };
}

function deps(welcomesPerMinute: number, over: KeyValueStore = store): WelcomeCapDeps {
  return { store: over, config: { welcomesPerMinute, shards: 1 }, log, now: () => now };
}

/** Slots counted in Sync for one minute (every bucket of shard 0). */
async function counted(minute: string): Promise<number> {
  const page = await store.list<{ count: number }>('welcome-rate-0', { pageSize: 100 });
  return page.items.filter((i) => i.key.startsWith(minute)).reduce((sum, i) => sum + i.data.count, 0);
}

/** Waits until `check` holds (a background refill landing); the bound only ends a hung test. */
async function eventually(check: () => Promise<boolean> | boolean): Promise<void> {
  const until = Date.now() + 50_000;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not reached in 50 s');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const numbers = (n: number, prefix = '98410') =>
  Array.from({ length: n }, (_, i) => `+977${prefix}${String(i).padStart(5, '0')}`);

test('per call: 25 concurrent takers of a 20-a-minute cap -> exactly 20 slots, 5 told to wait until the next minute', async () => {
  const cap = createWelcomeCap(deps(20));
  const waits = await Promise.all(numbers(25).map((n) => cap.take(n)));
  expect(waits.filter((w) => w === 0)).toHaveLength(20);
  expect(waits.filter((w) => w > 0)).toEqual([55, 55, 55, 55, 55]);
  expect(await counted('2026-05-01T06:30')).toBe(20);
  expect(lines.some((l) => l.includes('registration.rate_limited') && !l.includes('+97798410'))).toBe(true);
});

test('reserving: 50 concurrent takers write a block at a time, and the unused slots go back', async () => {
  const counting = countingStore();
  // 640 a minute on one shard: 8 buckets of 80, blocks of 8.
  const cap = createReservingWelcomeCap(deps(640, counting.store));
  const waits = await Promise.all(numbers(50).map((n) => cap.take(n)));
  expect(waits.every((w) => w === 0)).toBe(true);
  // 50 slots in blocks of 8 is 7 blocks (one more refilled ahead); a lost race costs one
  // more write, not one per taker.
  const writes = counting.writes();
  expect(writes).toBeGreaterThanOrEqual(7);
  expect(writes).toBeLessThan(15);
  await cap.release();
  expect(await counted('2026-05-01T06:30')).toBe(50);
});

test('reserving: primed, the first takers find their slots waiting and write nothing; the spare slots go back in one write each', async () => {
  const counting = countingStore();
  const cap = createReservingWelcomeCap({
    ...deps(640 * 4, counting.store),
    config: { welcomesPerMinute: 640 * 4, shards: 4 },
  });
  await cap.prime();
  expect(counting.writes()).toBe(4); // one block per shard
  // 2 takes per shard leave 6 of 8: above the refill mark, so nothing is written.
  const spread = numbers(40).filter(
    (n, i, all) => all.slice(0, i).filter((m) => shardOf(m, 4) === shardOf(n, 4)).length < 2,
  );
  expect(spread).toHaveLength(8);
  expect(await Promise.all(spread.map((n) => cap.take(n)))).toEqual(Array(8).fill(0));
  expect(counting.writes()).toBe(4);
  await cap.release();
  expect(counting.writes()).toBe(8); // each shard's 6 spare slots go back in one write
  let total = 0;
  for (let shard = 0; shard < 4; shard++) {
    const page = await store.list<{ count: number }>(`welcome-rate-${shard}`, { pageSize: 100 });
    total += page.items.reduce((sum, i) => sum + i.data.count, 0);
  }
  expect(total).toBe(8);
});

test('reserving: a shard running low refills in the background, before a taker has to wait', async () => {
  const counting = countingStore();
  const cap = createReservingWelcomeCap(deps(640, counting.store)); // blocks of 8
  for (const n of numbers(4)) expect(await cap.take(n)).toBe(0); // the 4th take leaves 4 of 8: refill starts
  await eventually(() => counting.writes() >= 2);
  expect(counting.writes()).toBe(2);
  expect(await counted('2026-05-01T06:30')).toBe(16);
  for (const n of numbers(8, '98411')) expect(await cap.take(n)).toBe(0);
  await cap.release();
  expect(await counted('2026-05-01T06:30')).toBe(12);
});

test('one cap shared: 60 per-call and 80 reserving takers of 128 a minute -> exactly 128 slots', async () => {
  // 128 a minute on one shard: 8 buckets of 16, blocks of 2.
  const perCall = createWelcomeCap(deps(128));
  const reserving = createReservingWelcomeCap(deps(128));
  const [a, b] = await Promise.all([
    Promise.all(numbers(60, '98420').map((n) => perCall.take(n))),
    Promise.all(numbers(80, '98430').map((n) => reserving.take(n))),
  ]);
  await reserving.release();
  const granted = [...a, ...b].filter((w) => w === 0).length;
  expect(granted).toBe(128);
  expect(await counted('2026-05-01T06:30')).toBe(128);
  // A full minute is remembered: a later take in it is refused without asking Sync.
  const counting = countingStore();
  const full = createReservingWelcomeCap(deps(128, counting.store));
  expect(await full.take('+9779841099999')).toBe(55);
  expect(await full.take('+9779841099998')).toBe(55);
  expect(counting.writes()).toBe(0);
});

test("reserving: slots belong to their minute; release gives back only the current minute's", async () => {
  const cap = createReservingWelcomeCap(deps(128)); // blocks of 2, refilled at 1 left
  expect(await cap.take('+9779841000001')).toBe(0);
  await eventually(async () => (await counted('2026-05-01T06:30')) >= 4); // the background refill lands
  expect(await counted('2026-05-01T06:30')).toBe(4);
  now = new Date('2026-05-01T06:31:01Z');
  expect(await cap.take('+9779841000002')).toBe(0); // last minute's 3 spare slots are not used
  await cap.release();
  expect(await counted('2026-05-01T06:30')).toBe(4);
  expect(await counted('2026-05-01T06:31')).toBe(1);
});

test('no cap configured: every take is free and nothing is written', async () => {
  const counting = countingStore();
  const cap = createReservingWelcomeCap(deps(0, counting.store));
  expect(await Promise.all(numbers(5).map((n) => cap.take(n)))).toEqual([0, 0, 0, 0, 0]);
  expect(counting.writes()).toBe(0);
});

test("reserving: a batch is refused only when the whole minute is used, not when its number's shard is", async () => {
  // 40 a minute over 4 shards: 10 each, blocks of 1. Every number below hashes to one shard.
  const config = { welcomesPerMinute: 40, shards: 4 };
  const oneShard = numbers(400, '98450')
    .filter((n) => shardOf(n, 4) === 0)
    .slice(0, 41);
  expect(oneShard).toHaveLength(41);
  const cap = createReservingWelcomeCap({ ...deps(40), config });
  const waits: number[] = [];
  for (const n of oneShard) waits.push(await cap.take(n));
  expect(waits.slice(0, 40)).toEqual(Array(40).fill(0));
  expect(waits[40]).toBe(55);
  await cap.release();
  let total = 0;
  for (let shard = 0; shard < 4; shard++) {
    const page = await store.list<{ count: number }>(`welcome-rate-${shard}`, { pageSize: 100 });
    total += page.items.reduce((sum, i) => sum + i.data.count, 0);
  }
  expect(total).toBe(40);
  // The per-call taker (POST /register) keeps to its number's shard.
  sandbox.reset();
  const perCall = createWelcomeCap({ ...deps(40), config });
  const single: number[] = [];
  for (const n of oneShard.slice(0, 11)) single.push(await perCall.take(n));
  expect(single.filter((w) => w === 0)).toHaveLength(10);
});

test('the buckets add up to the cap exactly (600 a minute over 4 shards of 8 buckets is 600 slots, not 608)', async () => {
  for (const [rate, shards] of [
    [600, 4],
    [600, 8],
    [100_000, 4],
    [1000, 7],
    [120, 4],
    [3, 4],
    [1, 64],
  ] as const) {
    const config = { welcomesPerMinute: rate, shards };
    let total = 0;
    for (let shard = 0; shard < shards; shard++)
      for (let bucket = 0; bucket < 8; bucket++) total += bucketCapacity(config, shard, bucket);
    expect([rate, shards, total]).toEqual([rate, shards, rate]);
  }
  // Live, a cap smaller than the shards: 3 a minute over 4 shards, for both takers.
  const config = { welcomesPerMinute: 3, shards: 4 };
  const perCall = createWelcomeCap({ ...deps(3), config });
  const calls = await Promise.all(numbers(6, '98460').map((n) => perCall.take(n)));
  expect(calls.filter((w) => w === 0)).toHaveLength(3);
  sandbox.reset();
  const reserving = createReservingWelcomeCap({ ...deps(3), config });
  const batch: number[] = [];
  for (const n of numbers(6, '98470')) batch.push(await reserving.take(n));
  expect(batch.filter((w) => w === 0)).toHaveLength(3);
  await reserving.release();
});

test('per call, two warm instances sharing the buckets: each writes a bucket it wrote last without reading it, and the cap stays exact', async () => {
  let reads = 0;
  const counting: KeyValueStore = { ...store, get: (...args) => (reads++, store.get(...args)) };
  const instance = () => ({ ...deps(10, counting), known: new Map() });
  const [a, b] = [instance(), instance()];
  const [capA, capB] = [createWelcomeCap(a), createWelcomeCap(b)];
  // One bucket (10 a minute, one shard): A's first take reads it, its second does not.
  expect(await capA.take('+9779841000001')).toBe(0);
  const afterFirst = reads;
  expect(await capA.take('+9779841000002')).toBe(0);
  expect(reads).toBe(afterFirst);
  // B wrote in between: A's known revision is stale, its write fails and it reads again (no slot lost or doubled).
  const waits = [];
  for (const [i, number] of numbers(30, '98420').entries()) waits.push(await (i % 3 ? capA : capB).take(number));
  expect(waits.filter((w) => w === 0)).toHaveLength(8);
  expect(await counted('2026-05-01T06:30')).toBe(10);
  // Prefetch skips a bucket the instance knows.
  const before = reads;
  createWelcomeCap(a).prefetch!('+9779841000003');
  expect(reads).toBe(before);
});
