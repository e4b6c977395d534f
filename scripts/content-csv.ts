/**
 * The editors' round trip: every tip and service message as one CSV row (opens in Excel,
 * LibreOffice or Google Sheets), and back. Editable columns are written back; the columns
 * after them (segments, budget, review state, problems) are computed on export to help
 * editors and ignored on import. A review (reviewed_by + reviewed_on) signs the row's text
 * as the CSV shows it: the import records its fingerprint, and clears a review whose text
 * changed without a new sign-off. csv-parse / csv-stringify do the CSV itself.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { reviewFingerprint, reviewState, type ContentEntry } from '../src/core/content';
import {
  BUDGET_LINK_LENGTH,
  TIP_VARIANTS,
  budgetLink,
  messageSmsBodies,
  type Finding,
} from '../src/core/content-check';
import { MESSAGE_IDS, MESSAGE_SPECS, type MessageId, type Messages } from '../src/core/messages';
import { countSegments } from '../src/core/segments';
import type { Language } from '../src/core/subscriber';
import { MAX_SEGMENTS, TOPICS, tipOf, tipSmsBody, type Tip, type Topic } from '../src/core/tips';

/** Columns written back by the import, in order. */
export const EDITABLE_COLUMNS = [
  'kind',
  'id',
  'topic',
  'en',
  'ne',
  'source',
  'note',
  'reviewed_by',
  'reviewed_on',
] as const;
/** Computed on export for editors; ignored on import. */
export const READ_ONLY_COLUMNS = [
  'placeholders',
  'budget_en',
  'budget_ne',
  'segments_en',
  'segments_ne',
  'review_state',
  'problems',
] as const;

type Row = Record<(typeof EDITABLE_COLUMNS)[number] | (typeof READ_ONLY_COLUMNS)[number], string>;

/** Most segments any SMS built from this entry takes (every way it can be sent), '' for parts of messages. */
function worstSegments(
  kind: 'tip' | 'message',
  id: string,
  entry: Pick<ContentEntry, Language>,
  language: Language,
  messages: Messages,
  linkLength: number,
): string {
  if (kind === 'tip') {
    const link = budgetLink(linkLength);
    return String(
      Math.max(
        ...TIP_VARIANTS.map(
          (v) =>
            countSegments(
              tipSmsBody(entry, language, { canReply: v.canReply, link: v.withLink ? link : undefined }, messages),
            ).segments,
        ),
      ),
    );
  }
  if (!('budget' in MESSAGE_SPECS[id as MessageId])) return '';
  try {
    return String(
      Math.max(
        ...messageSmsBodies(id as MessageId, language, messages, { linkLength }).map(
          ({ body }) => countSegments(body).segments,
        ),
      ),
    );
  } catch {
    return '?';
  }
}

/** The CSV an editor opens: tips in cycle order, then the service messages. UTF-8 with a BOM for Excel. */
export function exportCsv(
  tips: readonly Tip[],
  messages: Messages,
  findings: readonly Finding[] = [],
  linkLength = BUDGET_LINK_LENGTH,
): string {
  const problemsOf = (where: string) =>
    findings
      .filter((f) => f.rule !== 'unreviewed' && (f.where === where || f.where.startsWith(`${where} (`)))
      .map((f) => `${f.rule}: ${f.message}`)
      .join(' | ');
  const rows: Row[] = [
    ...tips.map((tip) => ({
      kind: 'tip',
      id: tip.id,
      topic: tip.topic,
      en: tip.en,
      ne: tip.ne,
      source: tip.source,
      note: tip.note,
      reviewed_by: tip.reviewed_by,
      reviewed_on: tip.reviewed_on,
      placeholders: '',
      budget_en: String(MAX_SEGMENTS.en),
      budget_ne: String(MAX_SEGMENTS.ne),
      segments_en: worstSegments('tip', tip.id, tip, 'en', messages, linkLength),
      segments_ne: worstSegments('tip', tip.id, tip, 'ne', messages, linkLength),
      review_state: reviewState(tip),
      problems: problemsOf(`tip ${tip.id}`),
    })),
    ...MESSAGE_IDS.map((id) => {
      const entry = messages[id];
      const spec: { placeholders: readonly string[]; budget?: Readonly<Record<Language, number>> } = MESSAGE_SPECS[id];
      return {
        kind: 'message',
        id,
        topic: '',
        en: entry.en,
        ne: entry.ne,
        source: '',
        note: entry.note,
        reviewed_by: entry.reviewed_by,
        reviewed_on: entry.reviewed_on,
        placeholders: spec.placeholders.map((p) => `{${p}}`).join(' '),
        budget_en: spec.budget ? String(spec.budget.en) : '',
        budget_ne: spec.budget ? String(spec.budget.ne) : '',
        segments_en: worstSegments('message', id, entry, 'en', messages, linkLength),
        segments_ne: worstSegments('message', id, entry, 'ne', messages, linkLength),
        review_state: reviewState(entry),
        problems: problemsOf(`message ${id}`),
      };
    }),
  ];
  return stringify(rows, { header: true, columns: [...EDITABLE_COLUMNS, ...READ_ONLY_COLUMNS], bom: true });
}

export interface ImportResult {
  tips: Tip[];
  messages: Messages;
  /** What the import changes, one line each (text, review recorded or cleared, tips added or removed). */
  changes: string[];
  /** Why the CSV cannot be imported; nothing is written when there is any. */
  problems: string[];
}

/** Spreadsheets add invisible trailing spaces and may decompose accents: cells are trimmed and NFC-normalized. */
function cellText(value: string | undefined): string {
  return (value ?? '').normalize('NFC').trim();
}

/**
 * The review a row carries, given what was stored: a review newly entered (or one stored
 * without fingerprint) signs the row's text; an unchanged review over changed text is cleared.
 */
function reviewOf(
  where: string,
  before: ContentEntry | undefined,
  after: Pick<ContentEntry, 'en' | 'ne' | 'reviewed_by' | 'reviewed_on'>,
  changes: string[],
): Pick<ContentEntry, 'reviewed_by' | 'reviewed_on' | 'reviewed_fingerprint'> {
  const by = after.reviewed_by;
  const on = after.reviewed_on;
  if (by === '' && on === '') {
    if (before && before.reviewed_by !== '') changes.push(`${where}: review by ${before.reviewed_by} removed`);
    return { reviewed_by: '', reviewed_on: '' };
  }
  const sameReview = before !== undefined && before.reviewed_by === by && before.reviewed_on === on;
  const textChanged = before === undefined || before.en !== after.en || before.ne !== after.ne;
  if (sameReview && textChanged) {
    changes.push(`${where}: text changed after the review by ${by} on ${on}: review cleared, it needs a new one`);
    return { reviewed_by: '', reviewed_on: '' };
  }
  if (sameReview && before.reviewed_fingerprint !== undefined) {
    return { reviewed_by: by, reviewed_on: on, reviewed_fingerprint: before.reviewed_fingerprint };
  }
  changes.push(`${where}: review by ${by} on ${on} recorded`);
  return { reviewed_by: by, reviewed_on: on, reviewed_fingerprint: reviewFingerprint(after) };
}

function changedFields(before: ContentEntry & Partial<Tip>, after: ContentEntry & Partial<Tip>): string[] {
  return (['topic', 'en', 'ne', 'source', 'note'] as const).filter((field) => before[field] !== after[field]);
}

/**
 * Reads an edited CSV against the stored content. Tip rows give the new cycle in their order
 * (new ids are new tips); every message row must be there. Tips missing from the CSV are a
 * problem unless `allowRemoval`. The result still has to pass content-check before it is written.
 */
export function importCsv(
  csv: string,
  current: { tips: readonly Tip[]; messages: Messages },
  options: { allowRemoval?: boolean } = {},
): ImportResult {
  const problems: string[] = [];
  const changes: string[] = [];
  let records: Array<Record<string, string>>;
  try {
    records = parse(csv, { columns: true, bom: true, skip_empty_lines: true, relax_column_count: false });
  } catch (error) {
    return {
      tips: [...current.tips],
      messages: current.messages,
      changes,
      problems: [`not a valid CSV: ${(error as Error).message}`],
    };
  }
  const header = records.length > 0 ? Object.keys(records[0]!) : [];
  const missingColumns = EDITABLE_COLUMNS.filter((column) => !header.includes(column));
  if (records.length === 0) problems.push('the CSV has no rows');
  if (missingColumns.length > 0) problems.push(`missing column(s): ${missingColumns.join(', ')}`);
  if (problems.length > 0) return { tips: [...current.tips], messages: current.messages, changes, problems };

  const storedTips = new Map(current.tips.map((tip) => [tip.id, tip]));
  const tips: Tip[] = [];
  const messages = { ...current.messages };
  const seen = new Set<string>();
  records.forEach((record, index) => {
    const line = index + 2; // the header is line 1
    const kind = cellText(record.kind);
    const id = cellText(record.id);
    const key = `${kind} ${id}`;
    if (seen.has(key)) {
      problems.push(`line ${line}: ${key} appears twice`);
      return;
    }
    seen.add(key);
    const text = {
      en: cellText(record.en),
      ne: cellText(record.ne),
      note: cellText(record.note),
      reviewed_by: cellText(record.reviewed_by),
      reviewed_on: cellText(record.reviewed_on),
    };
    if (kind === 'tip') {
      const before = storedTips.get(id);
      const topic = cellText(record.topic);
      if (!(TOPICS as readonly string[]).includes(topic))
        problems.push(`line ${line}: tip ${id}: topic "${topic}" is not one of ${TOPICS.join(', ')}`);
      const tip = tipOf(id, topic as Topic, cellText(record.source), {
        ...text,
        ...reviewOf(`tip ${id}`, before, text, changes),
      });
      if (!before) changes.push(`tip ${id}: added`);
      else {
        const fields = changedFields(before, tip);
        if (fields.length > 0) changes.push(`tip ${id}: ${fields.join(', ')} changed`);
      }
      tips.push(tip);
    } else if (kind === 'message') {
      if (!(MESSAGE_IDS as string[]).includes(id)) {
        problems.push(`line ${line}: message ${id}: unknown message (the code never sends it)`);
        return;
      }
      const before = current.messages[id as MessageId];
      const entry: ContentEntry = { ...text, ...reviewOf(`message ${id}`, before, text, changes) };
      const fields = changedFields(before, entry);
      if (fields.length > 0) changes.push(`message ${id}: ${fields.join(', ')} changed`);
      messages[id as MessageId] = entry;
    } else {
      problems.push(`line ${line}: kind must be "tip" or "message", not "${kind}"`);
    }
  });
  for (const id of MESSAGE_IDS)
    if (!seen.has(`message ${id}`)) problems.push(`message ${id}: missing from the CSV (every message must be there)`);
  const removed = current.tips.filter((tip) => !seen.has(`tip ${tip.id}`)).map((tip) => tip.id);
  if (removed.length > 0) {
    if (options.allowRemoval) changes.push(...removed.map((id) => `tip ${id}: removed`));
    else
      problems.push(
        `tip(s) ${removed.join(', ')} missing from the CSV: keep every row (a filtered sheet drops rows), or pass --allow-removal`,
      );
  }
  const reordered =
    removed.length === 0 &&
    tips.length === current.tips.length &&
    tips.some((tip, index) => tip.id !== current.tips[index]!.id);
  if (reordered) changes.push('tips: cycle order changed');
  return { tips, messages, changes, problems };
}
