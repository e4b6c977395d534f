/**
 * One time-boxed slice of batch registration: pages through the portal from the run's
 * cursor, runs each user through the SAME registration service as POST /register (with
 * bounded concurrency), stops starting users when the budget is nearly spent, and moves
 * the run's cursor only past users that are done.
 *
 * Real run: the run state lives in the Sync map `batch-runs` (key runId), committed with
 * the item revision after every finished page and at the end of the slice; a lease
 * published with those commits turns a second client away early, and the revision check
 * stops one that got in anyway. A replayed page sends no second welcome: the
 * registration lock answers already_registered.
 * Dry run: nothing is written anywhere; the state travels in the signed `next` token.
 *
 * Users start in portal order, so the users done when the slice ends are always a prefix:
 * the cursor is "page URL + how many of its users are done".
 */
import { SETTLE_RESERVE_MS } from '../core/send-outcome';
import pLimit from 'p-limit';
import {
  advanceRun,
  batchOutcomeOf,
  decodeRunToken,
  encodeRunToken,
  newRunState,
  SeenNumbers,
  type BatchResult,
  type PageCursor,
  type RunState,
  type SliceOptions,
} from '../core/batch';
import { COUNTER } from '../core/activity';
import type { Logger } from '../core/log';
import { normalizePhone } from '../core/phone';
import { RecentDurations } from '../core/recent-durations';
import { shardedName } from '../core/shard';
import type { Channel, Subscriber } from '../core/subscriber';
import { missingWelcomeSettings } from '../core/welcome';
import { bufferActivity, ownedCounterWriter } from './activity';
import { PortalError, type KeyValueStore, type PortalClient, type PortalPage, type PortalUser } from './ports';
import { registerNumber, SUBSCRIBERS_MAP, type RegistrationDeps } from './registration';
import { createReservingWelcomeCap } from './welcome-cap';

export const BATCH_RUNS_MAP = 'batch-runs';
/** Kept free at the end of a slice for the final commit and the answer (a loaded machine needs more than the one Sync call). */
export const COMMIT_RESERVE_MS = 500;
/**
 * When one more user still fits in the budget. The retry deadline only stops retries, not a
 * user's next first call, so a user started too late runs past the budget: a new user may
 * start only if a slow one (90th percentile of the recent users, +10%) would still leave
 * the whole commit reserve, AND the slowest recent one would still leave room for the
 * final commit (1.5 x the slowest commit measured in this slice).
 */
const USER_ESTIMATE_MARGIN = 1.1;
const FINAL_COMMIT_MARGIN = 1.5;
const USER_ESTIMATE_PERCENTILE = 0.9;
/** Least time assumed for the final commit before one has been measured. */
const MIN_FINAL_COMMIT_MS = 100;
/** How many recent user durations the estimate looks at. */
const RECENT_USERS = 64;
/** Assumed duration of one user until the slice has measured some. */
const INITIAL_USER_ESTIMATE_MS = 400;
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

export interface BatchDeps {
  registration: RegistrationDeps;
  portal: PortalClient;
  /** Where the run state lives (the registration's Sync store). */
  store: KeyValueStore;
  log: Logger;
  clock: () => number;
  newRunId: () => string;
  newLeaseId: () => string;
  /** Signs dry-run cursors (ADMIN_TOKEN). */
  cursorSecret: string;
  concurrency: number;
  channel: Channel;
  /** Most users one slice starts (BATCH_SLICE_MAX_USERS), besides the time box. */
  sliceMaxUsers?: number;
}

export interface SliceInput extends SliceOptions {
  /** Epoch ms the request arrived: the budget counts from here. */
  startedAt: number;
}

export interface SliceResponse {
  runId: string;
  dryRun: boolean;
  done: boolean;
  next: string | null;
  total: number | null;
  processed: number;
  counts: Record<string, number>;
  results: BatchResult[];
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

/** Deadline for outbound retries inside a slice: the budget minus the commit reserve. */
export function workDeadline(startedAt: number, budgetMs: number): number {
  return startedAt + budgetMs - COMMIT_RESERVE_MS;
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
  const state =
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
    maxUsers: Math.min(DRY_SLICE_MAX_USERS, deps.sliceMaxUsers ?? Infinity),
    commit: () => Promise.resolve(true),
  });
  const finalState: RunState = { ...outcome.state, seen: seen.pack(), seenCapped: seen.capped };
  return answerFor(finalState, outcome, input, deps);
}

async function realRunSlice(input: SliceInput, fromToken: RunState | undefined, deps: BatchDeps): Promise<SliceAnswer> {
  const runId = fromToken?.runId ?? input.runId;
  // The client's `next` names the page the run is most likely at: fetch it while the run
  // state is read (Sync's state still decides; a stale guess is dropped).
  const prefetched = fromToken?.cursor ? prefetchPage(fromToken.cursor.page, deps) : undefined;
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
    if (item.data.cursor === null) return { ok: true, body: response(withoutLease(item.data), [], input, deps) };
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
  // (hot shared items under BATCH_CONCURRENCY writers), into the run's own counter items;
  // a Function killed between two commits loses at most one page's dashboard counts,
  // never a registration.
  const activity = bufferActivity(
    deps.registration.activity,
    ownedCounterWriter(deps.store, deps.registration.config.shards, state.runId, deps.log),
  );
  // Welcome slots in blocks, reserved ahead: the slice's concurrent users do not each write
  // (and race for) a rate bucket; the slots left over go back with the final commit.
  const welcomeCap = createReservingWelcomeCap(deps.registration);
  void welcomeCap.prime();
  const sliceDeps: BatchDeps = { ...deps, registration: { ...deps.registration, activity, welcomeCap } };
  const commit = async (next: RunState, final: boolean): Promise<boolean> => {
    const data: StoredRun = { ...next, lease: final ? null : lease };
    const [updated] = await Promise.all([
      deps.store.update<StoredRun>(BATCH_RUNS_MAP, next.runId, data, revision, RUN_TTL_SECONDS),
      activity.flush(),
      final ? welcomeCap.release() : undefined,
    ]);
    if (!updated) return false;
    revision = updated.revision;
    return true;
  };
  const outcome = await processSlice(state, input, sliceDeps, { commit, prefetched, maxUsers: deps.sliceMaxUsers });
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
  return { ok: true, body: response(state, results, input, deps) };
}

function nextToken(state: RunState, deps: BatchDeps): string | null {
  return state.cursor === null ? null : encodeRunToken(state, deps.cursorSecret);
}

function response(state: RunState, results: BatchResult[], input: SliceInput, deps: BatchDeps): SliceResponse {
  return {
    runId: state.runId,
    dryRun: state.dryRun,
    done: state.cursor === null,
    next: nextToken(state, deps),
    total: state.total,
    processed: state.processed,
    counts: state.counts,
    results,
    elapsedMs: deps.clock() - input.startedAt,
  };
}

interface SliceOutcome {
  state: RunState;
  results: BatchResult[];
  portalFault?: PortalError;
  /** A commit found the run changed under us (another client): stop, answer 409. */
  lostRun: boolean;
  /** Users' durations in ms (median, 90th percentile, slowest), for the slice log. */
  userMs?: { p50: number; p90: number; max: number };
}

interface PageWork {
  page: PortalPage;
  start: number;
  /** One entry per user from `start`; undefined until done (or never started). */
  results: Array<BatchResult | undefined>;
  tasks: Array<Promise<void>>;
}

interface SliceHooks {
  /** Dry run only: numbers seen earlier in the run (from the cursor). */
  seen?: SeenNumbers;
  /** A page fetched ahead; used when it is the page the cursor names. */
  prefetched?: PrefetchedPage;
  /** Most users the slice starts (a dry run: at most DRY_SLICE_MAX_USERS). */
  maxUsers?: number;
  /** Persists the state; false when the run moved on under us. */
  commit(next: RunState, final: boolean): Promise<boolean>;
}

async function processSlice(
  initial: RunState,
  input: SliceInput,
  deps: BatchDeps,
  hooks: SliceHooks,
): Promise<SliceOutcome> {
  let state = initial;
  const results: BatchResult[] = [];
  if (!state.cursor) return { state, results, lostRun: false };

  // A real send needs SETTLE_RESERVE_MS left before the deadline (messaging refuses to start one later).
  const stopStartingAt = workDeadline(input.startedAt, input.budgetMs) - (state.dryRun ? 0 : SETTLE_RESERVE_MS);
  const recent = new RecentDurations(RECENT_USERS);
  /** Every user's duration in this slice, for the slice log. */
  const durations: number[] = [];
  let stopped = false;
  let lostRun = false;
  const budgetEnd = input.startedAt + input.budgetMs;
  let slowestCommitMs = 0;
  let startedUsers = 0;
  const canStart = () => {
    if (stopped) return false;
    if (hooks.maxUsers !== undefined && startedUsers >= hooks.maxUsers) stopped = true;
    const now = deps.clock();
    const slow = recent.size
      ? USER_ESTIMATE_MARGIN * recent.percentile(USER_ESTIMATE_PERCENTILE)
      : INITIAL_USER_ESTIMATE_MS;
    const slowest = recent.max();
    const finalCommit = Math.max(MIN_FINAL_COMMIT_MS, FINAL_COMMIT_MARGIN * slowestCommitMs);
    if (now + slow >= stopStartingAt || now + slowest + finalCommit >= budgetEnd) stopped = true;
    return !stopped;
  };
  const commit = async (next: RunState, final: boolean): Promise<boolean> => {
    const began = deps.clock();
    try {
      return await hooks.commit(next, final);
    } finally {
      slowestCommitMs = Math.max(slowestCommitMs, deps.clock() - began);
    }
  };

  const dryRun = state.dryRun;
  const config = deps.registration.config;
  /** Numbers started in this slice, with the user that has them (exact within the slice). */
  const sliceOwners = new Map<string, string>();
  const startedAt = state.startedAt;

  async function handleUser(user: PortalUser): Promise<BatchResult | undefined> {
    if (!canStart()) return undefined;
    startedUsers++;
    const began = deps.clock();
    const normalized = normalizePhone(user.phone, {
      defaultCountry: config.defaultCountry,
      allowedCountries: config.allowedCountries,
    });
    if (normalized.ok) {
      const owner = sliceOwners.get(normalized.e164);
      const seenBefore = owner === undefined && (hooks.seen?.has(normalized.e164) ?? false);
      if ((owner !== undefined && owner !== user.id) || seenBefore) {
        // The first portal user with this number keeps it; later ones are never registered.
        if (!dryRun)
          await deps.registration.activity.count(deps.registration.localDate(deps.registration.now()), {
            [COUNTER.registrationDuplicate]: 1,
          });
        return { userId: user.id, masked: normalized.masked, outcome: 'duplicate', reason: null };
      }
      sliceOwners.set(normalized.e164, user.id);
      hooks.seen?.add(normalized.e164);
    }
    const outcome = await registerNumber(
      {
        userId: user.id,
        phone: user.phone,
        name: user.name,
        channel: deps.channel,
        language: user.language ?? 'en',
        resubscribe: false,
        source: 'batch',
      },
      deps.registration,
      { dryRun, normalized },
    );
    const mapped = batchOutcomeOf(outcome);
    let result: BatchResult = { userId: user.id, ...mapped };
    if (!dryRun && outcome.kind === 'conflict' && (await registeredByThisRun(outcome.e164, startedAt, deps))) {
      result = { ...result, outcome: 'duplicate' };
    }
    const took = deps.clock() - began;
    durations.push(took);
    recent.add(took);
    return result;
  }

  const concurrency = Math.max(1, deps.concurrency);
  const limit = pLimit(concurrency);
  const schedule = (page: PortalPage, start: number): PageWork => {
    const work: PageWork = {
      page,
      start,
      results: new Array<BatchResult | undefined>(page.users.length - start).fill(undefined),
      tasks: [],
    };
    // Up to `concurrency` workers per page take its users in order, instead of one queued
    // task per user, so a fast (dry) slice does not hold a pending closure and promise per
    // user. The shared limit still caps the slice, and the next page's workers start as
    // this page's finish.
    let next = start;
    const worker = async () => {
      while (next < page.users.length) {
        const i = next++;
        work.results[i - start] = await handleUser(page.users[i]!);
      }
    };
    for (let w = Math.min(concurrency, page.users.length - start); w > 0; w--) work.tasks.push(limit(worker));
    return work;
  };

  let page: PortalPage;
  try {
    page = await (hooks.prefetched?.url === state.cursor.page
      ? hooks.prefetched.page
      : deps.portal.fetchPage(state.cursor.page));
  } catch (error) {
    if (!(error instanceof PortalError)) throw error;
    await hooks.commit(state, true);
    return { state, results, portalFault: error, lostRun: false };
  }
  if (state.cursor.offset > page.users.length) {
    await hooks.commit(state, true);
    return {
      state,
      results,
      portalFault: new PortalError(
        'portal_malformed_page',
        'The portal page is shorter than when this run last read it: keep the portal order stable during a run',
      ),
      lostRun: false,
    };
  }

  const works: PageWork[] = [schedule(page, state.cursor.offset)];
  let committedPages = 0;
  let portalFault: PortalError | undefined;
  let total = page.count;

  /** Commits every fully done page not committed yet (in order). */
  const commitDonePages = async (upTo: number, final: boolean) => {
    while (committedPages < upTo && !lostRun) {
      const work = works[committedPages]!;
      if (work.results.some((r) => r === undefined)) break;
      const done = work.results as BatchResult[];
      const next: PageCursor | null = work.page.next ? { page: work.page.next, offset: 0 } : null;
      const candidate = advanceRun(state, { cursor: next, results: done, total, now: new Date(deps.clock()) });
      const isLast = final && committedPages === upTo - 1;
      if (!(await commit(candidate, isLast))) {
        lostRun = true;
        stopped = true;
        break;
      }
      state = candidate;
      results.push(...done);
      committedPages++;
    }
  };

  for (;;) {
    const nextUrl = page.next;
    if (!nextUrl || !canStart()) break;
    // Fetch the next page while this one runs, so the workers never wait at a page boundary.
    try {
      page = await deps.portal.fetchPage(nextUrl);
    } catch (error) {
      if (!(error instanceof PortalError)) throw error;
      portalFault = error;
      break;
    }
    total = page.count;
    // At most two pages in flight; the older one is committed as soon as it is done.
    if (works.length >= 2) {
      await Promise.all(works[works.length - 2]!.tasks);
      await commitDonePages(works.length - 1, false);
    }
    if (!canStart()) break;
    works.push(schedule(page, 0));
  }

  for (const work of works) await Promise.all(work.tasks);
  // One final commit: every whole page not committed yet, then the done prefix of the first
  // unfinished page (a commit per page here would put a Sync round trip each on the answer).
  if (!lostRun) {
    let candidate = state;
    const done: BatchResult[] = [];
    for (const work of works.slice(committedPages)) {
      const firstUndone = work.results.findIndex((r) => r === undefined);
      const finished = (firstUndone === -1 ? work.results : work.results.slice(0, firstUndone)) as BatchResult[];
      const cursor: PageCursor | null =
        firstUndone !== -1
          ? { page: work.page.url, offset: work.start + finished.length }
          : work.page.next
            ? { page: work.page.next, offset: 0 }
            : null;
      candidate = advanceRun(candidate, { cursor, results: finished, total, now: new Date(deps.clock()) });
      done.push(...finished);
      if (firstUndone !== -1) break;
    }
    if (candidate === state || (await commit(candidate, true))) {
      state = candidate;
      results.push(...done);
    } else {
      lostRun = true;
    }
  }
  return { state, results, portalFault, lostRun, userMs: summarize(durations) };
}

interface PrefetchedPage {
  url: string;
  page: Promise<PortalPage>;
}

function prefetchPage(url: string, deps: BatchDeps): PrefetchedPage {
  const page = deps.portal.fetchPage(url);
  page.catch(() => undefined); // unused when the guess was stale; a used one is awaited (and its error met) there
  return { url, page };
}

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

function summarize(durations: number[]): SliceOutcome['userMs'] {
  if (durations.length === 0) return undefined;
  return { p50: percentile(durations, 0.5), p90: percentile(durations, 0.9), max: Math.max(...durations) };
}

/**
 * Real run, number held by another user: a duplicate when that user was registered by a
 * batch since this run started (the portal lists the number twice), a conflict otherwise.
 */
async function registeredByThisRun(e164: string, runStartedAt: string, deps: BatchDeps): Promise<boolean> {
  const item = await deps.registration.store.get<Subscriber>(
    shardedName(SUBSCRIBERS_MAP, e164, deps.registration.config.shards),
    e164,
  );
  if (!item) return false;
  return item.data.createdAt >= runStartedAt && item.data.consent[0]?.source === 'batch';
}
