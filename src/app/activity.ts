/**
 * Dashboard feed: daily counters and a short-lived list of recent events. A counter is
 * spread over many Sync items (SYNC_SHARDS maps x COUNTER_SLOTS keys per date, summed when
 * read), so concurrent writers rarely meet on one item; a writer that loses a revision race
 * moves to another slot at once instead of waiting for the busy one. Recording is best
 * effort: a failure is logged, never fails the caller's work.
 */
import { addCounters, ALL_TIME, type ActivityEvent, type CounterDeltas } from '../core/activity';
import type { Logger } from '../core/log';
import { allShardNames, shardedName } from '../core/shard';
import type { KeyValueStore, ListPage, StoredItem } from './ports';
import { upsertItem, upsertSpread } from './store-writes';

const COUNTERS_MAP = 'counters';
const EVENTS_MAP = 'events';
const EVENT_TTL_SECONDS = 7 * 24 * 3600;
/** Items per date in each counters map. */
export const COUNTER_SLOTS = 8;
/** Between the date and the slot in a counter key; sorts after every digit, so a date's slots stay together. */
const SLOT_SEPARATOR = '~';

/** The date (or ALL_TIME) a counter item counts for. Keys without a slot are read too. */
export function counterDateOf(key: string): string {
  const at = key.indexOf(SLOT_SEPARATOR);
  return at === -1 ? key : key.slice(0, at);
}

export interface Activity {
  count(localDate: string, deltas: CounterDeltas): Promise<void>;
  /** Subscriber totals by status (see statusChange); no-op for an empty change. */
  gauge(deltas: CounterDeltas): Promise<void>;
  event(event: ActivityEvent): Promise<void>;
}

/** An Activity whose counts are kept in memory until `flush` (events go straight through). */
export interface BufferedActivity extends Activity {
  /** Writes the counts gathered so far (one write per date); never throws. */
  flush(): Promise<void>;
}

export interface ActivityReader {
  /** Summed counters per local date in [from, to]. */
  countersBetween(from: string, to: string): Promise<Map<string, CounterDeltas>>;
  recentEvents(limit: number): Promise<ActivityEvent[]>;
  /** Subscriber totals by status, summed over shards. */
  gauges(): Promise<CounterDeltas>;
}

export function createActivity(
  store: KeyValueStore,
  shards: number,
  log: Logger,
  random: () => number = Math.random,
): Activity {
  const pick = (base: string, count: number) => `${base}-${Math.floor(random() * Math.max(1, count))}`;
  const activity: Activity = {
    async gauge(deltas) {
      if (Object.keys(deltas).length > 0) await activity.count(ALL_TIME, deltas);
    },
    async count(localDate, deltas) {
      try {
        // Any slot will do (they are summed when read): a lost race just moves to another.
        const anySlot = () => ({
          map: pick(COUNTERS_MAP, shards),
          key: `${localDate}${SLOT_SEPARATOR}${Math.floor(random() * COUNTER_SLOTS)}`,
        });
        await upsertSpread<CounterDeltas>(
          store,
          anySlot,
          () => ({}),
          (current) => addCounters(current, deltas),
        );
      } catch (error) {
        log.warn('activity.count_failed', { localDate, names: Object.keys(deltas), error });
      }
    },
    async event(event) {
      try {
        const key = `${event.time}_${Math.floor(random() * 1e9).toString(36)}`;
        await store.create(pick(EVENTS_MAP, shards), key, event, EVENT_TTL_SECONDS);
      } catch (error) {
        log.warn('activity.event_failed', { event: event.event, error });
      }
    },
  };
  return activity;
}

/** Writes one date's counter deltas. */
export type CounterWriter = (localDate: string, deltas: CounterDeltas) => Promise<void>;

/**
 * For batch work: many registrations' counts become one write per date when flushed,
 * instead of a read-modify-write on a shared counter per registration.
 */
export function bufferActivity(
  inner: Activity,
  write: CounterWriter = (date, deltas) => inner.count(date, deltas),
): BufferedActivity {
  let pending = new Map<string, CounterDeltas>();
  const add = (date: string, deltas: CounterDeltas) => {
    if (Object.keys(deltas).length > 0) pending.set(date, addCounters(pending.get(date) ?? {}, deltas));
  };
  return {
    count(localDate, deltas) {
      add(localDate, deltas);
      return Promise.resolve();
    },
    gauge(deltas) {
      add(ALL_TIME, deltas);
      return Promise.resolve();
    },
    event: (event) => inner.event(event),
    async flush() {
      const writing = pending;
      pending = new Map();
      const writes = [...writing]
        .map(([date, deltas]) => [date, withoutZeros(deltas)] as const)
        .filter(([, deltas]) => Object.keys(deltas).length > 0);
      await Promise.all(writes.map(([date, deltas]) => write(date, deltas)));
    },
  };
}

/**
 * Counters of one writer that nobody else writes (a batch run): its own item per date, so
 * once this writer knows the item's revision a write is a single Sync call, with no read
 * and no race. Summed with the shared slots when read. Best effort, like Activity.count.
 */
export function ownedCounterWriter(store: KeyValueStore, shards: number, owner: string, log: Logger): CounterWriter {
  const known = new Map<string, StoredItem<CounterDeltas>>();
  const map = shardedName(COUNTERS_MAP, owner, shards);
  return async (localDate, deltas) => {
    const key = `${localDate}${SLOT_SEPARATOR}${owner}`;
    try {
      const last = known.get(key);
      const written =
        (last && (await store.update(map, key, addCounters(last.data, deltas), last.revision))) ||
        (await upsertItem<CounterDeltas>(
          store,
          map,
          key,
          () => ({}),
          (current) => addCounters(current, deltas),
        ));
      known.set(key, written);
    } catch (error) {
      known.delete(key);
      log.warn('activity.count_failed', { localDate, names: Object.keys(deltas), error });
    }
  };
}

function withoutZeros(deltas: CounterDeltas): CounterDeltas {
  return Object.fromEntries(Object.entries(deltas).filter(([, n]) => n !== 0));
}

export function createActivityReader(store: KeyValueStore, shards: number): ActivityReader {
  return {
    async countersBetween(from, to) {
      const byDate = new Map<string, CounterDeltas>();
      await Promise.all(
        allShardNames(COUNTERS_MAP, shards).map(async (map) => {
          let after: string | undefined = from > '' ? previousKey(from) : undefined;
          for (;;) {
            const page = await store.list<CounterDeltas>(map, { after, pageSize: 100 });
            for (const item of page.items) {
              const date = counterDateOf(item.key);
              if (date > to) return;
              if (date >= from) byDate.set(date, addCounters(byDate.get(date) ?? {}, item.data));
            }
            if (!page.nextAfter) return;
            after = page.nextAfter;
          }
        }),
      );
      return byDate;
    },
    async gauges() {
      const totals = await Promise.all(
        allShardNames(COUNTERS_MAP, shards).map(async (map) => {
          let sum: CounterDeltas = {};
          let after: string | undefined = previousKey(ALL_TIME);
          for (;;) {
            const page: ListPage<CounterDeltas> = await store.list<CounterDeltas>(map, { after, pageSize: 100 });
            for (const item of page.items) {
              if (counterDateOf(item.key) !== ALL_TIME) return sum;
              sum = addCounters(sum, item.data);
            }
            if (!page.nextAfter) return sum;
            after = page.nextAfter;
          }
        }),
      );
      return totals.reduce<CounterDeltas>((sum, shard) => addCounters(sum, shard), {});
    },
    async recentEvents(limit) {
      const pages = await Promise.all(
        allShardNames(EVENTS_MAP, shards).map((map) =>
          store.list<ActivityEvent>(map, { order: 'desc', pageSize: limit }),
        ),
      );
      return pages
        .flatMap((p) => p.items.map((i) => i.data))
        .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))
        .slice(0, limit);
    },
  };
}

/** The greatest key sorting before `key`, for an exclusive "after" that still includes `key`. */
function previousKey(key: string): string {
  return key.slice(0, -1) + String.fromCharCode(key.charCodeAt(key.length - 1) - 1) + '\uffff';
}
