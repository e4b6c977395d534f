/**
 * The anchor dates a portal sends (/register, the batch, /profile): `edd` (expected delivery
 * date) and `baby_dob` (baby's date of birth), ISO Gregorian `YYYY-MM-DD` only. A Nepali
 * portal that stores Bikram Sambat dates converts them before sending: a BS date (year 2070
 * to 2100, or a day 32) is refused with its own reason code rather than read as a date decades
 * ahead. Ranges: an EDD from 2 weeks ago (still pregnant, past the date) to 42 weeks ahead; a
 * date of birth in the last 12 months, not in the future. Pure; `today` is a local date.
 */
import { scalarText } from './form-values';
import { EDD_GRACE_DAYS, EDD_MAX_AHEAD_DAYS, type AnchorDates } from './programmes';
import { addDays, isLocalDate } from './tip-time';

export type AnchorField = 'edd' | 'baby_dob';

export type AnchorReason =
  'invalid_date' | 'bikram_sambat_date' | 'edd_in_past' | 'edd_too_far' | 'dob_in_future' | 'dob_too_old';

export const ANCHOR_REASON_MESSAGES: Record<AnchorReason, string> = {
  invalid_date: 'must be a Gregorian date written YYYY-MM-DD',
  bikram_sambat_date: 'looks like a Bikram Sambat date: convert it to the Gregorian calendar (YYYY-MM-DD) first',
  edd_in_past: `is more than ${EDD_GRACE_DAYS} days in the past: send baby_dob once the baby is born`,
  edd_too_far: 'is more than 42 weeks ahead',
  dob_in_future: 'is in the future',
  dob_too_old: 'is more than 12 months ago: the baby programme covers the first year',
};

export type AnchorCheck =
  { ok: true; value: string } | { ok: false; field: AnchorField; code: AnchorReason; message: string };

/** The same calendar date a year earlier (29 February -> 1 March). */
function yearBefore(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y - 1, m - 1, d)).toISOString().slice(0, 10);
}

/** Years a Bikram Sambat date carries these decades (BS runs about 56 years 8 months ahead). */
function looksBikramSambat(text: string): boolean {
  const match = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(text);
  if (!match) return false;
  const year = Number(match[1]);
  const day = Number(match[3]);
  return (year >= 2070 && year <= 2100) || (day === 32 && year >= 2000);
}

/** One anchor date, checked against `today` (the subscriber's local date). */
export function checkAnchorDate(field: AnchorField, raw: string, today: string): AnchorCheck {
  const text = raw.trim();
  const fail = (code: AnchorReason): AnchorCheck => ({
    ok: false,
    field,
    code,
    message: `${field} ${ANCHOR_REASON_MESSAGES[code]}`,
  });
  if (looksBikramSambat(text)) return fail('bikram_sambat_date');
  if (!isLocalDate(text)) return fail('invalid_date');
  if (field === 'edd') {
    if (text < addDays(today, -EDD_GRACE_DAYS)) return fail('edd_in_past');
    if (text > addDays(today, EDD_MAX_AHEAD_DAYS)) return fail('edd_too_far');
  } else {
    if (text > today) return fail('dob_in_future');
    if (text < yearBefore(today)) return fail('dob_too_old');
  }
  return { ok: true, value: text };
}

export type AnchorParse =
  { ok: true; value: AnchorDates } | { ok: false; error: { field: AnchorField; code: AnchorReason; message: string } };

/** `edd` and `baby_dob` of a form (each optional; blank is absent). */
export function parseAnchorDates(params: Record<string, unknown>, today: string): AnchorParse {
  const value: AnchorDates = {};
  for (const field of ['edd', 'baby_dob'] as const) {
    const raw = params[field];
    if (raw === undefined || raw === null) continue;
    const text = typeof raw === 'boolean' ? undefined : scalarText(raw);
    if (text === undefined)
      return { ok: false, error: { field, code: 'invalid_date', message: `${field} must be one date` } };
    if (text === '') continue; // scalarText trims
    const checked = checkAnchorDate(field, text, today);
    if (!checked.ok) return { ok: false, error: { field, code: checked.code, message: checked.message } };
    if (field === 'edd') value.edd = checked.value;
    else value.babyDob = checked.value;
  }
  return { ok: true, value };
}
