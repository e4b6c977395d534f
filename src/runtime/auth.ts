/**
 * Credentials checked in code on every route (local twilio-run does not enforce
 * `.protected`). Signatures use Twilio's published algorithm through twilio-node
 * (`validateRequest`: HMAC-SHA1 over the URL + sorted form params); the admin token is
 * compared in constant time. No home-made crypto.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type twilio from 'twilio';
import { setting, type Env } from '../core/settings';
import type { RouteEvent } from './route';

/** Portal calls older or newer than this are refused (replay window). */
export const PORTAL_SIGNATURE_WINDOW_SECONDS = 300;
export const PORTAL_SIGNATURE_HEADER = 'x-portal-signature';

export function header(event: RouteEvent, name: string): string | undefined {
  const value = event.request?.headers?.[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** The form params as the caller sent them: the event minus what the runtime adds. */
export function formParams(event: RouteEvent): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(event)) {
    if (key === 'request') continue;
    if (typeof value === 'string') params[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') params[key] = String(value);
  }
  return params;
}

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

function validSignature(
  secret: string,
  signature: string | undefined,
  url: string,
  params: Record<string, string>,
): boolean {
  if (signature === undefined || signature === '') return false;
  // Required here, not at the top: the admin routes check a token only and need not load twilio-node (see client.ts).
  const { validateRequest } = require('twilio') as typeof twilio; // eslint-disable-line @typescript-eslint/no-require-imports
  return validateRequest(secret, signature, url, params);
}

export function checkPortalSignature(context: Env, event: RouteEvent, path: string, nowMs: number): AuthResult {
  const secret = setting(context, 'PORTAL_WEBHOOK_SECRET') ?? '';
  const params = formParams(event);
  const signature = header(event, PORTAL_SIGNATURE_HEADER);
  if (!signature)
    return { ok: false, code: 'missing_signature', message: `The ${PORTAL_SIGNATURE_HEADER} header is required` };
  const url = publicUrl(context, path);
  if (!validSignature(secret, signature, url, params)) {
    // The URL is public (the caller just called it); naming it settles the usual mistake:
    // signing 127.0.0.1 for localhost, another port or scheme, a trailing slash or a query.
    return {
      ok: false,
      code: 'bad_signature',
      message: `The request signature does not match: sign exactly ${url} (PUBLIC_BASE_URL + path, no query string) with the form fields and PORTAL_WEBHOOK_SECRET`,
    };
  }
  const timestamp = Number(params.timestamp);
  if (!/^\d{9,11}$/.test(params.timestamp ?? '') || !Number.isFinite(timestamp)) {
    return { ok: false, code: 'missing_timestamp', message: 'A signed unix `timestamp` param is required' };
  }
  if (Math.abs(nowMs / 1000 - timestamp) > PORTAL_SIGNATURE_WINDOW_SECONDS) {
    return {
      ok: false,
      code: 'stale_signature',
      message: `The timestamp is more than ${PORTAL_SIGNATURE_WINDOW_SECONDS} s away from now`,
    };
  }
  return { ok: true };
}

export function checkTwilioSignature(context: Env, event: RouteEvent, path: string): AuthResult {
  const token = setting(context, 'AUTH_TOKEN') ?? '';
  const ok = validSignature(token, header(event, 'x-twilio-signature'), publicUrl(context, path), formParams(event));
  return ok ? { ok: true } : { ok: false, code: 'bad_signature', message: 'Invalid X-Twilio-Signature' };
}

/** Bearer token compare in constant time (hashing first makes the lengths equal). */
export function checkAdminToken(context: Env, event: RouteEvent): AuthResult {
  const expected = setting(context, 'ADMIN_TOKEN');
  if (!expected) return { ok: false, code: 'unauthorized', message: 'Admin access is not configured' };
  const match = /^Bearer\s+(.+)$/i.exec(header(event, 'authorization') ?? '');
  if (!match) return { ok: false, code: 'unauthorized', message: 'Authorization: Bearer <token> is required' };
  const digest = (s: string) => createHash('sha256').update(s).digest();
  const ok = timingSafeEqual(digest(match[1]!.trim()), digest(expected));
  return ok ? { ok: true } : { ok: false, code: 'unauthorized', message: 'The admin token is not valid' };
}
