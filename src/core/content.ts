/**
 * What every piece of content has, tips and service messages alike: the text in each
 * language, a note for editors and reviewers, and the clinical sign-off (who, when, and a
 * fingerprint of the exact text they signed, so an edit after review shows as unreviewed).
 * docs/content.md describes the files; content-check.ts holds the editorial rules.
 */
import { createHash } from 'node:crypto';
import type { Language } from './subscriber';

export const LANGUAGES: readonly Language[] = ['en', 'ne'];

export interface Review {
  /** Who signed the text (a clinician's name and role); empty until someone has. */
  reviewed_by: string;
  /** YYYY-MM-DD; empty until signed. */
  reviewed_on: string;
  /** reviewFingerprint() of the text that was signed; written by `npm run content:import`. */
  reviewed_fingerprint?: string;
}

export interface ContentEntry extends Review {
  en: string;
  ne: string;
  /** For editors and reviewers (what the text is for, what to confirm); never sent. */
  note: string;
}

export class ContentFormatError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(
      `Invalid ${file} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n- ${problems.join('\n- ')}`,
    );
    this.name = 'ContentFormatError';
  }
}

/** Short fingerprint of the text a reviewer signs: both languages, exactly as stored. */
export function reviewFingerprint(entry: Pick<ContentEntry, 'en' | 'ne'>): string {
  return createHash('sha256').update(`${entry.en}\u0000${entry.ne}`).digest('hex').slice(0, 16);
}

export type ReviewState = 'reviewed' | 'unreviewed' | 'changed_since_review';

/** Signed, and the text is still the one that was signed. */
export function reviewState(entry: ContentEntry): ReviewState {
  if (entry.reviewed_by.trim() === '' || entry.reviewed_on.trim() === '') return 'unreviewed';
  return entry.reviewed_fingerprint === reviewFingerprint(entry) ? 'reviewed' : 'changed_since_review';
}

const ENTRY_FIELDS = ['en', 'ne', 'note', 'reviewed_by', 'reviewed_on', 'reviewed_fingerprint'] as const;

/**
 * Structural problems of one entry's shared fields (`where` names it, e.g. `tip t03`): both
 * languages present as non-empty strings, the other fields strings. The editorial rules
 * (alphabet, budget, terms) are content-check.ts's.
 */
export function entryShapeProblems(where: string, record: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const language of LANGUAGES) {
    const text = record[language];
    if (typeof text !== 'string' || text.trim() === '') problems.push(`${where}: missing ${language} text`);
  }
  for (const field of ['note', 'reviewed_by', 'reviewed_on'] as const) {
    if (typeof record[field] !== 'string') problems.push(`${where}: ${field} must be a string (may be empty)`);
  }
  if (record.reviewed_fingerprint !== undefined && typeof record.reviewed_fingerprint !== 'string')
    problems.push(`${where}: reviewed_fingerprint must be a string`);
  return problems;
}

/** The shared fields, typed (after entryShapeProblems found none). */
export function entryOf(record: Record<string, unknown>): ContentEntry {
  const entry: ContentEntry = {
    en: record.en as string,
    ne: record.ne as string,
    note: record.note as string,
    reviewed_by: record.reviewed_by as string,
    reviewed_on: record.reviewed_on as string,
  };
  if (typeof record.reviewed_fingerprint === 'string') entry.reviewed_fingerprint = record.reviewed_fingerprint;
  return entry;
}

/** Fields of `record` outside `allowed` (typos such as "ne " are reported, not ignored). */
export function unknownFields(record: Record<string, unknown>, allowed: readonly string[]): string[] {
  const known = new Set<string>([...ENTRY_FIELDS, ...allowed]);
  return Object.keys(record).filter((key) => !known.has(key));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
