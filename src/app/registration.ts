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
import { classifySendFailure, contentFingerprint, type SentMatcher } from '../core/send-outcome';
import { shardedName } from '../core/shard';
import {
  CLAIM_SEND_WINDOW_MS,
  claimWelcome,
  decideForExisting,
  holdsClaim,
  newSubscriber,
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
import type { KeyValueStore, LookupMode, MessageSender, PhoneLookup, StoredItem } from './ports';
import { modifyItem } from './store-writes';
import type { WelcomeCap } from './welcome-cap';

export const SUBSCRIBERS_MAP = 'subscribers';
export const MESSAGES_MAP = 'messages';
const MESSAGE_TTL_SECONDS = 35 * 24 * 3600;

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
      /** The first tip's claim, written with the welcome's record (see RegistrationOptions.firstTipDate). */
      firstTip?: { date: string; claimId: string; record: StoredItem<Subscriber> };
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
  | { kind: 'retry_later'; masked: string; e164: string; retryAfterSeconds: number }
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
  /** Claim this date's tip in the same write that records the welcome (the caller then sends it). */
  firstTipDate?: string;
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
  const outcome = await registerSafely(request, normalized, deps, options);
  if (!options.dryRun) await countOutcome(outcome, deps);
  return outcome;
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
): Promise<RegistrationOutcome> {
  try {
    return await registerOnce(request, normalized, deps, options);
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
  // The day's counter slot is read while the subscriber is: the count at the end is one write.
  if (!options.dryRun) deps.activity.prefetch?.(deps.localDate(deps.now()));
  const existing = await deps.store.get<Subscriber>(map, e164);

  if (options.dryRun) {
    if (!existing) return { kind: 'would_register', ...number };
    const decision = decideForExisting(existing.data, request, deps.now(), config.cooldownSeconds);
    return dryRunOutcome(decision.kind, existing.data, number);
  }

  // Claims made by this call carry its id: a retried write that landed without an answer
  // leaves a claim this call recognises as its own instead of waiting it out.
  const callId = deps.newId();
  let item = existing;
  if (!item) {
    deps.activity.prefetch?.(ALL_TIME);
    // Independent round trips, side by side; a slot taken for a number Lookup refuses is lost (rare).
    const [refusal, limited] = await Promise.all([
      lookupRefusal(e164, request.channel, deps),
      deps.welcomeCap.take(e164),
    ]);
    if (refusal) return refusal;
    if (limited) return { kind: 'rate_limited', ...number, retryAfterSeconds: limited, cause: 'welcome_rate' };
    // A few rounds: the instance that beat us to the create may drop the record again
    // (Twilio refused the number) before we read it.
    for (let round = 0; round < 3 && !item; round++) {
      // Created already claimed: whoever creates the item is the one instance that welcomes.
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
      const claim = claimWelcome(fresh, callId, deps.now(), fingerprintOf(e164, fresh, request, deps));
      const claimed = await deps.store.create(map, e164, claim);
      if (claimed) return sendWelcome(request, deps, map, claimed, callId, number, true, options.firstTipDate);
      item = await deps.store.get<Subscriber>(map, e164);
      // Our own create landed and only its answer was lost (the retry met 54208).
      if (item && holdsClaim(item.data, callId))
        return sendWelcome(request, deps, map, item, callId, number, true, options.firstTipDate);
    }
    if (!item) return { kind: 'in_progress', ...number, retryAfterSeconds: 1 };
  }
  return continueWithItem(request, deps, map, item, number, callId, options.firstTipDate);
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
  firstTipDate: string | undefined,
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
        const claim = claimWelcome(item.data, callId, deps.now(), fingerprintOf(number.e164, item.data, request, deps));
        const claimed = await deps.store.update(map, number.e164, claim, item.revision);
        if (claimed) return sendWelcome(request, deps, map, claimed, callId, number, false, firstTipDate);
        const fresh = await deps.store.get<Subscriber>(map, number.e164);
        if (!fresh) throw new Error('subscriber vanished during claim');
        // Our update landed and only its answer was lost.
        if (holdsClaim(fresh.data, callId))
          return sendWelcome(request, deps, map, fresh, callId, number, false, firstTipDate);
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
  firstTipDate?: string,
): Promise<RegistrationOutcome> {
  const { config } = deps;
  const subscriber = claimed.data;
  const claimedAt = Date.parse(subscriber.welcome.claimedAt ?? '') || deps.now().getTime();
  let sent: { sid: string; status: string };
  try {
    sent = await deps.sender.send({
      channel: subscriber.channel,
      to: number.e164,
      statusCallback: config.statusCallbackUrl,
      notAfter: claimedAt + CLAIM_SEND_WINDOW_MS,
      ...welcomeContent(number.e164, subscriber, request, deps),
    });
  } catch (error) {
    if (classifySendFailure(error) === 'ambiguous')
      return settleAmbiguousWelcome(error, request, deps, map, claimed, number, created, callId, firstTipDate);
    return handleSendFailure(error, request, deps, map, callId, number, created);
  }
  return recordWelcome(request, deps, map, claimed, number, created, sent, callId, firstTipDate);
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
  callId: string,
  firstTipDate: string | undefined,
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
  if (found) return recordWelcome(request, deps, map, claimed, number, created, found, callId, firstTipDate);
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
  callId: string,
  firstTipDate: string | undefined,
): Promise<RegistrationOutcome> {
  const { config, log } = deps;
  const subscriber = claimed.data;
  const today = deps.localDate(deps.now());
  const tipClaimId = firstTipDate ? tipClaim(callId, deps.now()) : undefined;
  // The welcome's SID and the first tip's claim, in one write.
  const record = (current: Subscriber): Subscriber => {
    const next = welcomeSent(current, sent.sid, sent.status, deps.now());
    if (!firstTipDate || !tipClaimId || next.status !== 'active' || next.tips?.[firstTipDate]) return next;
    return { ...next, tips: { ...next.tips, [firstTipDate]: tipClaimId } };
  };
  let recorded: StoredItem<Subscriber> | undefined;
  try {
    // Independent writes side by side (the portal waits for one round trip, not five). A
    // status callback that outruns the index is settled from the subscriber record.
    await Promise.all([
      deps.store.create(
        shardedName(MESSAGES_MAP, sent.sid, config.shards),
        sent.sid,
        {
          kind: 'welcome',
          e164: number.e164,
          userId: subscriber.userId,
          status: sent.status,
          createdAt: deps.now().toISOString(),
        },
        MESSAGE_TTL_SECONDS,
      ),
      (async () => {
        // We hold the claim's revision; only if a status callback got in first do we re-read.
        recorded = await deps.store.update(map, number.e164, record(subscriber), claimed.revision);
        recorded ??= await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
          current.welcome.state === 'sent' && current.welcome.messageSid === sent.sid && !tipClaimId
            ? undefined
            : record(current),
        );
      })(),
      // The funnel's statuses (queued, sent, ...) are counted from Twilio's status callbacks only.
      created ? deps.activity.count(today, { [COUNTER.registrationCreated]: 1 }) : undefined,
      created ? deps.activity.gauge(statusChange(undefined, 'active', subscriber)) : undefined,
      deps.activity.event({
        time: deps.now().toISOString(),
        event: 'registration.created',
        masked: number.masked,
        detail: subscriber.channel,
      }),
    ]);
    log.info(created ? 'registration.created' : 'registration.welcome_sent', {
      userId: subscriber.userId,
      phone: number.e164,
      channel: subscriber.channel,
      messageSid: sent.sid,
    });
  } catch (error) {
    log.error('registration.bookkeeping_failed', {
      userId: subscriber.userId,
      phone: number.e164,
      messageSid: sent.sid,
      error,
    });
  }
  const firstTip =
    firstTipDate && tipClaimId && recorded?.data.tips?.[firstTipDate] === tipClaimId
      ? { date: firstTipDate, claimId: tipClaimId, record: recorded }
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
): Promise<RegistrationOutcome> {
  const { log, config } = deps;
  const today = deps.localDate(deps.now());
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
      holdsClaim(current, claimId) ? releaseClaim(current, deps.now()) : undefined,
    );
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
    };
  }

  const twilioCode = code!;
  const category = info?.category ?? 'unknown';
  await deps.activity.count(today, { [COUNTER.failure(twilioCode)]: 1 });
  switch (decision.action) {
    case 'opt_out': {
      const updated = await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
        optOut(welcomeFailed(current, 'failed', twilioCode, deps.now()), `twilio-${twilioCode}`, deps.now()),
      );
      log.info('registration.opted_out', { userId: request.userId, phone: number.e164, code: twilioCode });
      await deps.activity.count(today, { [COUNTER.registrationOptedOut]: 1 });
      await deps.activity.gauge(
        statusChange(created ? undefined : 'active', 'opted_out', updated?.data ?? { language: request.language }),
      );
      return { kind: 'opted_out', ...number };
    }
    case 'needs_join':
      await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
        welcomeFailed(current, 'needs_join', twilioCode, deps.now()),
      );
      log.info('registration.needs_join', { userId: request.userId, phone: number.e164 });
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
          welcomeFailed(current, 'failed', twilioCode, deps.now()),
        );
      break;
    default:
      // The number is fine (expired, marketing limit, carrier filter): the welcome is recorded as failed.
      await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
        welcomeFailed(current, 'failed', twilioCode, deps.now()),
      );
  }
  log.warn('registration.rejected', { userId: request.userId, phone: number.e164, code: twilioCode, category });
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
