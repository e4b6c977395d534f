/**
 * Twilio REST client factory. Built from the Functions context (or any env object), so
 * routes, scripts and tests make clients the same way.
 *
 * TWILIO_API_BASE_URL (local only) sends every call to one base URL instead of
 * https://<product>.twilio.com, keeping the product as the first path segment:
 *   https://api.twilio.com/2010-04-01/...   -> <base>/api/2010-04-01/...
 *   https://sync.twilio.com/v1/...          -> <base>/sync/v1/...
 * Every error answer becomes a RestException that also carries `retryAfterMs`, which
 * twilio-node itself drops, so the retry helper can honor Retry-After.
 */
import type twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type RestException from 'twilio/lib/base/RestException';
import { parseRetryAfter } from '../core/retry';
import { setting, type Env } from '../core/settings';

export type TwilioClient = twilio.Twilio;

/**
 * twilio-node is loaded when the first client is made, not when a function file is: a
 * batch dry run makes no client, and loading the SDK costs a Function memory it then
 * lacks (figures: bench/README.md, "Batch read path").
 */
function sdk() {
  /* eslint-disable @typescript-eslint/no-require-imports -- deliberately lazy, see above */
  return {
    twilio: require('twilio') as typeof twilio,
    RequestClient: require('twilio/lib/base/RequestClient') as typeof RequestClient,
    RestException: (require('twilio/lib/base/RestException') as { default: typeof RestException }).default,
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
}

const TWILIO_HOST = /^https:\/\/([a-z0-9-]+)(?:\.[a-z0-9-]+)*\.twilio\.com(?=[/?]|$)/i;

/** Rewrite a Twilio API URL onto a local base, product first. Non-Twilio URLs are left alone. */
export function rewriteTwilioUrl(uri: string, baseUrl: string): string {
  const match = TWILIO_HOST.exec(uri);
  if (!match) return uri;
  const product = match[1]!.toLowerCase();
  return baseUrl.replace(/\/+$/, '') + '/' + product + uri.slice(match[0].length);
}

export type TwilioApiError = RestException & { retryAfterMs?: number };

/** Above the highest BATCH_CONCURRENCY the batch route allows (50). */
export const MAX_SOCKETS_PER_HOST = 64;

type RequestClientClass = new (baseUrl: string | undefined) => RequestClient;
let projectRequestClient: RequestClientClass | undefined;

/** twilio-node's RequestClient with our socket pool, URL rewrite and Retry-After (built on first use, see sdk()). */
function projectRequestClientClass(): RequestClientClass {
  if (projectRequestClient) return projectRequestClient;
  const { RequestClient: Base, RestException: Rest } = sdk();
  projectRequestClient = class ProjectRequestClient extends Base {
    constructor(private readonly baseUrl: string | undefined) {
      // twilio-node allows 20 sockets per host by default: more concurrent calls to one
      // Twilio host (a batch at BATCH_CONCURRENCY up to 50) would queue for a socket.
      super({ keepAlive: true, timeout: 8000, maxSockets: MAX_SOCKETS_PER_HOST });
    }

    override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
      const uri = this.baseUrl ? rewriteTwilioUrl(opts.uri, this.baseUrl) : opts.uri;
      const response = await super.request({ ...opts, uri });
      if (response.statusCode >= 400) {
        const error = new Rest(response) as TwilioApiError;
        const headers = (response.headers ?? {}) as Record<string, string | undefined>;
        const retryAfter = parseRetryAfter(headers['retry-after'] ?? headers['Retry-After'], Date.now());
        if (retryAfter !== undefined) error.retryAfterMs = retryAfter;
        throw error;
      }
      return response;
    }
  };
  return projectRequestClient;
}

/** Which credentials the client will use: an API key pair when present, else the Auth Token. */
export function twilioCredentials(env: Env): { username: string; password: string; accountSid: string } | undefined {
  const accountSid = setting(env, 'ACCOUNT_SID');
  if (!accountSid) return undefined;
  const apiKey = setting(env, 'TWILIO_API_KEY');
  const apiSecret = setting(env, 'TWILIO_API_SECRET');
  if (apiKey && apiSecret) return { username: apiKey, password: apiSecret, accountSid };
  const authToken = setting(env, 'AUTH_TOKEN');
  return authToken ? { username: accountSid, password: authToken, accountSid } : undefined;
}

/** twilioCredentials, or an error naming the settings to fill in. */
export function requireTwilioCredentials(env: Env): { username: string; password: string; accountSid: string } {
  const credentials = twilioCredentials(env);
  if (!credentials)
    throw new Error(
      'Twilio credentials are not configured (ACCOUNT_SID + AUTH_TOKEN or TWILIO_API_KEY + TWILIO_API_SECRET)',
    );
  return credentials;
}

/**
 * Clients cached per credential + base URL: a warm Function container serves many calls, and
 * reusing the client keeps its keep-alive connections to Twilio instead of a new TLS
 * handshake per request.
 */
const cache = new Map<string, TwilioClient>();

export function sharedTwilioClient(env: Env): TwilioClient {
  const credentials = twilioCredentials(env);
  const key = [
    credentials?.username,
    credentials?.password,
    credentials?.accountSid,
    setting(env, 'TWILIO_API_BASE_URL'),
  ].join('|');
  let client = cache.get(key);
  if (!client) {
    client = createTwilioClient(env);
    if (cache.size > 8) cache.clear();
    cache.set(key, client);
  }
  return client;
}

export function createTwilioClient(env: Env): TwilioClient {
  const credentials = requireTwilioCredentials(env);
  const ProjectRequestClient = projectRequestClientClass();
  return sdk().twilio(credentials.username, credentials.password, {
    accountSid: credentials.accountSid,
    httpClient: new ProjectRequestClient(setting(env, 'TWILIO_API_BASE_URL')),
  });
}
