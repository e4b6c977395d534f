/**
 * Dashboard metrics for a range of local dates, read from the sharded daily counters,
 * the subscriber totals and the recent-events feed (docs/admin-api.md has the shape).
 */
import { GAUGE, type ActivityEvent, type CounterDeltas } from '../core/activity';
import { describeTwilioError } from '../core/twilio-errors';
import type { ActivityReader } from './activity';

export interface StatsRange {
  from: string;
  to: string;
  timezone: string;
}

const WELCOME_STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed', 'undelivered'] as const;

/** Every date from `from` to `to` inclusive (YYYY-MM-DD, calendar arithmetic in UTC). */
export function datesBetween(from: string, to: string): string[] {
  const dates: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    dates.push(new Date(t).toISOString().slice(0, 10));
  }
  return dates;
}

function sum(counters: CounterDeltas, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(counters)) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = n;
  return out;
}

export function buildStats(
  range: StatsRange,
  byDate: Map<string, CounterDeltas>,
  gauges: CounterDeltas,
  recent: ActivityEvent[],
  now: Date,
) {
  const total: CounterDeltas = {};
  for (const counters of byDate.values()) for (const [k, v] of Object.entries(counters)) total[k] = (total[k] ?? 0) + v;
  const get = (name: string, from: CounterDeltas = total) => from[name] ?? 0;
  const invalidTotal = (counters: CounterDeltas) =>
    Object.values(sum(counters, 'registration.invalid.')).reduce((a, b) => a + b, 0);

  const failures = Object.entries(sum(total, 'failure.'))
    .map(([code, count]) => {
      const info = describeTwilioError(Number(code));
      return {
        code: Number(code),
        count,
        category: info?.category ?? 'unknown',
        description: info?.description ?? 'Unknown error',
      };
    })
    .sort((a, b) => b.count - a.count);

  return {
    range,
    subscribers: {
      active: Math.max(0, get(GAUGE.active, gauges)),
      optedOut: Math.max(0, get(GAUGE.optedOut, gauges)),
      suppressed: Math.max(0, get(GAUGE.suppressed, gauges)),
    },
    registrations: {
      created: get('registration.created'),
      alreadyRegistered: get('registration.already_registered'),
      conflicts: get('registration.conflict'),
      invalid: sum(total, 'registration.invalid.'),
      rejected: sum(total, 'registration.rejected.'),
    },
    welcome: Object.fromEntries(WELCOME_STATUSES.map((s) => [s, get(`welcome.${s}`)])),
    failures,
    consent: { optOuts: get('consent.opt_out'), optIns: get('consent.opt_in') },
    tips: {
      scheduled: get('tips.scheduled'),
      delivered: get('tips.delivered'),
      canceled: get('tips.canceled'),
      failed: get('tips.failed') + get('tips.undelivered'),
    },
    daily: datesBetween(range.from, range.to).map((date) => {
      const c = byDate.get(date) ?? {};
      return {
        date,
        registrations: get('registration.created', c),
        invalid: invalidTotal(c),
        delivered: get('welcome.delivered', c),
        failed: get('welcome.failed', c) + get('welcome.undelivered', c),
        optOuts: get('consent.opt_out', c),
        tipsScheduled: get('tips.scheduled', c),
      };
    }),
    recent,
    generatedAt: now.toISOString(),
  };
}

export async function readStats(reader: ActivityReader, range: StatsRange, now: Date) {
  const [byDate, gauges, recent] = await Promise.all([
    reader.countersBetween(range.from, range.to),
    reader.gauges(),
    reader.recentEvents(50),
  ]);
  return buildStats(range, byDate, gauges, recent, now);
}
