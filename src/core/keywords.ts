/**
 * Inbound keywords, read the way Twilio's Advanced Opt-Out reads them: the whole message
 * is the keyword (case, surrounding whitespace and punctuation ignored), in English,
 * Nepali (Devanagari) or romanized Nepali. "please don't stop" is not a STOP.
 * Also the short texts we answer them with.
 */
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
  help: ['help', 'info', 'मद्दत', 'मदत', 'सहायता', 'maddat', 'sahayata'],
};

const LOOKUP: ReadonlyMap<string, Keyword> = new Map(
  (Object.entries(KEYWORDS) as Array<[Keyword, readonly string[]]>).flatMap(([kind, words]) =>
    words.map((word) => [keywordText(word), kind] as const),
  ),
);

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
  return LOOKUP.get(keywordText(body)) ?? null;
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
  if (/^\+\d{6,15}$/.test(address)) return false;
  if (/^\d{3,8}$/.test(address)) return true;
  return address === '' || /\p{L}/u.test(address);
}

/**
 * Replies sent as TwiML message text (the route escapes XML). No fixed hour: the tip time
 * is a setting. Each fits one segment in English; the help text says how to stop.
 */
const REPLIES: Record<Keyword, Record<Language, string>> = {
  stop: {
    en: 'Aamcare: you are unsubscribed and will get no more messages. Reply START to subscribe again.',
    ne: 'आमकेयर: तपाईंको सदस्यता रद्द भयो, अब सन्देश आउने छैन। फेरि सुरु गर्न START पठाउनुहोस्।',
  },
  start: {
    en: 'Aamcare: welcome back! You will get a health tip every morning. Reply STOP to unsubscribe.',
    ne: 'आमकेयर: फेरि स्वागत छ! हरेक बिहान स्वास्थ्य सुझाव आउनेछ। बन्द गर्न STOP पठाउनुहोस्।',
  },
  help: {
    en: 'Aamcare sends one health tip every morning. Reply STOP to unsubscribe, START to subscribe again. Questions: use the Aamcare portal.',
    ne: 'आमकेयरले हरेक बिहान स्वास्थ्य सुझाव पठाउँछ। बन्द गर्न STOP, फेरि सुरु गर्न START पठाउनुहोस्।',
  },
};

export function keywordReply(kind: Keyword, language: Language): string {
  return REPLIES[kind][language];
}

const NOT_REGISTERED: Record<Language, string> = {
  en: 'Aamcare: this number is not registered for messages. Sign up on the Aamcare portal to get daily health tips.',
  ne: 'आमकेयर: यो नम्बर दर्ता भएको छैन। दैनिक स्वास्थ्य सुझावका लागि आमकेयर पोर्टलमा दर्ता गर्नुहोस्।',
};

export function notRegisteredReply(language: Language): string {
  return NOT_REGISTERED[language];
}
