/**
 * Parsing of a /admin/schedule-tips call: which dates, dry run or not, and where to continue.
 * Every date is checked against Twilio's scheduling window before anything is sent.
 */
import { explicitDryRun, isBlank, parseFlag, parseInteger, refuse, scalarText, type Parsed } from './form-values';
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
  /** Segments planned so far per `date zone channel` (the sender's work ahead of the next tip). */
  load?: Record<string, number>;
}

/** A cursor's load: at most a few hundred `date zone channel` keys, each a whole number of segments. */
function validLoad(load: unknown): load is Record<string, number> {
  if (typeof load !== 'object' || load === null || Array.isArray(load)) return false;
  const entries = Object.entries(load as Record<string, unknown>);
  return (
    entries.length <= 500 &&
    entries.every(([key, n]) => key.length <= 80 && typeof n === 'number' && Number.isSafeInteger(n) && n >= 0)
  );
}

/** True for the cursor a run starts from (nothing planned yet). */
export function isFirstSlice(cursor: TipCursor): boolean {
  return cursor.shard === 0 && cursor.after === undefined && Object.keys(cursor.load ?? {}).length === 0;
}

export interface TipsRequest {
  dates: string[];
  dryRun: boolean;
  cursor: TipCursor;
  /** Go ahead when the forecast says the window passes the validity period. */
  allowOverrun: boolean;
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
    // Not JSON, or JSON null (destructuring throws): damaged. A number, string or array has no shard.
    const { shard, after, load } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<TipCursor>;
    if (!Number.isInteger(shard) || shard! < 0) return undefined;
    if (after !== undefined && typeof after !== 'string') return undefined;
    if (load !== undefined && !validLoad(load)) return undefined;
    return { shard: shard!, after, load };
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
    return refuse('invalid_days', `days must be a whole number from 1 to ${MAX_TIP_DAYS}`, { field: 'days' });
  const date = params.date === undefined || params.date === null ? '' : scalarText(params.date);
  if (date === undefined || (date !== '' && !isLocalDate(date)))
    return refuse('invalid_date', 'date must be YYYY-MM-DD', { field: 'date' });
  const dates = date
    ? Array.from({ length: days }, (_, i) => addDays(date, i))
    : tipDates(now, days, { ...time, minLeadMinutes: TIP_LEAD_MINUTES });
  for (const d of dates) {
    const window = checkScheduleWindow(now, sendAtFor(d, time.localTime, time.timeZone));
    if (!window.ok)
      return refuse('outside_schedule_window', `${d}: ${window.message}`, {
        field: 'date',
        twilioCode: window.code,
        date: d,
      });
  }
  const token = params.cursor === undefined || params.cursor === null ? '' : scalarText(params.cursor);
  const cursor = token === undefined ? undefined : decodeTipCursor(token);
  if (!cursor) return refuse('invalid_cursor', 'cursor is not one this service issued', { field: 'cursor' });
  if (isBlank(params.dryRun))
    return refuse('dry_run_required', 'Say dryRun: true for a dry run or dryRun: false to schedule the tips for real', {
      field: 'dryRun',
    });
  const dryRun = explicitDryRun(params.dryRun);
  if (dryRun === undefined) return refuse('invalid_dry_run', 'dryRun must be true or false', { field: 'dryRun' });
  const allowOverrun = parseFlag(params.allowOverrun);
  if (allowOverrun === undefined)
    return refuse('invalid_field', 'allowOverrun must be true or false', { field: 'allowOverrun' });
  return { ok: true, value: { dates, dryRun, cursor, allowOverrun } };
}
