/**
 * Consent changes, whatever the door: inbound keywords (STOP / START / HELP, English and
 * Nepali), the personal unsubscribe link, the portal's /consent webhook. Each change is one
 * revision-checked write with a consent-history entry (source, reason, time); opting out also
 * cancels tips already scheduled and forgets them, so a later opt-in schedules afresh.
 */
import { COUNTER, statusChange } from '../core/activity';
import { isLossReason, recordLoss, stopSupport, supportAvailable } from '../core/loss';
import { message as message_ } from '../core/messages';
import {
  isShortCodeOrAlphanumeric,
  keywordReply,
  matchKeyword,
  matchLossKeyword,
  matchSupportAnswer,
  notRegisteredReply,
  type Keyword,
} from '../core/keywords';
import type { Logger } from '../core/log';
import { maskPhone, normalizePhone } from '../core/phone';
import { shardedName } from '../core/shard';
import type { InboundMessage } from '../core/webhook-input';
import {
  appendConsent,
  forgetTips,
  optOut,
  pendingTipSids,
  resubscribe,
  type ConsentEntry,
  type Subscriber,
} from '../core/subscriber';
import type { Activity } from './activity';
import type { KeyValueStore, MessageSender, StoredItem } from './ports';
import { answerSupportOffer, cancelSupport, type SupportConfig } from './loss';
import { modifyItem } from './store-writes';
import { SUBSCRIBERS_MAP } from './registration';

const UNKNOWN_REPLIES_MAP = 'unknown-sender-replies';
const ONE_DAY_SECONDS = 24 * 3600;
/** Twilio's answer when a message is no longer scheduled (already sent or canceled): nothing left to stop. */
const NOT_CANCELABLE = 30409;

export interface ConsentDeps {
  store: KeyValueStore;
  sender: MessageSender;
  activity: Activity;
  log: Logger;
  shards: number;
  /** The Messaging Service's Advanced Opt-Out already answers Twilio's own SMS keywords. */
  smsAdvancedOptOut: boolean;
  /** EXTRA_KEYWORDS, parsed. */
  extraKeywords?: Partial<Record<Keyword, readonly string[]>>;
  /** TIPS_LOCAL_TIME: replies that name the tip time say it (default 07:00). */
  tipLocalTime?: string;
  now: () => Date;
  localDate: (instant: Date) => string;
  /** How the supportive set is sent after a loss (absent: it is never offered). */
  support?: SupportConfig;
}

/** What to answer: a message text for TwiML, or nothing. */
export interface InboundResult {
  reply?: string;
  action:
    | 'ignored_sender'
    | 'opted_out'
    | 'opted_in'
    | 'help'
    | 'not_registered'
    | 'no_keyword'
    | 'loss_reported'
    | 'support_accepted'
    | 'support_declined';
}

export interface ConsentChange {
  source: string;
  reason?: string;
}

export type ConsentResult =
  | { kind: 'changed'; subscriber: Subscriber }
  | { kind: 'unchanged'; subscriber: Subscriber }
  | { kind: 'not_registered' };

export function subscriberMap(e164: string, shards: number): string {
  return shardedName(SUBSCRIBERS_MAP, e164, shards);
}

export async function readSubscriber(
  e164: string,
  deps: Pick<ConsentDeps, 'store' | 'shards'>,
): Promise<StoredItem<Subscriber> | undefined> {
  return deps.store.get<Subscriber>(subscriberMap(e164, deps.shards), e164);
}

/**
 * Opt out (idempotent): history entry, counters, pending tips canceled and forgotten. A loss
 * reason (core/loss.ts) is recorded with it, in the same write, and opens the offer of the
 * supportive set; a plain stop after the set was accepted stops the set too.
 */
export async function withdrawConsent(e164: string, change: ConsentChange, deps: ConsentDeps): Promise<ConsentResult> {
  const map = subscriberMap(e164, deps.shards);
  const loss = isLossReason(change.reason) ? change.reason : undefined;
  let before: Subscriber['status'] | undefined;
  let hadLoss = false;
  let supportBefore: string | undefined;
  const updated = await modifyItem<Subscriber>(deps.store, map, e164, (current) => {
    before = current.status;
    hadLoss = current.loss !== undefined;
    supportBefore = current.loss?.support;
    let next = current.status === 'opted_out' ? current : optOut(current, change.source, deps.now(), change.reason);
    if (loss && !current.loss) {
      // Already opted out, the loss said later: the history says why.
      if (next === current) next = appendReason(current, change.source, deps.now(), loss);
      next = recordLoss(next, loss, change.source, deps.now());
    }
    if (!loss && current.status === 'opted_out') next = stopSupport(next, change.source, deps.now());
    return next === current ? undefined : next;
  });
  if (!updated) return { kind: 'not_registered' };
  await cancelPendingTips(e164, updated.data, deps);
  if (supportBefore === 'accepted' && updated.data.loss?.support === 'stopped')
    await cancelSupport(e164, updated.data, deps);
  const lossRecorded = loss !== undefined && !hadLoss && updated.data.loss !== undefined;
  if (lossRecorded) {
    deps.log.info('consent.loss_reported', { phone: e164, source: change.source, reason: loss });
    // Counts only: the event names the source, never the number.
    await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.loss(loss)]: 1 });
    await deps.activity.event({ time: deps.now().toISOString(), event: 'loss.reported', detail: change.source });
  }
  if (before === 'opted_out') return { kind: lossRecorded ? 'changed' : 'unchanged', subscriber: updated.data };
  deps.log.info('consent.opt_out', { phone: e164, source: change.source, reason: change.reason });
  await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.optOut]: 1 });
  await deps.activity.gauge(statusChange(before, 'opted_out', updated.data));
  await deps.activity.event({
    time: deps.now().toISOString(),
    event: 'consent.opt_out',
    // After a loss the feed says a consent change happened, not whose.
    ...(loss ? {} : { masked: maskPhone(e164) }),
    detail: change.source,
  });
  return { kind: 'changed', subscriber: updated.data };
}

/** A history entry for a reason given after the opt-out itself. */
function appendReason(subscriber: Subscriber, source: string, now: Date, reason: string): Subscriber {
  return {
    ...subscriber,
    updatedAt: now.toISOString(),
    consent: appendConsent(subscriber.consent, { action: 'opt_out', source, at: now.toISOString(), reason }),
  };
}

/** Opt in again (idempotent): active, history entry; the daily run schedules tips again. */
export async function giveConsent(e164: string, change: ConsentChange, deps: ConsentDeps): Promise<ConsentResult> {
  const map = subscriberMap(e164, deps.shards);
  let before: Subscriber['status'] | undefined;
  const updated = await modifyItem<Subscriber>(deps.store, map, e164, (current) => {
    before = current.status;
    return current.status === 'active' ? undefined : resubscribe(current, change.source, deps.now(), false);
  });
  if (!updated) return { kind: 'not_registered' };
  if (before === 'active') return { kind: 'unchanged', subscriber: updated.data };
  deps.log.info('consent.opt_in', { phone: e164, source: change.source });
  await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.optIn]: 1 });
  await deps.activity.gauge(statusChange(before, 'active', updated.data));
  await deps.activity.event({
    time: deps.now().toISOString(),
    event: 'consent.opt_in',
    masked: maskPhone(e164),
    detail: change.source,
  });
  return { kind: 'changed', subscriber: updated.data };
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
  const match = matchKeyword(message.body, deps.extraKeywords);
  const keyword = match?.kind ?? null;
  const e164 = normalized.ok ? normalized.e164 : undefined;
  const item = e164 ? await readSubscriber(e164, deps) : undefined;

  if (!item || !e164) {
    if (e164 && (await firstUnknownReplyToday(e164, deps))) {
      log.info('inbound.not_registered', { from: e164, keyword });
      return { action: 'not_registered', reply: notRegisteredReply(match?.language ?? 'en') };
    }
    return { action: 'not_registered' };
  }
  const source = `${channel}-keyword`;
  // A loss said in a reply: everything stops at once; the answer offers the supportive set (never sends it).
  const lossLanguage = matchLossKeyword(message.body);
  if (!match && lossLanguage) {
    const result = await withdrawConsent(e164, { source, reason: 'pregnancy_loss' }, deps);
    const offer =
      result.kind !== 'not_registered' &&
      result.subscriber.loss?.support === 'offered' &&
      supportAvailable(result.subscriber.channel, deps.support?.contentSid) &&
      deps.support !== undefined;
    return { action: 'loss_reported', reply: message_(offer ? 'loss_reply' : 'loss_reply_no_offer', lossLanguage) };
  }
  const answer = !match && item.data.loss ? matchSupportAnswer(message.body) : undefined;
  if (answer && deps.support) {
    const result = await answerSupportOffer(e164, answer.answer, source, { ...deps, support: deps.support });
    if (result === 'accept' || result === 'already_accepted')
      return { action: 'support_accepted', reply: message_('support_reply_yes', answer.language) };
    if (result === 'decline')
      return { action: 'support_declined', reply: message_('support_reply_no', answer.language) };
  }
  if (!match) {
    log.info('inbound.no_keyword', { phone: e164 });
    return { action: 'no_keyword' };
  }
  // Twilio's Advanced Opt-Out answers its own SMS keywords; any other keyword gets our confirmation,
  // in the language it was written in.
  const replies = whatsapp || !deps.smsAdvancedOptOut || !match.twilioDefault;
  const reply = replies ? { reply: keywordReply(match.kind, match.language, deps.tipLocalTime) } : {};
  switch (match.kind) {
    case 'stop':
      await withdrawConsent(e164, { source }, deps);
      return { action: 'opted_out', ...reply };
    case 'start':
      await giveConsent(e164, { source }, deps);
      return { action: 'opted_in', ...reply };
    case 'help':
      log.info('inbound.help', { phone: e164 });
      return { action: 'help', ...reply };
  }
}

/**
 * Cancel tips still scheduled for someone who opted out, then forget the canceled ones (and
 * those Twilio says are no longer scheduled), so a second opt-out cancels nothing twice and a
 * later opt-in is not told "already scheduled".
 */
async function cancelPendingTips(e164: string, subscriber: Subscriber, deps: ConsentDeps): Promise<void> {
  const pending = pendingTipSids(subscriber, deps.localDate(deps.now()));
  const done: string[] = [];
  for (const { date, sid } of pending) {
    try {
      await deps.sender.cancel(sid);
      done.push(date);
      deps.log.info('tips.canceled', { phone: e164, date, messageSid: sid });
      await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.tipStatus('canceled')]: 1 });
    } catch (error) {
      if ((error as { code?: number }).code === NOT_CANCELABLE) done.push(date);
      else deps.log.warn('tips.cancel_failed', { phone: e164, date, messageSid: sid, error });
    }
  }
  if (done.length === 0) return;
  await modifyItem<Subscriber>(deps.store, subscriberMap(e164, deps.shards), e164, (current) =>
    current.status === 'opted_out' ? forgetTips(current, done) : undefined,
  );
}

export type ConsentHistoryDeps = Pick<ConsentDeps, 'store' | 'shards'>;

/** The consent history of one subscriber, oldest first, for auditors. */
export async function consentHistory(
  e164: string,
  deps: ConsentHistoryDeps,
): Promise<{ status: Subscriber['status']; userId: string; history: ConsentEntry[] } | undefined> {
  const item = await readSubscriber(e164, deps);
  return item ? { status: item.data.status, userId: item.data.userId, history: item.data.consent } : undefined;
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
