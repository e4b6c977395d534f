/**
 * Values as portal databases hold them: language and channel columns in the forms people
 * and frameworks write them (`nepali`, `np`, `नेपाली`, `ne-NP`; `WhatsApp`), and fields at a
 * configurable path of a user object (`full_name`, `profile.language`). Pure.
 */
import type { Channel, Language } from './subscriber';

// --- A portal user and page as the batch reads them (src/twilio/portal.ts builds them).

export interface PortalUser {
  id: string;
  phone: unknown;
  name?: string;
  language?: Language;
  channel?: Channel;
  /** IANA zone of the user's 7 AM tip. */
  timezone?: string;
  /** Anchor dates as the portal holds them (PORTAL_EDD_FIELD, PORTAL_BABY_DOB_FIELD); checked before use. */
  edd?: string;
  babyDob?: string;
}

/** A mapped field no user of a page has (PORTAL_NAME_FIELD etc.): everyone there gets the default. */
export interface MissingField {
  /** The setting that names it, e.g. PORTAL_LANGUAGE_FIELD. */
  setting: string;
  field: string;
}

export interface PortalPage {
  url: string;
  count: number;
  next: string | null;
  users: PortalUser[];
  /** Mapped optional fields absent on every user of this page (none on an empty page). */
  missingFields?: MissingField[];
}

/** Language spellings, lower-cased, with `_` read as `-`; a region tag (`ne-np`, `en-us`) reads as its language. */
const LANGUAGES: Record<string, Language> = {
  ne: 'ne',
  nep: 'ne',
  np: 'ne',
  nepali: 'ne',
  nepalese: 'ne',
  नेपाली: 'ne',
  en: 'en',
  eng: 'en',
  english: 'en',
  अंग्रेजी: 'en',
  अङ्ग्रेजी: 'en',
};

/** `en` or `ne` for a language value a portal may hold, or undefined when it is none of them. */
export function languageOf(value: unknown): Language | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.normalize('NFC').trim().toLowerCase().replace(/_/g, '-');
  return LANGUAGES[text] ?? LANGUAGES[text.split('-')[0]!];
}

const CHANNELS: Record<string, Channel> = {
  sms: 'sms',
  text: 'sms',
  whatsapp: 'whatsapp',
  'whats app': 'whatsapp',
  wa: 'whatsapp',
};

/** `sms` or `whatsapp` for a channel value a portal may hold, or undefined. */
export function channelOf(value: unknown): Channel | undefined {
  if (typeof value !== 'string') return undefined;
  return CHANNELS[
    value
      .trim()
      .toLowerCase()
      .replace(/[\s_-]+/g, ' ')
  ];
}

/**
 * The value at `path` of a user object: a field name, or a dotted path into nested objects
 * (`profile.phone`, as a nested DRF serializer writes it). A key that itself contains dots
 * is found too. `present` tells an absent field from one that is null.
 */
export function fieldAt(record: Record<string, unknown>, path: string): { present: boolean; value: unknown } {
  if (Object.prototype.hasOwnProperty.call(record, path)) return { present: true, value: record[path] };
  let at: unknown = record;
  for (const part of path.split('.')) {
    if (typeof at !== 'object' || at === null || Array.isArray(at)) return { present: false, value: undefined };
    if (!Object.prototype.hasOwnProperty.call(at, part)) return { present: false, value: undefined };
    at = (at as Record<string, unknown>)[part];
  }
  return { present: true, value: at };
}
