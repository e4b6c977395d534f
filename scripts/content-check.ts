/**
 * Checks every text the service sends (tips, welcome, stop phrases, keyword replies) against
 * the editorial rules of src/core/content-check.ts and names each problem.
 *   npm run content:check [-- --strict] [--link-length 70] [--all]
 * Exit status 1 on any error (with --strict also on a warning, e.g. an unreviewed text), 2 usage.
 */
import { relative } from 'node:path';
import { BUDGET_LINK_LENGTH, checkContent, RULES, type Finding } from '../src/core/content-check';
import { defineCli, parseCli, usageError } from './cli';
import { CONTENT_PATHS, formatFindings, readContent } from './content-files';

const CLI = defineCli({
  usage: 'npm run content:check -- [--strict] [--link-length <n>] [--all] [--rules]',
  summary:
    'Checks tips and service messages: both languages, placeholders, SMS segment budget (stop phrase and link included), terms, numbers, sources and clinical review.',
  options: {
    strict: { type: 'boolean', description: 'warnings fail too (use before a release: every text reviewed)' },
    'link-length': {
      type: 'string',
      value: 'n',
      description: `characters of the personal link the budget counts (default ${BUDGET_LINK_LENGTH}, a shortened link)`,
    },
    all: { type: 'boolean', description: 'list every unreviewed text on its own line' },
    rules: { type: 'boolean', description: 'list the rules and exit' },
  },
  notes: ['exit status 0 clean, 1 errors (or warnings with --strict), 2 usage'],
});

/** Unreviewed texts in one line per kind, unless --all. */
function unreviewedSummary(findings: readonly Finding[]): string[] {
  const unreviewed = findings.filter((f) => f.rule === 'unreviewed');
  const kinds = ['tip', 'message', 'programme message'] as const;
  return kinds.flatMap((kind) => {
    const ids = unreviewed.filter((f) => f.where.startsWith(`${kind} `)).map((f) => f.where.slice(kind.length + 1));
    return ids.length === 0 ? [] : [`warning unreviewed ${kind}s (${ids.length}): ${ids.join(', ')}`];
  });
}

function main(): number {
  const { values } = parseCli(CLI);
  if (values.rules) {
    for (const [rule, meaning] of Object.entries(RULES)) console.log(`${rule.padEnd(18)} ${meaning}`);
    return 0;
  }
  const linkLength = values['link-length'] === undefined ? undefined : Number(values['link-length']);
  if (linkLength !== undefined && !(Number.isInteger(linkLength) && linkLength >= 10 && linkLength <= 300))
    usageError(CLI, '--link-length must be a whole number from 10 to 300');
  const result = checkContent(readContent(), { linkLength });
  const shown = values.all ? result.findings : result.findings.filter((f) => f.rule !== 'unreviewed');
  for (const line of formatFindings(shown, { warnings: true })) console.log(line);
  if (!values.all) for (const line of unreviewedSummary(result.findings)) console.log(line);
  const files = Object.values(CONTENT_PATHS)
    .map((path) => relative(process.cwd(), path))
    .join(', ');
  console.log(
    `\n${files}: ${result.tips?.length ?? '?'} tips, ${result.errors} error(s), ${result.warnings} warning(s)`,
  );
  return result.errors > 0 || (values.strict && result.warnings > 0) ? 1 : 0;
}

process.exitCode = main();
