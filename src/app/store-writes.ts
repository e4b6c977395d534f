/**
 * Revision-checked writes over the KeyValueStore port: read-modify-write that retries when
 * another writer got in between, so concurrent function instances never overwrite each other.
 */
import type { KeyValueStore, StoredItem } from './ports';

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

/** Hops to another interchangeable item before a losing writer starts to wait. */
const FREE_HOPS = 4;

/**
 * Read-modify-write on whichever of several interchangeable items (counter slots, rate
 * buckets) is free: `target(attempt)` names the item to try each time. A lost race moves
 * to the next item at once for the first few attempts (another item is very likely free),
 * and backs off when the target stays the same or every hop was busy.
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
