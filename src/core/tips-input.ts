/**
 * Parsing of a /admin/schedule-tips call: which dates, dry run or not, and where to continue.
 * Every date is checked against Twilio's scheduling window before anything is sent.
 */
import { parseFlag, parseInteger, refuse, scalarText, type Parsed } from './form-values';
import {
  addDays,
  checkScheduleWindow,
  isLocalDate,
  sendAtFor,
  tipDates,
  TIP_LEAD_MINUTES,
  type TipTimeOptions,
} from './tip-time';

/** Where a tips run continues: the subscriber shard, and the last key done in it. */
export interface TipCursor {
  shard: number;
  after?: string;
}

export interface TipsRequest {
  dates: string[];
  dryRun: boolean;
  cursor: TipCursor;
}

/** Twilio schedules at most 35 days ahead. */
export const MAX_TIP_DAYS = 35;

export function encodeTipCursor(cursor: TipCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/** The cursor in a `next` token; the start of the run when there is none; undefined when damaged. */
export function decodeTipCursor(token: string | undefined): TipCursor | undefined {
  if (!token) return { shard: 0 };
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TipCursor> | null;
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    if (!Number.isInteger(parsed.shard) || (parsed.shard ?? -1) < 0) return undefined;
    if (parsed.after !== undefined && typeof parsed.after !== 'string') return undefined;
    return { shard: parsed.shard!, ...(parsed.after !== undefined ? { after: parsed.after } : {}) };
  } catch {
    return undefined;
  }
}

export function parseTipsRequest(
  params: Record<string, unknown>,
  now: Date,
  time: Pick<TipTimeOptions, 'timeZone' | 'localTime'>,
): Parsed<TipsRequest> {
  const days = parseInteger(params.days, 1);
  if (days === undefined || days < 1 || days > MAX_TIP_DAYS)
    return refuse('invalid_days', `days must be a whole number from 1 to ${MAX_TIP_DAYS}`);
  const date = params.date === undefined || params.date === null ? '' : scalarText(params.date);
  if (date === undefined || (date !== '' && !isLocalDate(date)))
    return refuse('invalid_date', 'date must be YYYY-MM-DD');
  const dates = date
    ? Array.from({ length: days }, (_, i) => addDays(date, i))
    : tipDates(now, days, { ...time, minLeadMinutes: TIP_LEAD_MINUTES });
  for (const d of dates) {
    const window = checkScheduleWindow(now, sendAtFor(d, time.localTime, time.timeZone));
    if (!window.ok)
      return refuse('outside_schedule_window', `${d}: ${window.message}`, { twilioCode: window.code, date: d });
  }
  const token = params.cursor === undefined || params.cursor === null ? '' : scalarText(params.cursor);
  const cursor = token === undefined ? undefined : decodeTipCursor(token);
  if (!cursor) return refuse('invalid_cursor', 'cursor is not one this service issued');
  const dryRun = parseFlag(params.dryRun);
  if (dryRun === undefined) return refuse('invalid_dry_run', 'dryRun must be true or false');
  return { ok: true, value: { dates, dryRun, cursor } };
}
