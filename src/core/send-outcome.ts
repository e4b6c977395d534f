/**
 * What a failed `Messages create` tells us about whether Twilio created the message.
 * Twilio's Messages API has no idempotency key (the `I-Twilio-Idempotency-Token` header is
 * one Twilio puts on its own webhook requests), so a create is resent only when the request
 * provably never reached Twilio; any other failure is settled from Twilio's own records.
 */
import { createHash } from 'node:crypto';
import { DeadlineExceededError, failureOf } from './retry';

/**
 * not_sent: the connection never carried the request (refused, DNS, TLS handshake).
 * refused: Twilio answered with a 4xx error: nothing was created.
 * ambiguous: reset, timeout, 5xx or no answer after the request left: it may exist.
 */
export type SendFailureKind = 'not_sent' | 'refused' | 'ambiguous';

/** Node/OpenSSL codes of failures that happen before a request byte is written. */
const BEFORE_SENDING =
  /^(ERR_SEND_WINDOW_CLOSED|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|ERR_TLS_\w+|ERR_SSL_\w+|CERT_\w+|UNABLE_TO_\w+|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/;

export function classifySendFailure(error: unknown): SendFailureKind {
  const inner = error instanceof DeadlineExceededError ? error.lastError : error;
  if (inner instanceof AmbiguousSendError) return 'ambiguous';
  const code = (inner as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && BEFORE_SENDING.test(code)) return 'not_sent';
  const { status } = failureOf(inner);
  if (status !== undefined && status >= 400 && status < 500) return 'refused';
  return 'ambiguous';
}

/** The time box refused to start a create: nothing was sent (a never-sent failure). */
export function sendWindowClosed(): Error {
  return Object.assign(new Error('send window closed before the request was made'), { code: 'ERR_SEND_WINDOW_CLOSED' });
}

/**
 * The send ran out of time without Twilio answering: its window closed before a create
 * started, or the retries' deadline came with no Twilio error code. Nothing was sent, and
 * it is no fault of the number: the caller tries again in its next time box.
 */
export function sendOutOfTime(error: unknown): boolean {
  const inner = error instanceof DeadlineExceededError ? error.lastError : error;
  if ((inner as { code?: unknown } | null)?.code === 'ERR_SEND_WINDOW_CLOSED') return true;
  return error instanceof DeadlineExceededError && failureOf(inner).code === undefined;
}

/** The create may or may not have reached Twilio: settle from Twilio's records, never resend blindly. */
export class AmbiguousSendError extends Error {
  readonly ambiguous = true;
  constructor(
    readonly reason: string,
    override readonly cause?: unknown,
  ) {
    super(`message create outcome unknown (${reason})`);
    this.name = 'AmbiguousSendError';
  }
}

/** A short digest of a message's content, kept on a claim so anyone can recognise the message later. */
export function contentFingerprint(content: { body: string }): string {
  return createHash('sha256').update(content.body).digest('base64url').slice(0, 16);
}

/** How to recognise, among the messages Twilio holds for a number, the one a claim was about. */
export interface SentMatcher {
  /** The claim's time: the message was created at or after it (less clock skew). */
  since: Date;
  /** contentFingerprint of an SMS body; a template's body is rendered by Twilio, so templates match by time and kind. */
  fingerprint?: string;
  /** A scheduled tip, not an immediate message. */
  scheduled: boolean;
}

export interface ListedMessage {
  sid: string;
  status: string;
  body: string | null;
  dateCreated: Date | null;
  direction?: string;
}

/** Clock skew allowed between our instances and Twilio. */
const SKEW_MS = 2000;

/** The earliest listed message that matches; undefined when none does. */
export function matchSent(messages: ListedMessage[], matcher: SentMatcher): ListedMessage | undefined {
  const since = matcher.since.getTime() - SKEW_MS;
  const candidates = messages.filter((m) => {
    if (m.direction && !m.direction.startsWith('outbound')) return false;
    if (!m.dateCreated || m.dateCreated.getTime() < since) return false;
    if (matcher.fingerprint) return m.body !== null && contentFingerprint({ body: m.body }) === matcher.fingerprint;
    const scheduled = m.status === 'scheduled' || m.status === 'canceled';
    return scheduled === matcher.scheduled;
  });
  return candidates.sort((a, b) => a.dateCreated!.getTime() - b.dateCreated!.getTime())[0];
}

/** Time a send keeps after a create gives up waiting, to settle its outcome within the same call. */
export const SETTLE_RESERVE_MS = 1500;
