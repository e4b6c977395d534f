/**
 * A support call about one number (POST /admin/subscriber): the subscriber's record and the
 * last messages Twilio holds for it, as a view that shows the number only masked.
 */
import type { Logger } from '../core/log';
import { subscriberView, type SubscriberView } from '../core/subscriber-view';
import { readSubscriber } from './consent';
import type { KeyValueStore, MessageHistory } from './ports';

export interface SubscriberLookupDeps {
  store: KeyValueStore;
  shards: number;
  history: MessageHistory;
  log: Logger;
  now: () => Date;
  localDate: (instant: Date) => string;
}

/** Messages shown per lookup. */
export const LOOKUP_MESSAGES = 10;

export async function lookupSubscriber(
  e164: string,
  masked: string,
  deps: SubscriberLookupDeps,
): Promise<SubscriberView | undefined> {
  const item = await readSubscriber(e164, deps);
  if (!item) return undefined;
  let messages: Awaited<ReturnType<MessageHistory['recentTo']>> | null;
  try {
    messages = await deps.history.recentTo(item.data.channel, e164, LOOKUP_MESSAGES);
  } catch (error) {
    // The record alone still answers most support questions.
    deps.log.warn('subscriber_lookup.messages_failed', { phone: e164, error });
    messages = null;
  }
  return subscriberView(masked, item.data, messages, deps.localDate(deps.now()));
}
