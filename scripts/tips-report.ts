/**
 * Prints the SMS cost of every daily tip: encoding, units and segments of the whole
 * message sent (tip + STOP footer), in English and Nepali, then a summary.
 *   npm run tips:report [-- path/to/tips.json]
 * Exits 1 when the file fails the schema check (the problems are listed).
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import type { SegmentCount } from '../src/core/segments';
import { MAX_SEGMENTS, parseTips, tipSegmentReport, TipsFormatError } from '../src/core/tips';
import { defineCli, parseCli, usageError } from './cli';

const DEFAULT_FILE = resolve(__dirname, '../src/assets/tips.private.json');

const CLI = defineCli({
  usage: 'npm run tips:report -- [path/to/tips.json]',
  summary: 'Prints the SMS segments of every daily tip (English and Nepali, with the STOP footer) and a summary.',
  options: {},
  positionals: true,
  notes: ['default file: src/assets/tips.private.json; exit status 1 when it fails the schema check, 2 usage'],
});

function cell(count: SegmentCount): string {
  return `${count.segments} x ${count.encoding} (${count.units} units)`;
}

function main(): number {
  const { positionals } = parseCli(CLI);
  if (positionals.length > 1) usageError(CLI, 'at most one tips file');
  const file = positionals[0] ? resolve(positionals[0]) : DEFAULT_FILE;
  let tips;
  try {
    tips = parseTips(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    console.error(error instanceof TipsFormatError || error instanceof SyntaxError ? error.message : error);
    return 1;
  }
  const report = tipSegmentReport(tips);
  const rows = report.rows.map((row) => [row.id, cell(row.en), cell(row.ne)]);
  const header = ['id', 'English (GSM-7 160/153)', 'Nepali (UCS-2 70/67)'];
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  console.log(
    `${relative(process.cwd(), file)}: ${tips.length} tips, segments per message including the STOP footer\n`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const language of ['en', 'ne'] as const) {
    const { maxSegments, bySegments, allGsm7 } = report.summary[language];
    const spread = Object.entries(bySegments)
      .map(([segments, count]) => `${count} tip(s) x ${segments} segment(s)`)
      .join(', ');
    const total = report.rows.reduce((sum, row) => sum + row[language].segments, 0);
    console.log(
      `${language}: ${spread}; max ${maxSegments} (limit ${MAX_SEGMENTS[language]}); ${total} segments per full rotation; all GSM-7: ${allGsm7 ? 'yes' : 'no'}`,
    );
  }
  return 0;
}

process.exitCode = main();
