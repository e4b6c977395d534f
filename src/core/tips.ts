/**
 * Daily health tips: the content file's schema, which tip a date gets and the SMS text sent
 * (tip, line break, sender's name and how to stop). Content lives in
 * src/assets/tips.private.json; docs/content.md is the editors' guide and content-check.ts
 * holds the editorial rules (budgets, terms, review), which `npm run build` enforces.
 */
import { ContentFormatError, entryOf, entryShapeProblems, isRecord, unknownFields, type ContentEntry } from './content';
import { MESSAGES, renderMessage, type Messages } from './messages';
import { stopInstruction, type StopWay } from './stop-instruction';
import type { Language } from './subscriber';
import { dayNumber } from './tip-time';

export { LANGUAGES } from './content';

/** What a tip is about: the cycle covers each (content-check warns when one has no tip). */
export const TOPICS = [
  'pregnancy',
  'birth',
  'postpartum',
  'newborn',
  'child',
  'family-planning',
  'family-health',
] as const;
export type Topic = (typeof TOPICS)[number];

export interface Tip extends ContentEntry {
  /** Stable id, e.g. 't01': logs and reports name tips by it. */
  id: string;
  topic: Topic;
  /** The guideline the advice follows: organisation, document, year. */
  source: string;
}

/** The most SMS segments a tip may take with everything sent with it (content-check enforces it). */
export const MAX_SEGMENTS: Readonly<Record<Language, number>> = { en: 2, ne: 3 };

const ID_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** The personal unsubscribe link rides in the tips once a week (the same weekday for everyone). */
export function tipCarriesLink(localDate: string): boolean {
  // A multiple of 7 leaves 0 (or -0, which === 0) on either side of 1970.
  return dayNumber(localDate) % 7 === 0;
}

/**
 * The SMS body for a tip: its text, a line break, then the sender's name followed by `stop`
 * (stop-instruction.ts) when there is one, the name alone otherwise (nothing true to say that day).
 */
export function tipMessage(
  tip: Pick<Tip, Language>,
  language: Language,
  stop?: string | null,
  messages: Messages = MESSAGES,
): string {
  const brand = renderMessage(messages, 'brand', language);
  return `${tip[language]}\n${stop ? `${brand}: ${stop}` : brand}`;
}

/** The body a subscriber reached this way gets: what is sent, scheduled, fingerprinted and budgeted. */
export function tipSmsBody(
  tip: Pick<Tip, Language>,
  language: Language,
  way: StopWay,
  messages: Messages = MESSAGES,
): string {
  return tipMessage(tip, language, stopInstruction(language, way, messages) ?? null, messages);
}

/** Structural problems of a tips file (the editorial ones are content-check.ts's). */
export function tipsShapeProblems(json: unknown): string[] {
  if (!Array.isArray(json)) return ['the file must be a JSON array of tips'];
  if (json.length === 0) return ['the file has no tips'];
  const problems: string[] = [];
  const seen = new Set<string>();
  json.forEach((entry: unknown, index) => {
    if (!isRecord(entry)) {
      problems.push(`tip[${index}] must be an object { id, topic, en, ne, source, note, reviewed_by, reviewed_on }`);
      return;
    }
    const id = entry.id;
    const where = typeof id === 'string' ? `tip ${id}` : `tip[${index}]`;
    if (typeof id !== 'string' || !ID_PATTERN.test(id))
      problems.push(`${where}: id must match ${ID_PATTERN} (e.g. "t01")`);
    else if (seen.has(id)) problems.push(`${where}: duplicate id`);
    else seen.add(id);
    if (!(TOPICS as readonly unknown[]).includes(entry.topic))
      problems.push(`${where}: topic must be one of ${TOPICS.join(', ')}`);
    if (typeof entry.source !== 'string') problems.push(`${where}: source must be a string`);
    problems.push(...entryShapeProblems(where, entry));
    const extra = unknownFields(entry, ['id', 'topic', 'source']);
    if (extra.length > 0) problems.push(`${where}: unknown fields: ${extra.join(', ')}`);
  });
  return problems;
}

/** A tip with its fields in the file's order (id, topic, en, ne, source, note, review). */
export function tipOf(id: string, topic: Topic, source: string, entry: ContentEntry): Tip {
  const { en, ne, note, reviewed_by, reviewed_on, reviewed_fingerprint } = entry;
  return {
    id,
    topic,
    en,
    ne,
    source,
    note,
    reviewed_by,
    reviewed_on,
    ...(reviewed_fingerprint !== undefined ? { reviewed_fingerprint } : {}),
  };
}

/** Checks the tips file's structure and returns it typed; throws ContentFormatError listing every problem. */
export function parseTips(json: unknown, file = 'tips file'): Tip[] {
  const problems = tipsShapeProblems(json);
  if (problems.length > 0) throw new ContentFormatError(file, problems);
  return (json as Array<Record<string, unknown>>).map((record) =>
    tipOf(record.id as string, record.topic as Topic, record.source as string, entryOf(record)),
  );
}

/**
 * The tip for a local date ('YYYY-MM-DD'): the file's order, one step per calendar day
 * since 1970-01-01, so every subscriber gets the same tip that day, consecutive days get
 * different tips (two tips or more) and the whole list comes round every `tips.length` days.
 * Adding or removing tips shifts the rotation from then on; it never repeats a day's tip.
 */
export function tipForDate<T extends Pick<Tip, 'id'>>(tips: readonly T[], localDate: string): T {
  if (tips.length === 0) throw new RangeError('No tips to choose from');
  const n = tips.length;
  return tips[((dayNumber(localDate) % n) + n) % n]!;
}
