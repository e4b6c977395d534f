/**
 * One time-boxed slice of batch registration: pages through the portal from the run's
 * cursor, runs each user through the SAME registration service as POST /register (with
 * bounded concurrency), stops starting users when the budget is nearly spent or the
 * welcome rate is used up (the answer then says how long to wait), and moves the run's
 * cursor only past users that are done.
 *
 * Real run: the run state lives in the Sync map `batch-runs` (key runId), committed with
 * the item revision after every finished page and at the end of the slice; a lease
 * published with those commits turns a second client away early, and the revision check
 * stops one that got in anyway. A replayed page sends no second welcome: the
 * registration lock answers already_registered.
 * Dry run: nothing is written anywhere; the state travels in the signed `next` token.
 *
 * The slice itself (paging, users, the stop rules, waiting for the welcome rate) is
 * src/app/batch-slice.ts; this module keeps the run around it.
 */
import {
  decodeRunToken,
  encodeRunToken,
  newRunState,
  SeenNumbers,
  type BatchResult,
  type CarriedPage,
  type ResultsQuery,
  type RunState,
} from '../core/batch';
import { missingWelcomeSettings } from '../core/welcome';
import { bufferActivity } from './activity';
import { readResults, saveResults, type ResultsPage } from './batch-results';
import {
  prefetchPage,
  processSlice,
  type BatchDeps,
  type SliceInput,
  type SliceOutcome,
  type SliceWarning,
} from './batch-slice';
import type { KeyValueStore } from './ports';
import { createReservingWelcomeCap } from './welcome-cap';

export { COMMIT_RESERVE_MS, workDeadline, type BatchDeps, type SliceInput, type SliceWarning } from './batch-slice';

export const BATCH_RUNS_MAP = 'batch-runs';
/**
 * Most users one dry slice starts. A dry user is one Sync read, so at low latency a slice
 * gets through tens of thousands in its budget; its results, pages and answer (about 90
 * bytes per user, plus the cursor) are held until it answers. 10,000 keeps the results
 * to about 1 MB; with real Sync latency (tens of ms per read) a slice ends on its budget
 * first.
 */
export const DRY_SLICE_MAX_USERS = 10_000;
/** Run state items outlive any sane run, then clean themselves up. */
const RUN_TTL_SECONDS = 30 * 24 * 3600;

/** The welcome rate stopped this slice: come back after `retryAfterSeconds`, nothing to re-run. */
export interface WaitingForRate {
  reason: 'welcome_rate';
  retryAfterSeconds: number;
  /** WELCOME_RATE_PER_MINUTE. */
  welcomesPerMinute: number;
  /** Users of the run not done yet. */
  left: number;
  /** When the run should be done at this rate (ISO 8601), from the share of users welcomed so far. */
  estimatedDoneAt: string;
}

export interface SliceResponse {
  runId: string;
  dryRun: boolean;
  done: boolean;
  next: string | null;
  total: number | null;
  processed: number;
  counts: Record<string, number>;
  /** Row index of results[0] in the run (processed - results.length): a client that missed rows sees the gap. */
  from: number;
  results: BatchResult[];
  /** Present when the welcome rate ended the slice: wait, then continue with `next`. */
  waiting?: WaitingForRate;
  /** Portal data worth a look (a mapped field no user of a page has): once per setting in a slice; clients show each once a run. */
  warnings?: SliceWarning[];
  elapsedMs: number;
}

export type SliceAnswer =
  | { ok: true; body: SliceResponse }
  | {
      ok: false;
      status: number;
      code: string;
      message: string;
      extra?: Record<string, unknown>;
      retryAfterSeconds?: number;
    };

interface StoredRun extends RunState {
  lease?: { id: string; until: string } | null;
}

const fail = (
  status: number,
  code: string,
  message: string,
  extra?: Record<string, unknown>,
  retryAfterSeconds?: number,
): SliceAnswer => ({
  ok: false,
  status,
  code,
  message,
  extra,
  retryAfterSeconds,
});

export async function runSlice(input: SliceInput, deps: BatchDeps): Promise<SliceAnswer> {
  const missing = missingWelcomeSettings(deps.channel, deps.registration.config.welcomeContentSid);
  if (missing.length > 0) return fail(503, 'not_configured', 'The WhatsApp welcome needs its template', { missing });
  let fromToken: RunState | undefined;
  if (input.cursor !== undefined) {
    fromToken = decodeRunToken(input.cursor, deps.cursorSecret);
    if (!fromToken) return fail(400, 'invalid_cursor', 'cursor is not a `next` value this service issued');
    if (fromToken.dryRun !== input.dryRun)
      return fail(
        409,
        'run_mode_mismatch',
        `run ${fromToken.runId} is a ${fromToken.dryRun ? 'dry' : 'real'} run: send the same dryRun`,
      );
    if (input.runId !== undefined && input.runId !== fromToken.runId)
      return fail(400, 'invalid_cursor', 'cursor belongs to another runId');
  }
  return input.dryRun ? dryRunSlice(input, fromToken, deps) : realRunSlice(input, fromToken, deps);
}

async function dryRunSlice(input: SliceInput, fromToken: RunState | undefined, deps: BatchDeps): Promise<SliceAnswer> {
  if (input.runId !== undefined && !fromToken) {
    return fail(
      400,
      'cursor_required',
      'a dry run keeps no state on the service: send `cursor` = the `next` of the previous answer',
    );
  }
  const { carry, ...state } =
    fromToken ??
    newRunState({
      runId: deps.newRunId(),
      dryRun: true,
      firstPage: deps.portal.firstPageUrl(input.pageSize),
      now: new Date(deps.clock()),
    });
  const seen = new SeenNumbers(state.seen ?? '', state.seenCapped ?? false);
  const outcome = await processSlice(state, input, deps, {
    seen,
    carry,
    maxUsers: Math.min(DRY_SLICE_MAX_USERS, deps.sliceMaxUsers ?? Infinity),
    commit: () => Promise.resolve(true),
  });
  const finalState: RunState = { ...outcome.state, seen: seen.pack(), seenCapped: seen.capped };
  return answerFor(finalState, outcome, input, deps);
}

async function realRunSlice(input: SliceInput, fromToken: RunState | undefined, deps: BatchDeps): Promise<SliceAnswer> {
  const runId = fromToken?.runId ?? input.runId;
  // The client's `next` carries the pages the last slice read and names the page the run is
  // most likely at: used when Sync's state agrees; without that page in the carry (an older
  // token), it is fetched while the run state is read (a stale guess is dropped).
  const carry: CarriedPage[] | undefined = fromToken?.carry;
  const guess = fromToken?.cursor;
  const prefetched = guess && !carry?.some((c) => c.url === guess.page) ? prefetchPage(guess.page, deps) : undefined;
  const leaseId = deps.newLeaseId();
  const lease = { id: leaseId, until: new Date(input.startedAt + input.budgetMs + 2000).toISOString() };
  let revision: string;
  let state: RunState;
  if (runId === undefined) {
    const fresh: StoredRun = {
      ...newRunState({
        runId: deps.newRunId(),
        dryRun: false,
        firstPage: deps.portal.firstPageUrl(input.pageSize),
        now: new Date(deps.clock()),
      }),
      lease,
    };
    const created = await deps.store.create<StoredRun>(BATCH_RUNS_MAP, fresh.runId, fresh, RUN_TTL_SECONDS);
    if (!created) return fail(409, 'run_busy', 'a run with this id exists already; start again');
    ({ revision } = created);
    state = withoutLease(created.data);
  } else {
    const item = await deps.store.get<StoredRun>(BATCH_RUNS_MAP, runId);
    if (!item)
      return fail(404, 'run_not_found', `no batch run ${runId} (runs are kept ${RUN_TTL_SECONDS / 86400} days)`);
    if (item.data.dryRun) return fail(409, 'run_mode_mismatch', `run ${runId} is a dry run`);
    if (item.data.cursor === null)
      return { ok: true, body: response(withoutLease(item.data), [], input, deps, { warnings: [] }) };
    const held = item.data.lease;
    if (held && Date.parse(held.until) > deps.clock()) {
      const wait = Math.max(1, Math.ceil((Date.parse(held.until) - deps.clock()) / 1000));
      return fail(409, 'run_busy', 'another client is driving this run right now', { runId }, wait);
    }
    // No write to start: the lease is published with the first page commit, and every
    // commit is revision-checked, so a second client loses at its first commit at worst.
    revision = item.revision;
    state = withoutLease(item.data);
  }

  // The slice's registrations share one counter write per commit instead of one each
  // (hot shared items under BATCH_CONCURRENCY writers); a Function killed between two
  // commits loses at most one page's dashboard counts, never a registration.
  const activity = bufferActivity(deps.registration.activity);
  // Welcome slots in blocks, reserved ahead: the slice's concurrent users do not each write
  // (and race for) a rate bucket; the slots left over go back with the final commit.
  const welcomeCap = createReservingWelcomeCap(deps.registration);
  void welcomeCap.prime();
  const sliceDeps: BatchDeps = { ...deps, registration: { ...deps.registration, activity, welcomeCap } };
  const commit = async (
    next: RunState,
    final: boolean,
    committed: { from: number; results: BatchResult[] },
  ): Promise<boolean> => {
    // The carried pages ride in the token only (a Sync item holds 16 KB).
    const { carry: _carry, ...kept } = next;
    const data: StoredRun = { ...kept, lease: final ? null : lease };
    const [updated] = await Promise.all([
      deps.store.update<StoredRun>(BATCH_RUNS_MAP, next.runId, data, revision, RUN_TTL_SECONDS),
      activity.flush(),
      final ? welcomeCap.release() : undefined,
      // Every committed user's row, for a client that loses this answer (POST /admin/batch-results).
      saveResults(deps.store, deps.log, next.runId, committed.from, committed.results),
    ]);
    if (!updated) return false;
    revision = updated.revision;
    return true;
  };
  const outcome = await processSlice(state, input, sliceDeps, {
    commit,
    carry,
    prefetched,
    maxUsers: deps.sliceMaxUsers,
  });
  // Counts of users finished after the last commit, and slots not given back (a lost run's too).
  await Promise.all([activity.flush(), welcomeCap.release()]);
  if (outcome.lostRun)
    return fail(
      409,
      'run_busy',
      'another client changed this run during the slice; its work is safe, continue with the same runId',
      { runId: state.runId },
      1,
    );
  return answerFor(outcome.state, outcome, input, deps);
}

function withoutLease(stored: StoredRun): RunState {
  const { lease: _lease, ...state } = stored;
  return state;
}

function answerFor(state: RunState, outcome: SliceOutcome, input: SliceInput, deps: BatchDeps): SliceAnswer {
  const { results, portalFault } = outcome;
  deps.log.info('batch.slice', {
    runId: state.runId,
    dryRun: state.dryRun,
    users: results.length,
    processed: state.processed,
    done: state.cursor === null,
    portalFault: portalFault?.code,
    userMs: outcome.userMs,
    waitSeconds: outcome.waitSeconds,
    elapsedMs: deps.clock() - input.startedAt,
  });
  // A portal fault only fails a slice that could do nothing; otherwise the work done is
  // answered and the next slice meets the fault first.
  if (portalFault && results.length === 0) {
    deps.log.warn('batch.portal_fault', { runId: state.runId, code: portalFault.code, status: portalFault.status });
    const status = portalFault.code === 'portal_unavailable' ? 503 : 502;
    return fail(
      status,
      portalFault.code,
      portalFault.message,
      { runId: state.runId, next: nextToken(state, deps), retryable: portalFault.retryable },
      portalFault.retryable ? 5 : undefined,
    );
  }
  return { ok: true, body: response(state, results, input, deps, outcome) };
}

function nextToken(state: RunState, deps: BatchDeps): string | null {
  return state.cursor === null ? null : encodeRunToken(state, deps.cursorSecret);
}

function response(
  state: RunState,
  results: BatchResult[],
  input: SliceInput,
  deps: BatchDeps,
  outcome: Pick<SliceOutcome, 'waitSeconds' | 'warnings'>,
): SliceResponse {
  const now = deps.clock();
  const waiting =
    outcome.waitSeconds !== undefined && state.cursor !== null
      ? waitingFor(state, outcome.waitSeconds, now, deps)
      : undefined;
  return {
    runId: state.runId,
    dryRun: state.dryRun,
    done: state.cursor === null,
    next: nextToken(state, deps),
    total: state.total,
    processed: state.processed,
    counts: state.counts,
    from: state.processed - results.length,
    results,
    ...(waiting ? { waiting } : {}),
    ...(outcome.warnings?.length ? { warnings: outcome.warnings } : {}),
    elapsedMs: now - input.startedAt,
  };
}

/**
 * What the caller shows while it waits: users left, and when the run should be done at
 * this rate, from the share of users that needed a welcome so far (new subscribers).
 */
function waitingFor(state: RunState, retryAfterSeconds: number, now: number, deps: BatchDeps): WaitingForRate {
  const welcomesPerMinute = deps.registration.config.welcomesPerMinute;
  const left = Math.max(0, (state.total ?? state.processed) - state.processed);
  const welcomed = state.counts.registered ?? 0;
  const share = state.processed > 0 ? Math.max(welcomed / state.processed, 0.01) : 1;
  const minutes = (left * share) / Math.max(1, welcomesPerMinute);
  return {
    reason: 'welcome_rate',
    retryAfterSeconds,
    welcomesPerMinute,
    left,
    estimatedDoneAt: new Date(now + retryAfterSeconds * 1000 + minutes * 60_000).toISOString(),
  };
}

export interface RunResults extends ResultsPage {
  runId: string;
  done: boolean;
  /** Users the run has done: rows 0 to processed - 1 exist. */
  processed: number;
}

/**
 * A real run's rows from index `from` on (POST /admin/batch-results): what a client that lost
 * slice answers needs to write a report with every user once. A dry run writes nothing, so
 * it has none (its client re-runs the slice it lost from its own saved cursor).
 */
export async function runResults(
  query: ResultsQuery,
  store: KeyValueStore,
): Promise<{ ok: true; body: RunResults } | { ok: false; status: number; code: string; message: string }> {
  const run = await store.get<StoredRun>(BATCH_RUNS_MAP, query.runId);
  if (!run)
    return {
      ok: false,
      status: 404,
      code: 'run_not_found',
      message: `no real batch run ${query.runId} (runs are kept ${RUN_TTL_SECONDS / 86400} days; a dry run keeps nothing)`,
    };
  const page = await readResults(store, query.runId, query.from, query.limit, run.data.processed);
  return {
    ok: true,
    body: { runId: query.runId, done: run.data.cursor === null, processed: run.data.processed, ...page },
  };
}
