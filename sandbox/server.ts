/**
 * Offline stand-in for the parts of the Twilio REST API this project uses, plus the demo
 * portal API. This file is the HTTP server, the router and the physics every Twilio call
 * shares: basic auth, latency, the account concurrency limit (429 / 20429), random 5xx,
 * request recording and the contract checks against Twilio's OpenAPI specs. Each product
 * (messages, lookup, sync, messaging-service, content, serverless) is its own module with its
 * own state; portal.ts is the demo portal and control.ts the /__sandbox/ routes.
 * Paths arrive as the client factory rewrites them: /<product>/<original path>.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createContent } from './content';
import { validateTwilioRequest, validateTwilioResponse, type ContractViolation } from './contract';
import { handleControl, simulateInbound, type InboundAnswer, type InboundInput } from './control';
import { formOf, parseMultipart, readRawBody, send, type UploadedPart } from './http';
import { createLookup } from './lookup';
import { createMessages, type SandboxMessage, type CallbackDelivery } from './messages';
import { createMessagingService, type MessagingServiceWebhooks } from './messaging-service';
import { DEFAULT_SANDBOX, type SandboxOptions } from './options';
import { handlePortal } from './portal';
import { createServerless, type ServerlessState } from './serverless';
import { createSync } from './sync';
import { sleep, TwilioError, type Answer, type ProductContext, type TwilioCall } from './twilio-api';

export { DEFAULT_SANDBOX, type SandboxOptions } from './options';
export type { SandboxMessage, CallbackDelivery } from './messages';
export type { ServerlessState } from './serverless';

export interface RecordedRequest {
  method: string;
  path: string;
  form: Record<string, string>;
  ifMatch?: string;
  /** Epoch ms the request arrived (before the configured latency). */
  at: number;
}

export interface SandboxHandle {
  url: string;
  options: SandboxOptions;
  messages(): SandboxMessage[];
  /** Webhook URLs currently set on the Messaging Service. */
  messagingService(): MessagingServiceWebhooks;
  callbacks(): CallbackDelivery[];
  /** Twilio API requests seen, when recordRequests is on. */
  requests(): RecordedRequest[];
  /** Path and query of every demo portal API request since the last reset (always recorded). */
  portalRequests(): string[];
  /** Contract violations seen (requests refused, responses that broke the spec). */
  violations(): ContractViolation[];
  syncItems(map: string): Array<{ key: string; data: unknown }>;
  /** Every Sync map's name. */
  syncMaps(): string[];
  /** Seeds a Sync map item directly (large fixtures without thousands of HTTP calls). */
  putItem(map: string, key: string, data: unknown): void;
  configure(changes: Partial<SandboxOptions>): void;
  reset(): void;
  /** Puts all scheduled messages in their queues at their SendAt (as if it came) and sends them. */
  fireScheduled(): number;
  /** Moves the simulated clock forward by ms; scheduled messages due by then are sent. */
  advanceClock(ms: number): { now: string; fired: number };
  /** Per sender: its rate and when its queue is empty again (simulated). */
  queues(): Array<{ from: string; segmentsPerSecond: number; busyUntil: string | null }>;
  /** A simulated inbound message; refused (422, `refused` set) from a country where SMS is one-way. */
  inbound(input: InboundInput): Promise<InboundAnswer>;
  /** Where a shortened link leads (the original URL), or undefined. */
  expandLink(shortUrl: string): string | undefined;
  /** Resolves when no status step is pending. */
  settle(): Promise<void>;
  /** The emulated Serverless API (Functions and Assets): its resources, builds and served environments. */
  serverless: {
    state(): ServerlessState;
    /** The local URL that answers for a deployed https://<domain>/path, once the latest deployment is served. */
    served(publicUrl: string): Promise<string>;
    /** What twilio-run printed lately for the environment at a domain. */
    logs(domainName: string): string;
  };
  close(): Promise<void>;
}

function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Twilio's error body for a status and code. */
function errorBody(status: number, code: number, message: string) {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

interface RequestBody {
  form: Record<string, string>;
  /** What the contract check reads: repeated keys as arrays, a file as its file name. */
  wire: Record<string, string | string[]>;
  params: URLSearchParams;
  files: Record<string, UploadedPart>;
}

/** A form body, or a multipart one (the Serverless upload host's Function and Asset Versions). */
async function bodyOf(raw: Buffer, contentType: string | undefined): Promise<RequestBody> {
  if (contentType?.toLowerCase().startsWith('multipart/form-data')) {
    const { fields, files } = await parseMultipart(raw, contentType);
    const names = Object.fromEntries(Object.entries(files).map(([name, file]) => [name, file.filename]));
    return { form: fields, wire: { ...fields, ...names }, params: new URLSearchParams(fields), files };
  }
  const text = raw.toString('utf8');
  const params = new URLSearchParams(text);
  return { form: formOf(text), wire: queryOf(params), params, files: {} };
}

/** Query parameters with repeated keys (e.g. several Fields) kept as arrays, as the contract check reads them. */
function queryOf(params: URLSearchParams): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of params) {
    const prior = query[k];
    query[k] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
  }
  return query;
}

export async function startSandbox(overrides: Partial<SandboxOptions> = {}): Promise<SandboxHandle> {
  const options: SandboxOptions = {
    ...DEFAULT_SANDBOX,
    ...overrides,
    portal: { ...DEFAULT_SANDBOX.portal, ...overrides.portal },
  };
  let baseUrl = '';
  const context: ProductContext = { options, baseUrl: () => baseUrl };
  const messages = createMessages(context);
  const sync = createSync(context);
  const messagingService = createMessagingService(context);
  const serverless = createServerless(context);
  const products = new Map<string, (call: TwilioCall) => Answer>([
    ['api', messages.handle],
    ['sync', sync.handle],
    ['lookups', createLookup(context).handle],
    ['messaging', messagingService.handle],
    ['content', createContent(context).handle],
    ['serverless', serverless.handle],
    ['serverless-upload', serverless.handleUpload],
  ]);

  let random = mulberry32(options.seed);
  let inFlight = 0;
  let violations: ContractViolation[] = [];
  let recorded: RecordedRequest[] = [];
  let portalRequests: string[] = [];

  function authorized(req: IncomingMessage): boolean {
    const expected = 'Basic ' + Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64');
    return req.headers.authorization === expected;
  }

  function record(req: IncomingMessage, url: URL, form: Record<string, string>, at: number) {
    const ifMatch = req.headers['if-match'];
    recorded.push({
      method: req.method ?? 'GET',
      path: url.pathname + url.search,
      form,
      at,
      ...(typeof ifMatch === 'string' ? { ifMatch } : {}),
    });
  }

  /** Auth, concurrency limit, latency, fault injection, contract checks; then the product answers. */
  async function handleTwilio(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    product: string,
    parts: string[],
  ): Promise<void> {
    inFlight++;
    const arrivedAt = Date.now();
    const method = req.method ?? 'GET';
    const path = '/' + parts.join('/');
    const strict = () => options.contract === 'strict';
    try {
      if (!authorized(req)) throw new TwilioError(401, 20003, 'Authentication Error - invalid username');
      if (options.concurrencyLimit > 0 && inFlight > options.concurrencyLimit) {
        throw new TwilioError(429, 20429, 'Too Many Requests', { 'Retry-After': '1' });
      }
      if (options.latencyMs > 0) await sleep(options.latencyMs);
      if (options.errorRate > 0 && random() < options.errorRate)
        throw new TwilioError(503, 20503, 'Service Unavailable (sandbox fault injection)');
      const { form, wire, params, files } = await bodyOf(await readRawBody(req), req.headers['content-type']);
      if (options.recordRequests) record(req, url, form, arrivedAt);
      if (strict()) {
        const problems = validateTwilioRequest({ method, product, path, query: queryOf(url.searchParams), form: wire });
        if (problems.length > 0) {
          violations.push(...problems);
          throw new TwilioError(400, 20001, `Contract violation: ${problems.map((p) => p.message).join('; ')}`);
        }
      }
      const handler = products.get(product);
      if (!handler) throw new TwilioError(404, 20404, 'Unknown product');
      const [status, body] = handler({
        method,
        parts,
        form,
        params,
        files,
        query: url.searchParams,
        headers: req.headers,
      });
      if (strict() && body !== undefined)
        violations.push(...validateTwilioResponse({ method, product, path, status, body }));
      send(res, status, body);
    } catch (error) {
      if (error instanceof TwilioError) {
        const body = errorBody(error.status, error.code, error.message);
        // Error answers are checked too (not the refusals of bad requests: those are already recorded).
        if (strict() && error.code !== 20001)
          violations.push(...validateTwilioResponse({ method, product, path, status: error.status, body }));
        send(res, error.status, body, error.headers);
      } else {
        send(res, 500, errorBody(500, 20500, String(error)));
      }
    } finally {
      inFlight--;
    }
  }

  const handle: SandboxHandle = {
    url: '',
    options,
    messages: messages.messages,
    messagingService: messagingService.webhooks,
    callbacks: messages.callbacks,
    violations: () => [...violations],
    requests: () => [...recorded],
    portalRequests: () => [...portalRequests],
    syncItems: sync.items,
    syncMaps: sync.mapNames,
    putItem: sync.putItem,
    configure: (changes) => Object.assign(options, changes),
    reset: () => {
      messages.reset();
      sync.reset();
      serverless.reset();
      violations = [];
      recorded = [];
      portalRequests = [];
      random = mulberry32(options.seed);
    },
    fireScheduled: messages.fireScheduled,
    advanceClock: messages.advanceClock,
    queues: messages.queues,
    inbound: (input) => simulateInbound(options, input),
    expandLink: messages.expandLink,
    settle: messages.settle,
    serverless: {
      state: serverless.state,
      served: serverless.served,
      logs: serverless.logs,
    },
    close: async () => {
      await handle.settle();
      await serverless.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://sandbox');
    const [product, ...parts] = url.pathname.split('/').filter((p) => p !== '');
    const route =
      product === '__sandbox'
        ? handleControl(req, res, url, parts, handle)
        : product === 'portal'
          ? Promise.resolve().then(() => {
              portalRequests.push(url.pathname + url.search);
              handlePortal(req, res, url, { ...options.portal, baseUrl });
            })
          : product === 'l' && req.method === 'GET'
            ? Promise.resolve().then(() => messages.followShortLink(res, parts[0] ?? ''))
            : handleTwilio(req, res, url, product ?? '', parts);
    route.catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(options.port, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  handle.url = baseUrl;
  return handle;
}
