/**
 * Batch registration CLI: drives POST /admin/batch-register slice after slice.
 *
 *   ADMIN_TOKEN=... npm run batch -- --url <service base URL> [--dry-run] [--resume <runId>]
 *                    [--report report.csv|report.json] [--page-size N] [--budget-ms N]
 *                    [--max-slices N] [--state-dir DIR]        (--help lists them all)
 *
 * The admin token comes from ADMIN_TOKEN only (npm echoes arguments) and is never printed. Progress (and,
 * for a dry run, the cursor the service does not keep) is saved after every slice under
 * --state-dir (default .batch-runs/), so Ctrl-C, a crash or --max-slices can be resumed
 * with --resume <runId>. Ctrl-C once finishes the slice in flight; twice aborts it (the
 * service finishes it anyway, and a replay sends no second welcome).
 *
 * Exit status: 0 done, 1 error, 2 usage, 3 stopped by --max-slices, 130 interrupted.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { SliceResponse } from '../src/app/batch';
import { AdminCallError, postAdmin } from './admin-http';
import { defineCli, parseCliOrThrow, UsageError } from './cli';

interface Args {
  url: string;
  token: string;
  dryRun: boolean;
  resume?: string;
  report?: string;
  pageSize?: number;
  budgetMs?: number;
  maxSlices: number;
  stateDir: string;
}

/** The route's answer: the same type the service builds, so the two cannot drift. */
type SliceBody = SliceResponse;

/** What the CLI keeps between invocations (never the token). */
interface LocalRun {
  runId: string;
  dryRun: boolean;
  url: string;
  next: string | null;
  done: boolean;
  total: number | null;
  processed: number;
  counts: Record<string, number>;
}

const CLI = defineCli({
  usage: 'ADMIN_TOKEN=... npm run batch -- --url <service base URL> [options]',
  summary:
    'Registers existing portal users through POST /admin/batch-register, slice after slice, saving progress after each.',
  options: {
    url: { type: 'string', value: 'base URL', description: 'the service, e.g. https://<service>.twil.io (required)' },
    'dry-run': { type: 'boolean', description: 'report what would happen; send and write nothing' },
    resume: { type: 'string', value: 'runId', description: 'continue a run saved under --state-dir' },
    report: { type: 'string', value: 'file.csv|file.json', description: 'write every user outcome to this file' },
    'page-size': { type: 'string', value: 'N', description: 'portal users per page (1-500, default 100)' },
    'budget-ms': {
      type: 'string',
      value: 'N',
      description: 'time box of one slice in ms (500-8000, default BUDGET_MS)',
    },
    'max-slices': { type: 'string', value: 'N', description: 'stop after N slices (resumable; exit 3)' },
    'state-dir': { type: 'string', value: 'DIR', description: 'where progress is saved (default .batch-runs)' },
  },
  env: { ADMIN_TOKEN: "the service's admin token (required; never printed)" },
  notes: ['exit status: 0 done, 1 error, 2 usage, 3 stopped by --max-slices, 130 interrupted'],
});
/** Error codes a retry cannot fix: the portal's data or settings need a human. */
const PERMANENT_CODES = new Set([
  'portal_malformed_page',
  'portal_unauthorized',
  'portal_page_not_found',
  'not_configured',
]);
const MAX_ATTEMPTS = 6;

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Args {
  const { values } = parseCliOrThrow(CLI, argv);
  const url = values.url;
  if (!url || !/^https?:\/\/\S+$/.test(url)) throw new UsageError('--url <base URL of the service> is required');
  const token = env.ADMIN_TOKEN ?? '';
  if (token === '') throw new UsageError('the admin token is required in the environment: ADMIN_TOKEN');
  const int = (name: 'page-size' | 'budget-ms' | 'max-slices') => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    if (!/^\d+$/.test(raw)) throw new UsageError(`--${name} must be a whole number`);
    return Number(raw);
  };
  const report = values.report;
  if (report !== undefined && !/\.(csv|json)$/i.test(report))
    throw new UsageError('--report must end in .csv or .json');
  return {
    url: url.replace(/\/+$/, ''),
    token,
    dryRun: values['dry-run'] ?? false,
    resume: values.resume,
    report,
    pageSize: int('page-size'),
    budgetMs: int('budget-ms'),
    maxSlices: int('max-slices') ?? Infinity,
    stateDir: values['state-dir'] ?? '.batch-runs',
  };
}

/** Time left at the session's rate; '?' while there is no rate or no total to go on (never "NFs"). */
export function etaText(total: number | null | undefined, processed: number, usersPerSecond: number): string {
  if (total == null || !(usersPerSecond > 0) || !Number.isFinite(usersPerSecond)) return '?';
  const seconds = Math.max(0, Math.round((total - processed) / usersPerSecond));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

function csvField(value: string | null): string {
  const text = value ?? '';
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function resumeCommand(args: Args, runId: string): string {
  const parts = ['npm run batch --', '--url', args.url, '--resume', runId];
  if (args.dryRun) parts.push('--dry-run');
  if (args.report) parts.push('--report', args.report);
  if (args.stateDir !== '.batch-runs') parts.push('--state-dir', args.stateDir);
  return `${parts.join(' ')}   (admin token from ADMIN_TOKEN)`;
}

function countsLine(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
}

class SliceFailure extends Error {
  constructor(
    message: string,
    readonly body?: { error?: { code?: string; runId?: string; next?: string | null } },
  ) {
    super(message);
  }
}

/** One slice, retried on network errors, 5xx (except permanent portal faults), 409 run_busy and 429. */
async function callSlice(
  args: Args,
  request: Record<string, unknown>,
  signal: AbortSignal,
  note: (line: string) => void,
): Promise<SliceBody> {
  try {
    return (await postAdmin(`${args.url}/admin/batch-register`, args.token, request, {
      maxAttempts: MAX_ATTEMPTS,
      signal,
      retryable: ({ status, errorCode }) =>
        status === 0 ||
        status === 429 ||
        (status === 409 && errorCode === 'run_busy') ||
        (status >= 500 && !PERMANENT_CODES.has(errorCode ?? '')),
      onRetry: (failure, delayMs, attempt) =>
        note(
          `slice failed (${failure.message}); retrying in ${Math.round(delayMs / 1000)} s (attempt ${attempt + 1} of ${MAX_ATTEMPTS})`,
        ),
    })) as SliceBody;
  } catch (error) {
    if (signal.aborted) throw new SliceFailure('aborted');
    if (!(error instanceof AdminCallError)) throw error;
    throw new SliceFailure(
      explain(error.status, error.errorCode, error.detail),
      error.body as SliceFailure['body'] | undefined,
    );
  }
}

function explain(status: number, code: string | undefined, message: string | undefined): string {
  if (status === 401)
    return "the service refused the admin token (401): check ADMIN_TOKEN against the service's ADMIN_TOKEN";
  if (status === 404 && code === undefined)
    return 'no /admin/batch-register at this URL (404): check --url (the service base URL, without a path)';
  if (status === 503 && code === 'not_configured')
    return `the service is not configured for batch registration: ${message ?? ''}`;
  if (status === 0) return `the service did not answer: ${message ?? 'network error'} (check --url)`;
  return `HTTP ${status}${code ? ` ${code}` : ''}: ${message ?? 'no details'}`;
}

function writeReport(path: string, run: LocalRun, resultsFile: string): number {
  const lines = existsSync(resultsFile)
    ? readFileSync(resultsFile, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
    : [];
  const results = lines.map((l) => JSON.parse(l) as SliceBody['results'][number]);
  if (/\.json$/i.test(path)) {
    writeFileSync(
      path,
      JSON.stringify(
        {
          runId: run.runId,
          dryRun: run.dryRun,
          done: run.done,
          total: run.total,
          processed: run.processed,
          counts: run.counts,
          results,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    const rows = results.map((r) => [r.userId, r.masked, r.outcome, r.reason].map(csvField).join(','));
    writeFileSync(path, ['userId,masked,outcome,reason', ...rows].join('\n') + '\n');
  }
  return results.length;
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv, process.env);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\nusage: ${CLI.usage}   (--help for every option)`);
      return 2;
    }
    throw error;
  }
  mkdirSync(args.stateDir, { recursive: true });
  const stateFile = (runId: string) => join(args.stateDir, `${runId}.json`);
  const resultsFile = (runId: string) => join(args.stateDir, `${runId}.results.jsonl`);

  let run: LocalRun | undefined;
  if (args.resume) {
    if (existsSync(stateFile(args.resume))) {
      run = JSON.parse(readFileSync(stateFile(args.resume), 'utf8')) as LocalRun;
      args.dryRun = run.dryRun;
    } else if (args.dryRun) {
      console.error(
        `no saved state for dry run ${args.resume} in ${args.stateDir}/ (a dry run's cursor lives only there); start a new dry run`,
      );
      return 1;
    } else {
      run = {
        runId: args.resume,
        dryRun: false,
        url: args.url,
        next: null,
        done: false,
        total: null,
        processed: 0,
        counts: {},
      };
    }
  }

  const interactive = process.stderr.isTTY === true;
  const bar = new cliProgress.SingleBar(
    {
      format: '{bar} {value}/{total} users | {rate}/s | ETA {eta} | {counts}',
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  let barStarted = false;
  // Over a live bar: clear its line first; it redraws on the next update.
  const note = (line: string) =>
    barStarted && interactive ? process.stderr.write(`\r\x1b[K${line}\n`) : console.error(line);

  const controller = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    if (!interrupted) {
      interrupted = true;
      note('interrupted: finishing the slice in flight (Ctrl-C again to abort it)');
    } else controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const sessionStart = Date.now();
  let sessionUsers = 0;
  let slices = 0;
  let exitCode = 0;
  try {
    while (!(run?.done ?? false)) {
      if (interrupted) {
        exitCode = 130;
        break;
      }
      if (slices >= args.maxSlices) {
        exitCode = 3;
        break;
      }
      const request: Record<string, unknown> = { dryRun: args.dryRun };
      if (run) request.runId = run.runId;
      // A dry run's state is its cursor; a real run's lives in Sync, and its cursor only lets
      // the service fetch the next portal page while it reads that state.
      if (run?.next) request.cursor = run.next;
      if (args.pageSize !== undefined) request.pageSize = args.pageSize;
      if (args.budgetMs !== undefined) request.budgetMs = args.budgetMs;
      let body: SliceBody;
      try {
        body = await callSlice(args, request, controller.signal, note);
      } catch (error) {
        if (error instanceof SliceFailure && error.message === 'aborted') {
          exitCode = 130;
          break;
        }
        if (barStarted) bar.stop();
        barStarted = false;
        console.error(`batch: ${(error as Error).message}`);
        const runId = run?.runId ?? (error instanceof SliceFailure ? error.body?.error?.runId : undefined);
        if (runId) {
          // Keep the cursor the service handed back with the error (a dry run's only copy).
          const next = error instanceof SliceFailure ? error.body?.error?.next : undefined;
          if (next) {
            const saved: LocalRun = run ?? {
              runId,
              dryRun: args.dryRun,
              url: args.url,
              next,
              done: false,
              total: null,
              processed: 0,
              counts: {},
            };
            writeFileSync(stateFile(runId), JSON.stringify({ ...saved, next }, null, 2));
          }
          console.error(`resume with: ${resumeCommand(args, runId)}`);
        }
        exitCode = 1;
        break;
      }
      slices++;
      if (!run) note(`run ${body.runId} (${body.dryRun ? 'dry run: nothing is sent or stored' : 'real run'})`);
      run = {
        runId: body.runId,
        dryRun: body.dryRun,
        url: args.url,
        next: body.next,
        done: body.done,
        total: body.total,
        processed: body.processed,
        counts: body.counts,
      };
      if (body.results.length > 0)
        appendFileSync(resultsFile(run.runId), body.results.map((r) => JSON.stringify(r)).join('\n') + '\n');
      writeFileSync(stateFile(run.runId), JSON.stringify(run, null, 2));
      sessionUsers += body.results.length;
      const rate = sessionUsers / Math.max(0.001, (Date.now() - sessionStart) / 1000);
      const payload = {
        rate: rate.toFixed(1),
        eta: etaText(body.total, body.processed, rate),
        counts: countsLine(body.counts),
      };
      if (interactive) {
        if (!barStarted) {
          bar.start(body.total ?? body.processed, body.processed, payload);
          barStarted = true;
        }
        bar.setTotal(body.total ?? body.processed);
        bar.update(body.processed, payload);
      } else {
        console.error(`${body.processed}/${body.total ?? '?'} users | ${payload.rate}/s | ${payload.counts}`);
      }
    }
  } finally {
    if (barStarted) bar.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  if (run && args.report) {
    const written = writeReport(args.report, run, resultsFile(run.runId));
    console.error(`report: ${args.report} (${written} users)`);
  }
  if (run?.done) {
    console.error(`done: run ${run.runId}, ${run.processed} users: ${countsLine(run.counts)}`);
    if ((run.counts.retry_later ?? 0) > 0) {
      console.error(
        `${run.counts.retry_later} users answered retry_later: run the batch again later (registered users are skipped, no second welcome)`,
      );
    }
  } else if (run && exitCode !== 1) {
    console.error(
      `${exitCode === 130 ? 'stopped' : `stopped after ${slices} slice(s)`} at ${run.processed}/${run.total ?? '?'} users. Resume with:\n  ${resumeCommand(args, run.runId)}`,
    );
  }
  return exitCode;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(`batch: ${(error as Error).message}`);
      process.exit(1);
    },
  );
}
