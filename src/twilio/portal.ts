/**
 * Portal API client for batch registration: Django REST Framework pagination
 * (`{count, next, previous, results}`), followed page by page. Every fetch goes through the
 * retry helper within the caller's deadline; faults come back as PortalError with a code
 * and a message that names the setting to fix. The token never appears in an error.
 */
import { DeadlineExceededError, withRetry } from '../core/retry';
import { PortalError, type MissingField, type PortalClient, type PortalPage, type PortalUser } from '../app/ports';
import { channelOf, fieldAt, languageOf } from '../core/portal-values';
import { isTimeZone } from '../core/subscriber-time-zone';
import { httpGet, HttpGetError, type HttpAnswer, type HttpGet } from './http-get';

export interface PortalConfig {
  /** PORTAL_API_URL: the users endpoint (first page). */
  url: string;
  token: string;
  /** PORTAL_AUTH_SCHEME: Token (DRF TokenAuthentication) or Bearer. */
  scheme: string;
  idField: string;
  phoneField: string;
  /** PORTAL_NAME_FIELD, PORTAL_LANGUAGE_FIELD (defaults `name`, `language`). */
  nameField?: string;
  languageField?: string;
  /** PORTAL_CHANNEL_FIELD, PORTAL_TIMEZONE_FIELD: unmapped unless set. */
  channelField?: string;
  timezoneField?: string;
  /** PORTAL_EDD_FIELD, PORTAL_BABY_DOB_FIELD: the programmes' anchor dates, unmapped unless set. */
  eddField?: string;
  babyDobField?: string;
}

/** The optional fields a portal user may map, with the setting that names each. */
const OPTIONAL_FIELDS = [
  { key: 'nameField', setting: 'PORTAL_NAME_FIELD', fallback: 'name' },
  { key: 'languageField', setting: 'PORTAL_LANGUAGE_FIELD', fallback: 'language' },
  { key: 'channelField', setting: 'PORTAL_CHANNEL_FIELD', fallback: undefined },
  { key: 'timezoneField', setting: 'PORTAL_TIMEZONE_FIELD', fallback: undefined },
  { key: 'eddField', setting: 'PORTAL_EDD_FIELD', fallback: undefined },
  { key: 'babyDobField', setting: 'PORTAL_BABY_DOB_FIELD', fallback: undefined },
] as const;

type FieldConfig = Pick<
  PortalConfig,
  | 'idField'
  | 'phoneField'
  | 'nameField'
  | 'languageField'
  | 'channelField'
  | 'timezoneField'
  | 'eddField'
  | 'babyDobField'
>;

/** The optional fields this configuration reads: [setting, field name]. */
function mappedFields(config: FieldConfig): Array<{ setting: string; field: string }> {
  return OPTIONAL_FIELDS.flatMap(({ key, setting, fallback }) => {
    const field = config[key] ?? fallback;
    return field ? [{ setting, field }] : [];
  });
}

/** An HTTP answer worth retrying (5xx, 429), shaped for the retry helper's classifier. */
class PortalHttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs?: number,
  ) {
    super(`portal answered HTTP ${status}`);
  }
}

export interface PortalClientOptions {
  /** Absolute epoch ms after which no retry starts. */
  deadline: () => number;
  /** Longest wait for one page. */
  timeoutMs?: number;
  /** node:http GET (http-get.ts says why not global fetch). */
  get?: HttpGet;
}

/** First page URL: PORTAL_API_URL with `page_size` (DRF `page_size_query_param`; ignored by a portal without it). */
export function firstPageUrl(apiUrl: string, pageSize: number): string {
  const url = new URL(apiUrl);
  url.searchParams.delete('page');
  url.searchParams.set('page_size', String(pageSize));
  return url.toString();
}

/**
 * A page URL we are willing to send the portal token to: same host as PORTAL_API_URL, and
 * its scheme (DRF behind a proxy often builds `next` with http://). Anything else is refused.
 */
export function portalPageUrl(candidate: string, apiUrl: string): string | undefined {
  let url: URL;
  try {
    url = new URL(candidate, apiUrl);
  } catch {
    return undefined;
  }
  const base = new URL(apiUrl);
  if (url.host !== base.host || !/^https?:$/.test(url.protocol)) return undefined;
  url.protocol = base.protocol;
  return url.toString();
}

/** Redirects followed for one page (same host only). */
const MAX_REDIRECTS = 5;

/** One portal user object -> PortalUser, or a message saying what is wrong with it. */
export function readUser(raw: unknown, config: FieldConfig): PortalUser | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'a result is not an object';
  const record = raw as Record<string, unknown>;
  const id = fieldAt(record, config.idField).value;
  if ((typeof id !== 'string' || id.trim() === '') && !(typeof id === 'number' && Number.isFinite(id))) {
    return `a user has no usable "${config.idField}" field (check PORTAL_ID_FIELD)`;
  }
  const phone = fieldAt(record, config.phoneField);
  if (!phone.present) return `a user has no "${config.phoneField}" field (check PORTAL_PHONE_FIELD)`;
  const user: PortalUser = { id: String(id).trim().slice(0, 64), phone: phone.value === null ? '' : phone.value };
  const text = (field: string | undefined) => {
    const value = field === undefined ? undefined : fieldAt(record, field).value;
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  };
  const name = text(config.nameField ?? 'name');
  if (name) user.name = name.slice(0, 100);
  const language = languageOf(text(config.languageField ?? 'language'));
  if (language) user.language = language;
  const channel = channelOf(text(config.channelField));
  if (channel) user.channel = channel;
  const timezone = text(config.timezoneField);
  if (timezone && isTimeZone(timezone)) user.timezone = timezone;
  // A Django DateField is `YYYY-MM-DD`; a DateTimeField's date part is taken. Checked by the batch (anchor-input.ts).
  const dateText = (field: string | undefined) => {
    const value = text(field);
    return value && /^\d{4}-\d{2}-\d{2}T/.test(value) ? value.slice(0, 10) : value?.slice(0, 32);
  };
  const edd = dateText(config.eddField);
  if (edd) user.edd = edd;
  const babyDob = dateText(config.babyDobField);
  if (babyDob) user.babyDob = babyDob;
  return user;
}

/** The mapped optional fields that no user of the page has (absent, not merely null). */
function missingOnEveryUser(results: readonly unknown[], config: FieldConfig): MissingField[] {
  if (results.length === 0) return [];
  return mappedFields(config).filter(
    ({ field }) =>
      !results.some(
        (raw) => typeof raw === 'object' && raw !== null && fieldAt(raw as Record<string, unknown>, field).present,
      ),
  );
}

/** A parsed page body -> PortalPage, or a message saying why it is not a DRF page. */
export function readPage(body: unknown, url: string, config: PortalConfig): PortalPage | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'the answer is not a JSON object';
  const page = body as Record<string, unknown>;
  if (!Array.isArray(page.results)) return 'the answer has no "results" list (is PORTAL_API_URL the users endpoint?)';
  if (typeof page.count !== 'number' || !Number.isInteger(page.count) || page.count < 0)
    return 'the answer has no integer "count"';
  if (page.next !== null && page.next !== undefined && typeof page.next !== 'string')
    return '"next" is neither a URL nor null';
  let next: string | null = null;
  if (typeof page.next === 'string' && page.next !== '') {
    const safe = portalPageUrl(page.next, config.url);
    if (!safe) return '"next" points to another host than PORTAL_API_URL';
    if (safe === url) return '"next" points to the same page';
    next = safe;
  }
  const users: PortalUser[] = [];
  for (const raw of page.results) {
    const user = readUser(raw, config);
    if (typeof user === 'string') return user;
    users.push(user);
  }
  const missingFields = missingOnEveryUser(page.results, config);
  return { url, count: page.count, next, users, ...(missingFields.length > 0 ? { missingFields } : {}) };
}

function describe(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}

export function createPortalClient(config: PortalConfig, options: PortalClientOptions): PortalClient {
  const get = options.get ?? httpGet;
  const timeoutMs = options.timeoutMs ?? 5000;

  async function fetchOnce(url: string): Promise<unknown> {
    const remaining = options.deadline() - Date.now();
    if (remaining <= 0) throw new DeadlineExceededError(0, new Error('no time left for the portal'));
    let response: HttpAnswer;
    let at = url;
    for (let hops = 0; ; hops++) {
      try {
        response = await get(
          at,
          { Authorization: `${config.scheme} ${config.token}`, Accept: 'application/json' },
          Math.min(timeoutMs, remaining),
        );
      } catch (error) {
        // Socket errors and timeouts: retryable network failures.
        throw Object.assign(
          new Error(
            error instanceof HttpGetError && error.timedOut ? 'portal did not answer in time' : 'portal unreachable',
          ),
          { network: true },
        );
      }
      const location = response.headers.location;
      if (![301, 302, 303, 307, 308].includes(response.status) || !location || hops >= MAX_REDIRECTS) break;
      // Redirects (e.g. a missing trailing slash) are followed on the portal's host only: the token goes nowhere else.
      const next = portalPageUrl(location, at); // `at` is on the PORTAL_API_URL host already
      if (!next)
        throw new PortalError(
          'portal_malformed_page',
          `The portal redirected ${describe(url)} to another host: set PORTAL_API_URL to the final address`,
          response.status,
        );
      at = next;
    }
    if (response.status === 401 || response.status === 403) {
      throw new PortalError(
        'portal_unauthorized',
        `The portal refused our credentials (HTTP ${response.status}): check PORTAL_API_TOKEN and PORTAL_AUTH_SCHEME (now "${config.scheme}")`,
        response.status,
      );
    }
    if (response.status === 404) {
      throw new PortalError(
        'portal_page_not_found',
        `The portal has no page ${describe(url)} (HTTP 404): check PORTAL_API_URL, or the user list shrank during the run`,
        404,
      );
    }
    if (response.status === 429 || response.status >= 500) {
      const retryAfter = Number(response.headers['retry-after']);
      throw new PortalHttpError(
        response.status,
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      );
    }
    const text = response.body;
    if (response.status !== 200)
      throw new PortalError(
        'portal_malformed_page',
        `The portal answered HTTP ${response.status} for ${describe(url)}`,
        response.status,
      );
    try {
      return JSON.parse(text);
    } catch {
      throw new PortalError('portal_malformed_page', `The portal page ${describe(url)} is not valid JSON`, 200);
    }
  }

  return {
    firstPageUrl: (pageSize) => firstPageUrl(config.url, pageSize),

    async fetchPage(url) {
      const safe = portalPageUrl(url, config.url);
      if (!safe) throw new PortalError('portal_malformed_page', 'The page to fetch is not on the PORTAL_API_URL host');
      let body: unknown;
      try {
        body = await withRetry(() => fetchOnce(safe), {
          deadline: options.deadline(),
          baseDelayMs: 200,
          maxDelayMs: 2000,
        });
      } catch (error) {
        if (error instanceof PortalError) throw error;
        const last = error instanceof DeadlineExceededError ? error.lastError : error;
        const status = last instanceof PortalHttpError ? last.status : undefined;
        throw new PortalError(
          'portal_unavailable',
          `The portal kept failing for ${describe(safe)} (${status ? `HTTP ${status}` : ((last as Error)?.message ?? 'error')}); try again later`,
          status,
        );
      }
      const page = readPage(body, safe, config);
      if (typeof page === 'string')
        throw new PortalError('portal_malformed_page', `The portal page ${describe(safe)} is malformed: ${page}`, 200);
      return page;
    },
  };
}
