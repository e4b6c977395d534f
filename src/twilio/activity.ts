/**
 * Dashboard feed: daily counters (one Sync item per local date, in SYNC_SHARDS maps so
 * no single object takes more than its share of writes) and a short-lived list of recent
 * events. Recording is best effort: a failure is logged, never fails the caller's work.
 */
import { addCounters, ALL_TIME, type ActivityEvent, type CounterDeltas } from '../core/activity';
import type { Logger } from '../core/log';
import { allShardNames } from '../core/shard';
import { upsertItem, type KeyValueStore } from './sync-store';

const COUNTERS_MAP = 'counters';
const EVENTS_MAP = 'events';
const EVENT_TTL_SECONDS = 7 * 24 * 3600;

export interface Activity {
  count(localDate: string, deltas: CounterDeltas): Promise<void>;
  /** Subscriber totals by status (see statusChange); no-op for an empty change. */
  gauge(deltas: CounterDeltas): Promise<void>;
  event(event: ActivityEvent): Promise<void>;
}

export interface ActivityReader {
  /** Summed counters per local date in [from, to]. */
  countersBetween(from: string, to: string): Promise<Map<string, CounterDeltas>>;
  recentEvents(limit: number): Promise<ActivityEvent[]>;
  /** Subscriber totals by status, summed over shards. */
  gauges(): Promise<CounterDeltas>;
}

export function createActivity(store: KeyValueStore, shards: number, log: Logger, random: () => number = Math.random): Activity {
  // Any shard will do for a counter (they are summed when read), so pick one at random to spread writes.
  const pick = (base: string) => `${base}-${Math.floor(random() * Math.max(1, shards))}`;
  const activity: Activity = {
    async gauge(deltas) {
      if (Object.keys(deltas).length > 0) await activity.count(ALL_TIME, deltas);
    },
    async count(localDate, deltas) {
      try {
        await upsertItem<CounterDeltas>(store, pick(COUNTERS_MAP), localDate, () => ({}), (current) => addCounters(current, deltas));
      } catch (error) {
        log.warn('activity.count_failed', { localDate, names: Object.keys(deltas), error });
      }
    },
    async event(event) {
      try {
        const key = `${event.time}_${Math.floor(random() * 1e9).toString(36)}`;
        await store.create(pick(EVENTS_MAP), key, event, EVENT_TTL_SECONDS);
      } catch (error) {
        log.warn('activity.event_failed', { event: event.event, error });
      }
    },
  };
  return activity;
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
              if (item.key > to) return;
              if (item.key >= from) byDate.set(item.key, addCounters(byDate.get(item.key) ?? {}, item.data));
            }
            if (!page.nextAfter) return;
            after = page.nextAfter;
          }
        }),
      );
      return byDate;
    },
    async gauges() {
      const items = await Promise.all(allShardNames(COUNTERS_MAP, shards).map((map) => store.get<CounterDeltas>(map, ALL_TIME)));
      return items.reduce<CounterDeltas>((sum, item) => (item ? addCounters(sum, item.data) : sum), {});
    },
    async recentEvents(limit) {
      const pages = await Promise.all(allShardNames(EVENTS_MAP, shards).map((map) => store.list<ActivityEvent>(map, { order: 'desc', pageSize: limit })));
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
