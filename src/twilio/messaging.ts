/**
 * Sending through the Messaging Service: SMS with a Body, WhatsApp with an approved
 * template (ContentSid + ContentVariables), optionally scheduled. Every call is retried
 * on transient failures within the caller's deadline; permanent errors surface as thrown
 * Twilio errors for the caller to classify.
 */
import type { MessageSender } from '../app/ports';
import { withRetry } from '../core/retry';
import type { Channel } from '../core/subscriber';
import type { MessageListInstanceCreateOptions } from 'twilio/lib/rest/api/v2010/account/message';
import type { TwilioClient } from './client';

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
