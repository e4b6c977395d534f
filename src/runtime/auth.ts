/**
 * Credentials checked in code on every route (local twilio-run does not enforce
 * `.protected`). Signatures use Twilio's published algorithm through twilio-node
 * (`validateRequest`: HMAC-SHA1 over the URL + every form param sorted, repeated ones as
 * Twilio signs them); the admin token is compared in constant time. No home-made crypto.
 * Headers come only from the runtime's own `request` (request-params.ts checked it).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type twilio from 'twilio';
import { setting, type Env } from '../core/settings';
import { headerOf, type RequestHeaders } from './request-params';

/** Portal calls older or newer than this are refused (replay window). */
export const PORTAL_SIGNATURE_WINDOW_SECONDS = 300;
export const PORTAL_SIGNATURE_HEADER = 'x-portal-signature';

/**
 * Public URL of this service: PUBLIC_BASE_URL when set (behind a proxy), else the Functions
 * domain, https when deployed and http for a local twilio-run.
 */
export function publicBaseUrl(context: Env): string {
  const configured = setting(context, 'PUBLIC_BASE_URL');
  if (configured) return configured.replace(/\/+$/, '');
  const domain = context.DOMAIN_NAME ?? 'localhost:3000';
  const local = /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(domain);
  return `${local ? 'http' : 'https'}://${domain}`;
}

export function publicUrl(context: Env, path: string): string {
  return publicBaseUrl(context) + path;
}

export type AuthResult = { ok: true } | { ok: false; code: string; message: string };

/** What a signed route's check sees: the runtime's headers and every param as received. */
export interface SignedRequest {
  headers: RequestHeaders;
  params: Readonly<Record<string, string | string[]>>;
}

function validSignature(
  secret: string,
  signature: string | undefined,
  url: string,
  params: Readonly<Record<string, string | string[]>>,
): boolean {
  if (signature === undefined || signature === '' || secret === '') return false;
  // Required here, not at the top: the admin routes check a token only and need not load twilio-node (see client.ts).
  const { validateRequest } = require('twilio') as typeof twilio; // eslint-disable-line @typescript-eslint/no-require-imports
  // twilio-node signs a repeated name with each distinct value, sorted: exactly what Twilio sends.
  return validateRequest(secret, signature, url, params as Record<string, string>);
}

export function checkPortalSignature(context: Env, request: SignedRequest, path: string, nowMs: number): AuthResult {
  const secret = setting(context, 'PORTAL_WEBHOOK_SECRET') ?? '';
  const signature = headerOf(request.headers, PORTAL_SIGNATURE_HEADER);
  if (!signature)
    return { ok: false, code: 'missing_signature', message: `The ${PORTAL_SIGNATURE_HEADER} header is required` };
  const url = publicUrl(context, path);
  if (!validSignature(secret, signature, url, request.params)) {
    // The URL is public (the caller just called it); naming it settles the usual mistake:
    // signing 127.0.0.1 for localhost, another port or scheme, a trailing slash or a query.
    return {
      ok: false,
      code: 'bad_signature',
      message: `The request signature does not match: sign exactly ${url} (PUBLIC_BASE_URL + path, no query string) with the form fields and PORTAL_WEBHOOK_SECRET`,
    };
  }
  const stamp = request.params.timestamp;
  if (typeof stamp !== 'string' || !/^\d{9,11}$/.test(stamp)) {
    return { ok: false, code: 'missing_timestamp', message: 'A signed unix `timestamp` param is required' };
  }
  if (Math.abs(nowMs / 1000 - Number(stamp)) > PORTAL_SIGNATURE_WINDOW_SECONDS) {
    return {
      ok: false,
      code: 'stale_signature',
      message: `The timestamp is more than ${PORTAL_SIGNATURE_WINDOW_SECONDS} s away from now`,
    };
  }
  return { ok: true };
}

export function checkTwilioSignature(context: Env, request: SignedRequest, path: string): AuthResult {
  const token = setting(context, 'AUTH_TOKEN') ?? '';
  const ok = validSignature(
    token,
    headerOf(request.headers, 'x-twilio-signature'),
    publicUrl(context, path),
    request.params,
  );
  return ok ? { ok: true } : { ok: false, code: 'bad_signature', message: 'Invalid X-Twilio-Signature' };
}

/** Bearer token compare in constant time (hashing first makes the lengths equal). */
export function checkAdminToken(context: Env, headers: RequestHeaders): AuthResult {
  const expected = setting(context, 'ADMIN_TOKEN');
  if (!expected) return { ok: false, code: 'unauthorized', message: 'Admin access is not configured' };
  const match = /^Bearer\s+(.+)$/i.exec(headerOf(headers, 'authorization') ?? '');
  if (!match) return { ok: false, code: 'unauthorized', message: 'Authorization: Bearer <token> is required' };
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const ok = timingSafeEqual(digest(match[1]!.trim()), digest(expected));
  return ok ? { ok: true } : { ok: false, code: 'unauthorized', message: 'The admin token is not valid' };
}
