/**
 * Scheduling the daily tip: for each target local date, every active subscriber gets one
 * message scheduled through the Messaging Service (ScheduleType=fixed) at TIPS_LOCAL_TIME.
 * Idempotent per subscriber per date: the subscriber item records `tips[date]` (claimed,
 * then the message SID) with revision checks, so a rerun or a concurrent run schedules
 * nothing twice. Time-boxed with a cursor over the subscriber shards.
 * Each subscriber's tip is at TIPS_LOCAL_TIME in their own zone, spread over a window by the
 * sender's throughput (core/tip-plan.ts): the cursor carries how many segments each
 * date/zone/channel already has, so every slice continues the same plan.
 */
import { COUNTER } from '../core/activity';
import type { Logger } from '../core/log';
import { shardedName } from '../core/shard';
import type { Subscriber } from '../core/subscriber';
import { timeZoneForNumber } from '../core/subscriber-time-zone';
import { slotOffsetSeconds, tipSegments, validityFor, type Throughput } from '../core/tip-plan';
import { MIN_SCHEDULE_LEAD_SECONDS, sendAtFor } from '../core/tip-time';
import { encodeTipCursor, type TipCursor } from '../core/tips-input';
import { tipForDate, tipMessage, type Tip } from '../core/tips';
import { describeTwilioError } from '../core/twilio-errors';
import type { Activity } from './activity';
import type { KeyValueStore, ListPage, MessageSender } from './ports';
import { modifyItem } from './store-writes';
import { MESSAGES_MAP, SUBSCRIBERS_MAP } from './registration';

/** Where one tip goes in the day's window. */
export interface TipPlan {
  sendAt: Date;
  /** Seconds; undefined when the slot lies past the validity window. */
  validityPeriod: number | undefined;
  timeZone: string;
}

export interface TipRunConfig {
  shards: number;
  timeZone: string;
  localTime: string;
  tipContentSid?: string;
  statusCallbackUrl: string;
  pageSize: number;
  concurrency: number;
  /** SENDER_MPS and TIP_VALIDITY_MINUTES (default: 10 segments/s, 240 min). */
  throughput?: Throughput;
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
}

export type TipOutcome =
  | 'scheduled'
  | 'would_schedule'
  | 'already_scheduled'
  | 'skipped_opted_out'
  | 'skipped_suppressed'
  | 'skipped_not_welcomed'
  | 'skipped_too_late'
  | 'skipped_past_validity'
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
    const load: Record<string, number> = { ...cursor.load };
    // Slots are assigned in page order before the concurrent sends, so the plan does not depend on timing.
    const queue = page.items.flatMap((item) =>
      dates.map((date) => ({ item, date, plan: planTip(item.key, item.data, date, load, deps) })),
    );
    let index = 0;
    await Promise.all(
      Array.from({ length: Math.max(1, deps.config.concurrency) }, async () => {
        while (index < queue.length) {
          const { item, date, plan } = queue[index++]!;
          const outcome = await scheduleTip(item.key, date, deps, options.dryRun, plan);
          counts[outcome] = (counts[outcome] ?? 0) + 1;
        }
      }),
    );
    cursor = page.nextAfter
      ? { shard: cursor.shard, after: page.nextAfter, load }
      : cursor.shard + 1 < deps.config.shards
        ? { shard: cursor.shard + 1, load }
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

const DEFAULT_THROUGHPUT: Throughput = { segmentsPerSecond: 10, validityMinutes: 240 };

/**
 * The slot of one subscriber's tip: 07:00 in their zone plus the time the sender needs for the
 * segments planned before it in that zone's window. Subscribers the listed record already shows
 * as not getting a tip take no slot (scheduled ones keep theirs, so a rerun plans the same day).
 */
export function planTip(
  e164: string,
  subscriber: Subscriber,
  date: string,
  load: Record<string, number>,
  deps: Pick<TipDeps, 'config' | 'tips'>,
): TipPlan | undefined {
  if (subscriber.status !== 'active' || subscriber.welcome.state !== 'sent') return undefined;
  const throughput = deps.config.throughput ?? DEFAULT_THROUGHPUT;
  const timeZone = subscriber.timeZone ?? timeZoneForNumber(e164, subscriber.country, deps.config.timeZone);
  const key = `${date} ${timeZone} ${subscriber.channel}`;
  const before = load[key] ?? 0;
  load[key] = before + tipSegments(tipForDate(deps.tips, date), subscriber.language, subscriber.channel);
  const offset = slotOffsetSeconds(before, throughput.segmentsPerSecond);
  return {
    sendAt: new Date(sendAtFor(date, deps.config.localTime, timeZone).getTime() + offset * 1000),
    validityPeriod: validityFor(offset, throughput.validityMinutes),
    timeZone,
  };
}

/** Schedules one subscriber's tip for one date, exactly once (at `plan`, else at the start of their window). */
export async function scheduleTip(
  e164: string,
  date: string,
  deps: TipDeps,
  dryRun: boolean,
  plan?: TipPlan,
): Promise<TipOutcome> {
  const map = shardedName(SUBSCRIBERS_MAP, e164, deps.config.shards);
  const claimId = `claimed:${deps.newId()}`;
  let verdict: TipOutcome | undefined;
  // Consent is checked on the freshest record, in the same revision-checked write as the claim.
  let slot = plan;
  const claimed = await modifyItem<Subscriber>(deps.store, map, e164, (current) => {
    verdict = eligibility(current, date);
    slot ??= planTip(e164, current, date, {}, deps);
    // Twilio needs SendAt 15 min ahead (a zone whose 07:00 has passed gets the next run's date).
    if (!verdict && slot && slot.sendAt.getTime() - deps.now().getTime() < (MIN_SCHEDULE_LEAD_SECONDS + 60) * 1000)
      verdict = 'skipped_too_late';
    if (!verdict && slot && slot.validityPeriod === undefined) verdict = 'skipped_past_validity';
    if (verdict || dryRun) return undefined;
    return {
      ...current,
      // A record from before time zones gets its zone now.
      ...(current.timeZone ? {} : { timeZone: slot?.timeZone }),
      tips: { ...pruneTips(current.tips, deps.localDate(deps.now())), [date]: claimId },
    };
  });
  if (!claimed) return 'skipped_opted_out';
  if (verdict) return verdict;
  if (dryRun) return 'would_schedule';

  const subscriber = claimed.data;
  const tip = tipForDate(deps.tips, date);
  const whatsapp = subscriber.channel === 'whatsapp';
  let sent: { sid: string; status: string };
  try {
    sent = await deps.sender.send({
      channel: subscriber.channel,
      to: e164,
      sendAt: slot!.sendAt,
      ...(slot!.validityPeriod !== undefined ? { validityPeriod: slot!.validityPeriod } : {}),
      statusCallback: deps.config.statusCallbackUrl,
      ...(whatsapp
        ? { contentSid: deps.config.tipContentSid, contentVariables: { '1': tip[subscriber.language] } }
        : { body: tipMessage(tip, subscriber.language) }),
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
