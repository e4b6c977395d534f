/**
 * Phone number rules: turn whatever a person typed into E.164, or a reason code.
 * Pure: no I/O. Uses libphonenumber-js "max" metadata so number types (mobile vs
 * landline) are known.
 */
import {
  parsePhoneNumberFromString,
  validatePhoneNumberLength,
  getCountryCallingCode,
  type CountryCode,
  type NumberType,
} from 'libphonenumber-js/max';

export type PhoneRejection =
  'empty' | 'not_a_number' | 'too_short' | 'too_long' | 'invalid' | 'not_mobile' | 'country_not_allowed';

export const PHONE_REJECTIONS: readonly PhoneRejection[] = [
  'empty',
  'not_a_number',
  'too_short',
  'too_long',
  'invalid',
  'not_mobile',
  'country_not_allowed',
];

export interface NormalizedPhone {
  ok: true;
  e164: string;
  country: CountryCode;
  type: NumberType | 'UNKNOWN';
  masked: string;
}

export interface RejectedPhone {
  ok: false;
  reason: PhoneRejection;
}

export type PhoneResult = NormalizedPhone | RejectedPhone;

export interface PhoneOptions {
  /** ISO 3166 alpha-2 country assumed for numbers without a country code. */
  defaultCountry?: CountryCode;
  /** Countries we are willing to message (SMS pumping guard). Empty = any. */
  allowedCountries?: readonly string[];
  /** Refuse numbers that are known not to be mobile (landline, toll free, ...). Default true. */
  mobileOnly?: boolean;
}

/** Longest input we even look at, once trimmed: no real number, with formatting, is longer. */
const MAX_RAW_LENGTH = 64;
/**
 * What a database column holds around a number: padding (a CHAR column, a 10-digit number
 * and 60 spaces) and a list separator left at either end (`9884718341;`, `9742568670,`).
 * A separator between two numbers stays, so a list of numbers is still refused.
 */
const PADDING = /[\s,;:]/u;

/**
 * The text with its padding and stray end separators removed: the first step, before any
 * length limit. A scan from each end (linear on any input; a regex anchored at the end
 * backtracks over long runs of spaces).
 */
export function trimPhoneText(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && PADDING.test(text[start]!)) start++;
  while (end > start && PADDING.test(text[end - 1]!)) end--;
  return text.slice(start, end);
}

/** Types that can receive SMS/WhatsApp. US numbers cannot be told apart, hence FIXED_LINE_OR_MOBILE. */
const MESSAGEABLE_TYPES = new Set<string>(['MOBILE', 'FIXED_LINE_OR_MOBILE', 'UNKNOWN']);

const DEVANAGARI_ZERO = 0x0966;
const NON_ASCII = /[^\p{ASCII}]/u;
const SCHEME_PREFIX = /^(?:whatsapp|tel|sms|callto):/i;
// Separators people type between digit groups: spaces (any width), dashes, dots, slashes, brackets.
const SEPARATORS = /[\s\u00a0\u2000-\u200b\u202f\u3000\-\u2010-\u2015\u2212./()[\]]/g;

/**
 * Reduce raw input to "+digits" or "digits", mapping full-width (NFKC) and Devanagari digits
 * to ASCII. Returns undefined when anything but digits, separators and one leading plus remains.
 */
export function cleanPhoneInput(raw: string): string | undefined {
  let s = trimPhoneText(raw);
  if (NON_ASCII.test(s)) {
    s = s.normalize('NFKC').replace(/[\u0966-\u096f]/g, (d) => String(d.charCodeAt(0) - DEVANAGARI_ZERO));
  }
  s = s.replace(SCHEME_PREFIX, '');
  s = s.replace(SEPARATORS, '');
  if (s.startsWith('00')) s = '+' + s.slice(2);
  return /^\+?\d+$/.test(s) ? s : undefined;
}

export function normalizePhone(raw: unknown, options: PhoneOptions = {}): PhoneResult {
  const defaultCountry = options.defaultCountry ?? 'NP';
  if (raw === null || raw === undefined) return { ok: false, reason: 'empty' };
  const given = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw : undefined;
  if (given === undefined) return { ok: false, reason: 'not_a_number' };
  const text = trimPhoneText(given);
  if (text === '') return { ok: false, reason: 'empty' };
  if (text.length > MAX_RAW_LENGTH) return { ok: false, reason: 'too_long' };

  const cleaned = cleanPhoneInput(text);
  if (cleaned === undefined || cleaned === '+') return { ok: false, reason: 'not_a_number' };

  let parsed = parsePhoneNumberFromString(cleaned, defaultCountry);
  let valid = parsed !== undefined && parsed.isValid();
  // "9779807969278": the country code typed without its plus. Only taken when the
  // national reading is not a valid number, so real national numbers are never re-read.
  if (!valid && !cleaned.startsWith('+') && cleaned.startsWith(getCountryCallingCode(defaultCountry))) {
    const international = parsePhoneNumberFromString('+' + cleaned);
    if (international !== undefined && international.isValid()) {
      parsed = international;
      valid = true;
    }
  }

  if (!parsed || !valid) {
    // A number of a possible length is simply invalid; only otherwise is a second parse worth it.
    const possible = parsed !== undefined && parsed.isPossible();
    return { ok: false, reason: possible ? 'invalid' : lengthReason(cleaned, defaultCountry) };
  }

  const country = parsed.country;
  if (!country) return { ok: false, reason: 'invalid' };
  const allowed = options.allowedCountries ?? [];
  if (allowed.length > 0 && !allowed.includes(country)) return { ok: false, reason: 'country_not_allowed' };

  const type = parsed.getType() ?? 'UNKNOWN';
  if ((options.mobileOnly ?? true) && !MESSAGEABLE_TYPES.has(type)) return { ok: false, reason: 'not_mobile' };

  const e164 = parsed.number;
  return { ok: true, e164, country, type, masked: maskE164(e164, parsed.countryCallingCode) };
}

/** Why a number that did not parse as valid was refused (the slow path only). */
function lengthReason(cleaned: string, defaultCountry: CountryCode): PhoneRejection {
  const digits = cleaned.replace(/\D/g, '');
  if (digits.length < 4) return 'too_short';
  if (digits.length > 15) return 'too_long';
  switch (validatePhoneNumberLength(cleaned, defaultCountry)) {
    case 'TOO_SHORT':
      return 'too_short';
    case 'TOO_LONG':
      return 'too_long';
    case 'NOT_A_NUMBER':
      return 'not_a_number';
    default:
      return 'invalid';
  }
}

/** Fixed-width mask (six stars whatever the length) so a log does not even leak the length. */
function maskE164(e164: string, callingCode: string): string {
  const national = e164.slice(1 + callingCode.length);
  return '+' + callingCode + '******' + national.slice(-3);
}

/**
 * Mask an E.164 number for logs: country code and last three digits stay ("+977******278").
 * Accepts "whatsapp:+977..." too. Anything unparseable is masked whole except its last 2 chars.
 */
export function maskPhone(value: string): string {
  const address = value.replace(SCHEME_PREFIX, '');
  const scheme = value.slice(0, value.length - address.length);
  const parsed = address.startsWith('+') ? parsePhoneNumberFromString(address) : undefined;
  if (parsed) return scheme + maskE164(parsed.number, parsed.countryCallingCode);
  return scheme + '******' + (address.length >= 8 ? address.slice(-2) : '');
}

/**
 * A portal value that is not a phone number, safe for a report: every letter and digit
 * becomes `*` except the last 3 digits (enough to find the row in the portal), punctuation
 * and spaces stay so the shape shows, and anything past 32 characters is cut from the front (`…`).
 * An email typed into the phone field shows no letters.
 */
export function maskRaw(raw: string): string {
  const chars = Array.from(raw.trim());
  const digitPositions = chars.flatMap((c, i) => (/\p{Nd}/u.test(c) ? [i] : []));
  const keep = new Set(digitPositions.slice(-3));
  const masked = chars.map((c, i) => (keep.has(i) ? c : /[\p{L}\p{N}\p{M}]/u.test(c) ? '*' : c));
  return masked.length > 32 ? '…' + masked.slice(-31).join('') : masked.join('');
}

/** "NP,US" -> ["NP", "US"]; empty or unset -> the given default. */
export function parseCountryList(value: string | undefined, fallback: readonly string[]): string[] {
  if (value === undefined || value.trim() === '') return [...fallback];
  return value
    .split(',')
    .map((c) => c.trim().toUpperCase())
    .filter((c) => c !== '');
}
