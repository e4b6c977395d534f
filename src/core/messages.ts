/**
 * The service's own texts (welcome, stop phrases, keyword replies) as data:
 * src/core/content/messages.json holds each text in English and Nepali with its review;
 * MESSAGE_SPECS here says what the code supplies to it (placeholders), who reads it (anyone,
 * or only people who can reply) and, for whole messages, the SMS budget. The file is bundled
 * into each function and checked when it loads; `npm run content:check` applies the editorial
 * rules (content-check.ts). docs/content.md is the editors' guide.
 */
import messagesJson from './content/messages.json';
import { ContentFormatError, entryOf, entryShapeProblems, isRecord, unknownFields, type ContentEntry } from './content';
import type { Language } from './subscriber';

export interface MessageSpec {
  /** Placeholders the code fills in, written `{name}` in the text; each language uses all of them. */
  placeholders: readonly string[];
  /** `everyone`: also read by people who cannot reply (SMS to Nepal), so it never asks for a reply. */
  audience: 'everyone' | 'can-reply';
  /** Segments a whole SMS of this text may take (absent: it is a part of other messages). */
  budget?: Readonly<Record<Language, number>>;
  /** Not a text but whole-message keywords separated by `|` (never sent). */
  keywords?: true;
}

export const MESSAGE_SPECS = {
  brand: { placeholders: [], audience: 'everyone' },
  stop_link: { placeholders: ['link'], audience: 'everyone' },
  stop_reply: { placeholders: [], audience: 'can-reply' },
  stop_reply_or_link: { placeholders: ['link'], audience: 'can-reply' },
  help_hint: { placeholders: [], audience: 'can-reply' },
  welcome: { placeholders: ['name', 'time', 'help', 'stop'], audience: 'everyone', budget: { en: 2, ne: 3 } },
  welcome_no_name: { placeholders: ['time', 'help', 'stop'], audience: 'everyone', budget: { en: 2, ne: 3 } },
  whatsapp_name_fallback: { placeholders: [], audience: 'everyone' },
  reply_stop: { placeholders: [], audience: 'can-reply', budget: { en: 1, ne: 2 } },
  reply_start: { placeholders: ['time'], audience: 'can-reply', budget: { en: 1, ne: 2 } },
  reply_help: { placeholders: ['time'], audience: 'can-reply', budget: { en: 1, ne: 2 } },
  reply_not_registered: { placeholders: [], audience: 'can-reply', budget: { en: 1, ne: 2 } },
  loss_reply: { placeholders: [], audience: 'can-reply', budget: { en: 2, ne: 3 } },
  loss_reply_no_offer: { placeholders: [], audience: 'can-reply', budget: { en: 1, ne: 2 } },
  support_reply_yes: { placeholders: [], audience: 'can-reply', budget: { en: 1, ne: 2 } },
  support_reply_no: { placeholders: [], audience: 'can-reply', budget: { en: 1, ne: 2 } },
  support_1: { placeholders: ['stop'], audience: 'everyone', budget: { en: 2, ne: 4 } },
  support_2: { placeholders: ['stop'], audience: 'everyone', budget: { en: 2, ne: 4 } },
  support_3: { placeholders: ['stop'], audience: 'everyone', budget: { en: 2, ne: 4 } },
  support_4: { placeholders: [], audience: 'everyone', budget: { en: 2, ne: 3 } },
  channel_switch: { placeholders: ['time', 'stop'], audience: 'everyone', budget: { en: 2, ne: 3 } },
  /** Sent as a programme message's text: its budget counts the brand and the stop phrase with the link. */
  birth_ask: { placeholders: ['link'], audience: 'everyone', budget: { en: 2, ne: 4 } },
  keywords_loss: { placeholders: [], audience: 'can-reply', keywords: true },
  keywords_support_yes: { placeholders: [], audience: 'can-reply', keywords: true },
  keywords_support_no: { placeholders: [], audience: 'can-reply', keywords: true },
} as const satisfies Record<string, MessageSpec>;

export type MessageId = keyof typeof MESSAGE_SPECS;
export const MESSAGE_IDS = Object.keys(MESSAGE_SPECS) as MessageId[];
export type Messages = Record<MessageId, ContentEntry>;

/** `{name}` placeholders of a text, in order of appearance. */
export function placeholdersIn(text: string): string[] {
  return [...text.matchAll(/\{([^{}]*)\}/g)].map((match) => match[1]!);
}

/** Structural problems of a messages file: every message present, each with both languages. */
export function messagesShapeProblems(json: unknown): string[] {
  if (!isRecord(json)) return ['the file must be a JSON object of messages keyed by id'];
  const problems: string[] = [];
  for (const id of Object.keys(json))
    if (!(id in MESSAGE_SPECS)) problems.push(`message ${id}: unknown message (the code never sends it)`);
  for (const id of MESSAGE_IDS) {
    const record = json[id];
    if (!isRecord(record)) {
      problems.push(`message ${id}: missing`);
      continue;
    }
    problems.push(...entryShapeProblems(`message ${id}`, record));
    const extra = unknownFields(record, []);
    if (extra.length > 0) problems.push(`message ${id}: unknown fields: ${extra.join(', ')}`);
  }
  return problems;
}

/** The messages file, typed; throws ContentFormatError listing every structural problem. */
export function parseMessages(json: unknown, file = 'messages.json'): Messages {
  const problems = messagesShapeProblems(json);
  if (problems.length > 0) throw new ContentFormatError(file, problems);
  const record = json as Record<string, Record<string, unknown>>;
  return Object.fromEntries(MESSAGE_IDS.map((id) => [id, entryOf(record[id]!)])) as Messages;
}

/** The bundled messages, checked once when the code loads. */
export const MESSAGES: Messages = parseMessages(messagesJson);

/**
 * A message with its placeholders filled in. A placeholder left empty (e.g. {help} for
 * someone who cannot reply) leaves no double space behind.
 */
export function renderMessage(
  messages: Messages,
  id: MessageId,
  language: Language,
  values: Readonly<Record<string, string>> = {},
): string {
  return messages[id][language]
    .replace(/\{([^{}]*)\}/g, (whole, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`message ${id}: no value for {${name}}`);
      return value;
    })
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** A bundled message, rendered. */
export function message(id: MessageId, language: Language, values?: Readonly<Record<string, string>>): string {
  return renderMessage(MESSAGES, id, language, values);
}

/** The words of a keywords entry, both languages (`|`-separated in the file). */
export function keywordWords(messages: Messages, id: MessageId): Array<{ word: string; language: Language }> {
  return (['en', 'ne'] as const).flatMap((language) =>
    messages[id][language]
      .split('|')
      .map((word) => word.trim())
      .filter((word) => word !== '')
      .map((word) => ({ word, language })),
  );
}
