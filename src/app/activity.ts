/**
 * Dashboard feed: daily counters and a short-lived list of recent events. A counter is
 * spread over many Sync items (SYNC_SHARDS maps x COUNTER_SLOTS keys per date, summed when
 * read), so concurrent writers rarely meet on one item; a writer that loses a revision race
 * moves to another slot at once instead of waiting for the busy one. Recording is best
 * effort: a failure is logged, never fails the caller's work.
 */
import { addCounters, ALL_TIME, type ActivityEvent, type CounterDeltas } from '../core/activity';
import type { Logger } from '../core/log';
import { allShardNames } from '../core/shard';
import type { KeyValueStore, ListPage, StoredItem } from './ports';
import { upsertSpread } from './store-writes';

const COUNTERS_MAP = 'counters';
const EVENTS_MAP = 'events';
const EVENT_TTL_SECONDS = 7 * 24 * 3600;
/** Events one shard reads for a filtered page before it answers short (the Function's time box). */
const MAX_EVENTS_SCANNED_PER_SHARD = 500;
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
  /**
   * Starts reading the counter slot the next count for this date (or ALL_TIME) will write,
   * so that count is one write: a caller overlaps the read with its own first round trip.
   */
  prefetch?(localDate: string): void;
  /** Subscriber totals by status (see statusChange); no-op for an empty change. */
  gauge(deltas: CounterDeltas): Promise<void>;
  event(event: ActivityEvent): Promise<void>;
}

/** An Activity whose counts are kept in memory until `flush` (events go straight through). */
export interface BufferedActivity extends Activity {
  /** Writes the counts gathered so far (one write per date); never throws. */
  flush(): Promise<void>;
}

export interface EventsPageQuery {
  /** Only events whose key sorts before this one (the previous page's `next`). */
  before?: string;
  limit: number;
  /** Keep only the events it accepts (a kind filter). */
  match?: (event: ActivityEvent) => boolean;
}

export interface EventsPage {
  /** Newest first, with their keys. */
  events: Array<ActivityEvent & { key: string }>;
  /** `before` of the next (older) page, or null at the end. */
  next: string | null;
}

export interface ActivityReader {
  /** Summed counters per local date in [from, to]. */
  countersBetween(from: string, to: string): Promise<Map<string, CounterDeltas>>;
  recentEvents(limit: number): Promise<ActivityEvent[]>;
  /** A page of events, newest first, across the shards; a filtered page may come back short with a `next`. */
  eventsPage(query: EventsPageQuery): Promise<EventsPage>;
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
  // Any slot will do (they are summed when read): a lost race just moves to another.
  const anySlot = (localDate: string) => () => ({
    map: pick(COUNTERS_MAP, shards),
    key: `${localDate}${SLOT_SEPARATOR}${Math.floor(random() * COUNTER_SLOTS)}`,
  });
  const prefetched = new Map<
    string,
    { map: string; key: string; read: Promise<StoredItem<CounterDeltas> | undefined> }
  >();

  /** One write on the prefetched slot; false when it moved on (or the read failed): count the usual way. */
  async function writePrefetched(localDate: string, deltas: CounterDeltas): Promise<boolean> {
    const slot = prefetched.get(localDate);
    if (!slot) return false;
    prefetched.delete(localDate);
    const item = await slot.read.catch(() => null);
    if (item === null) return false;
    const written = item
      ? await store.update(slot.map, slot.key, addCounters(item.data, deltas), item.revision)
      : await store.create(slot.map, slot.key, addCounters({}, deltas));
    return written !== undefined;
  }

  const activity: Activity = {
    prefetch(localDate) {
      if (prefetched.has(localDate)) return;
      const { map, key } = anySlot(localDate)();
      const read = store.get<CounterDeltas>(map, key);
      read.catch(() => undefined);
      prefetched.set(localDate, { map, key, read });
    },
    async gauge(deltas) {
      if (Object.keys(deltas).length > 0) await activity.count(ALL_TIME, deltas);
    },
    async count(localDate, deltas) {
      try {
        if (await writePrefetched(localDate, deltas)) return;
        await upsertSpread<CounterDeltas>(
          store,
          anySlot(localDate),
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

/**
 * For batch work: many registrations' counts become one write per date when flushed,
 * instead of a read-modify-write on a shared counter per registration.
 */
export function bufferActivity(inner: Activity): BufferedActivity {
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
      await Promise.all(writes.map(([date, deltas]) => inner.count(date, deltas)));
    },
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
    async eventsPage({ before, limit, match = () => true }) {
      // Each shard is read newest first until it has `limit` matches, runs out, or has read enough;
      // `floor` is the oldest key it read (undefined: it ran out). Above the highest floor every
      // shard was read completely, so the page is exact there, and the next page starts at it.
      const scans = await Promise.all(
        allShardNames(EVENTS_MAP, shards).map(async (map) => {
          const found: StoredItem<ActivityEvent>[] = [];
          let after = before;
          let scanned = 0;
          for (;;) {
            const page = await store.list<ActivityEvent>(map, { after, order: 'desc', pageSize: 100 });
            for (const item of page.items) {
              scanned++;
              if (match(item.data)) found.push(item);
              if (found.length >= limit) return { found, floor: item.key };
            }
            if (!page.nextAfter) return { found, floor: undefined };
            after = page.nextAfter;
            if (scanned >= MAX_EVENTS_SCANNED_PER_SHARD) return { found, floor: after };
          }
        }),
      );
      const floors = scans.map((s) => s.floor).filter((f): f is string => f !== undefined);
      const floor = floors.length > 0 ? floors.reduce((a, b) => (a > b ? a : b)) : undefined;
      const kept = scans
        .flatMap((s) => s.found)
        .filter((item) => floor === undefined || item.key >= floor)
        .sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
      const page = kept.slice(0, limit);
      const last = page[page.length - 1];
      let next: string | null = null;
      if (kept.length > limit || (floor !== undefined && kept.length === limit)) next = last!.key;
      else if (floor !== undefined) next = floor;
      return { events: page.map((item) => ({ ...item.data, key: item.key })), next };
    },
  };
}

/** The greatest key sorting before `key`, for an exclusive "after" that still includes `key`. */
function previousKey(key: string): string {
  return key.slice(0, -1) + String.fromCharCode(key.charCodeAt(key.length - 1) - 1) + '\uffff';
}
