/**
 * The gate every route's input passes before any handler logic (issue 14).
 *
 * A Twilio Function gets one `event`: `{ request: { headers, cookies }, ...query, ...body }`
 * (@twilio/runtime-handler 2.1.0, `constructEvent`): the query and the body are merged over
 * the runtime's `request`, so a caller can replace it (`?request[headers][authorization]=…`,
 * or a JSON body with a `request` key) and a field may arrive from the URL (logged by access
 * logs) as easily as from the body. This module answers, for one route's declared input:
 *
 * - the headers, only from a `request` object of exactly the shape the runtime builds
 *   (anything else there came from the caller: 400 `reserved_field`);
 * - where the fields travelled: a route whose fields must be in the body refuses any field
 *   the body cannot hold (the smallest encoding of the fields is longer than Content-Length:
 *   400 `query_not_allowed`); the body's size (413) and type (415);
 * - the declared fields only, each a single scalar, bounded, without control characters
 *   (400 `unknown_field`, `repeated_field`, `invalid_field`, `field_too_long`,
 *   `control_character`); Twilio's webhooks keep undeclared fields (Twilio adds parameters
 *   over time; the signature covers them) but never read them.
 *
 * Pure: no I/O. Every refusal names its reason code and, where there is one, the field.
 */

export type HeaderValue = string | string[];
export type RequestHeaders = Readonly<Record<string, HeaderValue>>;
/** A declared field's value: JSON bodies may carry numbers and booleans, forms only text. */
export type FieldValue = string | number | boolean;

export interface FieldRule {
  /** Longest text accepted (characters). */
  maxLength: number;
  /** Line breaks and other control characters allowed (an inbound SMS body); refused otherwise. */
  controls?: boolean;
}

export type BodyType = 'form' | 'json';

export interface InputPolicy {
  /**
   * Where the declared fields travel. `body`: only in the body; a field the body cannot
   * hold came in the query string and is refused (URLs end up in access logs). `either`:
   * the query or the body (the unsubscribe link's token).
   */
  from: 'body' | 'either';
  /** Body encodings accepted (a body of another type: 415). */
  bodyTypes: readonly BodyType[];
  /** Largest body accepted in bytes (the runtime itself takes up to 6 MB). */
  maxBodyBytes: number;
  fields: Readonly<Record<string, FieldRule>>;
  /**
   * Undeclared fields: `refuse` (400 unknown_field), or `ignore` for Twilio's webhooks,
   * where Twilio adds parameters over time and the signature covers every one of them.
   */
  undeclared: 'refuse' | 'ignore';
}

export interface InputRefusal {
  status: 400 | 413 | 415;
  code: string;
  message: string;
  field?: string;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; refusal: InputRefusal };

const refuse = (status: InputRefusal['status'], code: string, message: string, field?: string) =>
  ({ ok: false, refusal: { status, code, message, ...(field !== undefined ? { field } : {}) } }) as const;

/** The key the runtime fills with the request's headers and cookies; no caller may send it. */
export const RESERVED_FIELD = 'request';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function isHeaderValue(value: unknown): value is HeaderValue {
  if (typeof value === 'string') return true;
  // The runtime makes an array only for a header sent more than once.
  return Array.isArray(value) && value.length >= 2 && value.every((v) => typeof v === 'string');
}

/**
 * The runtime's `request` ({ headers, cookies }, lower-case header names, text values), or a
 * refusal when the object cannot be the runtime's: missing, another shape, other keys, or
 * cookies without a Cookie header. A caller's `request` in a query (`qs` nesting) or a JSON
 * body is refused here; a forgery that copies the runtime's exact shape cannot be told apart
 * in-band (the runtime gives no other source), which is why every credential is verified
 * in full (HMAC, constant-time token compare) and grants nothing the caller's own headers
 * would not (docs/security.md).
 */
export function runtimeHeaders(event: Readonly<Record<string, unknown>>): Checked<RequestHeaders> {
  const bad = () =>
    refuse(400, 'reserved_field', '`request` is reserved for the runtime; a query or body must not set it', 'request');
  const request = event[RESERVED_FIELD];
  if (!isPlainObject(request)) return bad();
  const keys = Object.keys(request).sort();
  if (keys.length !== 2 || keys[0] !== 'cookies' || keys[1] !== 'headers') return bad();
  const { headers, cookies } = request;
  if (!isPlainObject(headers) || !isPlainObject(cookies)) return bad();
  for (const [name, value] of Object.entries(headers)) {
    if (!HEADER_NAME.test(name) || !isHeaderValue(value)) return bad();
  }
  if (Object.keys(cookies).length > 0 && typeof headers.cookie !== 'string' && !Array.isArray(headers.cookie))
    return bad();
  return { ok: true, value: headers as RequestHeaders };
}

/** One header's value (the first when sent more than once). */
export function headerOf(headers: RequestHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

const utf8 = (text: string) => Buffer.byteLength(text, 'utf8');

/**
 * The fewest bytes a form-encoded body holding these params can have: every character takes
 * at least its UTF-8 bytes (percent-encoding only adds), plus `=` and `&`.
 */
function formLowerBound(params: ReadonlyArray<[string, unknown]>): number {
  let pairs = 0;
  let bytes = 0;
  for (const [key, value] of params) {
    for (const v of Array.isArray(value) ? (value as unknown[]) : [value]) {
      pairs++;
      bytes += utf8(key) + 1 + (typeof v === 'string' ? utf8(v) : jsonLowerBound(v));
    }
  }
  return pairs === 0 ? 0 : bytes + pairs - 1;
}

/** The fewest bytes a JSON text of this value can have (numbers may be written as short as one digit). */
function jsonLowerBound(value: unknown): number {
  if (typeof value === 'string') return utf8(value) + 2;
  if (typeof value === 'number') return 1;
  if (typeof value === 'boolean') return value ? 4 : 5;
  if (value === null || value === undefined) return 4;
  if (Array.isArray(value)) return 2 + value.reduce<number>((n, v, i) => n + jsonLowerBound(v) + (i > 0 ? 1 : 0), 0);
  if (typeof value === 'object') return jsonObjectLowerBound(Object.entries(value as Record<string, unknown>));
  return 1;
}

function jsonObjectLowerBound(entries: ReadonlyArray<[string, unknown]>): number {
  return 2 + entries.reduce((n, [k, v], i) => n + utf8(k) + 3 + jsonLowerBound(v) + (i > 0 ? 1 : 0), 0);
}

function bodyTypeOf(contentType: string | undefined): BodyType | 'other' | undefined {
  if (contentType === undefined || contentType.trim() === '') return undefined;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return 'json';
  return 'other';
}

/** C0 and C1 control characters (NUL, ESC, line breaks, DEL, …). */
const CONTROL = /[\p{Cc}]/u;

export interface CheckedInput {
  headers: RequestHeaders;
  /** Every param as received except `request`, arrays included: what a signature covers. */
  params: Readonly<Record<string, unknown>>;
  /** The declared fields present, each one scalar. */
  fields: Readonly<Record<string, FieldValue>>;
}

/**
 * Transport checks: the runtime's own `request`, the body's size and type, and (for
 * body-only routes) that every param fits in the body. Runs before any credential check.
 */
export function checkTransport(event: Readonly<Record<string, unknown>>, policy: InputPolicy): Checked<CheckedInput> {
  const headers = runtimeHeaders(event);
  if (!headers.ok) return headers;
  const params = Object.entries(event).filter(([key]) => key !== RESERVED_FIELD);

  const lengthHeader = headerOf(headers.value, 'content-length');
  const length = lengthHeader === undefined ? 0 : Number(lengthHeader);
  if (!Number.isSafeInteger(length) || length < 0)
    return refuse(400, 'bad_content_length', 'Content-Length is not a byte count');
  if (length > policy.maxBodyBytes)
    return refuse(413, 'body_too_large', `The body is larger than ${policy.maxBodyBytes} bytes`);
  const type = bodyTypeOf(headerOf(headers.value, 'content-type'));
  if (length > 0 && (type === undefined || type === 'other' || !policy.bodyTypes.includes(type)))
    return refuse(
      415,
      'unsupported_media_type',
      `The body must be ${policy.bodyTypes.map((t) => (t === 'form' ? 'application/x-www-form-urlencoded' : 'application/json')).join(' or ')}`,
    );

  if (policy.from === 'body' && params.length > 0) {
    const bound = length > 0 && type === 'json' ? jsonObjectLowerBound(params) : formLowerBound(params);
    if (length === 0 || bound > length)
      return refuse(
        400,
        'query_not_allowed',
        'Fields go in the request body, never in the URL (URLs are kept in access logs)',
      );
  }
  return { ok: true, value: { headers: headers.value, params: Object.fromEntries(params), fields: {} } };
}

/** Field checks: declared fields only (or undeclared ones ignored), each one bounded scalar. */
export function checkFields(
  params: Readonly<Record<string, unknown>>,
  policy: InputPolicy,
): Checked<Record<string, FieldValue>> {
  const fields: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(params)) {
    const rule = Object.prototype.hasOwnProperty.call(policy.fields, name) ? policy.fields[name] : undefined;
    if (!rule) {
      if (policy.undeclared === 'ignore') continue;
      return refuse(400, 'unknown_field', `${name} is not a field of this route`, name);
    }
    if (Array.isArray(value)) return refuse(400, 'repeated_field', `${name} must be sent once`, name);
    if (value === null || value === undefined) continue;
    if (typeof value === 'number' && !Number.isFinite(value))
      return refuse(400, 'invalid_field', `${name} must be a single value`, name);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      return refuse(400, 'invalid_field', `${name} must be a single value`, name);
    if (typeof value === 'string') {
      if (value.length > rule.maxLength)
        return refuse(400, 'field_too_long', `${name} is longer than ${rule.maxLength} characters`, name);
      if (!rule.controls && CONTROL.test(value))
        return refuse(400, 'control_character', `${name} contains a control character`, name);
    }
    fields[name] = value;
  }
  return { ok: true, value: fields };
}

/**
 * The params a request signature covers, as Twilio signs them (twilio-node
 * `getExpectedTwilioSignature`: each name with its value; a repeated name with each of its
 * distinct values, sorted). Only form values can be signed: anything else (a JSON number, an
 * object from a query's brackets) is refused rather than left out of the signature.
 */
export function signableParams(params: Readonly<Record<string, unknown>>): Checked<Record<string, string | string[]>> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(params)) {
    if (typeof value === 'string') out[name] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[name] = value;
    else return refuse(400, 'invalid_field', `${name} must be form text`, name);
  }
  return { ok: true, value: out };
}
