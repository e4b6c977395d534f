/**
 * After a loss: the answer to the offer of the supportive set (yes schedules the whole set at
 * once through Twilio's scheduling, no records it), and canceling what is still scheduled when
 * the person stops it. The offer itself opens with the opt-out (consent.ts, withdrawConsent).
 */
import { COUNTER } from '../core/activity';
import {
  answerSupport,
  decideSupport,
  pendingSupportSids,
  SUPPORT_SET,
  supportAvailable,
  type SupportDecision,
} from '../core/loss';
import type { Logger } from '../core/log';
import { message } from '../core/messages';
import { canReply } from '../core/reachability';
import { shardedName } from '../core/shard';
import { stopInstruction } from '../core/stop-instruction';
import type { Subscriber } from '../core/subscriber';
import { timeZoneForNumber } from '../core/subscriber-time-zone';
import { addDays, localDateOf, sendAtFor } from '../core/tip-time';
import type { Activity } from './activity';
import type { KeyValueStore, MessageSender } from './ports';
import { MESSAGES_MAP, SUBSCRIBERS_MAP } from './registration';
import { modifyItem } from './store-writes';

/** Twilio's answer when a message is no longer scheduled (already sent or canceled). */
const NOT_CANCELABLE = 30409;
const SUPPORT_INDEX_TTL_SECONDS = 40 * 24 * 3600;

export interface SupportConfig {
  /** TIPS_LOCAL_TIME: the set goes at the tip time in the person's own zone. */
  localTime: string;
  /** TIMEZONE: when the number says nothing better. */
  timeZone: string;
  statusCallbackUrl: string;
  /** SUPPORT_CONTENT_SID: the WhatsApp template (one variable) the set needs on WhatsApp. */
  contentSid?: string;
  twoWaySmsCountries: string[];
  shortenUrls: boolean;
  unsubscribeLink: (e164: string) => string;
}

export interface SupportDeps {
  store: KeyValueStore;
  sender: MessageSender;
  activity: Activity;
  log: Logger;
  shards: number;
  now: () => Date;
  localDate: (instant: Date) => string;
  support: SupportConfig;
}

/**
 * Yes or no to the set. Yes flips the record once (a retry finds it accepted and sends nothing
 * twice), then schedules each message and records its SID; no after yes cancels what is left.
 */
export async function answerSupportOffer(
  e164: string,
  answer: 'yes' | 'no',
  source: string,
  deps: SupportDeps,
): Promise<SupportDecision | 'not_registered'> {
  const map = shardedName(SUBSCRIBERS_MAP, e164, deps.shards);
  let decision = 'not_offered' as SupportDecision;
  let before = undefined as Subscriber | undefined;
  const updated = await modifyItem<Subscriber>(deps.store, map, e164, (current) => {
    before = current;
    decision = decideSupport(current, answer, supportAvailable(current.channel, deps.support.contentSid));
    if (decision !== 'accept' && decision !== 'decline') return undefined;
    return answerSupport(current, decision, source, deps.now());
  });
  if (!updated) return 'not_registered';
  const today = deps.localDate(deps.now());
  if (decision === 'decline') {
    deps.log.info('loss.support_declined', { phone: e164, source });
    await deps.activity.count(today, { [COUNTER.supportDeclined]: 1 });
    if (before?.loss?.support === 'accepted') await cancelSupport(e164, before, deps);
    return decision;
  }
  if (decision !== 'accept') return decision;
  deps.log.info('loss.support_accepted', { phone: e164, source });
  await deps.activity.count(today, { [COUNTER.supportAccepted]: 1 });
  await scheduleSupportSet(e164, updated.data, deps);
  return decision;
}

/** Schedules every message of the set (Twilio holds them; SendAt at most 28 days ahead). */
async function scheduleSupportSet(e164: string, subscriber: Subscriber, deps: SupportDeps): Promise<void> {
  const config = deps.support;
  const zone = subscriber.timeZone ?? timeZoneForNumber(e164, subscriber.country, config.timeZone);
  const start = localDateOf(deps.now(), zone);
  const whatsapp = subscriber.channel === 'whatsapp';
  const sids: Record<string, string> = {};
  for (const { id, day } of SUPPORT_SET) {
    const stop = stopInstruction(subscriber.language, {
      canReply: canReply(subscriber.channel, subscriber.country, config.twoWaySmsCountries),
      link: whatsapp ? undefined : config.unsubscribeLink(e164),
    });
    const text = message(id, subscriber.language, { stop: stop ?? '' });
    try {
      const sent = await deps.sender.send({
        channel: subscriber.channel,
        to: e164,
        sendAt: sendAtFor(addDays(start, day), config.localTime, zone),
        statusCallback: config.statusCallbackUrl,
        ...(whatsapp
          ? { contentSid: config.contentSid, contentVariables: { '1': text } }
          : { body: text, shortenUrls: config.shortenUrls }),
      });
      sids[id] = sent.sid;
      await deps.store.create(
        shardedName(MESSAGES_MAP, sent.sid, deps.shards),
        sent.sid,
        { kind: 'support', e164, userId: subscriber.userId, status: sent.status, createdAt: deps.now().toISOString() },
        SUPPORT_INDEX_TTL_SECONDS,
      );
    } catch (error) {
      deps.log.warn('loss.support_schedule_failed', { phone: e164, message: id, error });
    }
  }
  await modifyItem<Subscriber>(deps.store, shardedName(SUBSCRIBERS_MAP, e164, deps.shards), e164, (current) =>
    current.loss?.support === 'accepted'
      ? { ...current, loss: { ...current.loss, messages: { ...current.loss.messages, ...sids } } }
      : undefined,
  );
  deps.log.info('loss.support_scheduled', { phone: e164, count: Object.keys(sids).length });
}

/** Cancels the set's messages still scheduled (those already sent or canceled are left as they are). */
export async function cancelSupport(
  e164: string,
  subscriber: Subscriber,
  deps: Pick<SupportDeps, 'sender' | 'log'>,
): Promise<number> {
  let canceled = 0;
  for (const sid of pendingSupportSids(subscriber)) {
    try {
      await deps.sender.cancel(sid);
      canceled++;
    } catch (error) {
      if ((error as { code?: number }).code !== NOT_CANCELABLE)
        deps.log.warn('loss.support_cancel_failed', { phone: e164, messageSid: sid, error });
    }
  }
  if (canceled > 0) deps.log.info('loss.support_canceled', { phone: e164, count: canceled });
  return canceled;
}
