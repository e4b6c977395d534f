/**
 * A subscriber's own time zone, for their 7 AM: the portal's `timezone` field when it names a
 * zone Intl knows, else from the number (libphonenumber-js has no time-zone data, so the table
 * in number-time-zones.ts is generated from Google libphonenumber's): US/Canada by area code,
 * countries with one zone by country, else the service's TIMEZONE.
 */
import { COUNTRY_ZONES, NANP_AREA_CODES } from './number-time-zones';

/** True for an IANA zone name Intl accepts (e.g. 'America/New_York'); 'UTC' too. */
export function isTimeZone(value: string): boolean {
  // Intl refuses '' and every name it does not know, whatever its length.
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

/** The zone a number's 7 AM is in: NANP by area code, else by country, else `fallback`. */
export function timeZoneForNumber(e164: string, country: string | undefined, fallback: string): string {
  const nanp = /^\+1(\d{3})\d{7}$/.exec(e164);
  if (nanp) return NANP_AREA_CODES[nanp[1]!] ?? fallback;
  return (country && COUNTRY_ZONES[country]) || fallback;
}

/** The zone to store: a valid requested one wins, then the number's. */
export function subscriberTimeZone(
  input: { requested?: string; e164: string; country?: string },
  fallback: string,
): string {
  const requested = input.requested?.trim();
  if (requested && isTimeZone(requested)) return requested;
  return timeZoneForNumber(input.e164, input.country, fallback);
}
