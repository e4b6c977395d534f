/** Parsing of a POST /admin/subscriber body: the full number an admin typed, any country. */
import type { CountryCode } from 'libphonenumber-js/max';
import { refuse, type Parsed } from './form-values';
import { normalizePhone } from './phone';

export interface SubscriberQuery {
  e164: string;
  masked: string;
}

export function parseSubscriberQuery(params: Record<string, unknown>, defaultCountry: string): Parsed<SubscriberQuery> {
  // Any country and any line type: support may ask about a number we no longer accept.
  const phone = normalizePhone(params.phone, {
    defaultCountry: defaultCountry as CountryCode,
    allowedCountries: [],
    mobileOnly: false,
  });
  if (!phone.ok) return refuse(phone.reason, 'The phone number is not valid', { field: 'phone' });
  return { ok: true, value: { e164: phone.e164, masked: phone.masked } };
}
