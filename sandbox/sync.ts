/**
 * Sync v1: Services (list, create, fetch), Maps (create, find by name or SID) and Map Items
 * (create, fetch, list with From/Bounds/Order, update with If-Match, delete, TTL), and the
 * per-object write limit (429 / 54009). Every service shares the one set of maps (a sandbox
 * simplification).
 */
import {
  iso,
  newSid,
  singlePageMeta,
  TwilioError,
  type Answer,
  type ProductContext,
  type TwilioCall,
} from './twilio-api';

interface SyncItem {
  key: string;
  data: unknown;
  revision: number;
  created: string;
  updated: string;
  expires?: number;
}

interface SyncMap {
  sid: string;
  items: Map<string, SyncItem>;
  /** When expired items were last swept (epoch ms). */
  swept?: number;
}

export interface SyncProduct {
  handle: (call: TwilioCall) => Answer;
  /** Live items of a map (by name or SID); empty when there is no such map. */
  items: (map: string) => Array<{ key: string; data: unknown }>;
  /** Names of every map that exists (a test can look through all of Sync). */
  mapNames: () => string[];
  /** Seeds an item directly (large fixtures without thousands of HTTP calls). */
  putItem: (map: string, key: string, data: unknown) => void;
  reset: () => void;
}

function unexpired(items: Map<string, SyncItem>, key: string): SyncItem | undefined {
  const item = items.get(key);
  if (item?.expires !== undefined && item.expires <= Date.now()) {
    items.delete(key);
    return undefined;
  }
  return item;
}

/** Drops expired items; a full sweep at most every 250 ms per map keeps big maps cheap. */
function liveItems(map: SyncMap) {
  const t = Date.now();
  if (map.swept === undefined || t - map.swept > 250) {
    for (const [k, item] of map.items) if (item.expires && item.expires <= t) map.items.delete(k);
    map.swept = t;
  }
  return map.items;
}

/** Keys after (or before, descending) From, as Twilio's Map Item list reads them. */
function keysFrom(items: Map<string, SyncItem>, query: URLSearchParams): string[] {
  const order = query.get('Order') ?? 'asc';
  const from = query.get('From');
  const bounds = query.get('Bounds') ?? 'inclusive';
  const keys = [...items.keys()].sort();
  if (order === 'desc') keys.reverse();
  if (from === null) return keys;
  return keys.filter((k) =>
    order === 'asc' ? (bounds === 'exclusive' ? k > from : k >= from) : bounds === 'exclusive' ? k < from : k <= from,
  );
}

export function createSync({ options, baseUrl }: ProductContext): SyncProduct {
  let maps = new Map<string, SyncMap>();
  let writeLog = new Map<string, number[]>();
  const services = new Map<string, string>([[options.syncServiceSid, options.syncServiceName]]);

  function checkWriteRate(object: string) {
    if (options.syncWritesPerSecond <= 0) return;
    const t = Date.now();
    const recent = (writeLog.get(object) ?? []).filter((x) => t - x < 1000);
    if (recent.length >= options.syncWritesPerSecond) {
      writeLog.set(object, recent);
      throw new TwilioError(429, 54009, 'Rate limit exceeded for this Sync object', { 'Retry-After': '1' });
    }
    recent.push(t);
    writeLog.set(object, recent);
  }

  function findMap(name: string) {
    const direct = maps.get(name);
    if (direct) return [name, direct] as const;
    for (const [n, m] of maps) if (m.sid === name) return [n, m] as const;
    return undefined;
  }

  function itemJson(mapName: string, item: SyncItem) {
    const map = maps.get(mapName)!;
    return {
      account_sid: options.accountSid,
      service_sid: options.syncServiceSid,
      map_sid: map.sid,
      key: item.key,
      data: item.data,
      revision: String(item.revision),
      created_by: 'system',
      date_created: item.created,
      date_updated: item.updated,
      date_expires: item.expires ? new Date(item.expires).toISOString() : null,
      url: `${baseUrl()}/sync/v1/Services/${options.syncServiceSid}/Maps/${map.sid}/Items/${encodeURIComponent(item.key)}`,
    };
  }

  function serviceJson(sid: string, friendlyName: string) {
    return {
      sid,
      account_sid: options.accountSid,
      unique_name: null,
      friendly_name: friendlyName,
      date_created: iso(),
      date_updated: iso(),
      url: `${baseUrl()}/sync/v1/Services/${sid}`,
      links: {},
    };
  }

  function handleServices(method: string, form: Record<string, string>): Answer {
    if (method === 'POST') {
      const created = newSid('IS');
      services.set(created, form.FriendlyName ?? '');
      return [201, serviceJson(created, form.FriendlyName ?? '')];
    }
    const url = `${baseUrl()}/sync/v1/Services?PageSize=50&Page=0`;
    return [
      200,
      {
        services: [...services].map(([id, name]) => serviceJson(id, name)),
        meta: singlePageMeta(url, 50, 'services'),
      },
    ];
  }

  function createMap(form: Record<string, string>): Answer {
    const name = form.UniqueName ?? newSid('MP');
    if (maps.has(name)) throw new TwilioError(409, 54301, 'Unique name already exists');
    const map: SyncMap = { sid: newSid('MP'), items: new Map() };
    maps.set(name, map);
    return [
      201,
      {
        sid: map.sid,
        unique_name: name,
        account_sid: options.accountSid,
        service_sid: options.syncServiceSid,
        revision: '0',
        date_created: iso(),
        date_updated: iso(),
        date_expires: null,
        created_by: 'system',
        url: `${baseUrl()}/sync/v1/Services/${options.syncServiceSid}/Maps/${map.sid}`,
        links: {},
      },
    ];
  }

  /** POST and GET on …/Maps/{map}/Items. */
  function handleItems(method: string, mapName: string, map: SyncMap, call: TwilioCall): Answer | undefined {
    const items = liveItems(map);
    const { form, query } = call;
    if (method === 'POST') {
      checkWriteRate(mapName);
      const key = form.Key ?? '';
      if (unexpired(items, key)) throw new TwilioError(409, 54208, 'An Item with given key already exists in the Map');
      const ttl = Number(form.Ttl ?? form.ItemTtl ?? 0);
      const item: SyncItem = {
        key,
        data: JSON.parse(form.Data ?? '{}'),
        revision: 0,
        created: iso(),
        updated: iso(),
        ...(ttl > 0 ? { expires: Date.now() + ttl * 1000 } : {}),
      };
      items.set(key, item);
      return [201, itemJson(mapName, item)];
    }
    if (method === 'GET') {
      const pageSize = Math.min(1000, Number(query.get('PageSize') ?? 50));
      const page = keysFrom(items, query)
        .slice(0, pageSize)
        .map((k) => itemJson(mapName, items.get(k)!));
      const url = `${baseUrl()}/sync/v1/Services/${options.syncServiceSid}/Maps/${map.sid}/Items?PageSize=${pageSize}&Page=0`;
      return [200, { items: page, meta: singlePageMeta(url, pageSize, 'items') }];
    }
    return undefined;
  }

  /** GET, DELETE and POST (update, If-Match) on …/Maps/{map}/Items/{key}. */
  function handleItem(
    method: string,
    mapName: string,
    map: SyncMap,
    key: string,
    call: TwilioCall,
  ): Answer | undefined {
    const item = unexpired(liveItems(map), key);
    if (!item) throw new TwilioError(404, 20404, 'Item not found');
    if (method === 'GET') return [200, itemJson(mapName, item)];
    if (method === 'DELETE') {
      checkWriteRate(mapName);
      map.items.delete(key);
      return [204, undefined];
    }
    if (method === 'POST') {
      checkWriteRate(mapName);
      const ifMatch = call.headers['if-match'];
      if (ifMatch !== undefined && ifMatch !== String(item.revision))
        throw new TwilioError(412, 54103, 'The revision of the Item does not match');
      if (call.form.Data !== undefined) item.data = JSON.parse(call.form.Data);
      const ttl = Number(call.form.Ttl ?? call.form.ItemTtl ?? 0);
      if (ttl > 0) item.expires = Date.now() + ttl * 1000;
      item.revision += 1;
      item.updated = iso();
      return [200, itemJson(mapName, item)];
    }
    return undefined;
  }

  return {
    // parts: ['v1','Services',IS,'Maps',map?,'Items',key?]
    handle(call) {
      const { method, parts, form } = call;
      if (parts.length === 2) return handleServices(method, form);
      const service = services.get(parts[2] ?? '');
      if (!service) throw new TwilioError(404, 20404, 'Sync service not found');
      if (parts.length === 3 && method === 'GET') return [200, serviceJson(parts[2]!, service)];
      if (parts[3] !== 'Maps') throw new TwilioError(404, 20404, 'Not found');
      if (parts.length === 4 && method === 'POST') return createMap(form);
      const found = findMap(decodeURIComponent(parts[4] ?? ''));
      if (!found)
        throw new TwilioError(
          404,
          20404,
          `The requested resource /Services/${parts[2]}/Maps/${parts[4]} was not found`,
        );
      const [mapName, map] = found;
      const answer =
        parts.length === 6 && parts[5] === 'Items'
          ? handleItems(method, mapName, map, call)
          : parts.length === 7 && parts[5] === 'Items'
            ? handleItem(method, mapName, map, decodeURIComponent(parts[6]!), call)
            : undefined;
      if (answer) return answer;
      throw new TwilioError(404, 20404, 'Not found');
    },
    items(map) {
      const found = findMap(map);
      return found ? [...liveItems(found[1]).values()].map((i) => ({ key: i.key, data: i.data })) : [];
    },
    mapNames() {
      return [...maps.keys()];
    },
    putItem(map, key, data) {
      if (!maps.has(map)) maps.set(map, { sid: newSid('MP'), items: new Map() });
      maps.get(map)!.items.set(key, { key, data, revision: 0, created: iso(), updated: iso() });
    },
    reset() {
      maps = new Map();
      writeLog = new Map();
    },
  };
}
