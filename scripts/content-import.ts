/**
 * Reads an edited content CSV (from npm run content:export), checks the result with every
 * content rule and, when it passes, writes the tips and messages files (docs/content.md).
 *   npm run content:import -- content.csv [--dry-run] [--allow-removal]
 * Nothing is written when the CSV or the content it gives has an error.
 */
import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { checkContent } from '../src/core/content-check';
import { defineCli, parseCli, usageError } from './cli';
import { importCsv } from './content-csv';
import { CONTENT_PATHS, formatFindings, readContent, writeJson } from './content-files';

const CLI = defineCli({
  usage: 'npm run content:import -- <file.csv> [--dry-run] [--allow-removal]',
  summary:
    'Imports an edited content CSV: checks every rule, then writes src/assets/tips.private.json and src/core/content/messages.json.',
  options: {
    'dry-run': { type: 'boolean', description: 'show what would change and every problem; write nothing' },
    'allow-removal': { type: 'boolean', description: 'tips missing from the CSV are removed (otherwise an error)' },
  },
  positionals: true,
  notes: ['exit status 0 imported (or would be), 1 problems (nothing written), 2 usage'],
});

async function main(): Promise<number> {
  const { values, positionals } = parseCli(CLI);
  if (positionals.length !== 1) usageError(CLI, 'give exactly one CSV file');
  const file = resolve(positionals[0]!);
  const stored = readContent();
  const current = checkContent(stored);
  if (!current.tips || !current.messages) {
    console.error('the stored content does not have the expected shape: run npm run content:check');
    return 1;
  }
  const result = importCsv(
    readFileSync(file, 'utf8'),
    { tips: current.tips, messages: current.messages },
    { allowRemoval: values['allow-removal'] },
  );
  for (const change of result.changes) console.log(`change  ${change}`);
  for (const problem of result.problems) console.log(`error   ${problem}`);
  if (result.problems.length > 0) {
    console.log(`\n${relative(process.cwd(), file)}: not imported (${result.problems.length} problem(s))`);
    return 1;
  }
  const check = checkContent({ tips: result.tips, messages: result.messages, glossary: stored.glossary });
  for (const line of formatFindings(
    check.findings.filter((f) => f.rule !== 'unreviewed'),
    { warnings: true },
  ))
    console.log(line);
  const unreviewed = check.findings.filter((f) => f.rule === 'unreviewed').length;
  if (check.errors > 0) {
    console.log(`\n${relative(process.cwd(), file)}: not imported (${check.errors} error(s)); nothing was written`);
    return 1;
  }
  if (values['dry-run']) {
    console.log(`\ndry run: ${result.changes.length} change(s), ${unreviewed} text(s) unreviewed; nothing written`);
    return 0;
  }
  await writeJson(CONTENT_PATHS.tips, result.tips);
  await writeJson(CONTENT_PATHS.messages, result.messages);
  console.log(
    `\nimported ${result.changes.length} change(s): ${result.tips.length} tips, ${unreviewed} text(s) unreviewed. ` +
      'Review the diff (git diff), run npm test, commit and deploy.',
  );
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
