/**
 * The registration service: one number in, one subscriber out, welcomed exactly once.
 * Shared by POST /register and the admin batch, so the rules live in one place.
 *
 * Exactly-once: the Sync item for the number is created atomically (a second create
 * fails), and the welcome is sent only by the instance that wins a revision-checked claim
 * on that item. A claim abandoned by a dead instance goes stale and can be re-claimed.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { ALL_TIME, COUNTER, statusChange } from '../core/activity';
import { subscriberTimeZone } from '../core/subscriber-time-zone';
import type { Logger } from '../core/log';
import { normalizePhone, type PhoneRejection, type PhoneResult } from '../core/phone';
import { DeadlineExceededError, defaultRetryable, failureOf } from '../core/retry';
import { classifySendFailure, contentFingerprint, sendOutOfTime, type SentMatcher } from '../core/send-outcome';
import { shardedName } from '../core/shard';
import {
  CLAIM_SEND_WINDOW_MS,
  claimWelcome,
  decideForExisting,
  holdsClaim,
  newSubscriber,
  noteProgrammeSent,
  optOut,
  releaseClaim,
  resubscribe,
  secondsUntilSettled,
  tipClaim,
  welcomeFailed,
  welcomeSent,
  type Channel,
  type Language,
  type Subscriber,
} from '../core/subscriber';
import { canReply } from '../core/reachability';
import { stopInstruction } from '../core/stop-instruction';
import { describeTwilioError, type ErrorCategory } from '../core/twilio-errors';
import { decideOutcome } from '../core/twilio-outcome';
import { missingWelcomeSettings, welcomeBody, welcomeTemplateVariables } from '../core/welcome';
import { lineTypeCanReceiveSms } from '../core/line-type';
import type { Activity } from './activity';
import { repeatGuess, type RepeatGuess } from './repeat-guess';
import type { KeyValueStore, LookupMode, MessageSender, PhoneLookup, StoredItem } from './ports';
import { modifyItem } from './store-writes';
import type { WelcomeCap } from './welcome-cap';

export const SUBSCRIBERS_MAP = 'subscribers';
export const MESSAGES_MAP = 'messages';

export interface RegistrationRequest {
  userId: string;
  phone: unknown;
  name?: string;
  channel: Channel;
  language: Language;
  /** The portal collected fresh consent from someone who had said STOP. */
  resubscribe: boolean;
  source: string;
  /** The portal's optional IANA zone for the subscriber's 7 AM. */
  timezone?: string;
  /** Anchor dates of the stage-based programmes (checked by anchor-input.ts). */
  edd?: string;
  babyDob?: string;
}

export interface RegistrationConfig {
  defaultCountry: CountryCode;
  allowedCountries: string[];
  lookupMode: LookupMode;
  shards: number;
  cooldownSeconds: number;
  welcomesPerMinute: number;
  /** Zone of a subscriber whose number names none (TIMEZONE; default Asia/Kathmandu). */
  timeZone?: string;
  welcomeContentSid?: string;
  joinInstruction: string;
  statusCallbackUrl: string;
  /** Countries whose SMS subscribers can reply (TWO_WAY_SMS_COUNTRIES). */
  twoWaySmsCountries: string[];
  /** The Messaging Service shortens links (SHORTEN_URLS). */
  shortenUrls: boolean;
  /** TIPS_LOCAL_TIME: the welcome says it in words (default 07:00). */
  tipLocalTime?: string;
}

export interface RegistrationDeps {
  store: KeyValueStore;
  sender: MessageSender;
  lookup: PhoneLookup;
  activity: Activity;
  /** WELCOME_RATE_PER_MINUTE: one slot per welcome. */
  welcomeCap: WelcomeCap;
  log: Logger;
  config: RegistrationConfig;
  now: () => Date;
  newId: () => string;
  /** Local (Asia/Kathmandu) date of an instant, for daily counters. */
  localDate: (instant: Date) => string;
  /** The subscriber's personal unsubscribe link. */
  unsubscribeLink: (e164: string) => string;
}

export type RegistrationOutcome =
  | {
      kind: 'registered';
      masked: string;
      e164: string;
      messageSid: string;
      welcomeStatus: string;
      /** The first tip, scheduled beside the welcome and recorded in the same write (see RegistrationOptions.firstTip). */
      firstTip?: { date: string; outcome: 'scheduled' | 'unsettled' | 'deferred' | 'failed' | 'no_message_today' };
    }
  | { kind: 'would_register'; masked: string; e164: string }
  /** `adopted`: this call finished a registration whose welcome Twilio held but nobody had recorded. */
  | { kind: 'already_registered'; masked: string; e164: string; welcome: string; adopted?: boolean }
  | { kind: 'in_progress'; masked: string; e164: string; retryAfterSeconds: number }
  | { kind: 'opted_out'; masked: string; e164: string }
  | { kind: 'suppressed'; masked: string; e164: string }
  /** `holderUserId`: the portal user who holds the number (for the admin's batch report, never for /register's answer). */
  | { kind: 'conflict'; masked: string; e164: string; holderUserId: string }
  | { kind: 'invalid'; reason: PhoneRejection | 'lookup_invalid' }
  | { kind: 'rejected'; masked: string; e164: string; code: number; category: ErrorCategory; description: string }
  | { kind: 'needs_join'; masked: string; e164: string; instruction: string }
  | { kind: 'twilio_configuration'; masked: string; e164: string; code: number; description: string }
  /** `outOfTime`: the welcome was not sent because this call's time box closed first (nothing reached Twilio). */
  | { kind: 'retry_later'; masked: string; e164: string; retryAfterSeconds: number; outOfTime?: true }
  /** `welcome_rate`: WELCOME_RATE_PER_MINUTE is used up this minute; `cooldown`: this number had a welcome attempt just now. */
  | {
      kind: 'rate_limited';
      masked: string;
      e164: string;
      retryAfterSeconds: number;
      cause: 'welcome_rate' | 'cooldown';
    }
  | { kind: 'not_configured'; missing: string[] };

export interface RegistrationOptions {
  /** Report what would happen; write and send nothing. */
  dryRun?: boolean;
  /** `request.phone` already through normalizePhone with this config (the batch did it to find duplicates). */
  normalized?: PhoneResult;
  /** Claim this tip in the write that claims the welcome, schedule it beside the welcome, record both in one write. */
  firstTip?: FirstTip;
}

/** What Twilio did with the first tip's scheduled create (the tips service's TipSend). */
export type FirstTipSend =
  | { kind: 'scheduled'; sid: string; status: string; adopted: boolean; programmeId?: string; asksBirthDate?: true }
  | { kind: 'unsettled' }
  | { kind: 'not_scheduled'; outcome: 'deferred' | 'failed' | 'no_message_today'; code?: number };

export interface FirstTip {
  date: string;
  /** The claimed tip's scheduled create, recording nothing (the registration records its SID). */
  send: (e164: string, subscriber: Subscriber, claimId: string) => Promise<FirstTipSend>;
}

/** The first tip of this call: its claim on `tips[date]` and, once sent, what Twilio did. */
interface TipState {
  date: string;
  claimId: string;
  send: FirstTip['send'];
  result?: FirstTipSend;
}

export async function registerNumber(
  request: RegistrationRequest,
  deps: RegistrationDeps,
  options: RegistrationOptions = {},
): Promise<RegistrationOutcome> {
  const normalized =
    options.normalized ??
    normalizePhone(request.phone, {
      defaultCountry: deps.config.defaultCountry,
      allowedCountries: deps.config.allowedCountries,
    });
  if (options.dryRun) return registerSafely(request, normalized, deps, options);
  // Every count of this call goes through the guess, so whichever comes first settles it.
  const guess = repeatGuess(deps.activity, COUNTER.registrationAlready);
  const counted = { ...deps, activity: guess };
  try {
    const outcome = await registerSafely(request, normalized, counted, options, guess);
    // A batch user whose welcome the slice's time box refused is resumed by the next slice: no answer to count.
    const resumed = request.source === 'batch' && outcome.kind === 'retry_later' && outcome.outOfTime;
    if (!resumed) await countOutcome(outcome, counted);
    return outcome;
  } finally {
    await guess.settle();
  }
}

/**
 * The outcomes counted here rather than where they are decided (each has several exits): with
 * the counts written on the way, every answer the portal gets is counted once.
 */
const OUTCOME_COUNTERS: Partial<Record<RegistrationOutcome['kind'], string>> = {
  rate_limited: COUNTER.registrationRateLimited,
  needs_join: COUNTER.registrationNeedsJoin,
  retry_later: COUNTER.registrationRetryLater,
  in_progress: COUNTER.registrationRetryLater,
  twilio_configuration: COUNTER.registrationTwilioConfiguration,
  suppressed: COUNTER.registrationSuppressed,
};

async function countOutcome(outcome: RegistrationOutcome, deps: RegistrationDeps): Promise<void> {
  const counter = OUTCOME_COUNTERS[outcome.kind];
  if (counter) await deps.activity.count(deps.localDate(deps.now()), { [counter]: 1 });
}

async function registerSafely(
  request: RegistrationRequest,
  normalized: PhoneResult,
  deps: RegistrationDeps,
  options: RegistrationOptions,
  guess?: RepeatGuess,
): Promise<RegistrationOutcome> {
  try {
    return await registerOnce(request, normalized, deps, options, guess);
  } catch (error) {
    // Sync or Lookup still failing when the time box ran out: the portal retries later, and
    // the registration lock keeps that retry to one welcome.
    if (!(error instanceof DeadlineExceededError) && !defaultRetryable(error)) throw error;
    deps.log.warn('registration.retry_later', {
      userId: request.userId,
      phone: normalized.ok ? normalized.e164 : undefined,
      error,
    });
    return {
      kind: 'retry_later',
      e164: normalized.ok ? normalized.e164 : '',
      masked: normalized.ok ? normalized.masked : '',
      retryAfterSeconds: 5,
    };
  }
}

async function registerOnce(
  request: RegistrationRequest,
  normalized: PhoneResult,
  deps: RegistrationDeps,
  options: RegistrationOptions,
  guess?: RepeatGuess,
): Promise<RegistrationOutcome> {
  const { config, log } = deps;
  if (!normalized.ok) {
    log.info('registration.invalid', { userId: request.userId, reason: normalized.reason });
    if (!options.dryRun)
      await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.registrationInvalid(normalized.reason)]: 1 });
    return { kind: 'invalid', reason: normalized.reason };
  }
  const { e164, masked } = normalized;
  const number = { e164, masked };
  const missing = missingWelcomeSettings(request.channel, config.welcomeContentSid);
  if (missing.length > 0) return { kind: 'not_configured', missing };

  const map = shardedName(SUBSCRIBERS_MAP, e164, config.shards);
  // The day's counter slot and the welcome-rate bucket are read while the subscriber is: the
  // count at the end and the slot taken beside the create are then one write each. A repeat's
  // count is written meanwhile too (repeat-guess.ts): a repeat answers after this one read.
  if (!options.dryRun) {
    deps.activity.prefetch?.(deps.localDate(deps.now()));
    deps.welcomeCap.prefetch?.(e164);
    guess?.guess(deps.localDate(deps.now()));
  }
  const existing = await deps.store.get<Subscriber>(map, e164);

  if (options.dryRun) {
    if (!existing) return { kind: 'would_register', ...number };
    const decision = decideForExisting(existing.data, request, deps.now(), config.cooldownSeconds);
    return dryRunOutcome(decision.kind, existing.data, number);
  }

  // Claims made by this call carry its id: a retried write that landed without an answer
  // leaves a claim this call recognises as its own instead of waiting it out.
  const callId = deps.newId();
  const tip: TipState | undefined = options.firstTip
    ? { date: options.firstTip.date, claimId: tipClaim(callId, deps.now()), send: options.firstTip.send }
    : undefined;
  let item = existing;
  if (!item) {
    deps.activity.prefetch?.(ALL_TIME);
    // Created already claimed (the welcome and the first tip): whoever creates the item is the
    // one instance that welcomes. Lookup and the welcome-rate slot are asked beside the create;
    // a refusal removes the record this call created (nobody sends for a claim meanwhile).
    const fresh = newSubscriber({
      userId: request.userId,
      channel: request.channel,
      language: request.language,
      country: normalized.country,
      source: request.source,
      now: deps.now(),
      timeZone: subscriberTimeZone(
        { requested: request.timezone, e164, country: normalized.country },
        deps.config.timeZone ?? 'Asia/Kathmandu',
      ),
      ...(request.edd ? { edd: request.edd } : {}),
      ...(request.babyDob ? { babyDob: request.babyDob } : {}),
    });
    const claim = withTipClaim(claimWelcome(fresh, callId, deps.now(), fingerprintOf(e164, fresh, request, deps)), tip);
    const createOrRead = async (): Promise<{ ours?: StoredItem<Subscriber>; other?: StoredItem<Subscriber> }> => {
      const created = await deps.store.create(map, e164, claim);
      if (created) return { ours: created };
      const found = await deps.store.get<Subscriber>(map, e164);
      // Our own create landed and only its answer was lost (the retry met 54208).
      return found && holdsClaim(found.data, callId) ? { ours: found } : { other: found };
    };
    const [refusal, limited, placed] = await Promise.allSettled([
      lookupRefusal(e164, request.channel, deps),
      deps.welcomeCap.take(e164),
      createOrRead(),
    ]);
    const ours = placed.status === 'fulfilled' ? placed.value.ours : undefined;
    const verdict =
      refusal.status === 'rejected'
        ? refusal
        : limited.status === 'rejected'
          ? limited
          : refusal.value
            ? { status: 'answer' as const, value: refusal.value }
            : limited.value
              ? {
                  status: 'answer' as const,
                  value: {
                    kind: 'rate_limited' as const,
                    ...number,
                    retryAfterSeconds: limited.value,
                    cause: 'welcome_rate' as const,
                  },
                }
              : undefined;
    if (verdict) {
      // A slot taken for a number Lookup refuses, or by a call that lost the create, is lost (rare).
      if (ours) await removeUnsent(deps, map, e164);
      if (verdict.status === 'rejected') throw verdict.reason;
      return verdict.value;
    }
    if (placed.status === 'rejected') throw placed.reason;
    if (ours) return sendWelcome(request, deps, map, ours, callId, number, true, tip);
    item = placed.value.other;
    // A few rounds: the instance that beat us to the create may drop the record again
    // (Twilio refused the number) before we read it.
    for (let round = 0; round < 2 && !item; round++) {
      const again = await createOrRead();
      if (again.ours) return sendWelcome(request, deps, map, again.ours, callId, number, true, tip);
      item = again.other;
    }
    if (!item) return { kind: 'in_progress', ...number, retryAfterSeconds: 1 };
  }
  return continueWithItem(request, deps, map, item, number, callId, tip);
}

/** The welcome claim plus the first tip's, when this subscriber has nothing for that date yet. */
function withTipClaim(claim: Subscriber, tip: TipState | undefined): Subscriber {
  if (!tip || claim.status !== 'active' || claim.tips?.[tip.date]) return claim;
  return { ...claim, tips: { ...claim.tips, [tip.date]: tip.claimId } };
}

/** Removes the record this call created when Lookup or the welcome cap said no (nothing was sent for it). */
async function removeUnsent(deps: RegistrationDeps, map: string, e164: string): Promise<void> {
  try {
    // Nobody else writes a record whose claim is this fresh: no re-read needed.
    await deps.store.remove(map, e164);
  } catch (error) {
    // The claim then goes stale and a later call re-claims it (no welcome was sent).
    deps.log.warn('registration.unsent_record_kept', { phone: e164, error });
  }
}

function dryRunOutcome(
  kind: string,
  subscriber: Subscriber,
  number: { e164: string; masked: string },
): RegistrationOutcome {
  switch (kind) {
    case 'conflict':
      return { kind: 'conflict', ...number, holderUserId: subscriber.userId };
    case 'opted_out':
      return { kind: 'opted_out', ...number };
    case 'suppressed':
      return { kind: 'suppressed', ...number };
    case 'resubscribe':
    case 'claim':
      return subscriber.welcome.state === 'pending'
        ? { kind: 'would_register', ...number }
        : { kind: 'already_registered', ...number, welcome: subscriber.welcome.state };
    default:
      return { kind: 'already_registered', ...number, welcome: subscriber.welcome.state };
  }
}

/** Lookup before creating a new subscriber: refuse numbers Twilio says are invalid or cannot take SMS. */
async function lookupRefusal(
  e164: string,
  channel: Channel,
  deps: RegistrationDeps,
): Promise<RegistrationOutcome | undefined> {
  const mode = deps.config.lookupMode;
  if (mode === 'off') return undefined;
  const result = await deps.lookup.lookup(e164, mode);
  if (!result.valid) {
    deps.log.info('registration.invalid', { reason: 'lookup_invalid', errors: result.validationErrors });
    await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.registrationInvalid('lookup_invalid')]: 1 });
    return { kind: 'invalid', reason: 'lookup_invalid' };
  }
  if (mode === 'line_type' && channel === 'sms' && !lineTypeCanReceiveSms(result.lineType)) {
    deps.log.info('registration.invalid', { reason: 'not_mobile', lineType: result.lineType });
    await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.registrationInvalid('not_mobile')]: 1 });
    return { kind: 'invalid', reason: 'not_mobile' };
  }
  return undefined;
}

async function continueWithItem(
  request: RegistrationRequest,
  deps: RegistrationDeps,
  map: string,
  start: StoredItem<Subscriber>,
  number: { e164: string; masked: string },
  callId: string,
  tip: TipState | undefined,
): Promise<RegistrationOutcome> {
  const { log, config } = deps;
  const today = deps.localDate(deps.now());
  let item = start;
  // Each pass re-reads after losing a revision race; a handful always settles it.
  for (let pass = 0; pass < 6; pass++) {
    const decision = decideForExisting(item.data, request, deps.now(), config.cooldownSeconds);
    switch (decision.kind) {
      case 'conflict':
        log.warn('registration.conflict', { userId: request.userId, phone: number.e164 });
        await deps.activity.count(today, { [COUNTER.registrationConflict]: 1 });
        return { kind: 'conflict', ...number, holderUserId: item.data.userId };
      case 'opted_out':
        log.info('registration.opted_out', { userId: request.userId, phone: number.e164 });
        await deps.activity.count(today, { [COUNTER.registrationOptedOut]: 1 });
        return { kind: 'opted_out', ...number };
      case 'suppressed':
        log.info('registration.suppressed', { userId: request.userId, phone: number.e164 });
        return { kind: 'suppressed', ...number };
      case 'already_registered':
        log.info('registration.already_registered', {
          userId: request.userId,
          phone: number.e164,
          welcome: item.data.welcome.state,
        });
        // Still waiting for the WhatsApp join: counted as needs_join (registerNumber), not twice.
        if (item.data.welcome.state === 'needs_join')
          return { kind: 'needs_join', ...number, instruction: config.joinInstruction };
        await deps.activity.count(today, { [COUNTER.registrationAlready]: 1 });
        return { kind: 'already_registered', ...number, welcome: item.data.welcome.status ?? item.data.welcome.state };
      case 'in_progress': {
        // The same user's registration is sending right now (or its answer was lost): if
        // Twilio already holds the welcome, finish the record instead of waiting.
        const adopted = await adoptSentWelcome(request, deps, map, item, number);
        if (adopted) return adopted;
        return {
          kind: 'in_progress',
          ...number,
          retryAfterSeconds: secondsUntilSettled(item.data.welcome.claimedAt, deps.now()),
        };
      }
      case 'needs_join':
        return { kind: 'needs_join', ...number, instruction: config.joinInstruction };
      case 'cooldown':
        return { kind: 'rate_limited', ...number, retryAfterSeconds: decision.retryAfterSeconds, cause: 'cooldown' };
      case 'resubscribe': {
        const updated = await deps.store.update(
          map,
          number.e164,
          resubscribe(item.data, request.source, deps.now(), true),
          item.revision,
        );
        if (updated) {
          log.info('registration.resubscribed', { userId: request.userId, phone: number.e164 });
          await deps.activity.count(today, { [COUNTER.optIn]: 1 });
          await deps.activity.gauge(statusChange('opted_out', 'active', updated.data));
          await deps.activity.event({
            time: deps.now().toISOString(),
            event: 'consent.opt_in',
            masked: number.masked,
            detail: request.source,
          });
          item = updated;
        } else {
          item = (await deps.store.get<Subscriber>(map, number.e164)) ?? item;
        }
        continue;
      }
      case 'claim': {
        // A claim past its settle time: its call may have sent the welcome and died before
        // writing that down. Twilio's own record says; adopt it instead of resending.
        if (item.data.welcome.state === 'claimed') {
          const adopted = await adoptSentWelcome(request, deps, map, item, number);
          if (adopted) return adopted;
        }
        const limited = await deps.welcomeCap.take(number.e164);
        if (limited) return { kind: 'rate_limited', ...number, retryAfterSeconds: limited, cause: 'welcome_rate' };
        const claim = withTipClaim(
          claimWelcome(item.data, callId, deps.now(), fingerprintOf(number.e164, item.data, request, deps)),
          tip,
        );
        const claimed = await deps.store.update(map, number.e164, claim, item.revision);
        if (claimed) return sendWelcome(request, deps, map, claimed, callId, number, false, tip);
        const fresh = await deps.store.get<Subscriber>(map, number.e164);
        if (!fresh) throw new Error('subscriber vanished during claim');
        // Our update landed and only its answer was lost.
        if (holdsClaim(fresh.data, callId)) return sendWelcome(request, deps, map, fresh, callId, number, false, tip);
        item = fresh;
        continue;
      }
    }
  }
  return { kind: 'in_progress', ...number, retryAfterSeconds: 1 };
}

/** The SMS body's fingerprint for the claim (a template's body is rendered by Twilio: none). */
function fingerprintOf(
  e164: string,
  subscriber: Subscriber,
  request: RegistrationRequest,
  deps: RegistrationDeps,
): string | undefined {
  // Twilio rewrites the links of a shortened body, so its records cannot match our text: time alone settles it.
  if (deps.config.shortenUrls) return undefined;
  const content = welcomeContent(e164, subscriber, request, deps);
  return content.body !== undefined ? contentFingerprint({ body: content.body }) : undefined;
}

/** The welcome: always the personal unsubscribe link; "reply STOP" only where replies arrive. */
function welcomeContent(
  e164: string,
  subscriber: Subscriber,
  request: RegistrationRequest,
  deps: RegistrationDeps,
): { body?: string; contentSid?: string; contentVariables?: Record<string, string>; shortenUrls?: boolean } {
  const { config } = deps;
  const replies = canReply(subscriber.channel, subscriber.country, config.twoWaySmsCountries);
  const stop = stopInstruction(subscriber.language, { canReply: replies, link: deps.unsubscribeLink(e164) })!;
  const localTime = config.tipLocalTime ?? '07:00';
  return subscriber.channel === 'whatsapp'
    ? {
        contentSid: config.welcomeContentSid,
        contentVariables: welcomeTemplateVariables(subscriber.language, request.name, stop, localTime),
      }
    : {
        body: welcomeBody(subscriber.language, request.name, stop, { localTime, canReply: replies }),
        shortenUrls: config.shortenUrls,
      };
}

/** How Twilio's records show the message a welcome claim was about. */
export function welcomeMatcher(subscriber: Subscriber): SentMatcher {
  return {
    since: new Date(subscriber.welcome.claimedAt ?? subscriber.updatedAt),
    ...(subscriber.welcome.fingerprint ? { fingerprint: subscriber.welcome.fingerprint } : {}),
    scheduled: false,
  };
}

/**
 * A claimed welcome that Twilio already holds (its sender's answer or record was lost, or
 * it is still recording): write it down and answer as registered before. Undefined when
 * Twilio has no such message (or cannot say right now).
 */
async function adoptSentWelcome(
  request: RegistrationRequest,
  deps: RegistrationDeps,
  map: string,
  item: StoredItem<Subscriber>,
  number: { e164: string; masked: string },
): Promise<RegistrationOutcome | undefined> {
  const found = await deps.sender.findSent(item.data.channel, number.e164, welcomeMatcher(item.data));
  if (!found) return undefined;
  await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
    current.welcome.state === 'claimed' ? welcomeSent(current, found.sid, found.status, deps.now()) : undefined,
  );
  deps.log.warn('registration.welcome_adopted', {
    userId: request.userId,
    phone: number.e164,
    messageSid: found.sid,
  });
  return { kind: 'already_registered', ...number, welcome: found.status, adopted: true };
}

async function sendWelcome(
  request: RegistrationRequest,
  deps: RegistrationDeps,
  map: string,
  claimed: StoredItem<Subscriber>,
  callId: string,
  number: { e164: string; masked: string },
  created: boolean,
  firstTip?: TipState,
): Promise<RegistrationOutcome> {
  const { config } = deps;
  const subscriber = claimed.data;
  const claimedAt = Date.parse(subscriber.welcome.claimedAt ?? '') || deps.now().getTime();
  // The first tip's scheduled create goes beside the welcome's (its claim rode on the welcome's).
  const tip = firstTip && subscriber.tips?.[firstTip.date] === firstTip.claimId ? firstTip : undefined;
  const tipSent = tip?.send(number.e164, subscriber, tip.claimId).catch((error: unknown): FirstTipSend => {
    deps.log.warn('register.first_tip_failed', { phone: number.e164, error });
    return { kind: 'unsettled' };
  });
  let sent: { sid: string; status: string } | undefined;
  let failure: unknown;
  try {
    sent = await deps.sender.send({
      channel: subscriber.channel,
      to: number.e164,
      statusCallback: config.statusCallbackUrl,
      notAfter: claimedAt + CLAIM_SEND_WINDOW_MS,
      ...welcomeContent(number.e164, subscriber, request, deps),
    });
  } catch (error) {
    failure = error;
  }
  const settled = tip && tipSent ? { ...tip, result: await tipSent } : undefined;
  if (sent) return recordWelcome(request, deps, map, claimed, number, created, sent, settled);
  const outcome =
    classifySendFailure(failure) === 'ambiguous'
      ? await settleAmbiguousWelcome(failure, request, deps, map, claimed, number, created, settled)
      : await handleSendFailure(failure, request, deps, map, callId, number, created, settled);
  return outcome;
}

/** The record with the first tip's outcome: its SID, its claim let go, or the claim kept until settled. */
function settleTip(current: Subscriber, tip: TipState | undefined): Subscriber {
  if (!tip?.result || current.tips?.[tip.date] !== tip.claimId || tip.result.kind === 'unsettled') return current;
  if (tip.result.kind === 'scheduled')
    return noteProgrammeSent(
      {
        ...current,
        tips: { ...current.tips, [tip.date]: tip.result.sid },
        // A first tip that asks for the birth date (an EDD 2 weeks past at signup): asked once.
        ...(tip.result.asksBirthDate ? { birthAsk: { date: tip.date } } : {}),
      },
      tip.result.programmeId,
    );
  const { [tip.date]: _dropped, ...rest } = current.tips;
  return { ...current, tips: rest };
}

/**
 * The welcome did not go (refused for good): its first tip must not either. Cancelled, the
 * claim is let go; if the cancel fails the tip stays recorded with its SID (never scheduled twice).
 */
async function withdrawTip(
  tip: TipState | undefined,
  deps: RegistrationDeps,
  e164: string,
): Promise<TipState | undefined> {
  if (tip?.result?.kind !== 'scheduled') return tip;
  try {
    await deps.sender.cancel(tip.result.sid);
    return { ...tip, result: { kind: 'not_scheduled', outcome: 'failed' } };
  } catch (error) {
    deps.log.error('register.first_tip_not_cancelled', { phone: e164, messageSid: tip.result.sid, error });
    return tip;
  }
}

/** A tip scheduled by a call whose welcome is still open (retry later) stays: counted and recorded. */
async function keepTip(
  tip: TipState | undefined,
  deps: RegistrationDeps,
  map: string,
  e164: string,
  written: boolean,
): Promise<void> {
  if (!tip?.result || tip.result.kind === 'unsettled') return;
  try {
    await Promise.all([
      written
        ? undefined
        : modifyItem<Subscriber>(deps.store, map, e164, (current) => {
            const next = settleTip(current, tip);
            return next === current ? undefined : next;
          }),
      tip.result.kind === 'scheduled'
        ? deps.activity.count(deps.localDate(deps.now()), { [COUNTER.tipStatus('scheduled')]: 1 })
        : undefined,
    ]);
  } catch (error) {
    // Reconciliation settles the claim from Twilio's records.
    deps.log.warn('register.first_tip_not_recorded', { phone: e164, error });
  }
}

/**
 * The create may have reached Twilio (reset, timeout, 5xx): never send again here. Twilio's
 * records settle it; when they do not show it yet, the claim stays and the portal's retry
 * settles it after the claim's settle time (one welcome, whichever way it went).
 */
async function settleAmbiguousWelcome(
  error: unknown,
  request: RegistrationRequest,
  deps: RegistrationDeps,
  map: string,
  claimed: StoredItem<Subscriber>,
  number: { e164: string; masked: string },
  created: boolean,
  tip: TipState | undefined,
): Promise<RegistrationOutcome> {
  let found: { sid: string; status: string } | undefined;
  try {
    found = await deps.sender.findSent(claimed.data.channel, number.e164, welcomeMatcher(claimed.data));
  } catch {
    found = undefined;
  }
  const retryAfterSeconds = secondsUntilSettled(claimed.data.welcome.claimedAt, deps.now());
  deps.log.warn('registration.send_ambiguous', {
    userId: request.userId,
    phone: number.e164,
    reason: (error as { reason?: string }).reason,
    action: found ? 'adopted_from_twilio' : 'kept_claim_until_settled',
    ...(found ? { messageSid: found.sid } : { retryAfterSeconds }),
  });
  if (found) return recordWelcome(request, deps, map, claimed, number, created, found, tip);
  // The welcome may still have gone: its tip stays (recorded), and an adopted welcome keeps it.
  await keepTip(tip, deps, map, number.e164, false);
  return { kind: 'retry_later', ...number, retryAfterSeconds };
}

/**
 * Bookkeeping after Twilio accepted the welcome. A failure here must not release the claim
 * (a retry would send a second welcome): it is reported, and a later call that finds the
 * claim adopts the sent message from Twilio's records.
 */
async function recordWelcome(
  request: RegistrationRequest,
  deps: RegistrationDeps,
  map: string,
  claimed: StoredItem<Subscriber>,
  number: { e164: string; masked: string },
  created: boolean,
  sent: { sid: string; status: string },
  tip: TipState | undefined,
): Promise<RegistrationOutcome> {
  const { log } = deps;
  const subscriber = claimed.data;
  const today = deps.localDate(deps.now());
  // The welcome's SID and the first tip's, in one write.
  const record = (current: Subscriber): Subscriber =>
    settleTip(welcomeSent(current, sent.sid, sent.status, deps.now()), tip);
  const tipScheduled = tip?.result?.kind === 'scheduled' ? tip.result : undefined;
  const counts = {
    ...(created ? { [COUNTER.registrationCreated]: 1 } : {}),
    ...(tipScheduled ? { [COUNTER.tipStatus('scheduled')]: 1 } : {}),
  };
  try {
    // Independent writes side by side: the portal waits for one round trip, not three. No
    // message index and no 'registration.created' event: the welcome's first status callback
    // writes both from this record (status.ts).
    await Promise.all([
      (async () => {
        // We hold the claim's revision; only if a status callback got in first do we re-read.
        if (await deps.store.update(map, number.e164, record(subscriber), claimed.revision)) return;
        await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
          current.welcome.state === 'sent' &&
          current.welcome.messageSid === sent.sid &&
          settleTip(current, tip) === current
            ? undefined
            : record(current),
        );
      })(),
      // The funnel's statuses (queued, sent, ...) are counted from Twilio's status callbacks only.
      Object.keys(counts).length > 0 ? deps.activity.count(today, counts) : undefined,
      created ? deps.activity.gauge(statusChange(undefined, 'active', subscriber)) : undefined,
    ]);
    log.info(created ? 'registration.created' : 'registration.welcome_sent', {
      userId: subscriber.userId,
      phone: number.e164,
      channel: subscriber.channel,
      messageSid: sent.sid,
      ...(tipScheduled ? { firstTipSid: tipScheduled.sid } : {}),
    });
  } catch (error) {
    log.error('registration.bookkeeping_failed', {
      userId: subscriber.userId,
      phone: number.e164,
      messageSid: sent.sid,
      error,
    });
  }
  const firstTip = tip?.result
    ? {
        date: tip.date,
        outcome: tip.result.kind === 'not_scheduled' ? tip.result.outcome : tip.result.kind,
      }
    : undefined;
  return {
    kind: 'registered',
    ...number,
    messageSid: sent.sid,
    welcomeStatus: sent.status,
    ...(firstTip ? { firstTip } : {}),
  };
}

async function handleSendFailure(
  error: unknown,
  request: RegistrationRequest,
  deps: RegistrationDeps,
  map: string,
  claimId: string,
  number: { e164: string; masked: string },
  created: boolean,
  firstTip: TipState | undefined,
): Promise<RegistrationOutcome> {
  const { log, config } = deps;
  const today = deps.localDate(deps.now());
  let tip = firstTip;
  const failure = failureOf(error instanceof DeadlineExceededError ? error.lastError : error);
  const code = typeof failure.code === 'string' ? Number.parseInt(failure.code, 10) : failure.code;
  const info = describeTwilioError(code);
  // No Twilio code (network, bare 5xx, out of time) is a passing failure; a code gets the one outcome decision.
  const decision =
    error instanceof DeadlineExceededError || code === undefined || Number.isNaN(code)
      ? undefined
      : decideOutcome(request.source === 'batch' ? 'batch' : 'registration', { code });
  const releaseAndAnswer = async (): Promise<void> => {
    await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
      holdsClaim(current, claimId) ? settleTip(releaseClaim(current, deps.now()), tip) : undefined,
    );
    await keepTip(tip, deps, map, number.e164, true);
  };

  if (!decision || decision.action === 'retry_later') {
    // Give the claim back so the portal's retry sends the welcome (still exactly once).
    await releaseAndAnswer();
    log.warn('registration.retry_later', {
      userId: request.userId,
      phone: number.e164,
      status: failure.status,
      code: failure.code,
      network: failure.network,
    });
    return {
      kind: 'retry_later',
      ...number,
      retryAfterSeconds: Math.max(1, Math.ceil((failure.retryAfterMs ?? 5000) / 1000)),
      ...(sendOutOfTime(error) ? { outOfTime: true as const } : {}),
    };
  }

  // Refused for good, or our setup is wrong: the first tip scheduled beside the welcome goes too.
  tip = await withdrawTip(tip, deps, number.e164);
  const twilioCode = code!;
  const category = info?.category ?? 'unknown';
  await deps.activity.count(today, { [COUNTER.failure(twilioCode)]: 1 });
  switch (decision.action) {
    case 'opt_out': {
      const updated = await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
        settleTip(
          optOut(welcomeFailed(current, 'failed', twilioCode, deps.now()), `twilio-${twilioCode}`, deps.now()),
          tip,
        ),
      );
      log.info('registration.opted_out', { userId: request.userId, phone: number.e164, code: twilioCode });
      await keepTip(tip, deps, map, number.e164, true);
      await deps.activity.count(today, { [COUNTER.registrationOptedOut]: 1 });
      await deps.activity.gauge(
        statusChange(created ? undefined : 'active', 'opted_out', updated?.data ?? { language: request.language }),
      );
      return { kind: 'opted_out', ...number };
    }
    case 'needs_join':
      await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
        settleTip(welcomeFailed(current, 'needs_join', twilioCode, deps.now()), tip),
      );
      log.info('registration.needs_join', { userId: request.userId, phone: number.e164 });
      await keepTip(tip, deps, map, number.e164, true);
      await deps.activity.event({
        time: deps.now().toISOString(),
        event: 'registration.needs_join',
        masked: number.masked,
        detail: String(twilioCode),
      });
      return { kind: 'needs_join', ...number, instruction: config.joinInstruction };
    case 'hold':
      // Our setup is wrong (sender, region permission, template): the number is not to blame. The
      // claim goes back so a retry after the fix sends the welcome.
      await releaseAndAnswer();
      log.error('registration.twilio_configuration', { userId: request.userId, phone: number.e164, code: twilioCode });
      return { kind: 'twilio_configuration', ...number, code: twilioCode, description: decision.description };
    case 'reject_number':
      // Nothing registered, so a corrected retry starts clean.
      if (created) await deps.store.remove(map, number.e164);
      else
        await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
          settleTip(welcomeFailed(current, 'failed', twilioCode, deps.now()), tip),
        );
      break;
    default:
      // The number is fine (expired, marketing limit, carrier filter): the welcome is recorded as failed.
      await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
        settleTip(welcomeFailed(current, 'failed', twilioCode, deps.now()), tip),
      );
  }
  log.warn('registration.rejected', { userId: request.userId, phone: number.e164, code: twilioCode, category });
  await keepTip(tip, deps, map, number.e164, true);
  await Promise.all([
    deps.activity.count(today, { [COUNTER.registrationRejected(twilioCode)]: 1 }),
    deps.activity.event({
      time: deps.now().toISOString(),
      event: 'registration.rejected',
      masked: number.masked,
      detail: String(twilioCode),
    }),
  ]);
  return { kind: 'rejected', ...number, code: twilioCode, category, description: decision.description };
}
