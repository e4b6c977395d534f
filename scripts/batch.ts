/**
 * Batch registration CLI: drives POST /admin/batch-register slice after slice.
 *
 *   ADMIN_TOKEN=... npm run batch -- --url <service base URL> [--dry-run] [--resume <runId>]
 *                    [--report report.csv|report.json] [--page-size N] [--budget-ms N]
 *                    [--max-slices N] [--state-dir DIR]        (--help lists them all)
 *
 * The admin token comes from ADMIN_TOKEN only (npm echoes arguments) and is never printed. Progress (and,
 * for a dry run, the cursor the service does not keep) is saved after every slice under
 * --state-dir (default .batch-runs/, scripts/batch-local.ts), so Ctrl-C, a crash or
 * --max-slices can be resumed with --resume [runId] (no runId: the unfinished run). A
 * resumed real run first fetches the rows of a slice whose answer was lost
 * (POST /admin/batch-results), so the report has every user once. Ctrl-C once finishes the
 * slice in flight; twice aborts it (the service finishes it anyway, and a replay sends no
 * second welcome). When the welcome rate is used up, the CLI waits for it and goes on.
 *
 * Exit status: 0 done, 1 error, 2 usage, 3 stopped by --max-slices, 130 interrupted.
 */
import { mkdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import cliProgress from 'cli-progress';
import type { RunResults, SliceResponse } from '../src/app/batch';
import { AdminCallError, postAdmin } from './admin-http';
import { LocalRuns, waitingLine, writeReport, type LocalRun } from './batch-local';
import { defineCli, parseCliOrThrow, UsageError } from './cli';

interface Args {
  /** Empty only when resuming: then the saved run's URL. */
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

const CLI = defineCli({
  usage: 'ADMIN_TOKEN=... npm run batch -- --url <service base URL> [options]',
  summary:
    'Registers existing portal users through POST /admin/batch-register, slice after slice, saving progress after each.',
  options: {
    url: {
      type: 'string',
      value: 'base URL',
      description: 'the service, e.g. https://<service>.twil.io (required, except with --resume: the saved run has it)',
    },
    'dry-run': { type: 'boolean', description: 'report what would happen; send and write nothing' },
    resume: {
      type: 'string',
      value: 'runId',
      description:
        'continue a run saved under --state-dir; without a runId: the unfinished one (or a list when there are several)',
    },
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
  notes: [
    'When the welcome rate (WELCOME_RATE_PER_MINUTE) is used up, the CLI waits for it and goes on: one command finishes the run.',
    'exit status: 0 done, 1 error, 2 usage, 3 stopped by --max-slices, 130 interrupted',
  ],
});
/** Error codes a retry cannot fix: the portal's data or settings need a human. */
const PERMANENT_CODES = new Set([
  'portal_malformed_page',
  'portal_unauthorized',
  'portal_page_not_found',
  'not_configured',
]);
const MAX_ATTEMPTS = 6;

/** `--resume` with no value (last, or before another option) means "the unfinished run": parseArgs needs a value. */
function optionalResumeValue(argv: string[]): string[] {
  return argv.map((arg, i) =>
    arg === '--resume' && (i === argv.length - 1 || argv[i + 1]!.startsWith('-')) ? '--resume=' : arg,
  );
}

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Args {
  const { values } = parseCliOrThrow(CLI, optionalResumeValue(argv));
  const url = values.url ?? '';
  if (values.resume === undefined && url === '') throw new UsageError('--url <base URL of the service> is required');
  if (url !== '' && !/^https?:\/\/\S+$/.test(url))
    throw new UsageError('--url must be the base URL of the service (http(s)://...)');
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

function resumeCommand(args: Args, runId: string): string {
  const parts = ['npm run batch --', '--url', args.url, '--resume', runId];
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

/** The run to resume: the named one, or the one unfinished run saved here (else a list and exit 2). */
function pickRun(args: Args, local: LocalRuns): LocalRun | number {
  if (args.resume) {
    const saved = local.load(args.resume);
    if (saved) return saved;
    if (args.dryRun) {
      console.error(
        `no saved state for dry run ${args.resume} in ${args.stateDir}/ (a dry run's cursor lives only there); start a new dry run`,
      );
      return 1;
    }
    if (!args.url) {
      console.error(`no saved state for run ${args.resume} in ${args.stateDir}/: give --url too`);
      return 2;
    }
    // A real run lives on the service: resumable from any machine with its runId.
    return {
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
  const open = local.unfinished().filter((run) => !args.url || run.url === args.url);
  if (open.length === 1) return open[0]!;
  if (open.length === 0) {
    console.error(`no unfinished run saved in ${args.stateDir}/${args.url ? ` for ${args.url}` : ''}`);
    return 1;
  }
  console.error(`${open.length} unfinished runs in ${args.stateDir}/; resume one with --resume <runId>:`);
  for (const run of open)
    console.error(
      `  ${run.runId}  ${run.dryRun ? 'dry run ' : 'real run'}  ${run.processed}/${run.total ?? '?'} users  ${run.url}  (saved ${run.savedAt ?? '?'})`,
    );
  return 2;
}

/**
 * Rows the service committed that this machine never got (the answer of a slice in flight
 * when the CLI died), from POST /admin/batch-results, up to row `upTo`. Real runs only.
 */
async function fillGap(args: Args, local: LocalRuns, run: LocalRun, upTo: number, note: (line: string) => void) {
  let from = local.contiguous(run.runId);
  const missing = upTo - from;
  if (missing <= 0 || run.dryRun) return;
  while (from < upTo) {
    const page = (await postAdmin(
      `${args.url}/admin/batch-results`,
      args.token,
      { runId: run.runId, from, limit: Math.min(5000, upTo - from) },
      { maxAttempts: MAX_ATTEMPTS, retryable: ({ status }) => status === 0 || status === 429 || status >= 500 },
    )) as RunResults;
    const rows = page.results.slice(0, upTo - from);
    local.append(run.runId, from, rows);
    from += rows.length;
    if (rows.length === 0 || page.next === null) break;
  }
  const got = from - (upTo - missing);
  note(
    got === missing
      ? `recovered ${got} users' results from the service (a slice whose answer this machine never got)`
      : `the service had ${got} of ${missing} missing users' results; rows ${from} to ${upTo - 1} stay out of the report (the counts include them)`,
  );
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
  const local = new LocalRuns(args.stateDir);

  let run: LocalRun | undefined;
  if (args.resume !== undefined) {
    const picked = pickRun(args, local);
    if (typeof picked === 'number') return picked;
    run = picked;
    args.dryRun = run.dryRun;
    args.url ||= run.url;
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
  /** Ends a wait for the welcome rate at the first Ctrl-C. */
  const waits = new AbortController();
  let interrupted = false;
  const onSignal = () => {
    if (!interrupted) {
      interrupted = true;
      waits.abort();
      note('interrupted: finishing the slice in flight (Ctrl-C again to abort it)');
    } else controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const sessionStart = Date.now();
  let sessionUsers = 0;
  let slices = 0;
  let exitCode = 0;
  const warned = new Set<string>();
  try {
    // A real run resumed after a crash: first the rows of the slice whose answer was lost.
    if (run && !run.dryRun && run.processed > local.contiguous(run.runId))
      await fillGap(args, local, run, run.processed, note);
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
      // A dry run's state is its cursor; a real run's lives in Sync, and its cursor carries the
      // portal pages the last slice read (so none is fetched twice).
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
            local.save({ ...saved, next });
          }
          console.error(`resume with: ${resumeCommand(args, runId)}`);
        }
        exitCode = 1;
        break;
      }
      slices++;
      if (!run)
        note(
          `run ${body.runId} (${body.dryRun ? 'dry run: nothing is sent or stored' : 'real run'}); progress is saved in ${args.stateDir}/, resume with: npm run batch -- --resume`,
        );
      const previous = run;
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
      // Rows before this answer's that this machine lacks (another client drove the run meanwhile).
      if (previous && body.from > local.contiguous(run.runId)) await fillGap(args, local, run, body.from, note);
      local.append(run.runId, body.from, body.results);
      local.save(run);
      sessionUsers += body.results.length;
      for (const warning of body.warnings ?? []) {
        if (warned.has(warning.setting)) continue;
        warned.add(warning.setting);
        note(`warning: ${warning.message}`);
      }
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
      if (body.waiting && !body.done) {
        // The welcome rate is used up for this minute: wait for it, then go on (one command finishes the run).
        note(waitingLine(body.waiting));
        try {
          await sleep(body.waiting.retryAfterSeconds * 1000, undefined, { signal: waits.signal });
        } catch {
          // Ctrl-C: the loop's check stops the run, resumable.
        }
      }
    }
  } finally {
    if (barStarted) bar.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const rows = run ? local.rows(run.runId) : [];
  if (run && args.report) {
    const written = writeReport(args.report, run, rows);
    console.error(`report: ${args.report} (${written} users)`);
  }
  if (run?.done) {
    console.error(`done: run ${run.runId}, ${run.processed} users: ${countsLine(run.counts)}`);
    const later = run.counts.retry_later ?? 0;
    if (later > 0) {
      const reasons = countsLine(
        rows
          .filter((r) => r.outcome === 'retry_later')
          .reduce<Record<string, number>>(
            (acc, r) => ({ ...acc, [r.reason ?? 'twilio_temporary']: (acc[r.reason ?? 'twilio_temporary'] ?? 0) + 1 }),
            {},
          ),
      );
      console.error(
        `${later} users met a temporary Twilio failure (${reasons || 'retry_later'}): run a new batch later to finish them (registered users are skipped, no second welcome)`,
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
