/**
 * Batch registration, the pure parts: slice options, batch outcomes (what a registration
 * outcome means in a batch report), counts, the set of numbers seen in a run, and the
 * signed cursor token a dry run travels with (a dry run writes nothing to Sync, so its
 * state rides with the client). No I/O.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { REQUEST_BUDGET_MS } from './budget';
import { explicitDryRun, isBlank, parseInteger } from './form-values';
import type { PortalPage } from './portal-values';

export const REAL_OUTCOMES = [
  'registered',
  'already_registered',
  'opted_out',
  'conflict',
  'invalid',
  'duplicate',
  'country_not_allowed',
  'rejected_by_twilio',
  'retry_later',
  'needs_join',
] as const;
export const DRY_RUN_OUTCOMES = [
  'would_register',
  'already_registered',
  'opted_out',
  'conflict',
  'invalid',
  'duplicate',
  'country_not_allowed',
] as const;

export type BatchOutcome = (typeof REAL_OUTCOMES)[number] | (typeof DRY_RUN_OUTCOMES)[number];
export type Counts = Record<string, number>;

export interface BatchResult {
  userId: string;
  /**
   * Masked E.164; for a value that is not a number, the portal's raw value masked (only its
   * last 3 digits readable, see maskRaw); null when the portal gave none.
   */
  masked: string | null;
  outcome: BatchOutcome;
  reason: string | null;
  /** conflict / duplicate: the portal user who holds the number, when the run knows it. */
  holder?: string;
}

export const PAGE_SIZE = { min: 1, max: 500, default: 100 } as const;
export const BUDGET = { min: 500, max: REQUEST_BUDGET_MS } as const;
/** Longest cursor token we accept (the seen-number set rides in it; a Function takes 6 MB). */
export const MAX_CURSOR_LENGTH = 2_000_000;
const RUN_ID = /^[A-Za-z0-9_.:-]{1,100}$/;

export interface SliceOptions {
  dryRun: boolean;
  runId?: string;
  cursor?: string;
  pageSize: number;
  budgetMs: number;
}

/** The slice request body (JSON or form: values may be strings). */
export function parseSliceOptions(
  body: Record<string, unknown>,
  defaultBudgetMs: number,
): { ok: true; value: SliceOptions } | { ok: false; code: string; message: string; field: string } {
  if (isBlank(body.dryRun))
    return {
      ok: false,
      code: 'dry_run_required',
      message: 'Say dryRun: true for a dry run or dryRun: false for a real run that sends welcomes',
      field: 'dryRun',
    };
  const dryRun = explicitDryRun(body.dryRun);
  if (dryRun === undefined)
    return { ok: false, code: 'invalid_dry_run', message: 'dryRun must be true or false', field: 'dryRun' };
  const pageSize = parseInteger(body.pageSize, PAGE_SIZE.default);
  if (pageSize === undefined || pageSize < PAGE_SIZE.min || pageSize > PAGE_SIZE.max) {
    return {
      ok: false,
      field: 'pageSize',
      code: 'invalid_page_size',
      message: `pageSize must be an integer from ${PAGE_SIZE.min} to ${PAGE_SIZE.max}`,
    };
  }
  const budgetMs = parseInteger(body.budgetMs, Math.min(defaultBudgetMs, BUDGET.max));
  if (budgetMs === undefined || budgetMs < BUDGET.min || budgetMs > BUDGET.max) {
    return {
      ok: false,
      field: 'budgetMs',
      code: 'invalid_budget',
      message: `budgetMs must be an integer from ${BUDGET.min} to ${BUDGET.max}`,
    };
  }
  const runId = body.runId === undefined || body.runId === null || body.runId === '' ? undefined : body.runId;
  if (runId !== undefined && (typeof runId !== 'string' || !RUN_ID.test(runId))) {
    return {
      ok: false,
      field: 'runId',
      code: 'invalid_run_id',
      message: 'runId must be the runId a previous slice answered',
    };
  }
  const cursor = body.cursor === undefined || body.cursor === null || body.cursor === '' ? undefined : body.cursor;
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH)) {
    return {
      ok: false,
      field: 'cursor',
      code: 'invalid_cursor',
      message: 'cursor must be the `next` string a previous slice answered',
    };
  }
  return { ok: true, value: { dryRun, runId, cursor, pageSize, budgetMs } };
}

/** Rows one POST /admin/batch-results answers at most. */
export const RESULTS_LIMIT = { default: 1000, max: 5000 } as const;

export interface ResultsQuery {
  runId: string;
  from: number;
  limit: number;
}

/** The POST /admin/batch-results body: `runId`, `from` (row index, default 0), `limit`. */
export function parseResultsQuery(
  query: Record<string, unknown>,
): { ok: true; value: ResultsQuery } | { ok: false; code: string; message: string; field: string } {
  const runId = query.runId;
  if (typeof runId !== 'string' || !RUN_ID.test(runId))
    return { ok: false, code: 'invalid_run_id', message: 'runId must be the runId of a real run', field: 'runId' };
  const from = parseInteger(query.from, 0);
  if (from === undefined || from < 0)
    return {
      ok: false,
      code: 'invalid_from',
      message: 'from must be a row index (a whole number, 0 or more)',
      field: 'from',
    };
  const limit = parseInteger(query.limit, RESULTS_LIMIT.default);
  if (limit === undefined || limit < 1 || limit > RESULTS_LIMIT.max)
    return {
      ok: false,
      code: 'invalid_limit',
      message: `limit must be a whole number from 1 to ${RESULTS_LIMIT.max}`,
      field: 'limit',
    };
  return { ok: true, value: { runId, from, limit } };
}

/** run_2026-11-24T05-11-00Z_ab12cd: sortable by start time, unique by the random tail. */
export function newRunId(now: Date, randomHex: string): string {
  return `run_${now.toISOString().slice(0, 19).replace(/:/g, '-')}Z_${randomHex.slice(0, 6)}`;
}

export function emptyCounts(dryRun: boolean): Counts {
  return Object.fromEntries((dryRun ? DRY_RUN_OUTCOMES : REAL_OUTCOMES).map((o) => [o, 0]));
}

export function addCounts(counts: Counts, results: readonly BatchResult[]): Counts {
  const next = { ...counts };
  for (const r of results) next[r.outcome] = (next[r.outcome] ?? 0) + 1;
  return next;
}

/** The fields of a registration outcome a batch report needs (structural: core does not import app). */
export interface OutcomeLike {
  kind: string;
  masked?: string;
  reason?: string;
  code?: number;
  cause?: string;
  holderUserId?: string;
}

/**
 * Registration outcome -> batch outcome. `country_not_allowed` is reported on its own (an
 * SMS pumping guard, not a typo); a suppressed number is registered already, so it says so.
 */
export function batchOutcomeOf(outcome: OutcomeLike): {
  outcome: BatchOutcome;
  reason: string | null;
  masked: string | null;
  holder?: string;
} {
  const masked = outcome.masked ? outcome.masked : null;
  if (outcome.kind === 'conflict' && outcome.holderUserId !== undefined)
    return { outcome: 'conflict', reason: null, masked, holder: outcome.holderUserId };
  switch (outcome.kind) {
    case 'registered':
    case 'would_register':
    case 'already_registered':
    case 'opted_out':
    case 'conflict':
    case 'needs_join':
    case 'retry_later':
      return { outcome: outcome.kind, reason: null, masked };
    case 'suppressed':
      return { outcome: 'already_registered', reason: 'suppressed', masked };
    case 'in_progress':
      // Another instance holds the welcome claim right now: a later run finds it settled.
      return { outcome: 'retry_later', reason: 'in_progress', masked };
    case 'rate_limited':
      // A real slice waits for the welcome rate instead (the user stays pending); a number's own cooldown is reported.
      return { outcome: 'retry_later', reason: outcome.cause === 'cooldown' ? 'cooldown' : 'rate_limited', masked };
    case 'invalid':
      return outcome.reason === 'country_not_allowed'
        ? { outcome: 'country_not_allowed', reason: 'country_not_allowed', masked }
        : { outcome: 'invalid', reason: outcome.reason ?? 'invalid', masked };
    case 'rejected':
      return {
        outcome: 'rejected_by_twilio',
        reason: outcome.code !== undefined ? `twilio_${outcome.code}` : null,
        masked,
      };
    default:
      return { outcome: 'retry_later', reason: outcome.kind, masked };
  }
}

/** 48 bits of SHA-256: exact as a JS number, and a false match among 10^5 numbers is about 2 in 10^5. */
export function numberHash(e164: string): number {
  return createHash('sha256').update(e164).digest().readUIntBE(0, 6);
}

/** Distinct numbers a dry run remembers across slices: 8 characters each in the cursor. */
export const SEEN_CAP = 100_000;
const HASH_BYTES = 6;

/**
 * Numbers seen earlier in a run, as 48-bit hashes. Past `cap` numbers new ones are no longer
 * remembered (`capped`): the cursor stays under about 1 MB whatever the portal's size.
 *
 * The hashes from the cursor stay in their packed form (sorted, 6 bytes each, outside the
 * JS heap) and are binary-searched; only this slice's new hashes are JS numbers. A Set of
 * 100,000 numbers would be a few MB of heap objects on every dry slice.
 */
export class SeenNumbers {
  private readonly earlier: Buffer;
  private readonly added = new Set<number>();
  capped: boolean;

  /** `packed`: what pack() returned. */
  constructor(
    packed = '',
    capped = false,
    private readonly cap = SEEN_CAP,
  ) {
    this.earlier = Buffer.from(packed, 'base64url');
    this.capped = capped;
  }

  has(e164: string): boolean {
    const hash = numberHash(e164);
    return this.added.has(hash) || this.inEarlier(hash);
  }

  add(e164: string): void {
    const hash = numberHash(e164);
    if (this.added.has(hash) || this.inEarlier(hash)) return;
    if (this.size >= this.cap) {
      this.capped = true;
      return;
    }
    this.added.add(hash);
  }

  get size(): number {
    return this.earlier.length / HASH_BYTES + this.added.size;
  }

  /** Every hash, sorted, 6 bytes each, as base64url: the earlier ones merged with this slice's. */
  pack(): string {
    const added = Float64Array.from(this.added).sort();
    const out = Buffer.alloc(this.earlier.length + added.length * HASH_BYTES);
    let i = 0;
    let j = 0;
    let at = 0;
    const earlierCount = this.earlier.length / HASH_BYTES;
    while (i < earlierCount || j < added.length) {
      const fromEarlier = i < earlierCount ? this.earlier.readUIntBE(i * HASH_BYTES, HASH_BYTES) : Infinity;
      const next = j < added.length && added[j]! < fromEarlier ? added[j++]! : (i++, fromEarlier);
      out.writeUIntBE(next, at, HASH_BYTES);
      at += HASH_BYTES;
    }
    return out.toString('base64url');
  }

  private inEarlier(hash: number): boolean {
    let low = 0;
    let high = this.earlier.length / HASH_BYTES - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const value = this.earlier.readUIntBE(mid * HASH_BYTES, HASH_BYTES);
      if (value === hash) return true;
      if (value < hash) low = mid + 1;
      else high = mid - 1;
    }
    return false;
  }
}

/** Where a run stands: the portal page still to finish and how many of its users are done. */
export interface PageCursor {
  page: string;
  offset: number;
}

/** Everything a run carries between slices (in Sync for a real run, in the token for a dry run). */
export interface RunState {
  runId: string;
  dryRun: boolean;
  /** null once the last page is done. */
  cursor: PageCursor | null;
  total: number | null;
  processed: number;
  counts: Counts;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  /** Dry run only: SeenNumbers.pack(). */
  seen?: string;
  seenCapped?: boolean;
  /**
   * Real run: results of users past the cursor that finished while an earlier user waits
   * for the welcome rate. They join `results` (and the counts) when the cursor reaches
   * them, so every user is reported once, in portal order, with what really happened.
   */
  ahead?: BatchResult[];
  /**
   * In the `next` token only, never in Sync: the portal pages from the cursor on that the
   * last slice read and did not finish, so no page is asked of the portal twice.
   */
  carry?: CarriedPage[];
}

/** A portal page a slice read and handed on: its users from index `from` on. */
export interface CarriedPage {
  url: string;
  count: number;
  next: string | null;
  from: number;
  users: PortalPage['users'];
}

/** The page at `url` as carried, with its users from `offset` on, or undefined when the carry does not hold them. */
export function carriedPage(
  carry: readonly CarriedPage[] | undefined,
  url: string,
  offset: number,
): PortalPage | undefined {
  const held = carry?.find((c) => c.url === url);
  if (!held || held.from > offset || offset > held.from + held.users.length) return undefined;
  // Users before `offset` are done: blanks keep the page's indices (the slice starts at `offset`).
  return {
    url: held.url,
    count: held.count,
    next: held.next,
    users: [...new Array<PortalPage['users'][number]>(held.from).fill({ id: '', phone: '' }), ...held.users],
  };
}

/**
 * The carried pages hold portal users' numbers and names, and the token goes to the client
 * (the CLI and the Django command save it on disk): they travel encrypted, AES-256-GCM
 * under a key of their own derived from the admin token, as `base64url(iv | ciphertext | tag)`.
 */
function carryKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('batch-carry-v1').digest();
}

export function sealCarry(carry: readonly CarriedPage[], secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', carryKey(secret), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(carry), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The pages, or undefined when the sealed text is damaged or was sealed with another key. */
export function openCarry(sealed: string, secret: string): CarriedPage[] | undefined {
  try {
    const bytes = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', carryKey(secret), bytes.subarray(0, 12));
    decipher.setAuthTag(bytes.subarray(bytes.length - 16));
    const text = Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]);
    return JSON.parse(text.toString('utf8')) as CarriedPage[];
  } catch {
    return undefined;
  }
}

function cursorKey(secret: string): Buffer {
  // A key of its own, derived from the admin token: a cursor is no admin credential.
  // Change the version tag with RunState's shape (see decodeRunToken).
  return createHmac('sha256', secret).update('batch-cursor-v1').digest();
}

/** HMAC over the token's parts joined by '.', fed part by part (no copy of a large cursor). */
function signature(parts: readonly string[], secret: string): Buffer {
  const hmac = createHmac('sha256', cursorKey(secret));
  parts.forEach((part, i) => {
    if (i > 0) hmac.update('.');
    hmac.update(part);
  });
  return hmac.digest();
}

/**
 * Opaque, signed token of a run's state: `<base64url JSON>.<base64url HMAC-SHA256>`, and
 * for a dry run `<base64url JSON>.<seen>.<HMAC>`, the packed seen-number hashes in their own
 * part (already base64url: encoding them inside the JSON would base64 them twice).
 */
export function encodeRunToken(state: RunState, secret: string): string {
  const { seen, carry, ...rest } = state;
  const sealed = carry && carry.length > 0 ? { sealedCarry: sealCarry(carry, secret) } : {};
  const payload = Buffer.from(JSON.stringify({ ...rest, ...sealed })).toString('base64url');
  const parts = seen === undefined ? [payload] : [payload, seen];
  return `${parts.join('.')}.${signature(parts, secret).toString('base64url')}`;
}

/**
 * The state in a token, or undefined when it was not signed with this secret. What passes the
 * signature is what encodeRunToken wrote, so it is not checked again; the key's version tag
 * (`batch-cursor-v1`) changes whenever RunState's shape does, and older tokens then fail.
 */
export function decodeRunToken(token: string, secret: string): RunState | undefined {
  const parts = token.split('.');
  const given = Buffer.from(parts.pop()!, 'base64url');
  const expected = signature(parts, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  const [payload, seen] = parts as [string, string | undefined];
  const { sealedCarry, ...state } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as RunState & {
    sealedCarry?: string;
  };
  if (seen !== undefined) state.seen = seen;
  if (sealedCarry !== undefined) state.carry = openCarry(sealedCarry, secret);
  return state;
}

export function newRunState(input: { runId: string; dryRun: boolean; firstPage: string; now: Date }): RunState {
  const at = input.now.toISOString();
  return {
    runId: input.runId,
    dryRun: input.dryRun,
    cursor: { page: input.firstPage, offset: 0 },
    total: null,
    processed: 0,
    counts: emptyCounts(input.dryRun),
    startedAt: at,
    updatedAt: at,
    finishedAt: null,
  };
}

/**
 * State after a stretch of users is done: the new cursor, counts and totals. Results held
 * ahead for these users are dropped (they are in `results` now); `ahead`, when given,
 * adds results of users past the new cursor.
 */
export function advanceRun(
  state: RunState,
  input: {
    cursor: PageCursor | null;
    results: readonly BatchResult[];
    total: number | null;
    now: Date;
    ahead?: readonly BatchResult[];
  },
): RunState {
  const at = input.now.toISOString();
  const byUser = new Map((state.ahead ?? []).map((r) => [r.userId, r]));
  for (const r of input.ahead ?? []) byUser.set(r.userId, r);
  for (const r of input.results) byUser.delete(r.userId);
  const ahead = [...byUser.values()];
  const { ahead: _previous, ...rest } = state;
  return {
    ...rest,
    ...(ahead.length > 0 && input.cursor !== null ? { ahead } : {}),
    cursor: input.cursor,
    total: input.total ?? state.total,
    processed: state.processed + input.results.length,
    counts: addCounts(state.counts, input.results),
    updatedAt: at,
    finishedAt: input.cursor === null ? at : null,
  };
}
