/**
 * Inbound keywords (STOP / START / HELP, English and Nepali) acting on the subscriber's
 * consent, with a consent-log entry each time. STOP also cancels tips already scheduled.
 */
import { COUNTER, statusChange } from '../core/activity';
import { isShortCodeOrAlphanumeric, keywordReply, notRegisteredReply, parseKeyword } from '../core/keywords';
import type { Logger } from '../core/log';
import { maskPhone, normalizePhone } from '../core/phone';
import { shardedName } from '../core/shard';
import type { InboundMessage } from '../core/webhook-input';
import { optOut, pendingTipSids, resubscribe, type Language, type Subscriber } from '../core/subscriber';
import type { Activity } from './activity';
import type { KeyValueStore, MessageSender } from './ports';
import { modifyItem } from './store-writes';
import { SUBSCRIBERS_MAP } from './registration';

const UNKNOWN_REPLIES_MAP = 'unknown-sender-replies';
const ONE_DAY_SECONDS = 24 * 3600;

export interface ConsentDeps {
  store: KeyValueStore;
  sender: MessageSender;
  activity: Activity;
  log: Logger;
  shards: number;
  /** The Messaging Service's Advanced Opt-Out already answers SMS keywords. */
  smsAdvancedOptOut: boolean;
  now: () => Date;
  localDate: (instant: Date) => string;
}

/** What to answer: a message text for TwiML, or nothing. */
export interface InboundResult {
  reply?: string;
  action: 'ignored_sender' | 'opted_out' | 'opted_in' | 'help' | 'not_registered' | 'no_keyword';
}

export async function handleInbound(message: InboundMessage, deps: ConsentDeps): Promise<InboundResult> {
  const { log } = deps;
  // Never answer short codes or alphanumeric senders: two robots replying to each other loop forever.
  if (isShortCodeOrAlphanumeric(message.from)) {
    log.info('inbound.ignored_sender', { from: message.from });
    return { action: 'ignored_sender' };
  }
  const whatsapp = message.from.startsWith('whatsapp:');
  const channel = whatsapp ? 'whatsapp' : 'sms';
  const normalized = normalizePhone(message.from, { allowedCountries: [], mobileOnly: false });
  const keyword = parseKeyword(message.body);
  const e164 = normalized.ok ? normalized.e164 : undefined;
  const map = e164 ? shardedName(SUBSCRIBERS_MAP, e164, deps.shards) : undefined;
  const item = e164 && map ? await deps.store.get<Subscriber>(map, e164) : undefined;
  // Twilio's Advanced Opt-Out answers SMS keywords itself; a second reply would be a duplicate.
  const replies = whatsapp || !deps.smsAdvancedOptOut;

  if (!item || !e164 || !map) {
    if (e164 && (await firstUnknownReplyToday(e164, deps))) {
      log.info('inbound.not_registered', { from: e164, keyword });
      return { action: 'not_registered', reply: notRegisteredReply('en') };
    }
    return { action: 'not_registered' };
  }
  const language: Language = item.data.language;
  const source = `${channel}-keyword`;

  switch (keyword) {
    case 'stop': {
      const updated = await modifyItem<Subscriber>(deps.store, map, e164, (current) =>
        current.status === 'opted_out' ? undefined : optOut(current, source, deps.now()),
      );
      await cancelPendingTips(e164, updated?.data ?? item.data, deps);
      log.info('consent.opt_out', { phone: e164, source });
      if (item.data.status !== 'opted_out') {
        await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.optOut]: 1 });
        await deps.activity.gauge(statusChange(item.data.status, 'opted_out', item.data.language));
        await deps.activity.event({
          time: deps.now().toISOString(),
          event: 'consent.opt_out',
          masked: maskPhone(e164),
          detail: source,
        });
      }
      return { action: 'opted_out', ...(replies ? { reply: keywordReply('stop', language) } : {}) };
    }
    case 'start': {
      await modifyItem<Subscriber>(deps.store, map, e164, (current) =>
        current.status === 'active' ? undefined : resubscribe(current, source, deps.now(), false),
      );
      log.info('consent.opt_in', { phone: e164, source });
      if (item.data.status !== 'active') {
        await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.optIn]: 1 });
        await deps.activity.gauge(statusChange(item.data.status, 'active', item.data.language));
        await deps.activity.event({
          time: deps.now().toISOString(),
          event: 'consent.opt_in',
          masked: maskPhone(e164),
          detail: source,
        });
      }
      return { action: 'opted_in', ...(replies ? { reply: keywordReply('start', language) } : {}) };
    }
    case 'help':
      log.info('inbound.help', { phone: e164 });
      return { action: 'help', ...(replies ? { reply: keywordReply('help', language) } : {}) };
    default:
      log.info('inbound.no_keyword', { phone: e164 });
      return { action: 'no_keyword' };
  }
}

/** Cancel tips already scheduled for someone who said STOP, and forget them. */
async function cancelPendingTips(e164: string, subscriber: Subscriber, deps: ConsentDeps): Promise<void> {
  const pending = pendingTipSids(subscriber, deps.localDate(deps.now()));
  for (const { date, sid } of pending) {
    try {
      await deps.sender.cancel(sid);
      deps.log.info('tips.canceled', { phone: e164, date, messageSid: sid });
      await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.tipStatus('canceled')]: 1 });
    } catch (error) {
      // Already sent or already canceled: nothing left to stop; anything else is reported.
      deps.log.warn('tips.cancel_failed', { phone: e164, date, messageSid: sid, error });
    }
  }
}

/** At most one "not registered" answer per number per day, across instances (atomic create with a TTL). */
async function firstUnknownReplyToday(e164: string, deps: ConsentDeps): Promise<boolean> {
  const created = await deps.store.create(
    shardedName(UNKNOWN_REPLIES_MAP, e164, deps.shards),
    e164,
    { at: deps.now().toISOString() },
    ONE_DAY_SECONDS,
  );
  return created !== undefined;
}
