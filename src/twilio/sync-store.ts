/**
 * Key-value storage on Twilio Sync Maps. Atomic create (409 / 54208 when the key exists)
 * is our idempotency lock; updates carry the item revision (If-Match) so concurrent
 * function instances never overwrite each other. Maps are created lazily, as on a fresh
 * Sync service. Every call goes through the retry helper within the caller's deadline.
 */
import { withRetry } from '../core/retry';
import type { TwilioClient } from './client';

export interface StoredItem<T> {
  key: string;
  data: T;
  revision: string;
  dateUpdated?: Date;
}

export interface ListPage<T> {
  items: StoredItem<T>[];
  /** Key to pass as `after` for the next page, or undefined at the end. */
  nextAfter?: string;
}

export interface KeyValueStore {
  /** Creates the item; resolves undefined when the key already exists (someone else holds it). */
  create<T>(map: string, key: string, data: T, ttlSeconds?: number): Promise<StoredItem<T> | undefined>;
  get<T>(map: string, key: string): Promise<StoredItem<T> | undefined>;
  /** Updates only if the item is still at `revision`; resolves undefined when it moved on. */
  update<T>(
    map: string,
    key: string,
    data: T,
    revision: string,
    ttlSeconds?: number,
  ): Promise<StoredItem<T> | undefined>;
  remove(map: string, key: string): Promise<void>;
  /** Items in key order, starting after `after`. */
  list<T>(map: string, options?: { after?: string; pageSize?: number; order?: 'asc' | 'desc' }): Promise<ListPage<T>>;
}

export class SyncConflictError extends Error {}

/**
 * Pause after losing a revision race: full jitter, growing with each loss, so contenders
 * spread out instead of colliding again at once.
 */
export function pauseAfterConflict(attempt: number): Promise<void> {
  const ceiling = Math.min(200, 10 * 2 ** attempt);
  return new Promise((resolve) => setTimeout(resolve, Math.random() * ceiling));
}

const CONFLICT_ATTEMPTS = 12;

interface SyncItemResource {
  key: string;
  data: unknown;
  revision: string;
  dateUpdated?: Date;
}

const CODE_ITEM_EXISTS = 54208;
const CODE_MAP_EXISTS = 54301;
const CODE_REVISION_MISMATCH = 54103;
const CODE_NOT_FOUND = 20404;

function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function toItem<T>(resource: SyncItemResource): StoredItem<T> {
  return {
    key: resource.key,
    data: resource.data as T,
    revision: String(resource.revision),
    dateUpdated: resource.dateUpdated,
  };
}

export interface SyncStoreOptions {
  client: TwilioClient;
  serviceSid: string;
  /** Absolute epoch ms after which no retry starts (the function's time box). */
  deadline: () => number;
}

export function createSyncStore({ client, serviceSid, deadline }: SyncStoreOptions): KeyValueStore {
  const service = () => client.sync.v1.services(serviceSid);
  const retry = <T>(op: () => Promise<T>) => withRetry(op, { deadline: deadline() });

  async function ensureMap(map: string): Promise<void> {
    try {
      await retry(() => service().syncMaps.create({ uniqueName: map }));
    } catch (error) {
      if (codeOf(error) !== CODE_MAP_EXISTS && statusOf(error) !== 409) throw error;
    }
  }

  /**
   * Runs an item operation; on "map not found" makes sure the map exists (creating it is
   * idempotent: a concurrent creator's 409 is fine) and tries once more.
   */
  async function onMap<T>(map: string, op: () => Promise<T>): Promise<T> {
    try {
      return await retry(op);
    } catch (error) {
      if (codeOf(error) !== CODE_NOT_FOUND) throw error;
      await ensureMap(map);
      return retry(op);
    }
  }

  return {
    async create<T>(map: string, key: string, data: T, ttlSeconds?: number) {
      try {
        const created = await onMap(map, () =>
          service()
            .syncMaps(map)
            .syncMapItems.create({ key, data: data as object, ...(ttlSeconds ? { ttl: ttlSeconds } : {}) }),
        );
        return toItem<T>(created);
      } catch (error) {
        if (codeOf(error) === CODE_ITEM_EXISTS || statusOf(error) === 409) return undefined;
        throw error;
      }
    },

    async get<T>(map: string, key: string) {
      try {
        return toItem<T>(await retry(() => service().syncMaps(map).syncMapItems(key).fetch()));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },

    async update<T>(map: string, key: string, data: T, revision: string, ttlSeconds?: number) {
      try {
        const updated = await retry(() =>
          service()
            .syncMaps(map)
            .syncMapItems(key)
            .update({ data: data as object, ifMatch: revision, ...(ttlSeconds ? { ttl: ttlSeconds } : {}) }),
        );
        return toItem<T>(updated);
      } catch (error) {
        if (codeOf(error) === CODE_REVISION_MISMATCH || statusOf(error) === 412) return undefined;
        throw error;
      }
    },

    async remove(map: string, key: string) {
      try {
        await retry(() => service().syncMaps(map).syncMapItems(key).remove());
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    },

    async list<T>(map: string, options: { after?: string; pageSize?: number; order?: 'asc' | 'desc' } = {}) {
      const pageSize = options.pageSize ?? 100;
      try {
        const page = await retry(() =>
          service()
            .syncMaps(map)
            .syncMapItems.page({
              pageSize,
              order: options.order ?? 'asc',
              ...(options.after !== undefined ? { from: options.after, bounds: 'exclusive' as const } : {}),
            }),
        );
        const items = page.instances.map((i) => toItem<T>(i));
        const last = items[items.length - 1];
        return { items, nextAfter: items.length === pageSize && last ? last.key : undefined };
      } catch (error) {
        if (statusOf(error) === 404) return { items: [] };
        throw error;
      }
    },
  };
}

/**
 * Read-modify-write with the item revision: `change` sees the current data and returns the
 * new data (or undefined to leave it). Retries on a concurrent change, re-reading each time.
 */
export async function modifyItem<T>(
  store: KeyValueStore,
  map: string,
  key: string,
  change: (current: T) => T | undefined,
  attempts = CONFLICT_ATTEMPTS,
): Promise<StoredItem<T> | undefined> {
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await pauseAfterConflict(i);
    const item = await store.get<T>(map, key);
    if (!item) return undefined;
    const next = change(item.data);
    if (next === undefined) return item;
    const updated = await store.update(map, key, next, item.revision);
    if (updated) return updated;
  }
  throw new SyncConflictError(`item kept changing under us after ${attempts} attempts`);
}

/** Like modifyItem, but creates the item from `initial` when it does not exist yet. */
export async function upsertItem<T>(
  store: KeyValueStore,
  map: string,
  key: string,
  initial: () => T,
  change: (current: T) => T,
  options: { ttlSeconds?: number; attempts?: number } = {},
): Promise<StoredItem<T>> {
  // One item only: every lost race waits before the next try.
  return upsertSpread(store, () => ({ map, key }), initial, change, options);
}

/** Hops to another interchangeable item before a losing writer starts to wait. */
const FREE_HOPS = 4;

/**
 * Read-modify-write on whichever of several interchangeable items (counter slots, rate
 * buckets) is free: `target(attempt)` names the item to try each time. A lost race moves
 * to the next item at once for the first few attempts (another item is very likely free),
 * and backs off like upsertItem when the target stays the same or every hop was busy.
 */
export async function upsertSpread<T>(
  store: KeyValueStore,
  target: (attempt: number) => { map: string; key: string },
  initial: () => T,
  change: (current: T) => T,
  options: { ttlSeconds?: number; attempts?: number } = {},
): Promise<StoredItem<T>> {
  const attempts = options.attempts ?? CONFLICT_ATTEMPTS;
  let previous: string | undefined;
  for (let i = 0; i < attempts; i++) {
    const { map, key } = target(i);
    const name = `${map}/${key}`;
    if (i > 0 && (name === previous || i >= FREE_HOPS))
      await pauseAfterConflict(name === previous ? i : i - FREE_HOPS + 1);
    previous = name;
    const written = await tryUpsertOnce(store, map, key, initial, change, options.ttlSeconds);
    if (written) return written;
  }
  throw new SyncConflictError(`every item tried kept changing under us (${attempts} attempts)`);
}

/**
 * One read-modify-write attempt: undefined when another writer got in between (the caller
 * decides whether to retry the same item or, for commutative data, to try another one).
 */
async function tryUpsertOnce<T>(
  store: KeyValueStore,
  map: string,
  key: string,
  initial: () => T,
  change: (current: T) => T,
  ttlSeconds?: number,
): Promise<StoredItem<T> | undefined> {
  const item = await store.get<T>(map, key);
  // A failed create means someone created it first: the caller reads theirs next time.
  if (!item) return store.create(map, key, change(initial()), ttlSeconds);
  return store.update(map, key, change(item.data), item.revision);
}
