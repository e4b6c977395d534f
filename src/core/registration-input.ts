/**
 * Parsing of the /register form: required fields, allowed values, sizes. Pure; answers a
 * reason code the portal can act on.
 */
import { parseFlag, scalarText } from './form-values';
import { trimPhoneText } from './phone';
import { channelOf, languageOf } from './portal-values';
import type { Channel, Language } from './subscriber';
import { isTimeZone } from './subscriber-time-zone';
import { parseAnchorDates } from './anchor-input';

export interface RegistrationInput {
  userId: string;
  phone: string;
  name?: string;
  channel: Channel;
  language: Language;
  resubscribe: boolean;
  /** IANA zone of the subscriber's 7 AM (optional; else from the number). */
  timezone?: string;
  /** Expected delivery date, ISO (the pregnancy programme). */
  edd?: string;
  /** Baby's date of birth, ISO (the baby programme). */
  babyDob?: string;
}

export type InputError = { code: string; message: string; field: string };

export const FIELD_LIMITS = { user_id: 64, phone: 64, name: 100, timezone: 64 } as const;
/**
 * What the route's input gate lets through for phone and name: their limits above, measured
 * once trimmed, plus room for a database column's padding (a CHAR(80) phone column).
 */
export const RAW_FIELD_LIMITS = { phone: 256, name: 256 } as const;

const USER_ID = /^[A-Za-z0-9_.:@-]+$/;

function text(value: unknown): string | undefined {
  return typeof value === 'boolean' ? undefined : scalarText(value);
}

export function parseRegistrationInput(
  params: Record<string, unknown>,
  defaultChannel: Channel,
  /** Local date the anchor dates are checked against (TIMEZONE); default today in UTC. */
  today: string = new Date().toISOString().slice(0, 10),
): { ok: true; value: RegistrationInput } | { ok: false; error: InputError } {
  const fail = (field: string, code: string, message: string) => ({
    ok: false as const,
    error: { field, code, message },
  });
  for (const [field, limit] of Object.entries(FIELD_LIMITS)) {
    const value = params[field];
    if (value !== undefined && typeof value !== 'string' && typeof value !== 'number')
      return fail(field, 'invalid_field', `${field} must be a single text value`);
    // Measured once trimmed: a padded database column is not too long (see trimPhoneText).
    if (typeof value === 'string' && (field === 'phone' ? trimPhoneText(value) : value.trim()).length > limit)
      return fail(field, 'field_too_long', `${field} is longer than ${limit} characters`);
  }
  const userId = text(params.user_id);
  if (!userId) return fail('user_id', 'missing_user_id', 'user_id is required');
  if (!USER_ID.test(userId))
    return fail('user_id', 'invalid_user_id', 'user_id may contain letters, digits and _ . : @ - only');
  const phone = text(params.phone);
  if (phone === undefined || phone === '') return fail('phone', 'empty', 'phone is required');

  const channelText = text(params.channel);
  const channel = channelText ? channelOf(channelText) : defaultChannel;
  if (!channel) return fail('channel', 'invalid_channel', 'channel must be sms or whatsapp');
  // The same aliases the batch maps from portal columns (nepali, np, नेपाली, ne-NP, english, ...).
  const languageText = text(params.language);
  const language = languageText ? languageOf(languageText) : 'en';
  if (!language) return fail('language', 'invalid_language', 'language must be en or ne');
  const resubscribe = parseFlag(params.resubscribe);
  if (resubscribe === undefined) return fail('resubscribe', 'invalid_resubscribe', 'resubscribe must be true or false');

  const timezone = text(params.timezone) || undefined;
  if (timezone !== undefined && !isTimeZone(timezone))
    return fail('timezone', 'invalid_timezone', 'timezone must be an IANA time zone such as Asia/Kathmandu');

  const anchors = parseAnchorDates(params, today);
  if (!anchors.ok) return fail(anchors.error.field, anchors.error.code, anchors.error.message);

  const name = text(params.name);
  return {
    ok: true,
    value: {
      userId,
      phone,
      name: name || undefined,
      channel,
      language,
      resubscribe,
      ...(timezone ? { timezone } : {}),
      ...anchors.value,
    },
  };
}

export const PHONE_REASON_MESSAGES: Record<string, string> = {
  empty: 'phone is required',
  not_a_number: 'phone contains characters that are not part of a phone number',
  too_short: 'phone has too few digits',
  too_long: 'phone has too many digits',
  invalid: 'phone is not a valid number',
  not_mobile: 'phone is not a mobile number and cannot receive messages',
  country_not_allowed: 'numbers from this country are not served',
  lookup_invalid: 'Twilio Lookup says this number is not valid',
};
