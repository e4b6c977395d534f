/**
 * Daily health tips: the content file's schema, which tip a date gets, the SMS text sent
 * (tip + localized STOP footer) and what each costs in SMS segments.
 * Content lives in src/assets/tips.private.json (docs/tips.md describes it).
 */
import { countSegments, nonGsmCharacters, type SegmentCount } from './segments';
import type { Language } from './subscriber';
import { dayNumber } from './tip-time';

export interface Tip {
  /** Stable id, e.g. 't01': logs and reports name tips by it. */
  id: string;
  en: string;
  ne: string;
}

export const LANGUAGES: readonly Language[] = ['en', 'ne'];

/** Appended by `tipMessage` for someone who can reply: who sent it and how to stop. Not part of the tip text. */
export const STOP_FOOTER: Readonly<Record<Language, string>> = {
  en: 'Aamcare: reply STOP to unsubscribe.',
  ne: 'आमकेयर: रोक्न STOP पठाउनुहोस्।',
};

const BRAND: Readonly<Record<Language, string>> = { en: 'Aamcare', ne: 'आमकेयर' };

/** The personal unsubscribe link rides in the tips once a week (the same weekday for everyone). */
export function tipCarriesLink(localDate: string): boolean {
  return ((dayNumber(localDate) % 7) + 7) % 7 === 0;
}

/** Upper bounds for a whole message (tip + footer), in segments. */
export const MAX_SEGMENTS: Readonly<Record<Language, number>> = { en: 2, ne: 3 };

const ID_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
const DEVANAGARI = /\p{Script=Devanagari}/u;

export class TipsFormatError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(
      `Invalid tips file (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`,
    );
    this.name = 'TipsFormatError';
  }
}

/**
 * The SMS body for a tip: its text, a line break, then the footer: the sender's name and
 * `stop` (stop-instruction.ts) when given, the sender's name alone for `null` (nothing true
 * to say that day), the STOP footer when omitted.
 */
export function tipMessage(tip: Tip, language: Language, stop?: string | null): string {
  if (stop === undefined) return withFooter(tip[language], language);
  return `${tip[language]}\n${stop === null ? BRAND[language] : `${BRAND[language]}: ${stop}`}`;
}

function withFooter(text: string, language: Language): string {
  return `${text}\n${STOP_FOOTER[language]}`;
}

function textProblems(where: string, language: Language, value: unknown): string[] {
  if (typeof value !== 'string' || value.trim() === '') return [`${where}.${language} must be a non-empty string`];
  const problems: string[] = [];
  if (value !== value.trim()) problems.push(`${where}.${language} has leading or trailing whitespace`);
  if (/(?!\n)\p{Cc}/u.test(value)) problems.push(`${where}.${language} contains a control character`);
  if (value.normalize('NFC') !== value) problems.push(`${where}.${language} is not NFC-normalized`);
  if (language === 'en') {
    const foreign = nonGsmCharacters(value);
    if (foreign.length > 0)
      problems.push(
        `${where}.en has characters outside GSM-7 (they turn the SMS into UCS-2, 70 characters a segment): ${foreign.map((c) => JSON.stringify(c)).join(' ')}`,
      );
  } else if (!DEVANAGARI.test(value)) {
    problems.push(`${where}.ne has no Devanagari text`);
  }
  const count = countSegments(withFooter(value, language));
  if (count.segments > MAX_SEGMENTS[language]) {
    problems.push(
      `${where}.${language} makes a ${count.segments}-segment SMS with the footer (${count.units} ${count.encoding} units); the limit is ${MAX_SEGMENTS[language]}`,
    );
  }
  return problems;
}

/** Checks the tips file's content and returns it typed; throws TipsFormatError listing every problem. */
export function parseTips(json: unknown): Tip[] {
  if (!Array.isArray(json)) throw new TipsFormatError(['the file must be a JSON array of tips']);
  if (json.length === 0) throw new TipsFormatError(['the file has no tips']);
  const problems: string[] = [];
  const seen = new Set<string>();
  json.forEach((entry: unknown, index) => {
    const where = `tip[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${where} must be an object { id, en, ne }`);
      return;
    }
    const record = entry as Record<string, unknown>;
    const extra = Object.keys(record).filter((key) => key !== 'id' && key !== 'en' && key !== 'ne');
    if (extra.length > 0) problems.push(`${where} has unknown fields: ${extra.join(', ')}`);
    const id = record.id;
    const name = typeof id === 'string' ? `${where} (${id})` : where;
    if (typeof id !== 'string' || !ID_PATTERN.test(id))
      problems.push(`${where}.id must match ${ID_PATTERN} (e.g. "t01")`);
    else if (seen.has(id)) problems.push(`${name}: duplicate id`);
    else seen.add(id);
    for (const language of LANGUAGES) problems.push(...textProblems(name, language, record[language]));
  });
  if (problems.length > 0) throw new TipsFormatError(problems);
  return (json as Array<Record<string, string>>).map((entry) => ({ id: entry.id!, en: entry.en!, ne: entry.ne! }));
}

/**
 * The tip for a local date ('YYYY-MM-DD'): the file's order, one step per calendar day
 * since 1970-01-01, so every subscriber gets the same tip that day, consecutive days get
 * different tips (two tips or more) and the whole list comes round every `tips.length` days.
 * Adding or removing tips shifts the rotation from then on; it never repeats a day's tip.
 */
export function tipForDate(tips: readonly Tip[], localDate: string): Tip {
  if (tips.length === 0) throw new RangeError('No tips to choose from');
  const n = tips.length;
  return tips[((dayNumber(localDate) % n) + n) % n]!;
}

export interface TipSegmentRow {
  id: string;
  en: SegmentCount;
  ne: SegmentCount;
}

export interface TipSegmentReport {
  rows: TipSegmentRow[];
  /** Per language: the largest segment count and how many tips need each count. */
  summary: Record<Language, { maxSegments: number; bySegments: Record<number, number>; allGsm7: boolean }>;
}

/** Segments per tip and language, counted on the whole message sent (tip + footer). */
export function tipSegmentReport(tips: readonly Tip[]): TipSegmentReport {
  const rows = tips.map((tip) => ({
    id: tip.id,
    en: countSegments(tipMessage(tip, 'en')),
    ne: countSegments(tipMessage(tip, 'ne')),
  }));
  const summarize = (language: Language) => {
    const bySegments: Record<number, number> = {};
    for (const row of rows) bySegments[row[language].segments] = (bySegments[row[language].segments] ?? 0) + 1;
    return {
      maxSegments: Math.max(0, ...rows.map((row) => row[language].segments)),
      bySegments,
      allGsm7: rows.every((row) => row[language].encoding === 'GSM-7'),
    };
  };
  return { rows, summary: { en: summarize('en'), ne: summarize('ne') } };
}
