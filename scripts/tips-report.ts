/**
 * Prints what the daily tips cost in SMS segments, counted on the whole body a subscriber gets
 * (tip, sender's name, stop phrase and, once a week, the personal link): per tip and language,
 * per cycle and per subscriber per month, and which texts no clinician has reviewed yet.
 *   npm run tips:report [-- path/to/tips.json] [--link-length 70]
 * Exits 1 when the file fails the schema check (the problems are listed).
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { reviewState } from '../src/core/content';
import { BUDGET_LINK_LENGTH } from '../src/core/content-check';
import { MESSAGE_IDS, MESSAGES } from '../src/core/messages';
import type { SegmentCount } from '../src/core/segments';
import { tipCostReport, type Audience } from '../src/core/tip-cost';
import { MAX_SEGMENTS, parseTips, type Tip } from '../src/core/tips';
import { defineCli, parseCli, usageError } from './cli';
import { CONTENT_PATHS } from './content-files';

const CLI = defineCli({
  usage: 'npm run tips:report -- [path/to/tips.json] [--link-length <n>]',
  summary:
    'Prints the SMS segments of every daily tip (English and Nepali, the whole body sent), per cycle and per subscriber per month, and what is unreviewed.',
  options: {
    'link-length': {
      type: 'string',
      value: 'n',
      description: `characters of the personal link (default ${BUDGET_LINK_LENGTH}: a shortened link; about 70 without SHORTEN_URLS)`,
    },
  },
  positionals: true,
  notes: ['default file: src/assets/tips.private.json; exit status 1 when it fails the schema check, 2 usage'],
});

function cell(plain: SegmentCount, withLink: SegmentCount): string {
  return `${plain.segments}/${withLink.segments} (${plain.units}u)`;
}

function main(): number {
  const { values, positionals } = parseCli(CLI);
  if (positionals.length > 1) usageError(CLI, 'at most one tips file');
  const linkLength = values['link-length'] === undefined ? BUDGET_LINK_LENGTH : Number(values['link-length']);
  if (!(Number.isInteger(linkLength) && linkLength >= 10 && linkLength <= 300))
    usageError(CLI, '--link-length must be a whole number from 10 to 300');
  const file = positionals[0] ? resolve(positionals[0]) : CONTENT_PATHS.tips;
  let tips: Tip[];
  try {
    tips = parseTips(JSON.parse(readFileSync(file, 'utf8')), relative(process.cwd(), file));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    return 1;
  }
  const report = tipCostReport(tips, { linkLength });
  const header = ['id', 'topic', 'en one-way', 'en two-way', 'ne one-way', 'ne two-way', 'reviewed'];
  const rows = report.rows.map((row, i) => [
    row.id,
    row.topic,
    cell(row.segments.en['one-way'].plain, row.segments.en['one-way'].withLink),
    cell(row.segments.en['two-way'].plain, row.segments.en['two-way'].withLink),
    cell(row.segments.ne['one-way'].plain, row.segments.ne['one-way'].withLink),
    cell(row.segments.ne['two-way'].plain, row.segments.ne['two-way'].withLink),
    reviewState(tips[i]!).replace(/_/g, ' '),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  console.log(
    `${relative(process.cwd(), file)}: ${tips.length} tips. Segments per SMS, whole body sent: ` +
      `plain day / weekly link day (${linkLength}-character link), units of the plain day.\n` +
      `one-way: SMS to Nepal (no reply possible, sender's name only, the link once a week); ` +
      `two-way: US/CA SMS ("reply STOP" every day).\n`,
  );
  console.log(line(header));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of rows) console.log(line(row));
  console.log('');
  for (const language of ['en', 'ne'] as const) {
    for (const audience of ['one-way', 'two-way'] as Audience[]) {
      const { perCycle, perMonth, maxSegments, bySegments } = report.summary[language][audience];
      const spread = Object.entries(bySegments)
        .map(([segments, count]) => `${count} x ${segments}`)
        .join(', ');
      console.log(
        `${language} ${audience}: plain days ${spread} segment(s); max ${maxSegments} (budget ${MAX_SEGMENTS[language]}); ` +
          `${perCycle} segments per cycle of ${tips.length} days; ${perMonth} segments per subscriber per month`,
      );
    }
  }
  console.log('WhatsApp: one template message a day (the tip is its variable), about 30.4 per subscriber per month');
  const unreviewedTips = tips.filter((tip) => reviewState(tip) !== 'reviewed').map((tip) => tip.id);
  const unreviewedMessages = MESSAGE_IDS.filter((id) => reviewState(MESSAGES[id]) !== 'reviewed');
  console.log(
    `\nunreviewed: ${unreviewedTips.length} of ${tips.length} tips` +
      (unreviewedTips.length > 0 ? ` (${unreviewedTips.join(', ')})` : '') +
      `; ${unreviewedMessages.length} of ${MESSAGE_IDS.length} messages` +
      (unreviewedMessages.length > 0 ? ` (${unreviewedMessages.join(', ')})` : ''),
  );
  return 0;
}

process.exitCode = main();
