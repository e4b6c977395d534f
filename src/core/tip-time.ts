/**
 * Time-zone math for the daily tip, with Intl only (no library): the local date of an
 * instant, and the UTC instant of a local wall-clock time. Asia/Kathmandu is UTC+05:45
 * without daylight saving, but nothing here assumes a fixed offset.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

function parts(instant: Date, timeZone: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) if (p.type !== 'literal') out[p.type] = Number(p.value);
  return out;
}

/** 'YYYY-MM-DD' of the instant in the zone. */
export function localDateOf(instant: Date, timeZone: string): string {
  const p = parts(instant, timeZone);
  return `${String(p.year).padStart(4, '0')}-${String(p.month).padStart(2, '0')}-${String(p.day).padStart(2, '0')}`;
}

/** Offset of the zone from UTC at the instant, in minutes (Kathmandu: +345). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const p = parts(instant, timeZone);
  const asUtc = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
}

/** The UTC instant of `localTime` ('HH:MM') on `localDate` in the zone. */
export function sendAtFor(localDate: string, localTime: string, timeZone: string): Date {
  const [y, m, d] = localDate.split('-').map(Number) as [number, number, number];
  const [hh, mm] = localTime.split(':').map(Number) as [number, number];
  const naive = Date.UTC(y, m - 1, d, hh, mm);
  // Two passes settle the offset even on a day the offset changes.
  let guess = naive - offsetMinutes(new Date(naive), timeZone) * 60000;
  guess = naive - offsetMinutes(new Date(guess), timeZone) * 60000;
  return new Date(guess);
}

export interface TipTimeOptions {
  timeZone: string;
  localTime: string;
  /** Twilio schedules no sooner than 15 minutes ahead. */
  minLeadMinutes?: number;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The next local date whose tip time is at least minLeadMinutes after `now`. */
export function nextTipDate(now: Date, options: TipTimeOptions): string {
  const lead = (options.minLeadMinutes ?? 15) * 60000;
  let date = localDateOf(now, options.timeZone);
  while (sendAtFor(date, options.localTime, options.timeZone).getTime() - now.getTime() < lead) date = addDays(date, 1);
  return date;
}

/** `days` consecutive tip dates starting at `first` (or the next one). */
export function tipDates(now: Date, days: number, options: TipTimeOptions, first?: string): string[] {
  const start = first ?? nextTipDate(now, options);
  return Array.from({ length: Math.max(1, days) }, (_, i) => addDays(start, i));
}

export const MIN_SCHEDULE_LEAD_SECONDS = 900;
export const MAX_SCHEDULE_AHEAD_SECONDS = 35 * 24 * 3600;

/** Twilio's scheduling window: SendAt at least 15 minutes and at most 35 days ahead (error 35114). */
export function checkScheduleWindow(now: Date, sendAt: Date): { ok: true } | { ok: false; code: 35114 | 35115; message: string } {
  if (Number.isNaN(sendAt.getTime())) return { ok: false, code: 35115, message: 'SendAt is not a valid date-time' };
  const ahead = (sendAt.getTime() - now.getTime()) / 1000;
  if (ahead < MIN_SCHEDULE_LEAD_SECONDS || ahead > MAX_SCHEDULE_AHEAD_SECONDS) {
    return { ok: false, code: 35114, message: 'SendAt must be between 15 minutes and 35 days from now' };
  }
  return { ok: true };
}
