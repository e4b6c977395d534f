/**
 * Mutation testing of a few src/core files, each with only the unit tests that import it: the
 * whole `npm run test:mutation` is too slow for one sitting (docs/development.md). One Stryker
 * run per file, concurrency 1; prints each file's score, its survivors, run time and load.
 *   npm run test:mutation:file -- --file src/core/segments.ts[,src/core/...] [--tests a.test.ts,b.test.ts]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { defineCli, parseCli, run, usageError } from './cli';

const UNIT = 'test/unit';

/** The fields of Stryker's MutantResult used here. */
interface MutantResult {
  status: 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';
  location: { start: { line: number } };
  mutatorName: string;
  replacement?: string;
}

/** The part of @stryker-mutator/core used here: an ES module whose `exports` this tsconfig cannot resolve. */
interface StrykerCore {
  Stryker: new (options: Record<string, unknown>) => { runMutationTest(): Promise<MutantResult[]> };
}
const STRYKER_CORE = '@stryker-mutator/core';

function load1(): string {
  return (loadavg()[0] ?? 0).toFixed(1);
}

const spec = defineCli({
  usage: 'npm run test:mutation:file -- --file src/core/<name>.ts[,...] [options]',
  summary: 'Runs StrykerJS on each core file with only the unit tests that import it (or --tests), prints the score.',
  options: {
    file: { type: 'string', value: 'paths', description: 'comma-separated src/core files to mutate, one run each' },
    tests: {
      type: 'string',
      value: 'files',
      description: `comma-separated unit test files (names in ${UNIT}); default: those importing the file`,
    },
    static: { type: 'boolean', description: 'also run static mutants (each runs every chosen test; slow)' },
  },
  notes: [
    'Reports: reports/mutation/by-file/<name>.json (git-ignored). Exit 0 when every run finished.',
    'The score is a lower bound: unit tests not chosen may kill more mutants.',
  ],
});

/** Unit test files whose imports name the core file (`core/<name>'`). */
export function testsImporting(file: string): string[] {
  const name = basename(file, '.ts');
  const pattern = new RegExp(`core/${name}['"]`);
  return readdirSync(UNIT)
    .filter((f) => f.endsWith('.test.ts') && pattern.test(readFileSync(join(UNIT, f), 'utf8')))
    .sort();
}

/** Stryker's mutation score: detected / (detected + undetected); ignored and errors are left out. */
export function score(results: readonly Pick<MutantResult, 'status'>[]): { detected: number; valid: number } {
  const detected = results.filter((r) => r.status === 'Killed' || r.status === 'Timeout').length;
  const undetected = results.filter((r) => r.status === 'Survived' || r.status === 'NoCoverage').length;
  return { detected, valid: detected + undetected };
}

async function mutateOne(file: string, tests: string[], withStatic: boolean): Promise<void> {
  const { Stryker } = (await import(STRYKER_CORE)) as StrykerCore;
  const load = load1();
  const started = Date.now();
  const results = await new Stryker({
    configFile: 'stryker.config.json',
    mutate: [file],
    jest: { config: { testMatch: tests.map((t) => `<rootDir>/${UNIT}/${t}`) } },
    reporters: ['clear-text', 'json', 'progress-append-only'],
    jsonReporter: { fileName: `reports/mutation/by-file/${basename(file, '.ts')}.json` },
    concurrency: 1,
    ignoreStatic: !withStatic,
  }).runMutationTest();
  const seconds = Math.round((Date.now() - started) / 1000);
  const { detected, valid } = score(results);
  const percent = valid === 0 ? 'n/a' : `${((100 * detected) / valid).toFixed(1)}%`;
  for (const r of results.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')) {
    console.log(`  ${r.status} ${file}:${r.location.start.line} ${r.mutatorName}: ${r.replacement ?? ''}`);
  }
  console.log(
    `MUTATION ${file}: ${percent} (${detected}/${valid}), ${Math.floor(seconds / 60)} min ${seconds % 60} s, ` +
      `load ${load} -> ${load1()}, tests: ${tests.join(' ')}${withStatic ? '' : ', static mutants ignored'}`,
  );
}

if (require.main === module) {
  const { values } = parseCli(spec);
  const files = (values.file ?? '').split(',').filter(Boolean);
  if (files.length === 0) usageError(spec, '--file is required');
  for (const f of files) if (!/^src\/core\/[\w-]+\.ts$/.test(f)) usageError(spec, `not a src/core file: ${f}`);
  run(async () => {
    for (const file of files) {
      const tests = values.tests ? values.tests.split(',').map((t) => basename(t)) : testsImporting(file);
      if (tests.length === 0) {
        console.log(`MUTATION ${file}: no unit test imports it (pass --tests)`);
        continue;
      }
      await mutateOne(file, tests, values.static ?? false);
    }
    return 0;
  }, 'mutation run failed');
}
