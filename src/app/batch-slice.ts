/**
 * The slice engine of batch registration: from a run's cursor, pages through the portal,
 * runs each user through the SAME registration service as POST /register (bounded
 * concurrency), stops starting users when the budget is nearly spent or the welcome rate
 * is used up, and moves the cursor only past users that are done. src/app/batch.ts keeps
 * the run state around it (Sync for a real run, the signed token for a dry run).
 *
 * Users start in portal order, so the users done are a prefix, plus, when the welcome
 * rate or the time box stopped a user, the few that were in flight beside it: those wait in `ahead` until
 * the cursor reaches them. The cursor is "page URL + how many of its users are done".
 * The pages read and not finished travel to the next slice in the token (`carry`), so each
 * portal page is asked for once.
 */
import pLimit from 'p-limit';
import { SETTLE_RESERVE_MS } from '../core/send-outcome';
import {
  advanceRun,
  batchOutcomeOf,
  carriedPage,
  type BatchResult,
  type CarriedPage,
  type PageCursor,
  type RunState,
  type SeenNumbers,
  type SliceOptions,
} from '../core/batch';
import { COUNTER } from '../core/activity';
import type { Logger } from '../core/log';
import { maskRaw, normalizePhone } from '../core/phone';
import { RecentDurations } from '../core/recent-durations';
import { shardedName } from '../core/shard';
import type { Channel, Subscriber } from '../core/subscriber';
import { checkAnchorDate } from '../core/anchor-input';
import type { AnchorDates } from '../core/programmes';
import { PortalError, type KeyValueStore, type PortalClient, type PortalPage, type PortalUser } from './ports';
import { registerNumber, SUBSCRIBERS_MAP, type RegistrationDeps } from './registration';

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
 * The user's anchor dates when they pass the same checks as /register's; a date that does not
 * (out of range, not ISO, Bikram Sambat) is left out with a warning naming its reason code, and
 * the user is registered for the general daily tip.
 */
export function anchorDatesOf(
  user: PortalUser,
  deps: { registration: Pick<RegistrationDeps, 'localDate' | 'now'>; log: Logger },
): AnchorDates {
  if (!user.edd && !user.babyDob) return {};
  const today = deps.registration.localDate(deps.registration.now());
  const dates: AnchorDates = {};
  for (const [field, raw] of [
    ['edd', user.edd],
    ['baby_dob', user.babyDob],
  ] as const) {
    if (!raw) continue;
    const checked = checkAnchorDate(field, raw, today);
    if (checked.ok) dates[field === 'edd' ? 'edd' : 'babyDob'] = checked.value;
    else deps.log.warn('batch.anchor_date_dropped', { userId: user.id, field, code: checked.code });
  }
  return dates;
}

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

/** Something the admin should know about the portal's data (the dry run is where they look). */
export interface SliceWarning {
  code: 'field_missing';
  /** The setting to check, e.g. PORTAL_LANGUAGE_FIELD. */
  setting: string;
  field: string;
  /** Path and query of the first page where no user had it. */
  page: string;
  message: string;
}

export interface SliceOutcome {
  state: RunState;
  results: BatchResult[];
  portalFault?: PortalError;
  /** A commit found the run changed under us (another client): stop, answer 409. */
  lostRun: boolean;
  /** Users' durations in ms (median, 90th percentile, slowest), for the slice log. */
  userMs?: { p50: number; p90: number; max: number };
  /** Set when the welcome rate stopped the slice: seconds until it has room again. */
  waitSeconds?: number;
  warnings: SliceWarning[];
}

export interface SliceHooks {
  /** Dry run only: numbers seen earlier in the run (from the cursor). */
  seen?: SeenNumbers;
  /** Pages the previous slice read and handed on in its token. */
  carry?: readonly CarriedPage[];
  /** A page fetched ahead; used when it is the page the cursor names. */
  prefetched?: PrefetchedPage;
  /** Most users the slice starts (a dry run: at most DRY_SLICE_MAX_USERS). */
  maxUsers?: number;
  /**
   * Persists the state; false when the run moved on under us. `committed` are the results
   * this commit adds to the run, from row index `from`.
   */
  commit(next: RunState, final: boolean, committed: { from: number; results: BatchResult[] }): Promise<boolean>;
}

export interface PrefetchedPage {
  url: string;
  page: Promise<PortalPage>;
}

export function prefetchPage(url: string, deps: BatchDeps): PrefetchedPage {
  const page = deps.portal.fetchPage(url);
  page.catch(() => undefined); // unused when the guess was stale; a used one is awaited (and its error met) there
  return { url, page };
}

/** Deadline for outbound retries inside a slice: the budget minus the commit reserve. */
export function workDeadline(startedAt: number, budgetMs: number): number {
  return startedAt + budgetMs - COMMIT_RESERVE_MS;
}

interface PageWork {
  page: PortalPage;
  start: number;
  /** One entry per user from `start`; undefined until done (or never started, or waiting for the welcome rate). */
  results: Array<BatchResult | undefined>;
  tasks: Array<Promise<void>>;
}

const pathOf = (url: string) => {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
};

export async function processSlice(
  initial: RunState,
  input: SliceInput,
  deps: BatchDeps,
  hooks: SliceHooks,
): Promise<SliceOutcome> {
  let state = initial;
  const results: BatchResult[] = [];
  const warnings: SliceWarning[] = [];
  if (!state.cursor) return { state, results, lostRun: false, warnings };

  // A real send needs SETTLE_RESERVE_MS left before the deadline (messaging refuses to start one later).
  const stopStartingAt = workDeadline(input.startedAt, input.budgetMs) - (state.dryRun ? 0 : SETTLE_RESERVE_MS);
  const recent = new RecentDurations(RECENT_USERS);
  /** Every user's duration in this slice, for the slice log. */
  const durations: number[] = [];
  let stopped = false;
  let lostRun = false;
  let waitSeconds: number | undefined;
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
  const commit = async (next: RunState, final: boolean, committed: BatchResult[]): Promise<boolean> => {
    const began = deps.clock();
    try {
      return await hooks.commit(next, final, { from: state.processed, results: committed });
    } finally {
      slowestCommitMs = Math.max(slowestCommitMs, deps.clock() - began);
    }
  };

  const dryRun = state.dryRun;
  const config = deps.registration.config;
  /** Numbers started in this slice, with the user that has them (exact within the slice). */
  const sliceOwners = new Map<string, string>();
  const startedAt = state.startedAt;
  /** Results of users past the cursor, from earlier slices: reused, never registered twice. */
  const ahead = new Map((state.ahead ?? []).map((r) => [r.userId, r]));

  async function handleUser(user: PortalUser): Promise<BatchResult | undefined> {
    const earlier = ahead.get(user.id);
    if (earlier) return earlier;
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
        // The holder is known within the slice; a dry run remembers only hashes of earlier slices' numbers.
        return {
          userId: user.id,
          masked: normalized.masked,
          outcome: 'duplicate',
          reason: null,
          ...(owner !== undefined ? { holder: owner } : {}),
        };
      }
      sliceOwners.set(normalized.e164, user.id);
      hooks.seen?.add(normalized.e164);
    }
    const outcome = await registerNumber(
      {
        userId: user.id,
        phone: user.phone,
        name: user.name,
        channel: user.channel ?? deps.channel,
        language: user.language ?? 'en',
        resubscribe: false,
        source: 'batch',
        ...(user.timezone ? { timezone: user.timezone } : {}),
        ...anchorDatesOf(user, deps),
      },
      deps.registration,
      { dryRun, normalized },
    );
    if (outcome.kind === 'rate_limited' && outcome.cause === 'welcome_rate') {
      // The minute's welcomes are used up: this user waits (not done), nobody new starts,
      // and the caller comes back when the rate has room (the answer says when).
      waitSeconds = Math.max(waitSeconds ?? 0, outcome.retryAfterSeconds);
      stopped = true;
      return undefined;
    }
    if (outcome.kind === 'retry_later' && outcome.outOfTime) {
      // The slice's own time box refused the welcome before it reached Twilio (the claim is
      // given back): not started, so the next slice resumes at this user, as tips do.
      stopped = true;
      return undefined;
    }
    const mapped = batchOutcomeOf(outcome);
    let result: BatchResult = { userId: user.id, ...mapped };
    const raw = typeof user.phone === 'string' || typeof user.phone === 'number' ? String(user.phone) : '';
    if (result.masked === null && raw.trim() !== '') result = { ...result, masked: maskRaw(raw) };
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

  /** A page, from the carry when the previous slice handed it on, else from the portal (once). */
  const readPage = async (url: string, offset: number): Promise<PortalPage> => {
    const carried = carriedPage(hooks.carry, url, offset);
    if (carried) return carried;
    const page = await (hooks.prefetched?.url === url ? hooks.prefetched.page : deps.portal.fetchPage(url));
    for (const { setting, field } of page.missingFields ?? []) {
      if (warnings.some((w) => w.setting === setting)) continue;
      warnings.push({
        code: 'field_missing',
        setting,
        field,
        page: pathOf(url),
        message: `no user of portal page ${pathOf(url)} has the field "${field}" (${setting}): they get the default; check ${setting}`,
      });
    }
    return page;
  };

  let page: PortalPage;
  try {
    page = await readPage(state.cursor.page, state.cursor.offset);
  } catch (error) {
    if (!(error instanceof PortalError)) throw error;
    await hooks.commit(state, true, { from: state.processed, results: [] });
    return { state, results, portalFault: error, lostRun: false, warnings };
  }
  if (state.cursor.offset > page.users.length) {
    await hooks.commit(state, true, { from: state.processed, results: [] });
    return {
      state,
      results,
      portalFault: new PortalError(
        'portal_malformed_page',
        'The portal page is shorter than when this run last read it: keep the portal order stable during a run',
      ),
      lostRun: false,
      warnings,
    };
  }

  const works: PageWork[] = [schedule(page, state.cursor.offset)];
  /** A page read ahead that no user of started (handed on in the carry). */
  let unstarted: PortalPage | undefined;
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
      if (!(await commit(candidate, isLast, done))) {
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
    // Read the next page while this one runs, so the workers never wait at a page boundary.
    try {
      page = await readPage(nextUrl, 0);
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
    if (!canStart()) {
      unstarted = page;
      break;
    }
    works.push(schedule(page, 0));
  }

  for (const work of works) await Promise.all(work.tasks);
  // One final commit: every whole page not committed yet, then the done prefix of the first
  // unfinished page (a commit per page here would put a Sync round trip each on the answer),
  // with the results of users done past it held ahead.
  if (!lostRun) {
    let candidate = state;
    const done: BatchResult[] = [];
    const pending = works.slice(committedPages);
    const firstOpen = pending.findIndex((work) => work.results.some((r) => r === undefined));
    for (const [i, work] of pending.entries()) {
      if (firstOpen !== -1 && i > firstOpen) break;
      const firstUndone = work.results.findIndex((r) => r === undefined);
      const finished = (firstUndone === -1 ? work.results : work.results.slice(0, firstUndone)) as BatchResult[];
      const cursor: PageCursor | null =
        firstUndone !== -1
          ? { page: work.page.url, offset: work.start + finished.length }
          : work.page.next
            ? { page: work.page.next, offset: 0 }
            : null;
      const heldAhead =
        firstUndone === -1
          ? []
          : [work.results.slice(firstUndone), ...pending.slice(i + 1).map((w) => w.results)]
              .flat()
              .filter((r): r is BatchResult => r !== undefined);
      candidate = advanceRun(candidate, {
        cursor,
        results: finished,
        total,
        now: new Date(deps.clock()),
        ahead: heldAhead,
      });
      done.push(...finished);
    }
    if (candidate === state || (await commit(candidate, true, done))) {
      state = candidate;
      results.push(...done);
    } else {
      lostRun = true;
    }
  }
  if (!lostRun && state.cursor) {
    const held = [...works.map((w) => w.page), ...(unstarted ? [unstarted] : [])];
    const carry = carryFrom(held, state.cursor);
    if (carry.length > 0) state = { ...state, carry };
  }
  return { state, results, portalFault, lostRun, userMs: summarize(durations), waitSeconds, warnings };
}

/** The pages from the cursor's on, with the users still to do: the next slice's pages without asking the portal. */
function carryFrom(pages: readonly PortalPage[], cursor: PageCursor): CarriedPage[] {
  const at = pages.findIndex((p) => p.url === cursor.page);
  if (at === -1) return [];
  return pages.slice(at).map((p, i) => {
    const from = i === 0 ? cursor.offset : 0;
    return { url: p.url, count: p.count, next: p.next, from, users: p.users.slice(from) };
  });
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
