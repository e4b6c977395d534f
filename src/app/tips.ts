/**
 * Scheduling the daily tip: for each target local date, every active subscriber gets one
 * message scheduled through the Messaging Service (ScheduleType=fixed) at TIPS_LOCAL_TIME.
 * Idempotent per subscriber per date: the subscriber item records `tips[date]` (claimed,
 * then the message SID) with revision checks, so a rerun or a concurrent run schedules
 * nothing twice. Time-boxed with a cursor over the subscriber shards.
 */
import { COUNTER } from '../core/activity';
import type { Logger } from '../core/log';
import { shardedName } from '../core/shard';
import { canReply } from '../core/reachability';
import { stopInstruction } from '../core/stop-instruction';
import { optOut, type Subscriber } from '../core/subscriber';
import { sendAtFor } from '../core/tip-time';
import { encodeTipCursor, type TipCursor } from '../core/tips-input';
import { tipCarriesLink, tipForDate, tipMessage, type Tip } from '../core/tips';
import { describeTwilioError } from '../core/twilio-errors';
import { decideOutcome } from '../core/twilio-outcome';
import { maskPhone } from '../core/phone';
import { statusChange } from '../core/activity';
import type { Activity } from './activity';
import type { KeyValueStore, ListPage, MessageSender } from './ports';
import { modifyItem } from './store-writes';
import { MESSAGES_MAP, SUBSCRIBERS_MAP } from './registration';

export interface TipRunConfig {
  shards: number;
  timeZone: string;
  localTime: string;
  tipContentSid?: string;
  statusCallbackUrl: string;
  pageSize: number;
  concurrency: number;
  /** Countries whose SMS subscribers can reply (TWO_WAY_SMS_COUNTRIES). */
  twoWaySmsCountries: string[];
  /** The Messaging Service shortens links (SHORTEN_URLS). */
  shortenUrls: boolean;
}

export interface TipDeps {
  store: KeyValueStore;
  sender: MessageSender;
  activity: Activity;
  log: Logger;
  tips: readonly Tip[];
  config: TipRunConfig;
  now: () => Date;
  newId: () => string;
  localDate: (instant: Date) => string;
  /** The subscriber's personal unsubscribe link. */
  unsubscribeLink: (e164: string) => string;
}

export type TipOutcome =
  | 'scheduled'
  | 'would_schedule'
  | 'already_scheduled'
  | 'skipped_opted_out'
  | 'skipped_suppressed'
  | 'skipped_not_welcomed'
  | 'failed';

export interface TipSlice {
  dates: string[];
  done: boolean;
  next: string | null;
  counts: Record<string, number>;
  elapsedMs: number;
}

/** Runs pages of subscribers until the budget is nearly spent; returns where to continue. */
export async function scheduleTipsSlice(
  dates: string[],
  start: TipCursor,
  deps: TipDeps,
  options: { dryRun: boolean; deadline: number },
): Promise<TipSlice> {
  const started = Date.now();
  const counts: Record<string, number> = {};
  let cursor: TipCursor | undefined = start;
  // Stop starting pages while a page can still finish before the Function's time limit.
  const pageBudgetMs = 2500;
  while (cursor && Date.now() + pageBudgetMs < options.deadline) {
    const map: string = `${SUBSCRIBERS_MAP}-${cursor.shard}`;
    const page: ListPage<Subscriber> = await deps.store.list<Subscriber>(map, {
      after: cursor.after,
      pageSize: deps.config.pageSize,
    });
    const queue = page.items.flatMap((item) => dates.map((date) => ({ item, date })));
    let index = 0;
    await Promise.all(
      Array.from({ length: Math.max(1, deps.config.concurrency) }, async () => {
        while (index < queue.length) {
          const { item, date } = queue[index++]!;
          const outcome = await scheduleTip(item.key, date, deps, options.dryRun);
          counts[outcome] = (counts[outcome] ?? 0) + 1;
        }
      }),
    );
    cursor = page.nextAfter
      ? { shard: cursor.shard, after: page.nextAfter }
      : cursor.shard + 1 < deps.config.shards
        ? { shard: cursor.shard + 1 }
        : undefined;
  }
  if (!options.dryRun && counts.scheduled)
    await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.tipStatus('scheduled')]: counts.scheduled });
  return {
    dates,
    done: cursor === undefined,
    next: cursor ? encodeTipCursor(cursor) : null,
    counts,
    elapsedMs: Date.now() - started,
  };
}

/** Schedules one subscriber's tip for one date, exactly once. */
export async function scheduleTip(e164: string, date: string, deps: TipDeps, dryRun: boolean): Promise<TipOutcome> {
  const map = shardedName(SUBSCRIBERS_MAP, e164, deps.config.shards);
  const claimId = `claimed:${deps.newId()}`;
  let verdict: TipOutcome | undefined;
  // Consent is checked on the freshest record, in the same revision-checked write as the claim.
  const claimed = await modifyItem<Subscriber>(deps.store, map, e164, (current) => {
    verdict = eligibility(current, date);
    if (verdict || dryRun) return undefined;
    return { ...current, tips: { ...pruneTips(current.tips, deps.localDate(deps.now())), [date]: claimId } };
  });
  if (!claimed) return 'skipped_opted_out';
  if (verdict) return verdict;
  if (dryRun) return 'would_schedule';

  const subscriber = claimed.data;
  const tip = tipForDate(deps.tips, date);
  const whatsapp = subscriber.channel === 'whatsapp';
  // "Reply STOP" only where replies arrive; the personal link once a week for everyone.
  const stop =
    stopInstruction(subscriber.language, {
      canReply: canReply(subscriber.channel, subscriber.country, deps.config.twoWaySmsCountries),
      link: tipCarriesLink(date) ? deps.unsubscribeLink(e164) : undefined,
    }) ?? null;
  let sent: { sid: string; status: string };
  try {
    sent = await deps.sender.send({
      channel: subscriber.channel,
      to: e164,
      sendAt: sendAtFor(date, deps.config.localTime, deps.config.timeZone),
      statusCallback: deps.config.statusCallbackUrl,
      ...(whatsapp
        ? { contentSid: deps.config.tipContentSid, contentVariables: { '1': tip[subscriber.language] } }
        : { body: tipMessage(tip, subscriber.language, stop), shortenUrls: deps.config.shortenUrls }),
    });
  } catch (error) {
    // Nothing was scheduled: let the claim go so the next run tries again; report what Twilio said.
    await modifyItem<Subscriber>(deps.store, map, e164, (current) => {
      if (current.tips?.[date] !== claimId) return undefined;
      const { [date]: _dropped, ...rest } = current.tips;
      return { ...current, tips: rest };
    });
    const code = (error as { code?: number }).code;
    deps.log.warn('tips.schedule_failed', {
      phone: e164,
      date,
      code,
      category: describeTwilioError(code)?.category,
      error,
    });
    if (code !== undefined) await applyRefusal(e164, code, deps);
    return 'failed';
  }
  // Scheduled at Twilio: from here on the claim is never released (that could schedule it twice);
  // a bookkeeping failure is reported and the SID kept in the log for a manual fix.
  try {
    await deps.store.create(
      shardedName(MESSAGES_MAP, sent.sid, deps.config.shards),
      sent.sid,
      { kind: 'tip', e164, userId: subscriber.userId, status: sent.status, date, createdAt: deps.now().toISOString() },
      40 * 24 * 3600,
    );
    await modifyItem<Subscriber>(deps.store, map, e164, (current) =>
      current.tips?.[date] === claimId ? { ...current, tips: { ...current.tips, [date]: sent.sid } } : undefined,
    );
  } catch (error) {
    deps.log.error('tips.bookkeeping_failed', { phone: e164, date, messageSid: sent.sid, error });
  }
  deps.log.info('tips.scheduled', { phone: e164, date, messageSid: sent.sid });
  return 'scheduled';
}

/** What Twilio's synchronous refusal of a tip means for the subscriber (the one outcome decision). */
async function applyRefusal(e164: string, code: number, deps: TipDeps): Promise<void> {
  const decision = decideOutcome('tips', { code });
  if (decision.action !== 'opt_out' && decision.action !== 'reject_number') return;
  const map = shardedName(SUBSCRIBERS_MAP, e164, deps.config.shards);
  let before: Subscriber['status'] | undefined;
  const updated = await modifyItem<Subscriber>(deps.store, map, e164, (current) => {
    before = current.status;
    if (current.status !== 'active') return undefined;
    return decision.action === 'opt_out'
      ? optOut(current, `twilio-${code}`, deps.now())
      : { ...current, status: 'suppressed', updatedAt: deps.now().toISOString() };
  });
  if (!updated || before !== 'active') return;
  const event = decision.action === 'opt_out' ? 'subscriber.opt_out' : 'subscriber.suppress';
  deps.log.info(event, { phone: e164, errorCode: code });
  await deps.activity.gauge(statusChange('active', updated.data.status));
  await deps.activity.event({ time: deps.now().toISOString(), event, masked: maskPhone(e164), detail: String(code) });
  if (decision.action === 'opt_out') await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.optOut]: 1 });
}

function eligibility(subscriber: Subscriber, date: string): TipOutcome | undefined {
  if (subscriber.status === 'opted_out') return 'skipped_opted_out';
  if (subscriber.status === 'suppressed') return 'skipped_suppressed';
  if (subscriber.welcome.state !== 'sent') return 'skipped_not_welcomed';
  if (subscriber.tips?.[date]) return 'already_scheduled';
  return undefined;
}

/** Keeps the record small: entries for past dates are dropped. */
function pruneTips(tips: Record<string, string> | undefined, today: string): Record<string, string> {
  return Object.fromEntries(Object.entries(tips ?? {}).filter(([date]) => date >= today));
}
