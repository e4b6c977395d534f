/**
 * How "to stop" is said to one subscriber, in one place for the welcome, the tips and the
 * keyword replies: where replies arrive (WhatsApp, two-way SMS countries) the STOP keyword,
 * with the personal link when one is given; where they cannot (SMS to Nepal) only the link.
 * The phrases are content (stop_reply_or_link, stop_reply, stop_link in
 * src/core/content/messages.json); they ride in SMS segments, so they stay short.
 */
import { MESSAGES, renderMessage, type Messages } from './messages';
import type { Language } from './subscriber';

export interface StopWay {
  /** Replies reach us (see reachability.ts). */
  canReply: boolean;
  /** The personal unsubscribe link, when this message carries it. */
  link?: string;
}

/**
 * The phrase, or undefined when there is nothing true to say (no reply path and no link in this
 * message). `messages`: the texts to say it with (content-check passes the files it checks).
 */
export function stopInstruction(language: Language, way: StopWay, messages: Messages = MESSAGES): string | undefined {
  if (way.canReply && way.link) return renderMessage(messages, 'stop_reply_or_link', language, { link: way.link });
  if (way.canReply) return renderMessage(messages, 'stop_reply', language);
  if (way.link) return renderMessage(messages, 'stop_link', language, { link: way.link });
  return undefined;
}
