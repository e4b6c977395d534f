/**
 * The glue every route uses: turns a plain async handler into a Twilio Functions handler.
 * Each route declares its input (fields, where they travel, body type and size) and its
 * credentials; before the handler runs, defineRoute answers 503 `not_configured` (names
 * only) when settings are missing, refuses input that is not what the route declared
 * (request-params.ts: 400/413/415 with a reason code), checks the credentials (401/403),
 * and turns any unexpected throw into a logged 500 without leaking details. The handler
 * sees only the checked fields and the runtime's headers, never the raw event.
 */
import type {
  Context,
  ServerlessCallback,
  ServerlessFunctionSignature,
  TwilioResponse,
} from '@twilio-labs/serverless-runtime-types/types';
import { createLogger, type Logger } from '../core/log';
import { missingSettings, type Env } from '../core/settings';
import { checkAdminToken, checkPortalSignature, checkTwilioSignature, type AuthResult } from './auth';
import {
  checkFields,
  checkTransport,
  signableParams,
  type FieldValue,
  type InputPolicy,
  type InputRefusal,
  type RequestHeaders,
} from './request-params';

export interface Reply {
  status: number;
  body?: unknown;
  /** Content type; JSON unless told otherwise (TwiML answers use text/xml). */
  contentType?: string;
  headers?: Record<string, string>;
}

/** The runtime's event: the query and body merged over `request` (see request-params.ts). */
export type RouteEvent = Record<string, unknown>;

export interface RouteInput {
  context: Context & Env;
  /** The declared fields present, each a single bounded scalar. */
  fields: Readonly<Record<string, FieldValue>>;
  /** The runtime's request headers (lower-case names). */
  headers: RequestHeaders;
  log: Logger;
}

/**
 * Who may call a route. `portal` and `twilio` verify a signature over the route's public URL
 * (`path`) and every param; `admin` the bearer token; `public` nothing (the route's own
 * token, if any, is its business).
 */
export type RouteAuth =
  { kind: 'public' } | { kind: 'admin' } | { kind: 'portal'; path: string } | { kind: 'twilio'; path: string };

export interface RouteDefinition {
  /** Event name prefix for logs, e.g. "register". */
  name: string;
  /** Settings that must be present and well formed before the handler runs. */
  requires?: readonly string[];
  auth: RouteAuth;
  input: InputPolicy;
  handle(input: RouteInput): Promise<Reply>;
}

export function json(status: number, body: unknown, headers?: Record<string, string>): Reply {
  return { status, body, headers };
}

export function errorReply(status: number, code: string, message: string, extra: Record<string, unknown> = {}): Reply {
  return json(status, { error: { code, message, ...extra } });
}

export function toTwilioResponse(reply: Reply): TwilioResponse {
  const response = new Twilio.Response();
  response.setStatusCode(reply.status);
  response.appendHeader('Content-Type', reply.contentType ?? 'application/json');
  response.appendHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(reply.headers ?? {})) response.appendHeader(name, value);
  if (reply.body !== undefined) {
    // twilio-run and the deployed runtime serialize objects themselves; a JSON string would be encoded twice.
    const isJson = (reply.contentType ?? 'application/json') === 'application/json';
    response.setBody(isJson || typeof reply.body !== 'string' ? (reply.body as object) : reply.body);
  }
  return response;
}

function refusalReply(refusal: InputRefusal): Reply {
  return errorReply(refusal.status, refusal.code, refusal.message, refusal.field ? { field: refusal.field } : {});
}

/** Input and credentials, in that order: the answer to send instead of running the handler, or what it may read. */
function admit(
  definition: RouteDefinition,
  env: Context & Env,
  event: RouteEvent,
  log: Logger,
): { reply: Reply } | { fields: Readonly<Record<string, FieldValue>>; headers: RequestHeaders } {
  const { name, auth, input } = definition;
  const transport = checkTransport(event, input);
  if (!transport.ok) {
    log.info(`${name}.bad_request`, { code: transport.refusal.code, field: transport.refusal.field });
    return { reply: refusalReply(transport.refusal) };
  }
  const { headers, params } = transport.value;
  let result: AuthResult = { ok: true };
  if (auth.kind === 'admin') result = checkAdminToken(env, headers);
  else if (auth.kind === 'portal' || auth.kind === 'twilio') {
    // Everything received is signed or refused: nothing unsigned reaches a handler.
    const signable = signableParams(params);
    if (!signable.ok) {
      log.info(`${name}.bad_request`, { code: signable.refusal.code, field: signable.refusal.field });
      return { reply: refusalReply(signable.refusal) };
    }
    const request = { headers, params: signable.value };
    result =
      auth.kind === 'portal'
        ? checkPortalSignature(env, request, auth.path, Date.now())
        : checkTwilioSignature(env, request, auth.path);
  }
  if (!result.ok) {
    const status = auth.kind === 'twilio' ? 403 : 401;
    log.warn(`${name}.${status === 403 ? 'forbidden' : 'unauthorized'}`, { code: result.code });
    return { reply: errorReply(status, result.code, result.message) };
  }
  const fields = checkFields(params, input);
  if (!fields.ok) {
    log.info(`${name}.bad_request`, { code: fields.refusal.code, field: fields.refusal.field });
    return { reply: refusalReply(fields.refusal) };
  }
  return { fields: fields.value, headers };
}

export function defineRoute(definition: RouteDefinition): ServerlessFunctionSignature {
  return async (context: Context, event: RouteEvent, callback: ServerlessCallback) => {
    const log = createLogger();
    let reply: Reply;
    try {
      const env = context as Context & Env;
      const missing = missingSettings(env, definition.requires ?? []);
      if (missing.length > 0) {
        log.warn(`${definition.name}.not_configured`, { missing });
        reply = errorReply(503, 'not_configured', 'This route is not configured yet', { missing });
      } else {
        const admitted = admit(definition, env, event, log);
        reply = 'reply' in admitted ? admitted.reply : await definition.handle({ context: env, ...admitted, log });
      }
    } catch (error) {
      log.error(`${definition.name}.internal_error`, { error });
      reply = errorReply(500, 'internal_error', 'Unexpected error; it has been logged');
    }
    callback(null, toTwilioResponse(reply));
  };
}
