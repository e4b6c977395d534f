/**
 * The one argument parser of every CLI in scripts/ and bench/: node:util.parseArgs (strict),
 * a generated `--help` that lists every option and environment variable, exit status 2 on a
 * usage error. Secrets come from the environment only: npm echoes argv.
 */
import { parseArgs } from 'node:util';

export interface CliOption {
  type: 'string' | 'boolean';
  short?: string;
  /** What the option does; for a string, `value` names its argument in the help. */
  description: string;
  value?: string;
}

export interface CliSpec<O extends Record<string, CliOption>> {
  /** e.g. `npm run batch -- --url <base URL> [options]` */
  usage: string;
  summary: string;
  options: O;
  /** Environment variables the command reads, name -> meaning. */
  env?: Record<string, string>;
  /** Positional arguments allowed (named in `usage`). */
  positionals?: boolean;
  /** Extra lines at the end of the help (exit statuses, examples). */
  notes?: string[];
}

/** Keeps the option types literal, so parsed values are typed (boolean or string). */
export function defineCli<O extends Record<string, CliOption>>(spec: CliSpec<O>): CliSpec<O> {
  return spec;
}

type Values<O extends Record<string, CliOption>> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

export class UsageError extends Error {}

export function helpText<O extends Record<string, CliOption>>(spec: CliSpec<O>): string {
  const rows: [string, string][] = [
    ...Object.entries(spec.options).map(([name, o]): [string, string] => [
      `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` <${o.value ?? 'value'}>` : ''}`,
      o.description,
    ]),
    ['-h, --help', 'show this help'],
  ];
  const width = Math.max(...rows.map(([left]) => left.length));
  const lines = [`usage: ${spec.usage}`, '', spec.summary, '', 'options:'];
  for (const [left, right] of rows) lines.push(`  ${left.padEnd(width)}  ${right}`);
  const env = Object.entries(spec.env ?? {});
  if (env.length > 0) {
    const envWidth = Math.max(...env.map(([name]) => name.length));
    lines.push('', 'environment:');
    for (const [name, meaning] of env) lines.push(`  ${name.padEnd(envWidth)}  ${meaning}`);
  }
  if (spec.notes?.length) lines.push('', ...spec.notes);
  return lines.join('\n');
}

/**
 * Parses argv against the spec. `--help` prints the help and exits 0; an unknown option, a
 * missing value or a stray positional prints the error and the usage line and exits 2.
 */
export function parseCli<O extends Record<string, CliOption>>(
  spec: CliSpec<O>,
  argv: string[] = process.argv.slice(2),
): { values: Values<O>; positionals: string[] } {
  try {
    return parseCliOrThrow(spec, argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    return usageError(spec, error.message);
  }
}

/** Like parseCli, but throws UsageError instead of exiting (for tests and callers with their own exits). */
export function parseCliOrThrow<O extends Record<string, CliOption>>(
  spec: CliSpec<O>,
  argv: string[],
): { values: Values<O>; positionals: string[] } {
  const options = Object.fromEntries(
    Object.entries(spec.options).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}) }]),
  );
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals: spec.positionals ?? false,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (parsed.values.help) {
    console.log(helpText(spec));
    process.exit(0);
  }
  const { help: _help, ...values } = parsed.values;
  return { values, positionals: parsed.positionals };
}

/** Prints the problem and the usage line, then exits 2. */
export function usageError(spec: { usage: string }, message: string): never {
  console.error(`${message}\nusage: ${spec.usage}   (--help for every option)`);
  process.exit(2);
}

/** A whole number option, or undefined when absent; a usage error otherwise. */
export function wholeNumber(spec: { usage: string }, name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) usageError(spec, `--${name} must be a whole number`);
  return Number(raw);
}

/** Runs an async main and exits with its status; an unexpected error exits 1 with its message. */
export function run(main: () => Promise<number> | number, label = 'failed'): void {
  Promise.resolve()
    .then(main)
    .then(
      (code) => process.exit(code),
      (error: unknown) => {
        console.error(`${label}: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      },
    );
}
