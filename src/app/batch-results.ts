/**
 * Every user's batch result, kept by the service (Sync map `batch-results`) as the run's
 * commits land, so a client that lost a slice's answer (killed CLI, closed tab) can still
 * write a report with every user once: POST /admin/batch-results reads them back by index.
 *
 * Layout: one item per commit and per chunk of at most RESULTS_CHUNK rows, key
 * `<runId>~<index of its first row, 9 digits>`, rows as compact arrays. A commit that is
 * replayed (a Function killed after writing its rows but before its run state) rewrites the
 * chunk at the same index; a reader follows chunks from index to index, so a stale chunk
 * that overlaps is skipped.
 */
import type { BatchResult } from '../core/batch';
import type { Logger } from '../core/log';
import type { KeyValueStore, ListPage } from './ports';

export const BATCH_RESULTS_MAP = 'batch-results';
/** Rows per item: ~60-100 bytes each keeps an item well under Sync's 16 KB. */
export const RESULTS_CHUNK = 100;
const RESULTS_TTL_SECONDS = 30 * 24 * 3600;
const INDEX_DIGITS = 9;

/** `holder` only on conflict/duplicate rows that know it (rows of older runs have four fields). */
type Row = [userId: string, masked: string | null, outcome: string, reason: string | null, holder?: string];

interface Chunk {
  from: number;
  rows: Row[];
}

const keyOf = (runId: string, index: number) => `${runId}~${String(index).padStart(INDEX_DIGITS, '0')}`;

/** Writes `results` (rows `from`, `from + 1`, ... of the run); never throws (a lost chunk is logged). */
export async function saveResults(
  store: KeyValueStore,
  log: Logger,
  runId: string,
  from: number,
  results: readonly BatchResult[],
): Promise<void> {
  const writes: Array<Promise<void>> = [];
  for (let start = 0; start < results.length; start += RESULTS_CHUNK) {
    const chunk: Chunk = {
      from: from + start,
      rows: results
        .slice(start, start + RESULTS_CHUNK)
        .map((r): Row =>
          r.holder === undefined
            ? [r.userId, r.masked, r.outcome, r.reason]
            : [r.userId, r.masked, r.outcome, r.reason, r.holder],
        ),
    };
    writes.push(
      putChunk(store, keyOf(runId, chunk.from), chunk).catch((error: unknown) =>
        log.warn('batch.results_not_saved', { runId, from: chunk.from, rows: chunk.rows.length, error }),
      ),
    );
  }
  await Promise.all(writes);
}

async function putChunk(store: KeyValueStore, key: string, chunk: Chunk): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await store.create(BATCH_RESULTS_MAP, key, chunk, RESULTS_TTL_SECONDS)) return;
    // A replayed commit: this index was written before, by a slice whose run state never landed.
    const existing = await store.get<Chunk>(BATCH_RESULTS_MAP, key);
    if (existing && (await store.update(BATCH_RESULTS_MAP, key, chunk, existing.revision, RESULTS_TTL_SECONDS))) return;
  }
  throw new Error('the results chunk kept changing');
}

export interface ResultsPage {
  from: number;
  results: BatchResult[];
  /** Index to ask from for more (the page was full), or null: caught up, or a gap follows. */
  next: number | null;
}

/** Chunks read backwards at most, looking for the one holding `from` past stale overlapping ones. */
const LOOKBACK = 20;

/**
 * Rows from index `from` on, at most `limit`, and only below `upTo` (the run's processed
 * count: rows past it belong to no committed state). Stops at a gap.
 */
export async function readResults(
  store: KeyValueStore,
  runId: string,
  from: number,
  limit: number,
  upTo: number,
): Promise<ResultsPage> {
  const results: BatchResult[] = [];
  if (from >= upTo) return { from, results, next: null };
  const prefix = `${runId}~`;
  const holds = (chunk: Chunk, index: number) => chunk.from <= index && chunk.from + chunk.rows.length > index;
  // The chunk holding `from`: the one with the greatest start at or before it.
  const before = await store.list<Chunk>(BATCH_RESULTS_MAP, {
    after: keyOf(runId, from + 1),
    order: 'desc',
    pageSize: LOOKBACK,
  });
  const start = before.items.find((item) => item.key.startsWith(prefix) && holds(item.data, from));
  if (!start) return { from, results, next: null };

  let expected = from;
  /** Takes the chunk's rows from `expected` on; false when the page is full or the run's end is reached. */
  const take = (chunk: Chunk): boolean => {
    for (const [userId, masked, outcome, reason, holder] of chunk.rows.slice(expected - chunk.from)) {
      if (expected >= upTo || results.length >= limit) return false;
      results.push({
        userId,
        masked,
        outcome: outcome as BatchResult['outcome'],
        reason,
        ...(holder !== undefined ? { holder } : {}),
      });
      expected++;
    }
    return expected < upTo && results.length < limit;
  };
  let more = take(start.data);
  let after: string | undefined = start.key;
  while (more && after !== undefined) {
    const page: ListPage<Chunk> = await store.list<Chunk>(BATCH_RESULTS_MAP, { after, order: 'asc', pageSize: 20 });
    after = page.nextAfter;
    for (const item of page.items) {
      // Each commit's rows start where the previous commit's ended: a chunk starting
      // earlier is a stale one from a replayed commit, one starting later is a gap.
      if (!item.key.startsWith(prefix) || item.data.from > expected) {
        more = false;
        break;
      }
      if (item.data.from < expected) continue;
      if (!take(item.data)) {
        more = false;
        break;
      }
    }
  }
  const full = results.length >= limit && expected < upTo;
  return { from, results, next: full ? expected : null };
}
