/**
 * Welcome message content. SMS: a body in English or Nepali that confirms the
 * registration, says what the service sends and how to stop. WhatsApp: business-initiated
 * messages need an approved template, so only its variables are built here.
 */
import type { Channel, Language } from './subscriber';

/** Longest name put in a message, in user-perceived characters (grapheme clusters)... */
export const MAX_NAME_GRAPHEMES = 30;
/** ...and in UTF-16 units, since one cluster can be long (emoji sequences, stacked marks) and SMS counts units. */
export const MAX_NAME_UNITS = 60;

/**
 * Invisible formatting characters (Unicode Cf): bidi overrides and isolates (U+202A-202E,
 * U+2066-2069, U+200E/F, U+061C) that reorder the text around them, zero-width spaces and
 * joiners used to hide or split words (U+200B, U+2060, U+FEFF), tag characters, soft
 * hyphens. ZWNJ and ZWJ (U+200C, U+200D) stay: Devanagari spelling and emoji sequences
 * need them, and a grapheme cut never leaves one dangling.
 */
const INVISIBLE = /(?![\u200C\u200D])\p{Cf}/gu;

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The longest run of whole grapheme clusters within both limits: never half an emoji or half a conjunct. */
export function cutGraphemes(text: string, maxGraphemes: number, maxUnits = Infinity): string {
  let out = '';
  let count = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (count++ === maxGraphemes || out.length + segment.length > maxUnits) break;
    out += segment;
  }
  return out;
}

/**
 * A display name safe to put in a message: no control or invisible formatting characters,
 * no markup or links, at most MAX_NAME_GRAPHEMES characters as a reader counts them.
 */
export function cleanName(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const cleaned = cutGraphemes(
    name
      .normalize('NFC')
      .replace(/\s+/g, ' ')
      .replace(/[\p{Cc}<>]/gu, '')
      .replace(INVISIBLE, '')
      .replace(/ {2,}/g, ' ')
      .trim(),
    MAX_NAME_GRAPHEMES,
    MAX_NAME_UNITS,
  ).trim();
  return cleaned === '' || /https?:|www\./i.test(cleaned) ? undefined : cleaned;
}

/** `stop`: how this subscriber stops (stop-instruction.ts), said last. */
export function welcomeBody(language: Language, name: string | undefined, stop: string): string {
  const who = cleanName(name);
  if (language === 'ne') {
    return `आमकेयरमा स्वागत छ${who ? `, ${who}` : ''}! तपाईंको नम्बर दर्ता भयो। हरेक दिन बिहान ७ बजे स्वास्थ्य सुझाव पाउनुहुनेछ। ${stop}`;
  }
  return `Welcome to Aamcare${who ? `, ${who}` : ''}! Your number is registered. You will get a free health tip every day at 7 AM. ${stop}`;
}

/** Variables of the approved WhatsApp welcome template: {{1}} name, {{2}} tip time, {{3}} how to stop. */
export function welcomeTemplateVariables(
  language: Language,
  name: string | undefined,
  stop: string,
): Record<string, string> {
  const fallback = language === 'ne' ? 'साथी' : 'friend';
  return { '1': cleanName(name) ?? fallback, '2': language === 'ne' ? 'बिहान ७ बजे' : '7 AM', '3': stop };
}

/** Settings a welcome on this channel needs and lacks: WhatsApp welcomes need an approved template. */
export function missingWelcomeSettings(channel: Channel, welcomeContentSid: string | undefined): string[] {
  return channel === 'whatsapp' && !welcomeContentSid ? ['WELCOME_CONTENT_SID'] : [];
}
