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
import { COUNTER, registeredEvent, statusChange } from '../core/activity';
import type { Logger } from '../core/log';
import { shardedName } from '../core/shard';
import { canReply } from '../core/reachability';
import { DeadlineExceededError, failureOf } from '../core/retry';
import { classifySendFailure, contentFingerprint, sendOutOfTime, SETTLE_RESERVE_MS } from '../core/send-outcome';
import {
  forgetProgrammeSent,
  noteProgrammeSent,
  optOut,
  type Subscriber,
  CLAIM_SEND_WINDOW_MS,
  CLAIM_SETTLE_MS,
  parseTipClaim,
  releaseClaim,
  tipClaim,
  unsettledClaims,
  welcomeSent,
} from '../core/subscriber';
import { timeZoneForNumber } from '../core/subscriber-time-zone';
import { countSegments } from '../core/segments';
import { slotOffsetSeconds, validityFor, type Throughput } from '../core/tip-plan';
import { MIN_SCHEDULE_LEAD_SECONDS, nextTipDate, sendAtFor } from '../core/tip-time';
import { encodeTipCursor, type TipCursor } from '../core/tips-input';
import { tipCarriesLink, tipForDate, tipSmsBody, type Tip } from '../core/tips';
import {
  dueMessage,
  NO_PROGRAMMES,
  placementLabel,
  placementOn,
  type Placement,
  type Programmes,
} from '../core/programmes';
import type { Language } from '../core/subscriber';
import { asksForBirthDate, withoutBirthAsk } from '../core/birth-ask';
import { message } from '../core/messages';
import { describeTwilioError } from '../core/twilio-errors';
import { decideOutcome } from '../core/twilio-outcome';
import { maskPhone } from '../core/phone';
import type { Activity } from './activity';
import type { KeyValueStore, ListPage, MessageSender, StoredItem } from './ports';
import { modifyItem, upsertSpread } from './store-writes';
import { MESSAGES_MAP, SUBSCRIBERS_MAP, welcomeMatcher } from './registration';

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
  /** Most subscriber pages one slice reads (TIPS_SLICE_MAX_PAGES), besides the time box. */
  sliceMaxPages?: number;
  concurrency: number;
  /** SENDER_MPS and TIP_VALIDITY_MINUTES (default: 10 segments/s, 240 min). */
  throughput?: Throughput;
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
  /** Stage-based message sets (programmes.private.json); absent: everyone gets the general tip. */
  programmes?: Programmes;
  config: TipRunConfig;
  now: () => Date;
  newId: () => string;
  localDate: (instant: Date) => string;
  /** The subscriber's personal unsubscribe link. */
  unsubscribeLink: (e164: string) => string;
  /** Her signed birth-date page (/b), asked once when the EDD has passed by 2 weeks (core/birth-ask.ts). */
  birthLink: (e164: string) => string;
}

export type TipOutcome =
  | 'scheduled'
  | 'would_schedule'
  | 'already_scheduled'
  | 'skipped_opted_out'
  | 'skipped_suppressed'
  | 'skipped_not_welcomed'
  /** The subscriber's programme has no message that day (its cadence, or a gap in the set). */
  | 'no_message_today'
  /** This programme message was scheduled before (an anchor date moved): it goes once. */
  | 'already_sent'
  /** Another call is scheduling it right now. */
  | 'in_progress'
  /** The create's outcome is unknown and Twilio's records do not show it yet: the claim stays until settled. */
  | 'unsettled'
  | 'skipped_too_late'
  | 'skipped_past_validity'
  /** The slice's time box closed before the create was made: nothing sent, the next slice does it. */
  | 'deferred'
  | 'failed';

export interface TipSlice {
  dates: string[];
  done: boolean;
  next: string | null;
  counts: Record<string, number>;
  elapsedMs: number;
}

/** The least time a page of tips is given before the deadline. */
const MIN_PAGE_BUDGET_MS = 2500;

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
  // The load as the run's last page left it: the census of the run's first date is in it.
  let finalLoad: Record<string, number> | undefined;
  // Start a page only while one can still finish before the Function's time limit: at least
  // 2.5 s, or the longest page this slice has seen plus a quarter.
  let pageBudgetMs = MIN_PAGE_BUDGET_MS;
  // Start a subscriber only while its calls and a send's settle reserve fit before the deadline
  // (the longest subscriber seen so far); the cursor then resumes at the first one not done.
  let longestTipMs = 0;
  let pages = 0;
  while (cursor && pages < (deps.config.sliceMaxPages ?? Infinity) && Date.now() + pageBudgetMs < options.deadline) {
    pages++;
    const pageStarted = Date.now();
    const map: string = `${SUBSCRIBERS_MAP}-${cursor.shard}`;
    const page: ListPage<Subscriber> = await deps.store.list<Subscriber>(map, {
      after: cursor.after,
      pageSize: deps.config.pageSize,
    });
    const load: Record<string, number> = { ...cursor.load };
    // Slots are assigned in page order before the concurrent sends, so the plan does not depend on
    // timing; the load after each subscriber is kept for a cursor that stops inside the page.
    const loadAfter: Record<string, number>[] = [];
    const queue = page.items.flatMap((item, itemIndex) => {
      const planned = dates.map((date) => ({
        item,
        itemIndex,
        date,
        plan: planTip(item.key, item.data, date, load, deps),
      }));
      if (dates[0] !== undefined) countCensus(item.data, dates[0], load, deps);
      loadAfter.push({ ...load });
      return planned;
    });
    let index = 0;
    let resumeAt = queue.length; // queue index of the first subscriber-date not done
    await Promise.all(
      Array.from({ length: Math.max(1, deps.config.concurrency) }, async () => {
        while (index < queue.length) {
          const reserve = options.dryRun ? 0 : SETTLE_RESERVE_MS + longestTipMs;
          if (Date.now() + reserve >= options.deadline) {
            resumeAt = Math.min(resumeAt, index);
            return;
          }
          const at = index++;
          const { item, date, plan } = queue[at]!;
          const tipStarted = Date.now();
          const outcome = await scheduleTip(item.key, date, deps, options.dryRun, plan);
          longestTipMs = Math.max(longestTipMs, Date.now() - tipStarted);
          if (outcome === 'deferred') resumeAt = Math.min(resumeAt, at);
          else counts[outcome] = (counts[outcome] ?? 0) + 1;
        }
      }),
    );
    pageBudgetMs = Math.max(pageBudgetMs, Math.ceil((Date.now() - pageStarted) * 1.25));
    if (resumeAt < queue.length) {
      // Subscribers before the first one not done are finished; those after it that were done
      // are found already scheduled (once per subscriber and date) when the next slice resumes.
      const first = queue[resumeAt]!.itemIndex;
      if (first > 0) cursor = { shard: cursor.shard, after: page.items[first - 1]!.key, load: loadAfter[first - 1]! };
      break;
    }
    cursor = page.nextAfter
      ? { shard: cursor.shard, after: page.nextAfter, load }
      : cursor.shard + 1 < deps.config.shards
        ? { shard: cursor.shard + 1, load }
        : undefined;
    if (!cursor) finalLoad = load;
  }
  if (!options.dryRun && counts.scheduled)
    await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.tipStatus('scheduled')]: counts.scheduled });
  if (!options.dryRun && cursor === undefined && dates[0] !== undefined && (deps.programmes?.sets.length ?? 0) > 0)
    await writeCensus(dates[0], finalLoad ?? {}, deps);
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
  deps: Pick<TipDeps, 'config' | 'tips' | 'programmes' | 'unsubscribeLink' | 'birthLink'>,
): TipPlan | undefined {
  if (subscriber.status !== 'active' || subscriber.welcome.state !== 'sent') return undefined;
  const body = tipBody(e164, date, subscriber, deps);
  // Nothing due that day (the cadence), or a programme message already sent: no slot.
  if (body === undefined) return undefined;
  const throughput = deps.config.throughput ?? DEFAULT_THROUGHPUT;
  const timeZone = subscriber.timeZone ?? timeZoneForNumber(e164, subscriber.country, deps.config.timeZone);
  const key = `${date} ${timeZone} ${subscriber.channel}`;
  const before = load[key] ?? 0;
  // The body this subscriber will get (with its stop phrase and, some days, the link) is what the sender drains.
  load[key] = before + (subscriber.channel === 'whatsapp' ? 1 : Math.max(1, countSegments(body).segments));
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
  options: SendOptions = {},
): Promise<TipOutcome> {
  const map = shardedName(SUBSCRIBERS_MAP, e164, deps.config.shards);
  let snapshot = await deps.store.get<Subscriber>(map, e164);
  if (!snapshot) return 'skipped_opted_out';
  if (!dryRun && unsettledClaims(snapshot.data).welcome) {
    snapshot = (await settleWelcomeClaim(e164, snapshot.data, deps)) ?? snapshot;
  }
  // A claim past its settle time whose message Twilio does not hold may be taken over.
  let takeOver: string | undefined;
  const pending = parseTipClaim(snapshot.data.tips?.[date]);
  if (pending && eligibility(snapshot.data, date, deps.now()) === 'unsettled' && !dryRun) {
    const found = await findScheduledTip(e164, date, snapshot.data, pending.claimedAt, deps);
    if (found) {
      await recordTip(e164, date, snapshot.data.tips![date]!, found, snapshot.data, deps, 'adopted_from_twilio');
      return 'already_scheduled';
    }
    takeOver = snapshot.data.tips![date];
  }

  const claimId = tipClaim(deps.newId(), deps.now());
  let verdict: TipOutcome | undefined;
  // Consent is checked on the freshest record, in the same revision-checked write as the claim.
  let slot = plan;
  const claimed = await modifyItem<Subscriber>(deps.store, map, e164, (current) => {
    const ours = current.tips?.[date] === claimId;
    verdict = ours ? undefined : eligibility(current, date, deps.now(), takeOver);
    const content = contentFor(current, date, deps);
    if (!verdict && !ours) verdict = programmeVerdict(current, date, content);
    slot ??= planTip(e164, current, date, {}, deps);
    // Twilio needs SendAt 15 min ahead (a zone whose 07:00 has passed gets the next run's date).
    if (
      !verdict &&
      !ours &&
      slot &&
      slot.sendAt.getTime() - deps.now().getTime() < (MIN_SCHEDULE_LEAD_SECONDS + 60) * 1000
    )
      verdict = 'skipped_too_late';
    if (!verdict && !ours && slot && slot.validityPeriod === undefined) verdict = 'skipped_past_validity';
    if (verdict || dryRun || ours) return undefined;
    return noteProgrammeSent(
      {
        ...current,
        // A record from before time zones gets its zone now.
        ...(current.timeZone ? {} : { timeZone: slot?.timeZone }),
        tips: { ...pruneTips(current.tips, deps.localDate(deps.now())), [date]: claimId },
        // The birth-date question is claimed with the day's message: asked once.
        ...(content?.asksBirthDate ? { birthAsk: { date } } : {}),
      },
      content?.programmeId,
    );
  });
  if (!claimed) return 'skipped_opted_out';
  if (verdict) return verdict;
  if (dryRun) return 'would_schedule';
  return sendClaimedTip(e164, date, claimId, claimed, deps, slot, options);
}

export interface SendOptions {
  /**
   * Count the tip in the day's `tips.scheduled` when it is scheduled (a single tip: a signup's
   * first, or one settled by reconciliation). The daily run counts its slices' tips in one write.
   */
  countScheduled?: boolean;
}

/** What Twilio did with a claimed tip's scheduled create (nothing recorded yet). */
export type TipSend =
  /** `programmeId`: the programme message it carries (noted so it goes once). */
  /** `asksBirthDate`: it is the birth-date question (noted so it is asked once). */
  | { kind: 'scheduled'; sid: string; status: string; adopted: boolean; programmeId?: string; asksBirthDate?: true }
  /** The create's outcome is unknown and Twilio's records do not show it yet: the claim stays until settled. */
  | { kind: 'unsettled' }
  /** Nothing was scheduled (refused, out of time, or no message due that day): the claim may go. */
  | { kind: 'not_scheduled'; outcome: 'deferred' | 'failed' | 'no_message_today'; code?: number };

/**
 * Twilio's scheduled create for a claimed tip, and nothing else: the caller records the SID
 * (or lets the claim go). Registration runs it beside the welcome's send and records both in
 * one write; `sendClaimedTip` records it on its own.
 */
export async function sendTipMessage(
  e164: string,
  date: string,
  claimId: string,
  subscriber: Subscriber,
  deps: TipDeps,
  plan?: TipPlan,
): Promise<TipSend> {
  const slot = plan ?? planTip(e164, subscriber, date, {}, deps);
  const timeZone = subscriber.timeZone ?? timeZoneForNumber(e164, subscriber.country, deps.config.timeZone);
  const content = contentFor(subscriber, date, deps);
  const whatsapp = subscriber.channel === 'whatsapp';
  const body = whatsapp ? undefined : tipBody(e164, date, subscriber, deps);
  // A claim made before the day was known to have no message (a signup's first tip): nothing to send.
  if (!content || (!whatsapp && body === undefined)) return { kind: 'not_scheduled', outcome: 'no_message_today' };
  const programme = {
    ...(content.programmeId ? { programmeId: content.programmeId } : {}),
    ...(content.asksBirthDate ? { asksBirthDate: true as const } : {}),
  };
  try {
    const sent = await deps.sender.send({
      channel: subscriber.channel,
      to: e164,
      sendAt: slot?.sendAt ?? sendAtFor(date, deps.config.localTime, timeZone),
      ...(slot?.validityPeriod !== undefined ? { validityPeriod: slot.validityPeriod } : {}),
      statusCallback: deps.config.statusCallbackUrl,
      notAfter: deps.now().getTime() + CLAIM_SEND_WINDOW_MS,
      ...(whatsapp
        ? {
            contentSid: deps.config.tipContentSid,
            contentVariables: { '1': textOf(content, e164, deps)[subscriber.language] },
          }
        : { body: body!, shortenUrls: deps.config.shortenUrls }),
    });
    return { kind: 'scheduled', sid: sent.sid, status: sent.status, adopted: false, ...programme };
  } catch (error) {
    if (classifySendFailure(error) === 'ambiguous') {
      // It may be scheduled already: never schedule again here; Twilio's records settle it.
      const claimedAt = parseTipClaim(claimId)!.claimedAt;
      const found = await findScheduledTip(e164, date, subscriber, claimedAt, deps).catch(() => undefined);
      if (found) return { kind: 'scheduled', sid: found.sid, status: found.status, adopted: true, ...programme };
      deps.log.warn('tips.send_ambiguous', {
        phone: e164,
        date,
        reason: (error as { reason?: string }).reason,
        action: 'kept_claim_until_settled',
      });
      return { kind: 'unsettled' };
    }
    if (sendOutOfTime(error)) {
      deps.log.info('tips.deferred', { phone: e164, date });
      return { kind: 'not_scheduled', outcome: 'deferred' };
    }
    const code = (error as { code?: number }).code;
    deps.log.warn('tips.schedule_failed', {
      phone: e164,
      date,
      code,
      failure: failureOf(error instanceof DeadlineExceededError ? error.lastError : error),
      category: describeTwilioError(typeof code === 'number' ? code : undefined)?.category,
      error,
    });
    return { kind: 'not_scheduled', outcome: 'failed', ...(typeof code === 'number' ? { code } : {}) };
  }
}

/**
 * The claim on `tips[date]` is written (`claimed` is the record as that write left it):
 * schedules the message and records its SID.
 */
export async function sendClaimedTip(
  e164: string,
  date: string,
  claimId: string,
  claimed: StoredItem<Subscriber>,
  deps: TipDeps,
  plan?: TipPlan,
  options: SendOptions = {},
): Promise<TipOutcome> {
  const map = shardedName(SUBSCRIBERS_MAP, e164, deps.config.shards);
  const subscriber = claimed.data;
  const today = deps.localDate(deps.now());
  // The counter slot is read while Twilio schedules the tip: the count is then one write beside the record's.
  if (options.countScheduled) deps.activity.prefetch?.(today);
  const count = () =>
    options.countScheduled ? deps.activity.count(today, { [COUNTER.tipStatus('scheduled')]: 1 }) : undefined;
  const sent = await sendTipMessage(e164, date, claimId, subscriber, deps, plan);
  if (sent.kind === 'unsettled') return 'unsettled';
  if (sent.kind === 'not_scheduled') {
    // Nothing was scheduled: let the claim go (and its programme message) so the next run tries again.
    const programmeId = contentFor(subscriber, date, deps)?.programmeId;
    await modifyItem<Subscriber>(deps.store, map, e164, (current) => withoutTip(current, date, claimId, programmeId));
    if (sent.code !== undefined) await applyRefusal(e164, sent.code, deps);
    return sent.outcome;
  }
  await Promise.all([
    recordTip(e164, date, claimId, sent, subscriber, deps, sent.adopted ? 'adopted_from_twilio' : undefined, claimed),
    count(),
  ]);
  return 'scheduled';
}

/**
 * The record without this claim on `tips[date]`, and without its programme message noted
 * (nothing was sent: the message may go another day); undefined when the claim is not there.
 */
export function withoutTip(
  current: Subscriber,
  date: string,
  claimId: string,
  programmeId?: string,
): Subscriber | undefined {
  if (current.tips?.[date] !== claimId) return undefined;
  const { [date]: _dropped, ...rest } = current.tips;
  // Nothing was sent that day: a birth-date question claimed with it is asked another day.
  return withoutBirthAsk(forgetProgrammeSent({ ...current, tips: rest }, programmeId), [date]);
}

/**
 * A welcome claimed and never recorded (its call lost the recording write, or died): the
 * message Twilio holds is adopted; past its settle time with none, the claim is given back
 * (the portal, answered 202, registers again). Never sends.
 */
export async function settleWelcomeClaim(
  e164: string,
  subscriber: Subscriber,
  deps: Pick<TipDeps, 'store' | 'sender' | 'log' | 'now' | 'config' | 'activity'>,
): Promise<StoredItem<Subscriber> | undefined> {
  const map = shardedName(SUBSCRIBERS_MAP, e164, deps.config.shards);
  const claimedAt = subscriber.welcome.claimedAt;
  const found = await deps.sender.findSent(subscriber.channel, e164, welcomeMatcher(subscriber));
  const settled = !found && deps.now().getTime() - Date.parse(claimedAt ?? '') >= CLAIM_SETTLE_MS;
  if (!found && !settled) return undefined;
  // Indexed here, the welcome's status callbacks find it without indexing it: the dashboard's
  // "registered" event, which the indexing callback writes (status.ts), is written here instead.
  if (found) {
    const indexed = await deps.store.create(
      shardedName(MESSAGES_MAP, found.sid, deps.config.shards),
      found.sid,
      { kind: 'welcome', e164, userId: subscriber.userId, status: found.status, createdAt: deps.now().toISOString() },
      35 * 24 * 3600,
    );
    if (indexed) await deps.activity.event(registeredEvent(subscriber, maskPhone(e164), deps.now()));
  }
  const updated = await modifyItem<Subscriber>(deps.store, map, e164, (current) => {
    if (current.welcome.state !== 'claimed' || current.welcome.claimedAt !== claimedAt) return undefined;
    return found ? welcomeSent(current, found.sid, found.status, deps.now()) : releaseClaim(current, deps.now());
  });
  // A claim past its settle time was abandoned (its call died or lost the record): worth a warning.
  const stale = deps.now().getTime() - Date.parse(claimedAt ?? '') >= CLAIM_SETTLE_MS;
  deps.log[stale ? 'warn' : 'info']('registration.claim_reconciled', {
    phone: e164,
    action: found ? 'adopted_from_twilio' : 'released_none_sent',
    ...(found ? { messageSid: found.sid } : {}),
  });
  return updated;
}

/**
 * Settles what a number's record left half-done (a welcome or tips claimed, no SID):
 * called when a status callback arrives for the number, and by the daily run. Claims
 * still inside their settle time are only adopted when Twilio already holds the message.
 */
export async function reconcileNumber(e164: string, subscriber: Subscriber, deps: TipDeps): Promise<void> {
  const open = unsettledClaims(subscriber);
  const today = deps.localDate(deps.now());
  if (open.welcome) {
    const settled = await settleWelcomeClaim(e164, subscriber, deps);
    // Adopted: the registration that lost it never scheduled the first tip either.
    if (settled?.data.welcome.state === 'sent') {
      const date = nextTipDate(deps.now(), {
        timeZone: deps.config.timeZone,
        localTime: deps.config.localTime,
        minLeadMinutes: 16,
      });
      if (!open.tipDates.includes(date))
        await scheduleTip(e164, date, deps, false, undefined, { countScheduled: true });
    }
  }
  for (const date of open.tipDates) {
    if (date < today) continue;
    const claim = parseTipClaim(subscriber.tips![date])!;
    if (deps.now().getTime() - Date.parse(claim.claimedAt) >= CLAIM_SETTLE_MS) {
      await scheduleTip(e164, date, deps, false, undefined, { countScheduled: true });
      continue;
    }
    // Still inside its settle time: its call is on it; only record what Twilio already holds.
    const found = await findScheduledTip(e164, date, subscriber, claim.claimedAt, deps);
    if (found) await recordTip(e164, date, subscriber.tips![date]!, found, subscriber, deps, 'reconciled_in_flight');
  }
}

/** What a subscriber gets on a local date: the day's general tip, or their programme's message. */
export interface DueContent {
  text: Pick<Tip, Language>;
  /** The programme message's id (absent for the general tip). */
  programmeId?: string;
  /** `general`, or the set's id: the census counts due messages by it. */
  set: string;
  /** The personal link rides along: the general tip once a week, every programme message (at most a few a week). */
  withLink: boolean;
  placement: Placement;
  /** The day's message is the birth-date question (core/birth-ask.ts): `text` is empty, textOf renders it with her /b link. */
  asksBirthDate?: true;
}

/** The text sent: the content's, or the birth-date question with her /b link. */
export function textOf(content: DueContent, e164: string, deps: Pick<TipDeps, 'birthLink'>): Pick<Tip, Language> {
  if (!content.asksBirthDate) return content.text;
  const link = deps.birthLink(e164);
  return { en: message('birth_ask', 'en', { link }), ne: message('birth_ask', 'ne', { link }) };
}

export function contentFor(
  subscriber: Subscriber,
  date: string,
  deps: Pick<TipDeps, 'tips' | 'programmes'>,
): DueContent | undefined {
  const programmes = deps.programmes ?? NO_PROGRAMMES;
  const placement = placementOf(subscriber, date, programmes);
  if (placement.kind === 'general')
    return { text: tipForDate(deps.tips, date), set: 'general', withLink: tipCarriesLink(date), placement };
  // The EDD passed by 2 weeks with no birth date: the first such day's message asks for it, once.
  if (asksForBirthDate(subscriber, placement, date))
    return {
      text: { en: '', ne: '' },
      set: placement.set.id,
      withLink: true,
      placement,
      asksBirthDate: true,
    };
  const due = dueMessage(programmes, placement);
  return due ? { text: due, programmeId: due.id, set: placement.set.id, withLink: true, placement } : undefined;
}

/** Why a subscriber's programme gives nothing to schedule on `date` (undefined: go ahead). */
function programmeVerdict(
  subscriber: Subscriber,
  date: string,
  content: DueContent | undefined,
): TipOutcome | undefined {
  if (!content) return 'no_message_today';
  // Noted by an earlier date's claim (an anchor date moved since): each message goes once.
  if (content.programmeId && subscriber.programmeSent?.includes(content.programmeId) && !subscriber.tips?.[date])
    return 'already_sent';
  return undefined;
}

/** A tip's SMS text: "reply STOP" only where replies arrive; the personal link once a week for everyone. */
function tipBody(
  e164: string,
  date: string,
  subscriber: Subscriber,
  deps: Pick<TipDeps, 'config' | 'tips' | 'programmes' | 'unsubscribeLink' | 'birthLink'>,
): string | undefined {
  const content = contentFor(subscriber, date, deps);
  if (!content || programmeVerdict(subscriber, date, content)) return undefined;
  return tipSmsBody(textOf(content, e164, deps), subscriber.language, {
    canReply: canReply(subscriber.channel, subscriber.country, deps.config.twoWaySmsCountries),
    link: content.withLink ? deps.unsubscribeLink(e164) : undefined,
  });
}

/** Where subscribers stand on the run's first date, counted in the cursor's load (`#` keys) as pages are planned. */
/** Where the subscriber stands that day; after a reported loss, never in a pregnancy or baby set (a START later brings general tips only). */
function placementOf(subscriber: Subscriber, date: string, programmes: Programmes): Placement {
  return subscriber.loss ? { kind: 'general', reason: 'loss' } : placementOn(programmes, subscriber, date);
}

function countCensus(
  subscriber: Subscriber,
  date: string,
  load: Record<string, number>,
  deps: Pick<TipDeps, 'tips' | 'programmes'>,
): void {
  if (subscriber.status !== 'active' || subscriber.welcome.state !== 'sent') return;
  const placement = placementOf(subscriber, date, deps.programmes ?? NO_PROGRAMMES);
  const stageKey = `#s ${date} ${placementLabel(placement)}`;
  load[stageKey] = (load[stageKey] ?? 0) + 1;
  const content = contentFor(subscriber, date, deps);
  if (!content) return;
  const dueKey = `#d ${date} ${content.set}`;
  load[dueKey] = (load[dueKey] ?? 0) + 1;
}

export const CENSUS_MAP = 'programme-census';

/** One run's picture of the programme for its first date (the dashboard's stage panel). */
export interface ProgrammeCensus {
  date: string;
  takenAt: string;
  /** Active, welcomed subscribers by `general` or `<set>/<stage>`. */
  subscribers: Record<string, number>;
  /** Messages due that date by set (`general`: the daily tip). */
  due: Record<string, number>;
}

/** Written when a run finishes (a rerun rewrites the same figures): one item per date, kept 40 days. */
async function writeCensus(date: string, load: Record<string, number>, deps: TipDeps): Promise<void> {
  const pick = (prefix: string) =>
    Object.fromEntries(
      Object.entries(load)
        .filter(([key]) => key.startsWith(prefix))
        .map(([key, n]) => [key.slice(prefix.length), n]),
    );
  const census: ProgrammeCensus = {
    date,
    takenAt: deps.now().toISOString(),
    subscribers: pick(`#s ${date} `),
    due: pick(`#d ${date} `),
  };
  try {
    await upsertSpread<ProgrammeCensus>(
      deps.store,
      () => ({ map: CENSUS_MAP, key: date }),
      () => census,
      () => census,
      { ttlSeconds: 40 * 24 * 3600 },
    );
  } catch (error) {
    // The figures are for the dashboard: the run's messages are scheduled whatever happens here.
    deps.log.warn('tips.census_failed', { date, error });
  }
}

/** The tip a claim made at `claimedAt` scheduled, from Twilio's records. */
function findScheduledTip(
  e164: string,
  date: string,
  subscriber: Subscriber,
  claimedAt: string,
  deps: TipDeps,
): Promise<{ sid: string; status: string } | undefined> {
  // Twilio rewrites the links of a shortened body, so its records cannot match our text: time alone settles it.
  const body =
    subscriber.channel === 'whatsapp' || deps.config.shortenUrls ? undefined : tipBody(e164, date, subscriber, deps);
  return deps.sender.findSent(subscriber.channel, e164, {
    since: new Date(claimedAt),
    ...(body !== undefined ? { fingerprint: contentFingerprint({ body }) } : {}),
    scheduled: true,
  });
}

/**
 * Scheduled at Twilio: from here on the claim is never released (that could schedule it
 * twice); a bookkeeping failure is reported and left for reconciliation (status callbacks
 * for the number, the daily run), which finds the message in Twilio's records.
 */
async function recordTip(
  e164: string,
  date: string,
  claimId: string,
  sent: { sid: string; status: string },
  subscriber: Subscriber,
  deps: TipDeps,
  adopted?: string,
  /** The record as our claim left it: one write when nothing changed it since. */
  known?: StoredItem<Subscriber>,
): Promise<void> {
  const map = shardedName(SUBSCRIBERS_MAP, e164, deps.config.shards);
  const programmeId = contentFor(subscriber, date, deps)?.programmeId;
  const withSid = (current: Subscriber) =>
    current.tips?.[date] === claimId
      ? noteProgrammeSent({ ...current, tips: { ...current.tips, [date]: sent.sid } }, programmeId)
      : undefined;
  try {
    // The index and the record are independent writes: one round trip.
    await Promise.all([
      deps.store.create(
        shardedName(MESSAGES_MAP, sent.sid, deps.config.shards),
        sent.sid,
        {
          kind: 'tip',
          e164,
          userId: subscriber.userId,
          status: sent.status,
          date,
          createdAt: deps.now().toISOString(),
        },
        40 * 24 * 3600,
      ),
      (async () => {
        const next = known ? withSid(known.data) : undefined;
        if (known && next && (await deps.store.update(map, e164, next, known.revision))) return;
        await modifyItem<Subscriber>(deps.store, map, e164, withSid);
      })(),
    ]);
  } catch (error) {
    deps.log.error('tips.bookkeeping_failed', { phone: e164, date, messageSid: sent.sid, error });
  }
  if (adopted === 'reconciled_in_flight') deps.log.info('tips.adopted', { phone: e164, date, messageSid: sent.sid });
  else if (adopted) deps.log.warn('tips.adopted', { phone: e164, date, messageSid: sent.sid, action: adopted });
  else deps.log.info('tips.scheduled', { phone: e164, date, messageSid: sent.sid });
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
  await deps.activity.gauge(statusChange('active', updated.data.status, updated.data));
  await deps.activity.event({ time: deps.now().toISOString(), event, masked: maskPhone(e164), detail: String(code) });
  if (decision.action === 'opt_out') await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.optOut]: 1 });
}

/**
 * Why this subscriber gets no tip for `date` now, or undefined to go ahead. A claim whose
 * settle time has not come is someone else's work in progress; `takeOver` is a stale claim
 * already found absent from Twilio's records.
 */
function eligibility(subscriber: Subscriber, date: string, now: Date, takeOver?: string): TipOutcome | undefined {
  if (subscriber.status === 'opted_out') return 'skipped_opted_out';
  if (subscriber.status === 'suppressed') return 'skipped_suppressed';
  if (subscriber.welcome.state !== 'sent') return 'skipped_not_welcomed';
  const value = subscriber.tips?.[date];
  if (!value) return undefined;
  const claim = parseTipClaim(value);
  if (!claim) return 'already_scheduled';
  if (value === takeOver) return undefined;
  return now.getTime() - Date.parse(claim.claimedAt) < CLAIM_SETTLE_MS ? 'in_progress' : 'unsettled';
}

/** Keeps the record small: entries for past dates are dropped. */
function pruneTips(tips: Record<string, string> | undefined, today: string): Record<string, string> {
  return Object.fromEntries(Object.entries(tips ?? {}).filter(([date]) => date >= today));
}
