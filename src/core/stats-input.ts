/** Parsing of a /admin/stats query: a range of local dates, by default the last 30 days. */
import { refuse, scalarText, type Parsed } from './form-values';
import { addDays, dayNumber, isLocalDate } from './tip-time';

export interface StatsDates {
  from: string;
  to: string;
}

export const MAX_STATS_DAYS = 366;
const DEFAULT_DAYS = 30;

function dateParam(value: unknown): string | undefined {
  return value === undefined || value === null ? '' : scalarText(value);
}

export function parseStatsDates(params: Record<string, unknown>, today: string): Parsed<StatsDates> {
  const toParam = dateParam(params.to);
  const fromParam = dateParam(params.from);
  const bad = (field: 'from' | 'to') =>
    refuse('invalid_date', `${field} must be a date as YYYY-MM-DD (a real calendar day)`, { field });
  if (toParam === undefined) return bad('to');
  if (fromParam === undefined) return bad('from');
  const to = toParam || today;
  if (!isLocalDate(to)) return bad('to');
  const from = fromParam || addDays(to, 1 - DEFAULT_DAYS);
  if (!isLocalDate(from)) return bad('from');
  if (from > to) return refuse('invalid_range', 'from must not be after to', { field: 'from' });
  if (dayNumber(to) - dayNumber(from) + 1 > MAX_STATS_DAYS)
    return refuse('range_too_long', `at most ${MAX_STATS_DAYS} days`, { field: 'from' });
  return { ok: true, value: { from, to } };
}
