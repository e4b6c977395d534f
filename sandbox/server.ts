/**
 * Offline stand-in for the parts of the Twilio REST API this project uses (Messages,
 * Lookup v2, Sync Maps/Items, Messaging Services) plus the demo portal API. Stateful, with
 * the physics that matter to us: latency, the account concurrency limit (429 / 20429),
 * about 20 writes/s per Sync object (429 / 54009), random 5xx, and magic failing numbers.
 * Paths arrive as the client factory rewrites them: /<product>/<original path>.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import twilio from 'twilio';
import { validateTwilioRequest, validateTwilioResponse, type ContractViolation } from './contract';
import { magicFor } from './magic-numbers';
import { handlePortal, type PortalOptions } from './portal';

export interface SandboxOptions {
  port: number;
  accountSid: string;
  authToken: string;
  messagingServiceSid: string;
  syncServiceSid: string;
  /** Added to every Twilio API call. */
  latencyMs: number;
  /** Twilio API calls in flight beyond this answer 429 / 20429 (0 = unlimited). */
  concurrencyLimit: number;
  /** Writes per second per Sync object (a Map is one object); beyond: 429 (0 = unlimited). */
  syncWritesPerSecond: number;
  /** Fraction of Twilio API calls answered 503 (seeded randomness). */
  errorRate: number;
  /** Delay between status steps (queued -> sent -> delivered) in ms. */
  statusStepMs: number;
  /** Friendly name of the seeded Sync service (setup finds it by this name). */
  syncServiceName: string;
  /** Content SIDs whose WhatsApp approval is pending/rejected (all others are approved). */
  unapprovedContent: string[];
  /** POST status callbacks (off in benchmarks that measure one route alone). */
  statusCallbacks: boolean;
  /** Where injected inbound messages are posted. */
  inboundWebhookUrl?: string;
  seed: number;
  portal: Partial<PortalOptions>;
  /** Keep a log of every Twilio API request (method, path, form, If-Match) for replay in benchmarks. */
  recordRequests: boolean;
  /** strict: every request and response is checked against Twilio's OpenAPI specs; a bad request is refused. */
  contract: 'strict' | 'off';
}

export const DEFAULT_SANDBOX: SandboxOptions = {
  port: 0,
  accountSid: 'AC00000000000000000000000000000000',
  authToken: '00000000000000000000000000000000',
  messagingServiceSid: 'MG00000000000000000000000000000000',
  syncServiceSid: 'IS00000000000000000000000000000000',
  latencyMs: 0,
  concurrencyLimit: 0,
  syncWritesPerSecond: 0,
  errorRate: 0,
  statusStepMs: 20,
  syncServiceName: 'aamcare-messaging',
  unapprovedContent: [],
  statusCallbacks: true,
  seed: 1,
  portal: {},
  recordRequests: false,
  contract: 'strict',
};

export interface SandboxMessage {
  sid: string;
  to: string;
  from: string;
  body?: string;
  contentSid?: string;
  contentVariables?: string;
  status: string;
  errorCode: number | null;
  statusCallback?: string;
  sendAt?: string;
  dateCreated: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  form: Record<string, string>;
  ifMatch?: string;
  /** Epoch ms the request arrived (before the configured latency). */
  at: number;
}

export interface CallbackDelivery {
  url: string;
  messageSid: string;
  status: string;
  answered: number;
}

interface SyncItem {
  key: string;
  data: unknown;
  revision: number;
  created: string;
  updated: string;
  expires?: number;
}

export interface SandboxHandle {
  url: string;
  options: SandboxOptions;
  messages(): SandboxMessage[];
  /** Webhook URLs currently set on the Messaging Service. */
  messagingService(): { inboundRequestUrl: string | null; statusCallback: string | null };
  callbacks(): CallbackDelivery[];
  /** Twilio API requests seen, when recordRequests is on. */
  requests(): RecordedRequest[];
  /** Contract violations seen (requests refused, responses that broke the spec). */
  violations(): ContractViolation[];
  syncItems(map: string): Array<{ key: string; data: unknown }>;
  /** Seeds a Sync map item directly (large fixtures without thousands of HTTP calls). */
  putItem(map: string, key: string, data: unknown): void;
  configure(changes: Partial<SandboxOptions>): void;
  reset(): void;
  /** Sends all scheduled messages now (as if their SendAt came). */
  fireScheduled(): number;
  inbound(input: { from: string; body: string; to?: string; url?: string }): Promise<{ status: number; body: string }>;
  /** Resolves when no status step is pending. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sid = (prefix: string) => prefix + randomBytes(16).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function formOf(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(text)) out[k] = v;
  return out;
}

export async function startSandbox(overrides: Partial<SandboxOptions> = {}): Promise<SandboxHandle> {
  const options: SandboxOptions = {
    ...DEFAULT_SANDBOX,
    ...overrides,
    portal: { ...DEFAULT_SANDBOX.portal, ...overrides.portal },
  };
  let random = mulberry32(options.seed);
  let messages = new Map<string, SandboxMessage>();
  let callbacks: CallbackDelivery[] = [];
  let maps = new Map<string, { sid: string; items: Map<string, SyncItem>; swept?: number }>();
  let writeLog = new Map<string, number[]>();
  let documents = new Map<string, { sid: string; name: string; item: SyncItem }>();
  const syncServices = new Map<string, string>([[options.syncServiceSid, options.syncServiceName]]);
  const messagingService = { inboundRequestUrl: null as string | null, statusCallback: null as string | null };
  let inFlight = 0;
  let violations: ContractViolation[] = [];
  let recorded: RecordedRequest[] = [];
  const pending = new Set<Promise<void>>();
  let baseUrl = '';

  const now = () => new Date();
  const iso = (d = now()) => d.toISOString();
  const rfc2822 = (d = now()) => d.toUTCString().replace('GMT', '+0000');

  function messageJson(m: SandboxMessage) {
    return {
      account_sid: options.accountSid,
      api_version: '2010-04-01',
      body: m.body ?? '',
      date_created: rfc2822(new Date(m.dateCreated)),
      date_sent: null,
      date_updated: rfc2822(),
      direction: 'outbound-api',
      error_code: m.errorCode,
      error_message: null,
      from: m.from,
      messaging_service_sid: options.messagingServiceSid,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid: m.sid,
      status: m.status,
      subresource_uris: { media: `/2010-04-01/Accounts/${options.accountSid}/Messages/${m.sid}/Media.json` },
      to: m.to,
      uri: `/2010-04-01/Accounts/${options.accountSid}/Messages/${m.sid}.json`,
    };
  }

  async function postCallback(m: SandboxMessage) {
    if (!m.statusCallback || !options.statusCallbacks) return;
    const params: Record<string, string> = {
      AccountSid: options.accountSid,
      ApiVersion: '2010-04-01',
      From: m.from,
      MessageSid: m.sid,
      MessageStatus: m.status,
      MessagingServiceSid: options.messagingServiceSid,
      SmsSid: m.sid,
      SmsStatus: m.status,
      To: m.to,
      ...(m.errorCode ? { ErrorCode: String(m.errorCode) } : {}),
    };
    const signature = twilio.getExpectedTwilioSignature(options.authToken, m.statusCallback, params);
    let answered = 0;
    try {
      const res = await fetch(m.statusCallback, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
        body: new URLSearchParams(params).toString(),
      });
      answered = res.status;
      await res.arrayBuffer();
    } catch {
      answered = 0;
    }
    callbacks.push({ url: m.statusCallback, messageSid: m.sid, status: m.status, answered });
  }

  /** queued -> sent -> delivered, or the magic number's failure, each posted to StatusCallback. */
  function drive(m: SandboxMessage) {
    const magic = magicFor(m.to.replace(/^whatsapp:/, ''));
    const whatsappBody = m.to.startsWith('whatsapp:') && !m.contentSid;
    const failure = magic?.when === 'async' ? magic.code : whatsappBody ? 63016 : undefined;
    const steps: Array<[string, number | null]> =
      failure === undefined
        ? [
            ['queued', null],
            ['sent', null],
            ['delivered', null],
          ]
        : [
            ['queued', null],
            [String(failure).startsWith('63') ? 'failed' : 'undelivered', failure],
          ];
    const run = (async () => {
      for (const [status, code] of steps) {
        await sleep(options.statusStepMs);
        if (m.status === 'canceled') return;
        m.status = status;
        m.errorCode = code;
        await postCallback(m);
      }
    })();
    pending.add(run);
    void run.finally(() => pending.delete(run));
  }

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
      url: `${baseUrl}/sync/v1/Services/${options.syncServiceSid}/Maps/${map.sid}/Items/${encodeURIComponent(item.key)}`,
    };
  }

  function documentJson(doc: { sid: string; name: string; item: SyncItem }) {
    return {
      sid: doc.sid,
      unique_name: doc.name,
      account_sid: options.accountSid,
      service_sid: options.syncServiceSid,
      url: `${baseUrl}/sync/v1/Services/${options.syncServiceSid}/Documents/${doc.sid}`,
      links: { permissions: `${baseUrl}/sync/v1/Services/${options.syncServiceSid}/Documents/${doc.sid}/Permissions` },
      revision: String(doc.item.revision),
      data: doc.item.data,
      date_expires: doc.item.expires ? new Date(doc.item.expires).toISOString() : null,
      date_created: doc.item.created,
      date_updated: doc.item.updated,
      created_by: 'system',
    };
  }

  function syncServiceJson(sid: string, friendlyName: string) {
    return {
      sid,
      account_sid: options.accountSid,
      unique_name: null,
      friendly_name: friendlyName,
      date_created: iso(),
      date_updated: iso(),
      url: `${baseUrl}/sync/v1/Services/${sid}`,
      links: {},
    };
  }

  /** Sync Services: list and create. Every service shares the one set of maps (a sandbox simplification). */
  function handleSyncServices(method: string, form: Record<string, string>): [number, unknown] {
    if (method === 'POST') {
      const created = sid('IS');
      syncServices.set(created, form.FriendlyName ?? '');
      return [201, syncServiceJson(created, form.FriendlyName ?? '')];
    }
    const url = `${baseUrl}/sync/v1/Services?PageSize=50&Page=0`;
    return [
      200,
      {
        services: [...syncServices].map(([id, name]) => syncServiceJson(id, name)),
        meta: {
          page: 0,
          page_size: 50,
          first_page_url: url,
          previous_page_url: null,
          url,
          next_page_url: null,
          key: 'services',
        },
      },
    ];
  }

  /** Sync Documents: create (unique name), fetch by SID or name, update with If-Match. */
  function handleDocuments(
    method: string,
    parts: string[],
    form: Record<string, string>,
    headers: IncomingMessage['headers'],
  ): [number, unknown] {
    if (parts.length === 4 && method === 'POST') {
      const name = form.UniqueName ?? sid('ET');
      if ([...documents.values()].some((d) => d.name === name))
        throw new TwilioError(409, 54301, 'Unique name already exists');
      checkWriteRate(`document:${name}`);
      const doc = {
        sid: sid('ET'),
        name,
        item: {
          key: name,
          data: JSON.parse(form.Data ?? '{}') as unknown,
          revision: 0,
          created: iso(),
          updated: iso(),
        },
      };
      documents.set(doc.sid, doc);
      return [201, documentJson(doc)];
    }
    const ref = decodeURIComponent(parts[4] ?? '');
    const doc = documents.get(ref) ?? [...documents.values()].find((d) => d.name === ref);
    if (!doc || parts.length !== 5) throw new TwilioError(404, 20404, 'Document not found');
    if (method === 'GET') return [200, documentJson(doc)];
    if (method === 'DELETE') {
      documents.delete(doc.sid);
      return [204, undefined];
    }
    checkWriteRate(`document:${doc.name}`);
    const ifMatch = headers['if-match'];
    if (ifMatch !== undefined && ifMatch !== String(doc.item.revision))
      throw new TwilioError(412, 54103, 'The revision of the Document does not match');
    if (form.Data !== undefined) doc.item.data = JSON.parse(form.Data);
    doc.item.revision += 1;
    doc.item.updated = iso();
    return [200, documentJson(doc)];
  }

  function findMap(name: string) {
    const direct = maps.get(name);
    if (direct) return [name, direct] as const;
    for (const [n, m] of maps) if (m.sid === name) return [n, m] as const;
    return undefined;
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
  function liveItems(map: { items: Map<string, SyncItem>; swept?: number }) {
    const t = Date.now();
    if (map.swept === undefined || t - map.swept > 250) {
      for (const [k, item] of map.items) if (item.expires && item.expires <= t) map.items.delete(k);
      map.swept = t;
    }
    return map.items;
  }

  function handleSync(
    method: string,
    parts: string[],
    form: Record<string, string>,
    query: URLSearchParams,
    headers: IncomingMessage['headers'],
  ): [number, unknown] {
    // parts: ['v1','Services',IS,'Maps',map?,'Items',key?]
    if (parts.length === 2) return handleSyncServices(method, form);
    const service = syncServices.get(parts[2] ?? '');
    if (!service) throw new TwilioError(404, 20404, 'Sync service not found');
    if (parts.length === 3 && method === 'GET') return [200, syncServiceJson(parts[2]!, service)];
    if (parts[3] === 'Documents') return handleDocuments(method, parts, form, headers);
    if (parts[3] !== 'Maps') throw new TwilioError(404, 20404, 'Not found');
    if (parts.length === 4 && method === 'POST') {
      const name = form.UniqueName ?? sid('MP');
      if (maps.has(name)) throw new TwilioError(409, 54301, 'Unique name already exists');
      maps.set(name, { sid: sid('MP'), items: new Map() });
      const map = maps.get(name)!;
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
          url: `${baseUrl}/sync/v1/Services/${options.syncServiceSid}/Maps/${map.sid}`,
          links: {},
        },
      ];
    }
    const found = findMap(decodeURIComponent(parts[4] ?? ''));
    if (!found)
      throw new TwilioError(404, 20404, `The requested resource /Services/${parts[2]}/Maps/${parts[4]} was not found`);
    const [mapName, map] = found;
    const items = liveItems(map);
    if (parts.length === 6 && parts[5] === 'Items') {
      if (method === 'POST') {
        checkWriteRate(mapName);
        const key = form.Key ?? '';
        if (unexpired(items, key))
          throw new TwilioError(409, 54208, 'An Item with given key already exists in the Map');
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
        const order = query.get('Order') ?? 'asc';
        const pageSize = Math.min(1000, Number(query.get('PageSize') ?? 50));
        const from = query.get('From');
        const bounds = query.get('Bounds') ?? 'inclusive';
        let keys = [...items.keys()].sort();
        if (order === 'desc') keys.reverse();
        if (from !== null) {
          keys = keys.filter((k) =>
            order === 'asc'
              ? bounds === 'exclusive'
                ? k > from
                : k >= from
              : bounds === 'exclusive'
                ? k < from
                : k <= from,
          );
        }
        const page = keys.slice(0, pageSize).map((k) => itemJson(mapName, items.get(k)!));
        const url = `${baseUrl}/sync/v1/Services/${options.syncServiceSid}/Maps/${map.sid}/Items?PageSize=${pageSize}&Page=0`;
        return [
          200,
          {
            items: page,
            meta: {
              page: 0,
              page_size: pageSize,
              first_page_url: url,
              previous_page_url: null,
              url,
              next_page_url: null,
              key: 'items',
            },
          },
        ];
      }
    }
    if (parts.length === 7 && parts[5] === 'Items') {
      const key = decodeURIComponent(parts[6]!);
      const item = unexpired(items, key);
      if (!item) throw new TwilioError(404, 20404, 'Item not found');
      if (method === 'GET') return [200, itemJson(mapName, item)];
      if (method === 'DELETE') {
        checkWriteRate(mapName);
        items.delete(key);
        return [204, undefined];
      }
      if (method === 'POST') {
        checkWriteRate(mapName);
        const ifMatch = headers['if-match'];
        if (ifMatch !== undefined && ifMatch !== String(item.revision))
          throw new TwilioError(412, 54103, 'The revision of the Item does not match');
        if (form.Data !== undefined) item.data = JSON.parse(form.Data);
        const ttl = Number(form.Ttl ?? form.ItemTtl ?? 0);
        if (ttl > 0) item.expires = Date.now() + ttl * 1000;
        item.revision += 1;
        item.updated = iso();
        return [200, itemJson(mapName, item)];
      }
    }
    throw new TwilioError(404, 20404, 'Not found');
  }

  function scheduleWindow(sendAt: string | undefined): void {
    const at = Date.parse(sendAt ?? '');
    if (Number.isNaN(at)) throw new TwilioError(400, 35115, 'SendAt is not in a valid format');
    const ahead = (at - Date.now()) / 1000;
    if (ahead < 900 || ahead > 35 * 24 * 3600)
      throw new TwilioError(400, 35114, 'SendAt must be between 15 minutes and 35 days in the future');
  }

  /** 2010-style paging: Page + PageSize (+ PageToken, which we echo), newest first, filter by To/From. */
  function listMessages(query: URLSearchParams): [number, unknown] {
    const pageSize = Math.min(1000, Number(query.get('PageSize') ?? 50));
    const page = Number(query.get('Page') ?? 0);
    const to = query.get('To');
    const from = query.get('From');
    const all = [...messages.values()].filter((m) => (!to || m.to === to) && (!from || m.from === from)).reverse();
    const slice = all.slice(page * pageSize, (page + 1) * pageSize);
    const base = `/2010-04-01/Accounts/${options.accountSid}/Messages.json`;
    const filters = `${to ? `&To=${encodeURIComponent(to)}` : ''}${from ? `&From=${encodeURIComponent(from)}` : ''}`;
    const uri = (p: number) => `${base}?PageSize=${pageSize}&Page=${p}${filters}${p > 0 ? `&PageToken=PA${p}` : ''}`;
    return [
      200,
      {
        messages: slice.map(messageJson),
        end: page * pageSize + Math.max(0, slice.length - 1),
        first_page_uri: uri(0),
        next_page_uri: (page + 1) * pageSize < all.length ? uri(page + 1) : null,
        page,
        page_size: pageSize,
        previous_page_uri: page > 0 ? uri(page - 1) : null,
        start: page * pageSize,
        uri: uri(page),
      },
    ];
  }

  function handleMessages(
    method: string,
    parts: string[],
    form: Record<string, string>,
    query: URLSearchParams,
  ): [number, unknown] {
    // parts: ['2010-04-01','Accounts',AC,'Messages.json'] or [..., 'Messages', 'SM….json']
    if (parts[2] !== options.accountSid) throw new TwilioError(404, 20404, 'Account not found');
    if (parts[3] === 'Messages.json' && method === 'POST') {
      const to = form.To ?? '';
      if (!form.MessagingServiceSid && !form.From)
        throw new TwilioError(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required");
      if (form.MessagingServiceSid && form.MessagingServiceSid !== options.messagingServiceSid)
        throw new TwilioError(404, 20404, 'Messaging Service not found');
      if (!form.Body && !form.ContentSid) throw new TwilioError(400, 21602, 'Message body is required');
      const magic = magicFor(to.replace(/^whatsapp:/, ''));
      if (magic?.when === 'sync') throw new TwilioError(400, magic.code, `Sandbox magic number: ${magic.note}`);
      if (!/^(whatsapp:)?\+\d{6,15}$/.test(to)) throw new TwilioError(400, 21211, "Invalid 'To' Phone Number");
      const scheduled = form.ScheduleType === 'fixed';
      if (form.SendAt && !scheduled) throw new TwilioError(400, 35115, 'ScheduleType must be fixed when SendAt is set');
      if (scheduled) {
        if (!form.MessagingServiceSid)
          throw new TwilioError(400, 35118, 'MessagingServiceSid is required to schedule a message');
        scheduleWindow(form.SendAt);
      }
      const m: SandboxMessage = {
        sid: sid('SM'),
        to,
        from: to.startsWith('whatsapp:') ? 'whatsapp:+14155238886' : '+15005550006',
        body: form.Body,
        contentSid: form.ContentSid,
        contentVariables: form.ContentVariables,
        status: scheduled ? 'scheduled' : 'accepted',
        errorCode: null,
        statusCallback: form.StatusCallback,
        sendAt: form.SendAt,
        dateCreated: iso(),
      };
      messages.set(m.sid, m);
      if (!scheduled) drive(m);
      return [201, messageJson(m)];
    }
    if (parts[3] === 'Messages.json' && method === 'GET') return listMessages(query);
    if (parts[3] === 'Messages' && parts[4]) {
      const m = messages.get(parts[4].replace(/\.json$/, ''));
      if (!m) throw new TwilioError(404, 20404, 'Message not found');
      if (method === 'GET') return [200, messageJson(m)];
      if (method === 'POST' && form.Status === 'canceled') {
        if (m.status !== 'scheduled') throw new TwilioError(400, 30409, 'Only scheduled messages can be canceled');
        m.status = 'canceled';
        return [200, messageJson(m)];
      }
    }
    throw new TwilioError(404, 20404, 'Not found');
  }

  function handleLookup(parts: string[], query: URLSearchParams): [number, unknown] {
    const number = decodeURIComponent(parts[2] ?? '');
    const magic = magicFor(number);
    const parsed = parsePhoneNumberFromString(number);
    const valid = magic?.note.includes('valid=false') ? false : Boolean(parsed?.isValid());
    const wantsLineType = (query.get('Fields') ?? '').includes('line_type_intelligence');
    const type = magic?.note.includes('landline')
      ? 'landline'
      : parsed?.getType() === 'FIXED_LINE'
        ? 'landline'
        : 'mobile';
    return [
      200,
      {
        calling_country_code: parsed?.countryCallingCode ?? null,
        country_code: parsed?.country ?? null,
        phone_number: valid ? parsed!.number : number,
        national_format: valid ? parsed!.formatNational() : null,
        valid,
        validation_errors: valid ? [] : ['NOT_A_NUMBER'],
        caller_name: null,
        sim_swap: null,
        call_forwarding: null,
        line_status: null,
        line_type_intelligence: wantsLineType
          ? {
              type,
              carrier_name: 'Sandbox Telecom',
              mobile_country_code: '429',
              mobile_network_code: '01',
              error_code: null,
            }
          : null,
        identity_match: null,
        reassigned_number: null,
        sms_pumping_risk: null,
        phone_number_quality_score: null,
        pre_fill: null,
        url: `${baseUrl}/lookups/v2/PhoneNumbers/${encodeURIComponent(number)}`,
      },
    ];
  }

  function messagingServiceJson() {
    return {
      sid: options.messagingServiceSid,
      account_sid: options.accountSid,
      friendly_name: 'Sandbox',
      inbound_request_url: messagingService.inboundRequestUrl,
      inbound_method: 'POST',
      status_callback: messagingService.statusCallback,
      use_inbound_webhook_on_number: false,
      date_created: iso(),
      date_updated: iso(),
      url: `${baseUrl}/messaging/v1/Services/${options.messagingServiceSid}`,
      links: { phone_numbers: `${baseUrl}/messaging/v1/Services/${options.messagingServiceSid}/PhoneNumbers` },
    };
  }

  function handleMessaging(method: string, parts: string[], form: Record<string, string>): [number, unknown] {
    if (parts[1] !== 'Services' || parts[2] !== options.messagingServiceSid)
      throw new TwilioError(404, 20404, 'Messaging Service not found');
    if (parts.length === 3 && method === 'GET') return [200, messagingServiceJson()];
    if (parts.length === 3 && method === 'POST') {
      if (form.InboundRequestUrl !== undefined) messagingService.inboundRequestUrl = form.InboundRequestUrl;
      if (form.StatusCallback !== undefined) messagingService.statusCallback = form.StatusCallback;
      return [200, messagingServiceJson()];
    }
    if (parts[3] === 'PhoneNumbers' && method === 'GET') {
      const url = `${baseUrl}/messaging/v1/Services/${options.messagingServiceSid}/PhoneNumbers?PageSize=50&Page=0`;
      const number = {
        sid: 'PN' + '0'.repeat(32),
        account_sid: options.accountSid,
        service_sid: options.messagingServiceSid,
        phone_number: '+15005550006',
        country_code: 'US',
        capabilities: ['SMS'],
        date_created: iso(),
        date_updated: iso(),
        url: `${url.split('?')[0]}/PN${'0'.repeat(32)}`,
      };
      return [
        200,
        {
          phone_numbers: [number],
          meta: {
            page: 0,
            page_size: 50,
            first_page_url: url,
            previous_page_url: null,
            url,
            next_page_url: null,
            key: 'phone_numbers',
          },
        },
      ];
    }
    throw new TwilioError(404, 20404, 'Not found');
  }

  /** Content API: WhatsApp approval status of a template. */
  function handleContent(method: string, parts: string[]): [number, unknown] {
    if (method === 'GET' && parts[1] === 'Content' && parts[3] === 'ApprovalRequests' && parts.length === 4) {
      const contentSid = parts[2]!;
      const status = options.unapprovedContent.includes(contentSid) ? 'rejected' : 'approved';
      return [
        200,
        {
          sid: contentSid,
          account_sid: options.accountSid,
          whatsapp: {
            type: 'whatsapp',
            name: 'aamcare_template',
            category: 'UTILITY',
            content_type: 'twilio/text',
            status,
            rejection_reason: status === 'approved' ? '' : 'sandbox: rejected',
            allow_category_change: true,
          },
          url: `${baseUrl}/content/v1/Content/${contentSid}/ApprovalRequests`,
        },
      ];
    }
    throw new TwilioError(404, 20404, 'Content not found');
  }

  function authorized(req: IncomingMessage): boolean {
    const expected = 'Basic ' + Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64');
    return req.headers.authorization === expected;
  }

  async function handleTwilio(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    product: string,
    parts: string[],
  ): Promise<void> {
    inFlight++;
    const arrivedAt = Date.now();
    try {
      if (!authorized(req)) throw new TwilioError(401, 20003, 'Authentication Error - invalid username');
      if (options.concurrencyLimit > 0 && inFlight > options.concurrencyLimit) {
        throw new TwilioError(429, 20429, 'Too Many Requests', { 'Retry-After': '1' });
      }
      if (options.latencyMs > 0) await sleep(options.latencyMs);
      if (options.errorRate > 0 && random() < options.errorRate)
        throw new TwilioError(503, 20503, 'Service Unavailable (sandbox fault injection)');
      const form = formOf(await readBody(req));
      const method = req.method ?? 'GET';
      const path = '/' + parts.join('/');
      if (options.recordRequests) {
        const ifMatch = req.headers['if-match'];
        recorded.push({
          method,
          path: url.pathname + url.search,
          form,
          at: arrivedAt,
          ...(typeof ifMatch === 'string' ? { ifMatch } : {}),
        });
      }
      if (options.contract === 'strict') {
        // Repeated keys (e.g. several Fields) are kept as arrays.
        const query: Record<string, string | string[]> = {};
        for (const [k, v] of url.searchParams) {
          const prior = query[k];
          query[k] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
        }
        const problems = validateTwilioRequest({ method, product, path, query, form });
        if (problems.length > 0) {
          violations.push(...problems);
          throw new TwilioError(400, 20001, `Contract violation: ${problems.map((p) => p.message).join('; ')}`);
        }
      }
      let result: [number, unknown];
      if (product === 'api') result = handleMessages(method, parts, form, url.searchParams);
      else if (product === 'sync') result = handleSync(method, parts, form, url.searchParams, req.headers);
      else if (product === 'lookups') result = handleLookup(parts, url.searchParams);
      else if (product === 'messaging') result = handleMessaging(method, parts, form);
      else if (product === 'content') result = handleContent(method, parts);
      else throw new TwilioError(404, 20404, 'Unknown product');
      if (options.contract === 'strict' && result[1] !== undefined)
        violations.push(...validateTwilioResponse({ method, product, path, status: result[0], body: result[1] }));
      send(res, result[0], result[1]);
    } catch (error) {
      if (error instanceof TwilioError) {
        const body = {
          code: error.code,
          message: error.message,
          more_info: `https://www.twilio.com/docs/errors/${error.code}`,
          status: error.status,
        };
        // Error answers are checked too (not the refusals of bad requests: those are already recorded).
        if (options.contract === 'strict' && error.code !== 20001) {
          violations.push(
            ...validateTwilioResponse({
              method: req.method ?? 'GET',
              product,
              path: '/' + parts.join('/'),
              status: error.status,
              body,
            }),
          );
        }
        send(res, error.status, body, error.headers);
      } else {
        send(res, 500, {
          code: 20500,
          message: String(error),
          more_info: 'https://www.twilio.com/docs/errors/20500',
          status: 500,
        });
      }
    } finally {
      inFlight--;
    }
  }

  function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
    if (status === 204 || body === undefined) {
      res.writeHead(status, headers);
      res.end();
      return;
    }
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  const handle: SandboxHandle = {
    url: '',
    options,
    messages: () => [...messages.values()],
    messagingService: () => ({ ...messagingService }),
    callbacks: () => [...callbacks],
    violations: () => [...violations],
    requests: () => [...recorded],
    syncItems: (map) => {
      const found = findMap(map);
      return found ? [...liveItems(found[1]).values()].map((i) => ({ key: i.key, data: i.data })) : [];
    },
    putItem: (map, key, data) => {
      if (!maps.has(map)) maps.set(map, { sid: sid('MP'), items: new Map() });
      maps.get(map)!.items.set(key, { key, data, revision: 0, created: iso(), updated: iso() });
    },
    configure: (changes) => Object.assign(options, changes),
    reset: () => {
      messages = new Map();
      callbacks = [];
      maps = new Map();
      writeLog = new Map();
      documents = new Map();
      violations = [];
      recorded = [];
      random = mulberry32(options.seed);
    },
    fireScheduled: () => {
      let fired = 0;
      for (const m of messages.values()) {
        if (m.status === 'scheduled') {
          m.status = 'accepted';
          drive(m);
          fired++;
        }
      }
      return fired;
    },
    inbound: async ({ from, body, to, url }) => {
      const target = url ?? options.inboundWebhookUrl;
      if (!target) throw new Error('no inbound webhook URL configured');
      const whatsapp = from.startsWith('whatsapp:');
      const params: Record<string, string> = {
        AccountSid: options.accountSid,
        ApiVersion: '2010-04-01',
        Body: body,
        From: from,
        MessageSid: sid('SM'),
        MessagingServiceSid: options.messagingServiceSid,
        NumMedia: '0',
        NumSegments: '1',
        SmsMessageSid: '',
        SmsSid: '',
        SmsStatus: 'received',
        To: to ?? (whatsapp ? 'whatsapp:+14155238886' : '+15005550006'),
      };
      params.SmsMessageSid = params.MessageSid!;
      params.SmsSid = params.MessageSid!;
      const signature = twilio.getExpectedTwilioSignature(options.authToken, target, params);
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
        body: new URLSearchParams(params).toString(),
      });
      return { status: res.status, body: await res.text() };
    },
    settle: async () => {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    close: async () => {
      await handle.settle();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };

  async function handleControl(req: IncomingMessage, res: ServerResponse, url: URL, parts: string[]) {
    const body = await readBody(req);
    const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
    switch (`${req.method} ${parts[0]}`) {
      case 'GET messages': {
        const to = url.searchParams.get('to');
        const status = url.searchParams.get('status');
        return send(res, 200, {
          messages: handle.messages().filter((m) => (!to || m.to === to) && (!status || m.status === status)),
        });
      }
      case 'GET violations':
        return send(res, 200, { violations });
      case 'GET callbacks':
        return send(res, 200, { callbacks: handle.callbacks() });
      case 'GET config':
        return send(res, 200, { ...options, authToken: undefined });
      case 'POST config':
        handle.configure(input as Partial<SandboxOptions>);
        return send(res, 200, { ...options, authToken: undefined });
      case 'POST reset':
        handle.reset();
        return send(res, 200, { ok: true });
      case 'POST fire-scheduled':
        return send(res, 200, { fired: handle.fireScheduled() });
      case 'POST inbound':
        return send(res, 200, await handle.inbound(input as { from: string; body: string }));
      default:
        return send(res, 404, { error: 'unknown control route' });
    }
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const [product, ...parts] = url.pathname.split('/').filter((p) => p !== '');
    const route =
      product === '__sandbox'
        ? handleControl(req, res, url, parts)
        : product === 'portal'
          ? handlePortal(req, res, url, { ...options.portal, baseUrl })
          : handleTwilio(req, res, url, product ?? '', parts);
    route.catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handle.url = baseUrl;
  return handle;
}
