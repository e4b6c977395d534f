/**
 * Inbound keywords, as Twilio's Advanced Opt-Out reads them: the whole message is the
 * keyword (case, surrounding whitespace and punctuation ignored), in English or Nepali.
 * "please don't stop" is not a STOP.
 */
import type { Language } from './subscriber';

export type Keyword = 'stop' | 'start' | 'help';

const KEYWORDS: Record<Keyword, string[]> = {
  stop: ['stop', 'stopall', 'unsubscribe', 'cancel', 'end', 'quit', 'optout', 'opt out', 'revoke', 'रोक', 'रोक्नुहोस्', 'रोक्नुहोस', 'बन्द', 'बन्द गर', 'बन्द गर्नुहोस्', 'बन्द गर्नुहोस'],
  start: ['start', 'unstop', 'yes', 'subscribe', 'सुरु', 'सुरु गर', 'सुरु गर्नुहोस्', 'शुरु'],
  help: ['help', 'info', 'मद्दत', 'सहायता'],
};

const LOOKUP = new Map<string, Keyword>();
for (const [kind, words] of Object.entries(KEYWORDS) as Array<[Keyword, string[]]>) for (const w of words) LOOKUP.set(w, kind);

/** Message text reduced to its words: NFC, lower case, punctuation (not Devanagari marks) dropped. */
export function keywordText(body: string): string {
  return body
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function parseKeyword(body: string): Keyword | null {
  return LOOKUP.get(keywordText(body)) ?? null;
}

/** Short codes (3-8 digits, no plus) and alphanumeric sender IDs: never reply to them (reply loops). */
export function isShortCodeOrAlphanumeric(from: string): boolean {
  const address = from.replace(/^(whatsapp|sms|tel):/i, '').trim();
  if (/^\+\d{6,15}$/.test(address)) return false;
  if (/^\d{3,8}$/.test(address)) return true;
  return /[A-Za-z]/.test(address) || address === '';
}

const REPLIES: Record<Keyword, Record<Language, string>> = {
  stop: {
    en: 'Aamcare: you are unsubscribed and will get no more messages. Reply START to subscribe again.',
    ne: 'आमकेयर: तपाईंको सदस्यता रद्द भयो, अब सन्देश आउने छैन। फेरि सुरु गर्न START पठाउनुहोस्।',
  },
  start: {
    en: 'Aamcare: welcome back! Your daily health tip arrives at 7 AM. Reply STOP to unsubscribe.',
    ne: 'आमकेयर: फेरि स्वागत छ! दैनिक स्वास्थ्य सुझाव बिहान ७ बजे आउनेछ। बन्द गर्न STOP पठाउनुहोस्।',
  },
  help: {
    en: 'Aamcare sends one free health tip a day at 7 AM. Reply STOP to unsubscribe, START to resubscribe. Questions: contact Aamcare via the portal.',
    ne: 'आमकेयरले हरेक दिन बिहान ७ बजे निःशुल्क स्वास्थ्य सुझाव पठाउँछ। बन्द गर्न STOP, फेरि सुरु गर्न START पठाउनुहोस्।',
  },
};

export function keywordReply(kind: Keyword, language: Language): string {
  return REPLIES[kind][language];
}

export function notRegisteredReply(language: Language): string {
  return language === 'ne'
    ? 'आमकेयर: यो नम्बर दर्ता भएको छैन। पोर्टलमा दर्ता गर्नुहोस्।'
    : 'Aamcare: this number is not registered for messages. Sign up on the Aamcare portal to receive daily health tips.';
}
