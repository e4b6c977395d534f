/**
 * Sending through the Messaging Service: SMS with a Body, WhatsApp with an approved
 * template (ContentSid + ContentVariables), optionally scheduled. Every call is retried
 * on transient failures within the caller's deadline; permanent errors surface as thrown
 * Twilio errors for the caller to classify.
 */
import { withRetry } from '../core/retry';
import type { TwilioClient } from './client';

export type Channel = 'sms' | 'whatsapp';

export interface OutgoingMessage {
  channel: Channel;
  /** E.164, without channel prefix. */
  to: string;
  body?: string;
  contentSid?: string;
  contentVariables?: Record<string, string>;
  statusCallback?: string;
  /** Scheduled send (ScheduleType=fixed); must be 15 min to 35 days ahead. */
  sendAt?: Date;
  /** Let the Messaging Service's Link Shortening domain shorten the body's links (ShortenUrls). */
  shortenUrls?: boolean;
}

export interface SentMessage {
  sid: string;
  status: string;
}

export interface MessageSender {
  send(message: OutgoingMessage): Promise<SentMessage>;
  cancel(messageSid: string): Promise<void>;
  /** The newest message to this address created at or after `since`, if any (recovery after a lost write). */
  findSentSince(channel: Channel, to: string, since: Date): Promise<SentMessage | undefined>;
}

export function addressFor(channel: Channel, e164: string): string {
  return channel === 'whatsapp' ? `whatsapp:${e164}` : e164;
}

export function createMessageSender(
  client: TwilioClient,
  messagingServiceSid: string,
  deadline: () => number,
): MessageSender {
  return {
    async send(message) {
      const params = {
        to: addressFor(message.channel, message.to),
        messagingServiceSid,
        ...(message.contentSid
          ? { contentSid: message.contentSid, contentVariables: JSON.stringify(message.contentVariables ?? {}) }
          : { body: message.body ?? '' }),
        ...(message.statusCallback ? { statusCallback: message.statusCallback } : {}),
        ...(message.sendAt ? { scheduleType: 'fixed' as const, sendAt: message.sendAt } : {}),
        ...(message.shortenUrls && !message.contentSid ? { shortenUrls: true } : {}),
      };
      const created = await withRetry(() => client.messages.create(params), { deadline: deadline() });
      return { sid: created.sid, status: created.status };
    },

    async findSentSince(channel, to, since) {
      const recent = await withRetry(
        () => client.messages.list({ to: addressFor(channel, to), pageSize: 20, limit: 20 }),
        { deadline: deadline() },
      );
      const match = recent.find((m) => m.dateCreated !== null && m.dateCreated.getTime() >= since.getTime() - 1000);
      return match ? { sid: match.sid, status: match.status } : undefined;
    },

    async cancel(messageSid) {
      await withRetry(() => client.messages(messageSid).update({ status: 'canceled' }), { deadline: deadline() });
    },
  };
}
