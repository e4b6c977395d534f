/**
 * Inbound keywords, read the way Twilio's Advanced Opt-Out reads them: the whole message
 * is the keyword (case, surrounding whitespace and punctuation ignored), in English,
 * Nepali (Devanagari) or romanized Nepali. "please don't stop" is not a STOP.
 * Also the short texts we answer them with.
 */
import { keywordWords, message, MESSAGES } from './messages';
import { spokenTime } from './spoken-time';
import type { Language } from './subscriber';

export type Keyword = 'stop' | 'start' | 'help';

/**
 * Every entry is a whole message after `keywordText` (lower case, punctuation gone, single
 * spaces). Romanized Nepali is included because many phones in Nepal type Latin letters;
 * only imperative forms that mean nothing else as a whole message are listed.
 */
const KEYWORDS: Record<Keyword, readonly string[]> = {
  stop: [
    // Twilio's default opt-out keywords.
    'stop',
    'stopall',
    'unsubscribe',
    'cancel',
    'end',
    'quit',
    'optout',
    'opt out',
    'revoke',
    // Nepali: "stop", "please stop", "close/turn off", "do close"; with and without the final halant.
    'रोक',
    'रोक्नु',
    'रोक्नुस',
    'रोक्नुस्',
    'रोक्नुहोस',
    'रोक्नुहोस्',
    'बन्द',
    'बंद',
    'बन्द गर',
    'बन्द गर्नु',
    'बन्द गर्नुस',
    'बन्द गर्नुस्',
    'बन्द गर्नुहोस',
    'बन्द गर्नुहोस्',
    'रद्द',
    'रद्द गर',
    'रद्द गर्नुहोस्',
    'स्टप',
    // Romanized Nepali.
    'rok',
    'roknus',
    'roknuhos',
    'band',
    'banda',
    'band gara',
    'banda gara',
    'band garnus',
    'banda garnus',
    'band garnuhos',
    'banda garnuhos',
    'roka',
    'radda',
    'rada',
    'radda gara',
  ],
  start: [
    'start',
    'unstop',
    'yes',
    'subscribe',
    'सुरु',
    'सुरू',
    'शुरु',
    'शुरू',
    'सुरु गर',
    'सुरु गर्नुस',
    'सुरु गर्नुस्',
    'सुरु गर्नुहोस',
    'सुरु गर्नुहोस्',
    'suru',
    'shuru',
    'suru gara',
    'suru garnus',
    'suru garnuhos',
  ],
  help: ['help', 'info', 'मद्दत', 'मदत', 'सहायता', 'सहयोग', 'maddat', 'sahayata', 'sahayog'],
};

/**
 * Twilio's own default keywords (opt-out, opt-in, help). With Advanced Opt-Out on, Twilio
 * answers these itself and blocks further sends (21610) until START; every other keyword
 * reaches /incoming with no answer from Twilio, so we confirm it.
 */
const TWILIO_DEFAULT_KEYWORDS: ReadonlySet<string> = new Set([
  'stop',
  'stopall',
  'unsubscribe',
  'cancel',
  'end',
  'quit',
  'start',
  'unstop',
  'yes',
  'help',
  'info',
]);

/** English words of the lists above; every other word is Nepali (Devanagari or romanized). */
const ENGLISH_WORDS: ReadonlySet<string> = new Set([
  'stop',
  'stopall',
  'unsubscribe',
  'cancel',
  'end',
  'quit',
  'optout',
  'opt out',
  'revoke',
  'start',
  'unstop',
  'yes',
  'subscribe',
  'help',
  'info',
]);

export interface KeywordMatch {
  kind: Keyword;
  /** The language the keyword was written in: the confirmation answers in it. */
  language: Language;
  /** Twilio's Advanced Opt-Out answers this one itself. */
  twilioDefault: boolean;
}

function lookupOf(extra: Partial<Record<Keyword, readonly string[]>>): ReadonlyMap<string, Keyword> {
  return new Map(
    (['stop', 'start', 'help'] as const).flatMap((kind) =>
      [...KEYWORDS[kind], ...(extra[kind] ?? [])].map((word) => [keywordText(word), kind] as const),
    ),
  );
}

const LOOKUP = lookupOf({});

/**
 * Extra keywords from the EXTRA_KEYWORDS setting: `stop:hatau|hataunus;help:sodhnu`
 * (kind, colon, words separated by |; kinds separated by ;). Unknown kinds are ignored.
 */
export function parseExtraKeywords(value: string | undefined): Partial<Record<Keyword, string[]>> {
  const extra: Partial<Record<Keyword, string[]>> = {};
  for (const part of (value ?? '').split(';')) {
    const [kind, words] = part.split(':');
    const name = kind?.trim().toLowerCase();
    if ((name === 'stop' || name === 'start' || name === 'help') && words)
      extra[name] = [
        ...(extra[name] ?? []),
        ...words
          .split('|')
          .map((w) => w.trim())
          .filter((w) => w !== ''),
      ];
  }
  return extra;
}

/** The keyword a whole message is, with its language, or null. */
export function matchKeyword(
  body: string,
  extra: Partial<Record<Keyword, readonly string[]>> = {},
): KeywordMatch | null {
  const text = keywordText(body);
  const lookup = Object.keys(extra).length > 0 ? lookupOf(extra) : LOOKUP;
  const kind = lookup.get(text);
  if (!kind) return null;
  return { kind, language: ENGLISH_WORDS.has(text) ? 'en' : 'ne', twilioDefault: TWILIO_DEFAULT_KEYWORDS.has(text) };
}

/**
 * A message reduced to its words: NFKC (composes Devanagari the NFC way and also folds
 * full-width Latin), invisible format characters (zero-width joiners, BOM) removed,
 * lower case, punctuation and symbols (including the danda "।" and emoji) turned into
 * spaces, spaces collapsed.
 */
export function keywordText(body: string): string {
  return body
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseKeyword(body: string): Keyword | null {
  return matchKeyword(body)?.kind ?? null;
}

/** The keywords of a kind, for docs and the dashboard. */
export function keywordsOf(kind: Keyword): readonly string[] {
  return KEYWORDS[kind];
}

/**
 * Short codes (3-8 digits, no plus) and alphanumeric sender IDs: never reply to them, two
 * robots answering each other loop forever. WhatsApp senders are E.164 (`whatsapp:+977…`),
 * so they are not short codes; an unexpected shape (letters, empty) counts as a robot.
 */
export function isShortCodeOrAlphanumeric(from: string): boolean {
  const address = from
    .trim()
    .replace(/^(whatsapp|sms|tel):/i, '')
    .trim();
  // A number with its plus (E.164) is neither digits only nor letters: a person.
  if (/^\d{3,8}$/.test(address)) return true;
  return address === '' || /\p{L}/u.test(address);
}

/**
 * Replies sent as TwiML message text (the route escapes XML): reply_stop, reply_start,
 * reply_help and reply_not_registered in src/core/content/messages.json. Only people who can
 * reply ever get them. `localTime` is TIPS_LOCAL_TIME, said in words where a reply names it.
 */
export function keywordReply(kind: Keyword, language: Language, localTime = '07:00'): string {
  return message(`reply_${kind}`, language, { time: spokenTime(localTime, language) });
}

export function notRegisteredReply(language: Language): string {
  return message('reply_not_registered', language);
}

/**
 * Words that are content (src/core/content/messages.json, `|`-separated): a loss reported by
 * reply (keywords_loss), and yes / no to the supportive set offered after it. Matched like the
 * others: the whole message, after keywordText.
 */
function contentWords(
  id: 'keywords_loss' | 'keywords_support_yes' | 'keywords_support_no',
): ReadonlyMap<string, Language> {
  return new Map(keywordWords(MESSAGES, id).map(({ word, language }) => [keywordText(word), language] as const));
}

const LOSS_WORDS = contentWords('keywords_loss');
const SUPPORT_YES = contentWords('keywords_support_yes');
const SUPPORT_NO = contentWords('keywords_support_no');

/** The language of a loss keyword, or undefined when the message is not one. */
export function matchLossKeyword(body: string): Language | undefined {
  return LOSS_WORDS.get(keywordText(body));
}

/** Yes or no to the supportive set (only meaningful while the offer is open), with its language. */
export function matchSupportAnswer(body: string): { answer: 'yes' | 'no'; language: Language } | undefined {
  const text = keywordText(body);
  const yes = SUPPORT_YES.get(text);
  if (yes) return { answer: 'yes', language: yes };
  const no = SUPPORT_NO.get(text);
  return no ? { answer: 'no', language: no } : undefined;
}
