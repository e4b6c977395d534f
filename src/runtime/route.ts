/**
 * The glue every route uses: turns a plain async handler into a Twilio Functions handler,
 * answers 503 `not_configured` (names only) when settings are missing, and turns any
 * unexpected throw into a logged 500 without leaking details.
 */
import type {
  Context,
  ServerlessCallback,
  ServerlessFunctionSignature,
  TwilioResponse,
} from '@twilio-labs/serverless-runtime-types/types';
import { createLogger, type Logger } from '../core/log';
import { missingSettings, type Env } from '../core/settings';

export interface Reply {
  status: number;
  body?: unknown;
  /** Content type; JSON unless told otherwise (TwiML answers use text/xml). */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RouteEvent {
  [key: string]: unknown;
  request?: { headers?: Record<string, string | string[] | undefined>; cookies?: Record<string, string> };
}

export interface RouteInput {
  context: Context & Env;
  event: RouteEvent;
  log: Logger;
}

export interface RouteDefinition {
  /** Event name prefix for logs, e.g. "register". */
  name: string;
  /** Settings that must be present and well formed before the handler runs. */
  requires?: readonly string[];
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
        reply = await definition.handle({ context: env, event, log });
      }
    } catch (error) {
      log.error(`${definition.name}.internal_error`, { error });
      reply = errorReply(500, 'internal_error', 'Unexpected error; it has been logged');
    }
    callback(null, toTwilioResponse(reply));
  };
}
