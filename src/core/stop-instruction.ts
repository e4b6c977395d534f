/**
 * How "to stop" is said to one subscriber, in one place for the welcome, the tips and the
 * keyword replies: where replies arrive (WhatsApp, two-way SMS countries) the STOP keyword,
 * with the personal link when one is given; where they cannot (SMS to Nepal) only the link.
 * Short phrases: they ride in SMS segments.
 */
import type { Language } from './subscriber';

export interface StopWay {
  /** Replies reach us (see reachability.ts). */
  canReply: boolean;
  /** The personal unsubscribe link, when this message carries it. */
  link?: string;
}

/** The phrase, or undefined when there is nothing true to say (no reply path and no link in this message). */
export function stopInstruction(language: Language, way: StopWay): string | undefined {
  if (way.canReply && way.link)
    return language === 'ne' ? `रोक्न STOP पठाउनुहोस् वा ${way.link}` : `To stop, reply STOP or visit ${way.link}`;
  if (way.canReply) return language === 'ne' ? 'रोक्न STOP पठाउनुहोस्।' : 'Reply STOP to unsubscribe.';
  if (way.link) return language === 'ne' ? `रोक्न: ${way.link}` : `To stop: ${way.link}`;
  return undefined;
}
