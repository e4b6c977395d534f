/**
 * After WhatsApp said a subscriber is not on WhatsApp (63003 / 63024) and the record moved to
 * SMS (status.ts): the tips still scheduled on WhatsApp would fail the same way, so they are
 * canceled and forgotten (the next daily run schedules them by SMS), and one SMS tells the
 * person, with SMS's way to stop (the personal link where replies cannot arrive).
 */
import type { Logger } from '../core/log';
import { message } from '../core/messages';
import { canReply } from '../core/reachability';
import { shardedName } from '../core/shard';
import { spokenTime } from '../core/spoken-time';
import { stopInstruction } from '../core/stop-instruction';
import { forgetTips, pendingTipSids, type Subscriber } from '../core/subscriber';
import type { KeyValueStore, MessageSender } from './ports';
import { MESSAGES_MAP, SUBSCRIBERS_MAP } from './registration';
import { modifyItem } from './store-writes';

const NOT_CANCELABLE = 30409;

export interface SwitchDeps {
  store: KeyValueStore;
  sender: MessageSender;
  log: Logger;
  shards: number;
  now: () => Date;
  localDate: (instant: Date) => string;
  localTime: string;
  statusCallbackUrl: string;
  twoWaySmsCountries: string[];
  shortenUrls: boolean;
  unsubscribeLink: (e164: string) => string;
}

export async function afterSwitchToSms(e164: string, subscriber: Subscriber, deps: SwitchDeps): Promise<void> {
  const done: string[] = [];
  for (const { date, sid } of pendingTipSids(subscriber, deps.localDate(deps.now()))) {
    try {
      await deps.sender.cancel(sid);
      done.push(date);
    } catch (error) {
      if ((error as { code?: number }).code === NOT_CANCELABLE) done.push(date);
      else deps.log.warn('tips.cancel_failed', { phone: e164, date, messageSid: sid, error });
    }
  }
  if (done.length > 0)
    await modifyItem<Subscriber>(deps.store, shardedName(SUBSCRIBERS_MAP, e164, deps.shards), e164, (current) =>
      forgetTips(current, done),
    );
  if (subscriber.status !== 'active') return;
  const stop = stopInstruction(subscriber.language, {
    canReply: canReply('sms', subscriber.country, deps.twoWaySmsCountries),
    link: deps.unsubscribeLink(e164),
  });
  const body = message('channel_switch', subscriber.language, {
    time: spokenTime(deps.localTime, subscriber.language),
    stop: stop ?? '',
  });
  const sent = await deps.sender.send({
    channel: 'sms',
    to: e164,
    body,
    statusCallback: deps.statusCallbackUrl,
    shortenUrls: deps.shortenUrls,
  });
  await deps.store.create(
    shardedName(MESSAGES_MAP, sent.sid, deps.shards),
    sent.sid,
    { kind: 'notice', e164, userId: subscriber.userId, status: sent.status, createdAt: deps.now().toISOString() },
    35 * 24 * 3600,
  );
  deps.log.info('subscriber.switch_notice_sent', { phone: e164, messageSid: sent.sid, canceledTips: done.length });
}
