/**
 * Dashboard metrics for a range of local dates, read from the sharded daily counters,
 * the subscriber totals and the recent-events feed (docs/admin-api.md has the shape).
 */
import { COUNTER, GAUGE, type ActivityEvent, type CounterDeltas } from '../core/activity';
import { LOSS_REASONS } from '../core/loss';
import { periodRates, previousPeriod } from '../core/stats-rates';
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

/** Counters summed over the dates in [from, to]. */
function totalOf(byDate: Map<string, CounterDeltas>, from: string, to: string): CounterDeltas {
  const total: CounterDeltas = {};
  for (const [date, counters] of byDate)
    if (date >= from && date <= to) for (const [k, v] of Object.entries(counters)) total[k] = (total[k] ?? 0) + v;
  return total;
}

const totalIn = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** Twilio codes with their meaning, most frequent first. */
function byCode(counts: Record<string, number>) {
  return Object.entries(counts)
    .map(([code, count]) => {
      const info = describeTwilioError(Number(code));
      return {
        code: Number(code),
        count,
        category: info?.category ?? 'unknown',
        description: info?.description ?? 'Unknown error',
      };
    })
    .sort((a, b) => b.count - a.count || a.code - b.code);
}

/**
 * `byDate` holds the range and, for ranges up to MAX_TREND_DAYS, the period of the same
 * length before it (the rates' trend); everything else counts the range only.
 */
export function buildStats(
  range: StatsRange,
  byDate: Map<string, CounterDeltas>,
  gauges: CounterDeltas,
  recent: ActivityEvent[],
  now: Date,
) {
  const total = totalOf(byDate, range.from, range.to);
  const previous = comparesWithPrevious(range) ? previousPeriod(range.from, range.to) : null;
  const get = (name: string, from: CounterDeltas = total) => from[name] ?? 0;
  const failedOf = (prefix: string, c: CounterDeltas) => get(`${prefix}.failed`, c) + get(`${prefix}.undelivered`, c);
  const failures = byCode(sum(total, 'failure.'));
  const invalid = sum(total, 'registration.invalid.');
  const rejected = sum(total, 'registration.rejected.');

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
      optedOut: get('registration.opted_out'),
      suppressed: get('registration.suppressed'),
      duplicates: get('registration.duplicate'),
      invalid,
      invalidTotal: totalIn(invalid),
      rejected,
      rejectedTotal: totalIn(rejected),
      rejectedCodes: byCode(rejected),
      rateLimited: get('registration.rate_limited'),
      needsJoin: get('registration.needs_join'),
      retryLater: get('registration.retry_later'),
      twilioConfiguration: get('registration.twilio_configuration'),
    },
    welcome: {
      ...Object.fromEntries(WELCOME_STATUSES.map((s) => [s, get(`welcome.${s}`)])),
      expired: get('welcome.expired'),
    },
    failures,
    consent: { optOuts: get('consent.opt_out'), optIns: get('consent.opt_in') },
    // Counts only: never who (docs/loss.md).
    losses: {
      reported: LOSS_REASONS.reduce((n, reason) => n + get(COUNTER.loss(reason)), 0),
      byReason: Object.fromEntries(LOSS_REASONS.map((reason) => [reason, get(COUNTER.loss(reason))])),
      supportAccepted: get(COUNTER.supportAccepted),
      supportDeclined: get(COUNTER.supportDeclined),
      deleted: get(COUNTER.deleted),
    },
    delivery: {
      paused: get(COUNTER.paused),
      switchedToSms: get(COUNTER.switchedToSms),
    },
    tips: {
      scheduled: get('tips.scheduled'),
      delivered: get('tips.delivered'),
      canceled: get('tips.canceled'),
      failed: failedOf('tips', total),
      expired: get('tips.expired'),
    },
    rates: {
      previousRange: previous,
      ...periodRates(total, previous ? totalOf(byDate, previous.from, previous.to) : {}),
    },
    daily: datesBetween(range.from, range.to).map((date) => {
      const c = byDate.get(date) ?? {};
      const invalidByReason = sum(c, 'registration.invalid.');
      return {
        date,
        registrations: get('registration.created', c),
        alreadyRegistered: get('registration.already_registered', c),
        invalid: totalIn(invalidByReason),
        invalidByReason,
        rejected: totalIn(sum(c, 'registration.rejected.')),
        delivered: get('welcome.delivered', c),
        // Failed or undelivered, expired ones included (as the welcome totals count them).
        failed: failedOf('welcome', c),
        expired: get('welcome.expired', c),
        tipsScheduled: get('tips.scheduled', c),
        tipsDelivered: get('tips.delivered', c),
        tipsFailed: failedOf('tips', c),
        tipsExpired: get('tips.expired', c),
        optOuts: get('consent.opt_out', c),
        optIns: get('consent.opt_in', c),
      };
    }),
    recent,
    generatedAt: now.toISOString(),
  };
}

/**
 * Rates are compared with the period before for ranges up to a quarter: a year's range would
 * read two years of counter items within one Function call.
 */
export const MAX_TREND_DAYS = 92;

function comparesWithPrevious(range: StatsRange): boolean {
  return datesBetween(range.from, range.to).length <= MAX_TREND_DAYS;
}

export async function readStats(reader: ActivityReader, range: StatsRange, now: Date) {
  const [byDate, gauges, recent] = await Promise.all([
    // The period before too: the rates' trend compares with it.
    reader.countersBetween(
      comparesWithPrevious(range) ? previousPeriod(range.from, range.to).from : range.from,
      range.to,
    ),
    reader.gauges(),
    reader.recentEvents(50),
  ]);
  return buildStats(range, byDate, gauges, recent, now);
}
