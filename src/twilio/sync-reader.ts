/**
 * Read-only Sync for the batch dry run: one GET of a Sync Map item (http-get.ts: node:http
 * with a keep-alive agent), and a KeyValueStore whose writes throw.
 *
 * Why not twilio-node here: a dry run reads one item per portal user, thousands per second,
 * and each call through twilio-node allocates enough that V8 promotes request garbage to
 * the old generation, which a Function's memory limit feels (figures: bench/README.md,
 * "Batch read path"). A GET of one item is a small, stable REST call; this module makes
 * only that call. Everything that writes still goes through twilio-node (sync-store.ts).
 *
 * Errors look like the client factory's: `status`, Twilio `code` and `retryAfterMs`, so
 * the retry helper classifies them the same way.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { parseRetryAfter, withRetry } from '../core/retry';
import { rewriteTwilioUrl } from './client';
import { httpGet } from './http-get';
import type { KeyValueStore, StoredItem } from '../app/ports';

export interface SyncReaderOptions {
  /** API key + secret, or Account SID + Auth Token (twilioCredentials). */
  credentials: { username: string; password: string };
  serviceSid: string;
  /** TWILIO_API_BASE_URL (local only): where https://sync.twilio.com/... is sent instead. */
  baseUrl?: string;
  /** Absolute epoch ms after which no retry starts (the function's time box). */
  deadline: () => number;
  /** Longest wait for one answer (as the Twilio client's timeout). */
  timeoutMs?: number;
}

/** An error answer (status >= 400), shaped for failureOf(); no answer at all is an HttpGetError. */
export class SyncReadError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SyncReadError';
  }
}

interface ItemJson {
  key?: unknown;
  data?: unknown;
  revision?: unknown;
  date_updated?: unknown;
}

/** The item's URL; map and key are path segments, so they are encoded (twilio-node leaves them raw). */
export function syncItemUrl(serviceSid: string, map: string, key: string, baseUrl?: string): string {
  const url = `https://sync.twilio.com/v1/Services/${encodeURIComponent(serviceSid)}/Maps/${encodeURIComponent(map)}/Items/${encodeURIComponent(key)}`;
  return baseUrl ? rewriteTwilioUrl(url, baseUrl) : url;
}

function errorOf(status: number, headers: IncomingHttpHeaders, body: string): SyncReadError {
  let code: number | undefined;
  let message = `Sync answered HTTP ${status}`;
  try {
    const json = JSON.parse(body) as { code?: unknown; message?: unknown };
    if (typeof json.code === 'number') code = json.code;
    if (typeof json.message === 'string') message = json.message;
  } catch {
    // not JSON (a proxy's error page): the status says enough
  }
  return new SyncReadError(message, status, code, parseRetryAfter(headers['retry-after'], Date.now()));
}

export type SyncItemGet = <T>(map: string, key: string) => Promise<StoredItem<T> | undefined>;

/** Reads one item (undefined when there is none), retried within the deadline like every Sync call. */
export function createSyncItemReader(options: SyncReaderOptions): SyncItemGet {
  const authorization =
    'Basic ' + Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString('base64');
  const timeoutMs = options.timeoutMs ?? 8000;
  const headers = { Authorization: authorization, Accept: 'application/json' };
  return async function get<T>(map: string, key: string): Promise<StoredItem<T> | undefined> {
    const url = syncItemUrl(options.serviceSid, map, key, options.baseUrl);
    const answer = await withRetry(
      async () => {
        const remaining = options.deadline() - Date.now();
        const res = await httpGet(url, headers, Math.max(1, Math.min(timeoutMs, remaining)));
        if (res.status === 404) return undefined;
        if (res.status !== 200) throw errorOf(res.status, res.headers, res.body);
        return res.body;
      },
      { deadline: options.deadline() },
    );
    if (answer === undefined) return undefined;
    const item = JSON.parse(answer) as ItemJson;
    if (typeof item.key !== 'string' || (typeof item.revision !== 'string' && typeof item.revision !== 'number'))
      throw new SyncReadError('Sync answered an item without key or revision', 200);
    const updated = typeof item.date_updated === 'string' ? new Date(item.date_updated) : undefined;
    return {
      key: item.key,
      data: item.data as T,
      revision: String(item.revision),
      ...(updated ? { dateUpdated: updated } : {}),
    };
  };
}

/** Thrown by the writes of a read-only store: a dry run must never reach Sync with one. */
export class ReadOnlyStoreError extends Error {
  constructor(operation: string) {
    super(`read-only store: ${operation} refused (a dry run writes nothing)`);
    this.name = 'ReadOnlyStoreError';
  }
}

/** A KeyValueStore that can only read single items: what a dry run gets. */
export function readOnlyStore(get: SyncItemGet): KeyValueStore {
  const refuse = (operation: string) => () => Promise.reject(new ReadOnlyStoreError(operation));
  return { get, create: refuse('create'), update: refuse('update'), remove: refuse('remove'), list: refuse('list') };
}
