/**
 * Every setting the service reads, in one table: the single source for validation,
 * the /health report and the `.env.example` check. Pure: works on a plain env object.
 */
import { REQUEST_BUDGET_MS } from './budget';
import { PRICE_LIST_PATTERN } from './tip-price';

export interface Setting {
  name: string;
  description: string;
  /** Shown in docs and checked at runtime when present. */
  pattern?: RegExp;
  default?: string;
  /** Secrets are never echoed, not even their length. */
  secret?: boolean;
  /** Only meaningful on a developer machine; never uploaded by deploy. */
  localOnly?: boolean;
}

const SID = (prefix: string) => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);
/** A field name of a portal user object, or a dotted path into nested ones. */
const FIELD_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export const SETTINGS: readonly Setting[] = [
  { name: 'ACCOUNT_SID', description: 'Twilio Account SID (set automatically when deployed)', pattern: SID('AC') },
  {
    name: 'AUTH_TOKEN',
    description: 'Twilio Auth Token (set automatically when deployed); also checks X-Twilio-Signature',
    pattern: /^.{32}$/,
    secret: true,
  },
  {
    name: 'TWILIO_API_KEY',
    description: 'Optional API key SID used instead of the Auth Token for REST calls',
    pattern: SID('SK'),
  },
  { name: 'TWILIO_API_SECRET', description: 'Secret of TWILIO_API_KEY', pattern: /^.{32}$/, secret: true },
  { name: 'MESSAGING_SERVICE_SID', description: 'Messaging Service that sends welcomes and tips', pattern: SID('MG') },
  {
    name: 'SYNC_SERVICE_SID',
    description: 'Sync Service holding subscribers, messages and counters',
    pattern: SID('IS'),
  },
  {
    name: 'SYNC_SHARDS',
    description: 'Number of shards for hot Sync maps and counters (1-64)',
    pattern: /^([1-9]|[1-5]\d|6[0-4])$/,
    default: '4',
  },
  {
    name: 'PORTAL_WEBHOOK_SECRET',
    description: 'Shared secret the portal signs /register calls with (32+ chars)',
    pattern: /^.{32,}$/,
    secret: true,
  },
  {
    name: 'ADMIN_TOKEN',
    description: 'Bearer token for /admin/* routes (32+ chars)',
    pattern: /^.{32,}$/,
    secret: true,
  },
  {
    name: 'DEFAULT_COUNTRY',
    description: 'Country assumed for numbers typed without a country code (ISO alpha-2)',
    pattern: /^[A-Z]{2}$/,
    default: 'NP',
  },
  {
    name: 'ALLOWED_COUNTRIES',
    description: 'Comma-separated ISO alpha-2 countries we message (SMS pumping guard)',
    pattern: /^[A-Z]{2}(,[A-Z]{2})*$/,
    default: 'NP,US',
  },
  {
    name: 'DEFAULT_CHANNEL',
    description: 'Channel when the portal sends none: sms or whatsapp',
    pattern: /^(sms|whatsapp)$/,
    default: 'sms',
  },
  {
    name: 'LOOKUP_MODE',
    description:
      'Twilio Lookup before registering: off, basic (free validation) or line_type (paid, refuses landlines for SMS)',
    pattern: /^(off|basic|line_type)$/,
    default: 'basic',
  },
  {
    name: 'WELCOME_CONTENT_SID',
    description: 'Approved WhatsApp template for the welcome (needed for the whatsapp channel)',
    pattern: SID('HX'),
  },
  {
    name: 'TIP_CONTENT_SID',
    description: 'Approved WhatsApp template for the daily tip (needed for the whatsapp channel)',
    pattern: SID('HX'),
  },
  {
    name: 'SUPPORT_CONTENT_SID',
    description:
      'Approved WhatsApp template (one variable) for the supportive messages offered after a loss; unset: WhatsApp subscribers are not offered them',
    pattern: SID('HX'),
  },
  {
    name: 'WHATSAPP_JOIN_INSTRUCTION',
    description: 'Shown to the portal when a number has not joined the WhatsApp sandbox (error 63015)',
    default: 'Send "join <sandbox-code>" on WhatsApp to +14155238886',
  },
  {
    name: 'WELCOME_COOLDOWN_SECONDS',
    description: 'Minimum seconds between welcome attempts to one number',
    pattern: /^\d+$/,
    default: '60',
  },
  {
    name: 'SENDER_MPS',
    description:
      "Message segments per second the Messaging Service's senders drain (Twilio: US long code 1, toll-free 3, short code 100, WhatsApp 10 by default up to 50, others by country; docs/tips.md)",
    pattern: /^[1-9]\d*$/,
    default: '10',
  },
  {
    name: 'TIP_VALIDITY_MINUTES',
    description:
      'Minutes after the local tip time a tip may still arrive; later ones are dropped (ValidityPeriod, at most 600)',
    pattern: /^([1-9]\d?|[1-5]\d\d|600)$/,
    default: '240',
  },
  {
    name: 'WELCOME_RATE_PER_MINUTE',
    description:
      "Global cap on welcome messages per minute (per shard group); unset: what SENDER_MPS carries at the welcome's segment count",
    pattern: /^\d+$/,
  },
  {
    name: 'SMS_PRICE_PER_SEGMENT',
    description:
      "Price of one SMS segment by destination country, for the dashboard's cost estimate, e.g. NP=0.1055,US=0.0083 (* = any other country; Twilio's SMS pricing page per country)",
    pattern: PRICE_LIST_PATTERN,
  },
  {
    name: 'WHATSAPP_PRICE_PER_MESSAGE',
    description:
      "Price of one WhatsApp template message by country (Twilio's fee plus Meta's utility rate), for the dashboard's cost estimate, e.g. NP=0.0064,*=0.01",
    pattern: PRICE_LIST_PATTERN,
  },
  {
    name: 'PRICE_CURRENCY',
    description: 'Currency of SMS_PRICE_PER_SEGMENT and WHATSAPP_PRICE_PER_MESSAGE (ISO 4217)',
    pattern: /^[A-Z]{3}$/,
    default: 'USD',
  },
  {
    name: 'UNREACHABLE_SUPPRESS_AFTER',
    description:
      'Failed deliveries in a row (unreachable 30003/30005/30006, unknown errors, no code) before a subscriber is paused; 0: never',
    pattern: /^\d+$/,
    default: '3',
  },
  {
    name: 'SMS_ADVANCED_OPT_OUT',
    description: 'true when the Messaging Service Advanced Opt-Out already answers STOP/START/HELP by SMS',
    pattern: /^(true|false)$/,
    default: 'true',
  },
  {
    name: 'EXTRA_KEYWORDS',
    description:
      'More inbound keywords, e.g. stop:hatau|hataunus;help:sodhnu (Nepali and English ones are built in); each gets our confirmation',
    pattern: /^(stop|start|help):[^;:]+(;(stop|start|help):[^;:]+)*$/,
  },
  {
    name: 'TWO_WAY_SMS_COUNTRIES',
    description:
      "Countries whose SMS subscribers can reply (Twilio's SMS guidelines: Nepal no, US yes); others get the unsubscribe link instead of STOP",
    pattern: /^[A-Z]{2}(,[A-Z]{2})*$/,
    default: 'US,CA',
  },
  {
    name: 'UNSUBSCRIBE_LINK_SECRET',
    description:
      'Key of the HMAC that signs personal unsubscribe links (32+ chars; changing it breaks links already sent)',
    pattern: /^.{32,}$/,
    secret: true,
  },
  {
    name: 'SHORTEN_URLS',
    description:
      'true when the Messaging Service has a Link Shortening domain: messages with a link are sent with ShortenUrls (keeps the SMS short)',
    pattern: /^(true|false)$/,
    default: 'false',
  },
  {
    name: 'PORTAL_API_URL',
    description: 'Portal users endpoint (Django REST Framework pagination) for batch registration',
    pattern: /^https?:\/\/\S+$/,
  },
  { name: 'PORTAL_API_TOKEN', description: 'Token for PORTAL_API_URL', secret: true },
  {
    name: 'PORTAL_AUTH_SCHEME',
    description: 'Authorization scheme for the portal API: Token or Bearer',
    pattern: /^(Token|Bearer)$/,
    default: 'Token',
  },
  {
    name: 'PORTAL_ID_FIELD',
    description: 'Field of a portal user holding its id (a dotted path reads a nested object: profile.id)',
    pattern: FIELD_PATH,
    default: 'id',
  },
  {
    name: 'PORTAL_PHONE_FIELD',
    description: 'Field of a portal user holding its phone number (dotted path allowed)',
    pattern: FIELD_PATH,
    default: 'phone',
  },
  {
    name: 'PORTAL_NAME_FIELD',
    description: 'Field of a portal user holding the name the welcome greets (e.g. full_name)',
    pattern: FIELD_PATH,
    default: 'name',
  },
  {
    name: 'PORTAL_LANGUAGE_FIELD',
    description:
      'Field of a portal user holding its language (e.g. preferred_language); ne, nepali, np, नेपाली, ne-NP read as ne, english/en-US as en, anything else as en',
    pattern: FIELD_PATH,
    default: 'language',
  },
  {
    name: 'PORTAL_CHANNEL_FIELD',
    description:
      'Field of a portal user holding its channel, sms or whatsapp (optional; unset: DEFAULT_CHANNEL for all)',
    pattern: FIELD_PATH,
  },
  {
    name: 'PORTAL_TIMEZONE_FIELD',
    description:
      'Field of a portal user holding its IANA time zone for the 7 AM tip (optional; unset: from the number)',
    pattern: FIELD_PATH,
  },
  {
    name: 'PORTAL_EDD_FIELD',
    description:
      'Field of a portal user holding the expected delivery date, ISO YYYY-MM-DD (optional; unset: no pregnancy programme from the batch)',
    pattern: FIELD_PATH,
  },
  {
    name: 'PORTAL_BABY_DOB_FIELD',
    description:
      "Field of a portal user holding the baby's date of birth, ISO YYYY-MM-DD (optional; unset: no baby programme from the batch)",
    pattern: FIELD_PATH,
  },
  {
    name: 'BATCH_SLICE_MAX_USERS',
    description:
      'Most users one batch slice starts (optional; the time box ends a slice anyway). Tests set it so slicing does not depend on machine speed',
    pattern: /^[1-9]\d*$/,
  },
  {
    name: 'TIPS_SLICE_MAX_PAGES',
    description:
      'Most pages of 50 subscribers one daily-tip slice reads (optional; the time box ends a slice anyway). Tests set it so slicing does not depend on machine speed',
    pattern: /^[1-9]\d*$/,
  },
  {
    name: 'BATCH_CONCURRENCY',
    description: 'Users registered in parallel within one batch slice',
    pattern: /^\d+$/,
    default: '8',
  },
  {
    name: 'BUDGET_MS',
    description: 'Milliseconds a batch or scheduling slice works before returning a cursor (a Function dies at 10 s)',
    pattern: /^\d+$/,
    default: String(REQUEST_BUDGET_MS),
  },
  { name: 'TIMEZONE', description: 'IANA time zone of the daily tip', default: 'Asia/Kathmandu' },
  {
    name: 'TIPS_ON_REGISTER',
    description: 'Schedule the next daily tip as soon as someone registers (true), not only at the next daily run',
    pattern: /^(true|false)$/,
    default: 'true',
  },
  {
    name: 'TIPS_LOCAL_TIME',
    description: 'Local time of the daily tip (HH:MM)',
    pattern: /^([01]\d|2[0-3]):[0-5]\d$/,
    default: '07:00',
  },
  {
    name: 'PUBLIC_BASE_URL',
    description:
      'Public base URL of this service, for StatusCallback URLs and signature checks behind a proxy (default: from the Functions domain)',
    pattern: /^https?:\/\/\S+$/,
  },
  {
    name: 'TWILIO_API_BASE_URL',
    description:
      'LOCAL ONLY: send Twilio REST calls to this base (the sandbox) instead of https://<product>.twilio.com',
    pattern: /^https?:\/\/\S+$/,
    localOnly: true,
  },
];

export type Env = Record<string, string | undefined>;

const BY_NAME = new Map(SETTINGS.map((s) => [s.name, s]));

/** Value of a setting, or its default, or undefined. Blank counts as unset. */
export function setting(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw !== undefined && raw.trim() !== '') return raw.trim();
  return BY_NAME.get(name)?.default;
}

export function intSetting(env: Env, name: string): number {
  const value = Number.parseInt(setting(env, name) ?? '', 10);
  if (!Number.isFinite(value)) throw new Error(`setting ${name} is not a number`);
  return value;
}

/** Names (never values) of the given settings that are unset or malformed. */
export function missingSettings(env: Env, names: readonly string[]): string[] {
  return names.filter((name) => {
    const value = setting(env, name);
    if (value === undefined) return true;
    const pattern = BY_NAME.get(name)?.pattern;
    return pattern !== undefined && !pattern.test(value);
  });
}
