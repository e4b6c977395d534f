/**
 * Welcome message content. SMS: a body in English or Nepali (welcome / welcome_no_name in
 * src/core/content/messages.json) that confirms the registration, says when tips come (the
 * TIPS_LOCAL_TIME setting in words), how to get help where replies arrive, and how to stop.
 * WhatsApp: business-initiated messages need an approved template, so only its variables
 * are built here.
 */
import { MESSAGE_SPECS, MESSAGES, renderMessage, type Messages } from './messages';
import { countSegments, isGsm7 } from './segments';
import { spokenTime } from './spoken-time';
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
      // Every whitespace character a space; runs collapse once the removals below are done.
      .replace(/\s/g, ' ')
      .replace(/[\p{Cc}<>]/gu, '')
      .replace(INVISIBLE, '')
      .replace(/ {2,}/g, ' ')
      .trim(),
    MAX_NAME_GRAPHEMES,
    MAX_NAME_UNITS,
  ).trim();
  return cleaned === '' || /https?:|www\./i.test(cleaned) ? undefined : cleaned;
}

export interface WelcomeOptions {
  /** TIPS_LOCAL_TIME ('HH:MM'), said in words. Default 07:00. */
  localTime?: string;
  /** Replies reach us: the welcome also says how to ask for help. */
  canReply?: boolean;
  /** The texts (content-check passes the files it checks). */
  messages?: Messages;
}

/** What the welcome's placeholders are filled with, but the name. */
export function welcomeValues(language: Language, stop: string, options: WelcomeOptions = {}): Record<string, string> {
  const messages = options.messages ?? MESSAGES;
  return {
    time: spokenTime(options.localTime ?? '07:00', language),
    help: options.canReply ? renderMessage(messages, 'help_hint', language) : '',
    stop,
  };
}

/**
 * `stop`: how this subscriber stops (stop-instruction.ts), said last. The name is used when it
 * fits: an English welcome stays GSM-7 and every welcome within its segment budget, otherwise
 * the welcome goes without the name.
 */
export function welcomeBody(
  language: Language,
  name: string | undefined,
  stop: string,
  options: WelcomeOptions = {},
): string {
  const messages = options.messages ?? MESSAGES;
  const values = welcomeValues(language, stop, options);
  const plain = renderMessage(messages, 'welcome_no_name', language, values);
  const who = cleanName(name);
  if (!who || (language === 'en' && !isGsm7(who))) return plain;
  const named = renderMessage(messages, 'welcome', language, { ...values, name: who });
  return countSegments(named).segments <= MESSAGE_SPECS.welcome.budget[language] ? named : plain;
}

/** Variables of the approved WhatsApp welcome template: {{1}} name, {{2}} tip time, {{3}} how to stop. */
export function welcomeTemplateVariables(
  language: Language,
  name: string | undefined,
  stop: string,
  localTime = '07:00',
): Record<string, string> {
  return {
    '1': cleanName(name) ?? renderMessage(MESSAGES, 'whatsapp_name_fallback', language),
    '2': spokenTime(localTime, language),
    '3': stop,
  };
}

/** Settings a welcome on this channel needs and lacks: WhatsApp welcomes need an approved template. */
export function missingWelcomeSettings(channel: Channel, welcomeContentSid: string | undefined): string[] {
  return channel === 'whatsapp' && !welcomeContentSid ? ['WELCOME_CONTENT_SID'] : [];
}
