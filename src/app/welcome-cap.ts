/**
 * Global cap on welcomes per minute (WELCOME_RATE_PER_MINUTE). The count is split over
 * shards and, when the share is large enough, over up to 8 buckets per shard, so no single
 * Sync item takes every welcome's write. A taker starts at one bucket and moves on when that
 * one is full or another writer holds it; it is refused only when every bucket of its shard
 * is full.
 *
 * Two takers share the buckets: one slot per call (POST /register), and a reserving one for
 * a batch slice, which takes a block of slots per bucket write and hands them out locally,
 * so its concurrent users neither pay two Sync calls each nor race each other for buckets.
 */
import type { Logger } from '../core/log';
import { shardOf } from '../core/shard';
import type { KeyValueStore, StoredItem } from './ports';
import { modifyItem, pauseAfterConflict, SyncConflictError } from './store-writes';

const RATE_MAP = 'welcome-rate';
/** A minute's rate buckets outlive the minute a little, then clean themselves up. */
const RATE_TTL_SECONDS = 180;
const RATE_ATTEMPTS = 16;
/** Most slots a batch slice reserves per bucket write. */
const MAX_BLOCK = 8;

export interface WelcomeCap {
  /** One welcome slot for this number: 0, or the seconds to wait when the cap is reached. */
  take(e164: string): Promise<number>;
  /**
   * Starts reading the bucket the next `take` for this number tries first, so that take is
   * one write: a caller overlaps the read with its own first round trip (the subscriber read).
   */
  prefetch?(e164: string): void;
}

/** A batch slice's cap: reserves ahead of its takers, gives unused slots back at the end. */
export interface ReservingWelcomeCap extends WelcomeCap {
  /** Starts reserving a block on every shard now; settles (never rejects) when they land. */
  prime(): Promise<void>;
  /** Returns slots reserved and not used (this minute's only); never throws. */
  release(): Promise<void>;
}

export interface WelcomeCapDeps {
  store: KeyValueStore;
  config: { welcomesPerMinute: number; shards: number };
  log: Logger;
  now: () => Date;
  /**
   * Buckets as this process's last write left them (by `map/key`), kept across the requests of
   * a warm Function instance: the next take from such a bucket is one revision-checked write.
   */
  known?: Map<string, StoredItem<{ count: number }>>;
}

interface Layout {
  /** Rate shards: SYNC_SHARDS, but never more than the cap (each shard holds at least one slot). */
  shards: number;
  buckets: number;
  /** Slots of the fullest bucket (block sizes are derived from it). */
  perBucket: number;
}

function layoutOf(config: WelcomeCapDeps['config']): Layout {
  const shards = Math.max(1, Math.min(config.shards, config.welcomesPerMinute));
  const perShard = Math.max(1, Math.ceil(config.welcomesPerMinute / shards));
  // Buckets only where each still allows 10+ welcomes a minute.
  const buckets = Math.max(1, Math.min(8, Math.floor(perShard / 10)));
  return { shards, buckets, perBucket: Math.ceil(perShard / buckets) };
}

/**
 * Slots of one bucket: the cap split exactly over the shards, then over their buckets (the
 * first ones take the remainder), so the buckets add up to WELCOME_RATE_PER_MINUTE, not
 * more (600 over 4 shards of 8 buckets is 18 or 19 each, not 19 each: 608).
 */
export function bucketCapacity(config: WelcomeCapDeps['config'], shard: number, bucket: number): number {
  const { shards, buckets } = layoutOf(config);
  if (shard >= shards || bucket >= buckets) return 0;
  const rate = Math.max(0, config.welcomesPerMinute);
  const perShard = Math.floor(rate / shards) + (shard < rate % shards ? 1 : 0);
  return Math.floor(perShard / buckets) + (bucket < perShard % buckets ? 1 : 0);
}

/** Keys go into the URL path unencoded by twilio-node: no '#', '?' or '/' in them. */
const minuteOf = (now: Date) => now.toISOString().slice(0, 16);
const secondsToNextMinute = (now: Date) => 60 - now.getUTCSeconds();
const bucketKey = (minute: string, bucket: number) => `${minute}_${bucket}`;

interface Reservation {
  key: string;
  granted: number;
  /** The bucket as this write left it: giving slots back is then one write. */
  written: StoredItem<{ count: number }>;
}

/**
 * Reserves up to `want` slots of one shard's current minute, in one write: the first bucket
 * with room, starting at `firstBucket`. Undefined when every bucket is full.
 */
async function reserve(
  deps: WelcomeCapDeps,
  shard: number,
  minute: string,
  firstBucket: number,
  want: number,
  /** A read of an item already under way (prefetch): used instead of reading it again, once. */
  started?: (map: string, key: string) => Promise<StoredItem<{ count: number }> | undefined> | undefined,
): Promise<Reservation | undefined> {
  const { buckets } = layoutOf(deps.config);
  const map = `${RATE_MAP}-${shard}`;
  const full = new Set<number>();
  for (let attempt = 0; attempt < RATE_ATTEMPTS && full.size < buckets; attempt++) {
    // Skip buckets known full; once every free one was busy, wait a little (jittered).
    let bucket = (firstBucket + attempt) % buckets;
    while (full.has(bucket)) bucket = (bucket + 1) % buckets;
    if (attempt >= buckets) await pauseAfterConflict(attempt - buckets + 1);
    const key = bucketKey(minute, bucket);
    const capacity = bucketCapacity(deps.config, shard, bucket);
    const read = () => deps.store.get<{ count: number }>(map, key);
    // This process's last write of the bucket stands for a read, once, while it shows room
    // (the write is revision-checked; a batch may have given slots back since it showed none).
    const last = attempt === 0 ? deps.known?.get(`${map}/${key}`) : undefined;
    // A prefetched read that failed is simply made again.
    const item = last && last.data.count < capacity ? last : await (started?.(map, key)?.catch(read) ?? read());
    const used = item?.data.count ?? 0;
    if (used >= capacity) {
      full.add(bucket);
      continue;
    }
    const granted = Math.min(want, capacity - used);
    const written = item
      ? await deps.store.update(map, key, { count: used + granted }, item.revision)
      : await deps.store.create(map, key, { count: granted }, RATE_TTL_SECONDS);
    if (written) {
      deps.known?.set(`${map}/${key}`, written);
      return { key, granted, written };
    }
  }
  if (full.size < buckets) throw new SyncConflictError('welcome-rate buckets kept changing under us');
  return undefined;
}

/** One slot per call, starting at the number's own bucket (POST /register). */
export function createWelcomeCap(deps: WelcomeCapDeps): WelcomeCap {
  const { shards, buckets, perBucket } = layoutOf(deps.config);
  const firstItem = (e164: string, minute: string) => ({
    shard: shardOf(e164, shards),
    bucket: shardOf(e164 + '_bucket', buckets),
    map: `${RATE_MAP}-${shardOf(e164, shards)}`,
    key: bucketKey(minute, shardOf(e164 + '_bucket', buckets)),
  });
  const prefetched = new Map<string, Promise<StoredItem<{ count: number }> | undefined>>();
  /** A prefetched read of this item, handed out once (a later attempt must read afresh). */
  const started = (map: string, key: string) => {
    const read = prefetched.get(`${map}/${key}`);
    prefetched.delete(`${map}/${key}`);
    return read;
  };
  return {
    prefetch(e164) {
      if (deps.config.welcomesPerMinute <= 0) return;
      const minute = minuteOf(deps.now());
      // Buckets of past minutes are never written again.
      for (const name of deps.known?.keys() ?? []) if (!name.includes(`/${minute}_`)) deps.known!.delete(name);
      const { map, key } = firstItem(e164, minute);
      if (deps.known?.has(`${map}/${key}`)) return;
      const read = deps.store.get<{ count: number }>(map, key);
      read.catch(() => undefined);
      prefetched.set(`${map}/${key}`, read);
    },
    async take(e164) {
      if (deps.config.welcomesPerMinute <= 0) return 0;
      const now = deps.now();
      const { shard, bucket } = firstItem(e164, minuteOf(now));
      const taken = await reserve(deps, shard, minuteOf(now), bucket, 1, started);
      prefetched.clear();
      if (taken) return 0;
      deps.log.warn('registration.rate_limited', { phone: e164, perBucket, buckets });
      return secondsToNextMinute(now);
    },
  };
}

interface ShardPool {
  minute: string;
  /** Reserved slots not handed out yet, by bucket key. */
  left: Map<string, number>;
  /** Each bucket as our last write left it. */
  written: Map<string, StoredItem<{ count: number }>>;
  /** Every bucket was full in this minute: refuse without asking Sync again. */
  fullIn?: string;
  refilling?: Promise<void>;
  refills: number;
}

/**
 * Reserves slots in blocks (an eighth of a bucket, at most 8) per shard and hands them out
 * locally, from any shard (it refuses only when every shard's minute is full); concurrent takers of one shard wait for one refill instead of each writing, and
 * a shard running low refills in the background, so takers rarely wait at all. A small cap
 * keeps blocks of one, so it stays exact. Unused slots are given back by `release`; a
 * slice killed before that leaves them counted until the minute ends.
 */
export function createReservingWelcomeCap(
  deps: WelcomeCapDeps,
  random: () => number = Math.random,
): ReservingWelcomeCap {
  const pools = new Map<number, ShardPool>();
  const layout = layoutOf(deps.config);
  const block = Math.max(1, Math.min(MAX_BLOCK, Math.floor(layout.perBucket / 8)));

  const poolOf = (shard: number, minute: string): ShardPool => {
    let pool = pools.get(shard);
    if (!pool || pool.minute !== minute) {
      // Last minute's slots are gone with their minute; its refill (if any) lands in the old pool.
      pool = {
        minute,
        left: new Map(),
        written: new Map(),
        refills: pool?.refills ?? Math.floor(random() * layout.buckets),
      };
      pools.set(shard, pool);
    }
    return pool;
  };
  const refill = async (shard: number, pool: ShardPool) => {
    const reservation = await reserve(deps, shard, pool.minute, pool.refills++ % layout.buckets, block);
    if (!reservation) {
      pool.fullIn = pool.minute;
      deps.log.warn('batch.welcome_cap_reached', { shard, perBucket: layout.perBucket, buckets: layout.buckets });
      return;
    }
    pool.left.set(reservation.key, (pool.left.get(reservation.key) ?? 0) + reservation.granted);
    pool.written.set(reservation.key, reservation.written);
  };
  /** One refill per shard at a time; a background one's failure is met by the next taker that waits. */
  const startRefill = (shard: number, pool: ShardPool): Promise<void> => {
    if (!pool.refilling) {
      pool.refilling = refill(shard, pool).finally(() => (pool.refilling = undefined));
      pool.refilling.catch(() => undefined);
    }
    return pool.refilling;
  };
  const slotsLeft = (pool: ShardPool) => [...pool.left.values()].reduce((sum, n) => sum + n, 0);

  return {
    async take(e164) {
      if (deps.config.welcomesPerMinute <= 0) return 0;
      const shards = layout.shards;
      const own = shardOf(e164, shards);
      // The cap is one number for the whole service; shards only spread its writes. The
      // number's own shard first, then any other: a batch is refused only when the whole
      // minute is used up, so a refusal means "wait for the next minute", never "this shard".
      const order = Array.from({ length: shards }, (_, i) => (own + i) % shards);
      for (;;) {
        const now = deps.now();
        const minute = minuteOf(now);
        for (const shard of order) {
          const pool = poolOf(shard, minute);
          for (const [key, left] of pool.left) {
            if (left > 1) pool.left.set(key, left - 1);
            else pool.left.delete(key);
            if (block > 1 && slotsLeft(pool) <= block / 2 && pool.fullIn !== pool.minute) void startRefill(shard, pool);
            return 0;
          }
        }
        const open = order.find((shard) => poolOf(shard, minute).fullIn !== minute);
        if (open === undefined) return secondsToNextMinute(now);
        await startRefill(open, poolOf(open, minute));
      }
    },
    async prime() {
      if (deps.config.welcomesPerMinute <= 0 || block === 1) return;
      const minute = minuteOf(deps.now());
      const shards = Array.from({ length: layout.shards }, (_, shard) => shard);
      await Promise.allSettled(shards.map((shard) => startRefill(shard, poolOf(shard, minute))));
    },
    async release() {
      // A refill still on its way would land after the pools are cleared: let it land first.
      await Promise.allSettled([...pools.values()].flatMap((pool) => (pool.refilling ? [pool.refilling] : [])));
      const minute = minuteOf(deps.now());
      const returns = [...pools]
        .filter(([, pool]) => pool.minute === minute)
        .flatMap(([shard, pool]) =>
          [...pool.left].map(([key, left]) => ({
            map: `${RATE_MAP}-${shard}`,
            key,
            left,
            last: pool.written.get(key),
          })),
        );
      pools.clear();
      await Promise.all(
        returns.map(async ({ map, key, left, last }) => {
          const giveBack = (current: { count: number }) => ({ count: Math.max(0, current.count - left) });
          try {
            // Usually nobody wrote the bucket since our reservation: one write; else re-read.
            const done = last && (await deps.store.update(map, key, giveBack(last.data), last.revision));
            if (!done) await modifyItem<{ count: number }>(deps.store, map, key, giveBack);
          } catch (error) {
            deps.log.warn('batch.welcome_slots_not_returned', { map, key, left, error });
          }
        }),
      );
    },
  };
}
