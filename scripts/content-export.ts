/**
 * Writes every tip and service message to one CSV for editors and reviewers (docs/content.md).
 *   npm run content:export [-- --out content.csv]
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkContent } from '../src/core/content-check';
import { defineCli, parseCli } from './cli';
import { exportCsv } from './content-csv';
import { readContent } from './content-files';

const CLI = defineCli({
  usage: 'npm run content:export -- [--out <file.csv>]',
  summary:
    'Writes tips and service messages to a CSV (UTF-8, opens in Excel, LibreOffice, Google Sheets); edit it and bring it back with npm run content:import.',
  options: { out: { type: 'string', value: 'file.csv', description: 'where to write (default content.csv)' } },
  notes: ['exit status 1 when the stored content cannot be read (fix the JSON first), 2 usage'],
});

function main(): number {
  const { values } = parseCli(CLI);
  const out = resolve(values.out ?? 'content.csv');
  const result = checkContent(readContent());
  if (!result.tips || !result.messages) {
    console.error('the stored content does not have the expected shape: run npm run content:check');
    return 1;
  }
  writeFileSync(out, exportCsv(result.tips, result.messages, result.findings));
  console.log(
    `wrote ${out}: ${result.tips.length} tips and ${Object.keys(result.messages).length} messages ` +
      `(${result.errors} error(s), ${result.warnings} warning(s) in the problems and review_state columns)`,
  );
  return 0;
}

process.exitCode = main();
