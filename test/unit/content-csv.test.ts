/**
 * The editors' CSV round trip (scripts/content-csv.ts): export then import changes nothing;
 * edits, additions, reviews and the spreadsheet's quirks come back as expected.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { reviewFingerprint } from '../../src/core/content';
import { checkContent } from '../../src/core/content-check';
import { EDITABLE_COLUMNS, READ_ONLY_COLUMNS, exportCsv, importCsv } from '../../scripts/content-csv';

const read = (path: string): unknown => JSON.parse(readFileSync(join(__dirname, '../..', path), 'utf8'));
const files = {
  tips: read('src/assets/tips.private.json'),
  messages: read('src/core/content/messages.json'),
  glossary: read('src/core/content/glossary.json'),
};
const stored = checkContent(files);
const current = { tips: stored.tips!, messages: stored.messages! };

type Row = Record<string, string>;
const rowsOf = (csv: string): Row[] => parse(csv, { columns: true, bom: true });
const csvOf = (rows: Row[]): string => stringify(rows, { header: true, columns: Object.keys(rows[0]!), bom: true });
const edit = (change: (rows: Row[]) => Row[]) => csvOf(change(rowsOf(exportCsv(current.tips, current.messages))));

test('the export opens in Excel (UTF-8 BOM), one row per tip then per message, editable columns first', () => {
  const csv = exportCsv(current.tips, current.messages, stored.findings);
  expect(csv.startsWith('\ufeffkind,id,topic,en,ne,')).toBe(true);
  const rows = rowsOf(csv);
  expect(Object.keys(rows[0]!)).toEqual([...EDITABLE_COLUMNS, ...READ_ONLY_COLUMNS]);
  expect(rows.filter((r) => r.kind === 'tip')).toHaveLength(current.tips.length);
  expect(rows.filter((r) => r.kind === 'message').map((r) => r.id)).toContain('welcome');
  const welcome = rows.find((r) => r.id === 'welcome')!;
  expect(welcome).toMatchObject({
    placeholders: '{name} {time} {help} {stop}',
    budget_ne: '3',
    review_state: 'unreviewed',
  });
  expect(Number(rows[0]!.segments_ne)).toBeLessThanOrEqual(3);
});

test('export then import changes nothing', () => {
  const result = importCsv(exportCsv(current.tips, current.messages), current);
  expect(result.problems).toEqual([]);
  expect(result.changes).toEqual([]);
  expect(result.tips).toEqual(current.tips);
  expect(result.messages).toEqual(current.messages);
});

test('an edited text, a new tip and a new order come back; the read-only columns are ignored', () => {
  const csv = edit((rows) => {
    const t03 = rows.find((r) => r.id === 't03')!;
    t03.ne = `${t03.ne} `; // a trailing space a spreadsheet adds is trimmed
    t03.en = t03.en!.replace('often', 'often, in small sips');
    t03.segments_en = '99';
    const added = {
      ...rows[0]!,
      id: 't56',
      topic: 'newborn',
      en: 'Hold the baby skin to skin.',
      ne: 'शिशुलाई छातीमा टाँसेर राख्नुहोस्।',
    };
    return [rows[1]!, rows[0]!, ...rows.slice(2), added];
  });
  const result = importCsv(csv, current);
  expect(result.problems).toEqual([]);
  expect(result.changes).toEqual(expect.arrayContaining(['tip t03: en changed', 'tip t56: added']));
  expect(result.tips.map((t) => t.id).slice(0, 2)).toEqual([current.tips[1]!.id, current.tips[0]!.id]);
  expect(result.tips.find((t) => t.id === 't03')!.ne).toBe(current.tips.find((t) => t.id === 't03')!.ne);
  expect(result.tips.at(-1)).toMatchObject({ id: 't56', topic: 'newborn', reviewed_by: '' });
});

test('a review entered in the sheet signs that text; editing it afterwards clears the review', () => {
  const signedCsv = edit((rows) => {
    Object.assign(
      rows.find((r) => r.id === 't08')!,
      { reviewed_by: 'Dr. Sita Sharma (MD)', reviewed_on: '2026-05-20' },
    );
    return rows;
  });
  const signed = importCsv(signedCsv, current);
  expect(signed.changes).toEqual(['tip t08: review by Dr. Sita Sharma (MD) on 2026-05-20 recorded']);
  const t08 = signed.tips.find((t) => t.id === 't08')!;
  expect(t08.reviewed_fingerprint).toBe(reviewFingerprint(t08));

  // The next round trip keeps it; an edit to the signed text clears it.
  const again = importCsv(exportCsv(signed.tips, signed.messages), signed);
  expect(again.changes).toEqual([]);
  expect(again.tips.find((t) => t.id === 't08')).toEqual(t08);
  const editedCsv = csvOf(
    rowsOf(exportCsv(signed.tips, signed.messages)).map((r) =>
      r.id === 't08' ? { ...r, en: `${r.en} Go early.` } : r,
    ),
  );
  const edited = importCsv(editedCsv, signed);
  expect(edited.changes).toEqual(
    expect.arrayContaining([expect.stringMatching(/tip t08: text changed after the review by Dr\. Sita Sharma/)]),
  );
  expect(edited.tips.find((t) => t.id === 't08')).toMatchObject({ reviewed_by: '', reviewed_on: '' });
  expect(edited.tips.find((t) => t.id === 't08')!.reviewed_fingerprint).toBeUndefined();
});

test('a filtered sheet (rows missing) is refused unless removal is meant', () => {
  const csv = edit((rows) => rows.filter((r) => r.id !== 't16'));
  expect(importCsv(csv, current).problems).toEqual([expect.stringMatching(/t16 missing from the CSV/)]);
  const allowed = importCsv(csv, current, { allowRemoval: true });
  expect(allowed.problems).toEqual([]);
  expect(allowed.changes).toContain('tip t16: removed');
});

test.each<[string, (rows: Row[]) => Row[], RegExp]>([
  ['a message row removed', (rows) => rows.filter((r) => r.id !== 'reply_help'), /message reply_help: missing/],
  ['an unknown message', (rows) => [...rows, { ...rows.at(-1)!, id: 'promo' }], /message promo: unknown message/],
  ['a row twice', (rows) => [...rows, rows[0]!], /appears twice/],
  ['an unknown kind', (rows) => [...rows, { ...rows[0]!, kind: 'tips', id: 'x' }], /kind must be "tip" or "message"/],
  ['an unknown topic', (rows) => rows.map((r) => (r.id === 't01' ? { ...r, topic: 'water' } : r)), /topic "water"/],
])('refuses %s, naming it', (_name, change, message) => {
  expect(importCsv(edit(change), current).problems.join('\n')).toMatch(message);
});

test('a CSV without the editable columns, or not a CSV, is refused', () => {
  expect(importCsv('id,en\nt01,x\n', current).problems.join('\n')).toMatch(/missing column\(s\): kind, topic, ne/);
  expect(importCsv('kind,id\n"unclosed', current).problems.join('\n')).toMatch(/not a valid CSV/);
});

test('the import result still has to pass the content rules (the CLI checks it before writing)', () => {
  const csv = edit((rows) => rows.map((r) => (r.id === 't03' ? { ...r, ne: r.ne!.replace('जिंक', 'औषधि') } : r)));
  const result = importCsv(csv, current);
  expect(result.problems).toEqual([]);
  const check = checkContent({ tips: result.tips, messages: result.messages, glossary: files.glossary });
  expect(check.findings).toEqual(
    expect.arrayContaining([expect.objectContaining({ where: 'tip t03', rule: 'term', severity: 'error' })]),
  );
});
