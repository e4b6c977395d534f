/**
 * Key-value storage on Twilio Sync Maps. Atomic create (409 / 54208 when the key exists)
 * is our idempotency lock; updates carry the item revision (If-Match) so concurrent
 * function instances never overwrite each other. Maps are created lazily, as on a fresh
 * Sync service. Every call goes through the retry helper within the caller's deadline.
 */
import type { KeyValueStore, StoredItem } from '../app/ports';
import { withRetry } from '../core/retry';
import type {
  SyncMapItemContextUpdateOptions,
  SyncMapItemListInstanceCreateOptions,
  SyncMapItemListInstancePageOptions,
} from 'twilio/lib/rest/sync/v1/service/syncMap/syncMapItem';
import type { TwilioClient } from './client';

interface SyncItemResource {
  key: string;
  data: unknown;
  revision: string;
  dateUpdated?: Date;
}

const CODE_ITEM_EXISTS = 54208;
const CODE_MAP_EXISTS = 54301;
const CODE_REVISION_MISMATCH = 54103;
const CODE_NOT_FOUND = 20404;

function codeOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}
function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

function toItem<T>(resource: SyncItemResource): StoredItem<T> {
  return {
    key: resource.key,
    data: resource.data as T,
    revision: String(resource.revision),
    dateUpdated: resource.dateUpdated,
  };
}

export interface SyncStoreOptions {
  client: TwilioClient;
  serviceSid: string;
  /** Absolute epoch ms after which no retry starts (the function's time box). */
  deadline: () => number;
}

export function createSyncStore({ client, serviceSid, deadline }: SyncStoreOptions): KeyValueStore {
  const service = () => client.sync.v1.services(serviceSid);
  const retry = <T>(op: () => Promise<T>) => withRetry(op, { deadline: deadline() });

  async function ensureMap(map: string): Promise<void> {
    try {
      await retry(() => service().syncMaps.create({ uniqueName: map }));
    } catch (error) {
      if (codeOf(error) !== CODE_MAP_EXISTS && statusOf(error) !== 409) throw error;
    }
  }

  /**
   * Runs an item operation; on "map not found" makes sure the map exists (creating it is
   * idempotent: a concurrent creator's 409 is fine) and tries once more.
   */
  async function onMap<T>(map: string, op: () => Promise<T>): Promise<T> {
    try {
      return await retry(op);
    } catch (error) {
      if (codeOf(error) !== CODE_NOT_FOUND) throw error;
      await ensureMap(map);
      return retry(op);
    }
  }

  return {
    async create<T>(map: string, key: string, data: T, ttlSeconds?: number) {
      try {
        const params: SyncMapItemListInstanceCreateOptions = { key, data: data as object };
        if (ttlSeconds) params.ttl = ttlSeconds;
        const created = await onMap(map, () => service().syncMaps(map).syncMapItems.create(params));
        return toItem<T>(created);
      } catch (error) {
        if (codeOf(error) === CODE_ITEM_EXISTS || statusOf(error) === 409) return undefined;
        throw error;
      }
    },

    async get<T>(map: string, key: string) {
      try {
        return toItem<T>(await retry(() => service().syncMaps(map).syncMapItems(key).fetch()));
      } catch (error) {
        if (statusOf(error) === 404) return undefined;
        throw error;
      }
    },

    async update<T>(map: string, key: string, data: T, revision: string, ttlSeconds?: number) {
      try {
        const params: SyncMapItemContextUpdateOptions = { data: data as object, ifMatch: revision };
        if (ttlSeconds) params.ttl = ttlSeconds;
        const updated = await retry(() => service().syncMaps(map).syncMapItems(key).update(params));
        return toItem<T>(updated);
      } catch (error) {
        if (codeOf(error) === CODE_REVISION_MISMATCH || statusOf(error) === 412) return undefined;
        throw error;
      }
    },

    async remove(map: string, key: string) {
      try {
        await retry(() => service().syncMaps(map).syncMapItems(key).remove());
      } catch (error) {
        if (statusOf(error) !== 404) throw error;
      }
    },

    async list<T>(map: string, options: { after?: string; pageSize?: number; order?: 'asc' | 'desc' } = {}) {
      const pageSize = options.pageSize ?? 100;
      try {
        const params: SyncMapItemListInstancePageOptions = { pageSize, order: options.order ?? 'asc' };
        if (options.after !== undefined) {
          params.from = options.after;
          params.bounds = 'exclusive';
        }
        const page = await retry(() => service().syncMaps(map).syncMapItems.page(params));
        const items = page.instances.map((i) => toItem<T>(i));
        const last = items[items.length - 1];
        return { items, nextAfter: items.length === pageSize && last ? last.key : undefined };
      } catch (error) {
        if (statusOf(error) === 404) return { items: [] };
        throw error;
      }
    },
  };
}
