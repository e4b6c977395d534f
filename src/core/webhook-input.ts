/**
 * Parsing of the two webhooks Twilio calls: delivery status callbacks and inbound messages.
 * Twilio sends single form values; a repeated key (an array) or a JSON object is refused,
 * never stringified.
 */
import { refuse, scalarText, type Parsed } from './form-values';

export interface StatusCallback {
  messageSid: string;
  /** Lower case: queued, sent, delivered, undelivered, failed, read, ... */
  status: string;
  errorCode?: number;
  /** E.164 recipient from the callback, used when the callback outruns our own bookkeeping. */
  to?: string;
}

export interface InboundMessage {
  /** The sender as Twilio gives it: E.164, whatsapp:+..., a short code or an alphanumeric ID. */
  from: string;
  body: string;
}

const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;
const E164 = /^\+\d{6,15}$/;

/** An optional single value: '' when absent, undefined when present but not a single value. */
function optional(value: unknown): string | undefined {
  return value === undefined || value === null ? '' : scalarText(value);
}

export function parseStatusCallback(params: Record<string, unknown>): Parsed<StatusCallback> {
  const messageSid = optional(params.MessageSid ?? params.SmsSid);
  const status = optional(params.MessageStatus ?? params.SmsStatus)?.toLowerCase();
  if (messageSid === undefined || !MESSAGE_SID.test(messageSid) || !status)
    return refuse('bad_request', 'MessageSid and MessageStatus are required');
  const errorCode = Number.parseInt(optional(params.ErrorCode) ?? '', 10);
  const to = optional(params.To)?.replace(/^whatsapp:/, '') ?? '';
  return {
    ok: true,
    value: {
      messageSid,
      status,
      ...(E164.test(to) ? { to } : {}),
      ...(Number.isFinite(errorCode) && errorCode > 0 ? { errorCode } : {}),
    },
  };
}

export function parseInboundMessage(params: Record<string, unknown>): Parsed<InboundMessage> {
  const from = optional(params.From);
  const body = optional(params.Body);
  if (from === undefined || body === undefined) return refuse('bad_request', 'From and Body must be single values');
  return { ok: true, value: { from, body } };
}
