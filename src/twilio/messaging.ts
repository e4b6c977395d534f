/**
 * Sending through the Messaging Service: SMS with a Body, WhatsApp with an approved
 * template (ContentSid + ContentVariables), optionally scheduled. A create is resent only
 * when it provably never reached Twilio; other calls are retried on transient failures
 * within the caller's deadline; permanent errors surface as thrown Twilio errors.
 */
import type { MessageHistory, MessageSender } from '../app/ports';
import { failureOf, withRetry } from '../core/retry';
import {
  AmbiguousSendError,
  classifySendFailure,
  matchSent,
  type ListedMessage,
  SETTLE_RESERVE_MS,
  sendWindowClosed,
} from '../core/send-outcome';
import type { Channel } from '../core/subscriber';
import { isRetryable } from '../core/twilio-errors';
import type { MessageListInstanceCreateOptions } from 'twilio/lib/rest/api/v2010/account/message';
import type { TwilioClient } from './client';

export function addressFor(channel: Channel, e164: string): string {
  return channel === 'whatsapp' ? `whatsapp:${e164}` : e164;
}

/** Resend only what never reached Twilio, or what Twilio refused with 429. */
function safeToResend(error: unknown): boolean {
  const kind = classifySendFailure(error);
  if (kind === 'not_sent') return true;
  return kind === 'refused' && isRetryable(failureOf(error));
}

function giveUpAfter<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AmbiguousSendError('no answer within the time box')), Math.max(0, ms));
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function createMessageSender(
  client: TwilioClient,
  messagingServiceSid: string,
  deadline: () => number,
): MessageSender {
  return {
    async send(message) {
      // Assigned key by key on the SDK's own type: a misspelled key fails the typecheck
      // (a spread would compile, and twilio-node would drop the key silently).
      const params: MessageListInstanceCreateOptions = {
        to: addressFor(message.channel, message.to),
        messagingServiceSid,
      };
      if (message.contentSid) {
        params.contentSid = message.contentSid;
        params.contentVariables = JSON.stringify(message.contentVariables ?? {});
      } else params.body = message.body ?? '';
      if (message.statusCallback) params.statusCallback = message.statusCallback;
      if (message.sendAt) {
        params.scheduleType = 'fixed';
        params.sendAt = message.sendAt;
      }
      // Twilio shortens links only in a Body (not in Content templates).
      if (message.shortenUrls && !message.contentSid) params.shortenUrls = true;
      if (message.validityPeriod !== undefined) params.validityPeriod = message.validityPeriod;
      // Keep time to settle an unanswered create before the Function's time box ends.
      const lastStart = Math.min(deadline() - SETTLE_RESERVE_MS, message.notAfter ?? Infinity);
      try {
        const created = await withRetry(
          () => {
            if (Date.now() >= lastStart) throw sendWindowClosed();
            return giveUpAfter(client.messages.create(params), deadline() - SETTLE_RESERVE_MS - Date.now());
          },
          { deadline: lastStart, retryable: safeToResend },
        );
        return { sid: created.sid, status: created.status };
      } catch (error) {
        if (classifySendFailure(error) !== 'ambiguous' || error instanceof AmbiguousSendError) throw error;
        const code = (error as { code?: unknown }).code;
        throw new AmbiguousSendError(
          typeof code === 'string' || typeof code === 'number' ? String(code) : 'error',
          error,
        );
      }
    },

    async findSent(channel, to, matcher) {
      // No DateSent filter: a scheduled or still queued message has no date_sent yet.
      const recent = await withRetry(
        () => client.messages.list({ to: addressFor(channel, to), pageSize: 50, limit: 50 }),
        { deadline: deadline() },
      );
      const listed: ListedMessage[] = recent.map((m) => ({
        sid: m.sid,
        status: m.status,
        body: m.body,
        dateCreated: m.dateCreated,
        direction: m.direction,
      }));
      const match = matchSent(listed, matcher);
      return match ? { sid: match.sid, status: match.status } : undefined;
    },

    async cancel(messageSid) {
      await withRetry(() => client.messages(messageSid).update({ status: 'canceled' }), { deadline: deadline() });
    },
  };
}

const iso = (date: Date | null | undefined) =>
  date instanceof Date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;

/** The Messages list with a To filter (newest first), without bodies: they may carry a personal link. */
export function createMessageHistory(client: TwilioClient, deadline: () => number): MessageHistory {
  return {
    async recentTo(channel, to, limit) {
      const listed = await withRetry(
        () => client.messages.list({ to: addressFor(channel, to), pageSize: limit, limit }),
        {
          deadline: deadline(),
        },
      );
      return listed.map((m) => ({
        sid: m.sid,
        status: m.status,
        direction: m.direction,
        dateCreated: iso(m.dateCreated),
        dateSent: iso(m.dateSent),
        errorCode: typeof m.errorCode === 'number' && m.errorCode !== 0 ? m.errorCode : null,
        segments: m.numSegments !== null && m.numSegments !== undefined ? Number(m.numSegments) : null,
        price: m.price ?? null,
        priceUnit: m.priceUnit ?? null,
      }));
    },
  };
}
