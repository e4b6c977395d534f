/**
 * Time-zone math for the daily tip, with Intl only (no library): the local date of an
 * instant, and the UTC instant of a local wall-clock time. Asia/Kathmandu is UTC+05:45
 * without daylight saving, but nothing here assumes a fixed offset: any IANA zone works.
 * Plus Twilio's scheduling window (SendAt 15 minutes to 35 days ahead).
 */

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws RangeError for a zone Intl does not know. Cached: building one is slow. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Throws RangeError for an invalid instant (Intl does) or an unknown zone. */
function wallClock(instant: Date, timeZone: string): WallClock {
  const p: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) p[part.type] = part.value;
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    second: Number(p.second),
  };
}

function formatDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** 'YYYY-MM-DD' of the instant in the zone. */
export function localDateOf(instant: Date, timeZone: string): string {
  const { year, month, day } = wallClock(instant, timeZone);
  return formatDate(year, month, day);
}

/** Offset of the zone from UTC at the instant, in minutes (Kathmandu: +345). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const w = wallClock(instant, timeZone);
  const wallAsUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const wholeSeconds = Math.floor(instant.getTime() / 1000) * 1000;
  return Math.round((wallAsUtc - wholeSeconds) / MINUTE_MS);
}

/** A real calendar date written 'YYYY-MM-DD'. */
export function isLocalDate(value: string): boolean {
  // Unanchored: the round trip below compares the whole value, so nothing around the date passes.
  const match = /(\d{4})-(\d{2})-(\d{2})/.exec(value);
  if (!match) return false;
  const time = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(time).toISOString().slice(0, 10) === value;
}

/** A wall-clock time 'HH:MM', 00:00 to 23:59. */
export function isLocalTime(value: string): boolean {
  return /^([01]\d|2[0-3]):[0-5]\d$/.test(value);
}

/** UTC milliseconds of midnight starting the date, used as a day number base too. */
function dateMs(localDate: string): number {
  if (!isLocalDate(localDate)) throw new RangeError(`Not a date (YYYY-MM-DD): ${JSON.stringify(localDate)}`);
  return Date.parse(`${localDate}T00:00:00Z`);
}

/** Days since 1970-01-01 of a 'YYYY-MM-DD' date (no zone involved). */
export function dayNumber(localDate: string): number {
  return Math.round(dateMs(localDate) / DAY_MS);
}

export function addDays(localDate: string, days: number): string {
  return new Date(dateMs(localDate) + days * DAY_MS).toISOString().slice(0, 10);
}

/** True when the instant reads exactly `wallAsUtc` (a wall clock written as if UTC) in the zone. */
function readsAs(instantMs: number, wallAsUtc: number, timeZone: string): boolean {
  const w = wallClock(new Date(instantMs), timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) === wallAsUtc;
}

/**
 * The UTC instant of `localTime` ('HH:MM') on `localDate` in the zone. The offsets in force
 * half a day before and after are the only candidates (zones never change offset twice
 * within a day). Where daylight saving makes a wall time happen twice we take the first;
 * where it skips a wall time (spring forward) we move it forward by the gap, as clocks do.
 */
export function sendAtFor(localDate: string, localTime: string, timeZone: string): Date {
  if (!isLocalTime(localTime)) throw new RangeError(`Not a time (HH:MM): ${JSON.stringify(localTime)}`);
  const [hh, mm] = localTime.split(':').map(Number) as [number, number];
  const wallAsUtc = dateMs(localDate) + (hh * 60 + mm) * MINUTE_MS;
  const before = wallAsUtc - offsetMinutes(new Date(wallAsUtc - DAY_MS / 2), timeZone) * MINUTE_MS;
  const after = wallAsUtc - offsetMinutes(new Date(wallAsUtc + DAY_MS / 2), timeZone) * MINUTE_MS;
  const matches = [before, after].filter((ms) => readsAs(ms, wallAsUtc, timeZone));
  // No match: the wall time falls in a gap; the offset from before the gap moves it forward.
  return new Date(matches.length > 0 ? Math.min(...matches) : before);
}

export interface TipTimeOptions {
  /** IANA zone, e.g. 'Asia/Kathmandu'. */
  timeZone: string;
  /** Local wall-clock time of the tip, 'HH:MM'. */
  localTime: string;
  /**
   * How far ahead the next tip must be, in minutes. Default 15: Twilio's minimum. A caller
   * about to schedule should add a margin for its own run time (Twilio counts from when the
   * request arrives).
   */
  minLeadMinutes?: number;
}

/** Lead used when choosing tip dates: Twilio's 15-minute minimum plus a minute for our own run time. */
export const TIP_LEAD_MINUTES = 16;

/** The next local date whose tip time is at least minLeadMinutes after `now`. */
export function nextTipDate(now: Date, options: TipTimeOptions): string {
  const leadMs = (options.minLeadMinutes ?? MIN_SCHEDULE_LEAD_SECONDS / 60) * MINUTE_MS;
  let date = localDateOf(now, options.timeZone);
  // At most two steps: today's tip time has passed (or is too close), so tomorrow's.
  while (sendAtFor(date, options.localTime, options.timeZone).getTime() - now.getTime() < leadMs)
    date = addDays(date, 1);
  return date;
}

/** `days` consecutive tip dates starting at `first` (default: the next tip date). */
export function tipDates(now: Date, days: number, options: TipTimeOptions, first?: string): string[] {
  if (!Number.isInteger(days) || days < 1) throw new RangeError(`days must be a whole number >= 1, got ${days}`);
  const start = first ?? nextTipDate(now, options);
  return Array.from({ length: days }, (_, i) => addDays(start, i));
}

/** Twilio's limits for ScheduleType=fixed (see docs/tips.md for the sources). */
export const MIN_SCHEDULE_LEAD_SECONDS = 15 * 60;
export const MAX_SCHEDULE_AHEAD_SECONDS = 35 * 24 * 3600;

export type ScheduleWindowCheck = { ok: true } | { ok: false; code: 35114 | 35115; message: string };

/**
 * Twilio's scheduling window, inclusive at both ends: SendAt from 900 s to 35 days
 * (3,024,000 s) after `now`. Out of the window -> 35114; not a date-time at all -> 35115
 * (both titled "Scheduling does not support this timestamp" by Twilio).
 */
export function checkScheduleWindow(now: Date, sendAt: Date): ScheduleWindowCheck {
  if (Number.isNaN(sendAt.getTime())) return { ok: false, code: 35115, message: 'SendAt is not a valid date-time' };
  const aheadSeconds = (sendAt.getTime() - now.getTime()) / 1000;
  if (aheadSeconds < MIN_SCHEDULE_LEAD_SECONDS) {
    return {
      ok: false,
      code: 35114,
      message: `SendAt is ${Math.floor(aheadSeconds)} s ahead; Twilio needs at least ${MIN_SCHEDULE_LEAD_SECONDS} s (15 minutes)`,
    };
  }
  if (aheadSeconds > MAX_SCHEDULE_AHEAD_SECONDS) {
    return {
      ok: false,
      code: 35114,
      message: `SendAt is ${Math.ceil(aheadSeconds)} s ahead; Twilio allows at most ${MAX_SCHEDULE_AHEAD_SECONDS} s (35 days)`,
    };
  }
  return { ok: true };
}

/** SendAt as Twilio documents it: 'YYYY-MM-DDTHH:MM:SSZ' (UTC, no milliseconds). */
export function formatSendAt(sendAt: Date): string {
  return sendAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
