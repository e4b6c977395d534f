/**
 * The registration service: one number in, one subscriber out, welcomed exactly once.
 * Shared by POST /register and the admin batch, so the rules live in one place.
 *
 * Exactly-once: the Sync item for the number is created atomically (a second create
 * fails), and the welcome is sent only by the instance that wins a revision-checked claim
 * on that item. A claim abandoned by a dead instance goes stale and can be re-claimed.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { COUNTER, statusChange } from '../core/activity';
import type { Logger } from '../core/log';
import { normalizePhone, type PhoneRejection, type PhoneResult } from '../core/phone';
import { DeadlineExceededError, defaultRetryable, failureOf } from '../core/retry';
import { shardedName } from '../core/shard';
import {
  claimWelcome,
  decideForExisting,
  holdsClaim,
  newSubscriber,
  optOut,
  releaseClaim,
  resubscribe,
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
}

export interface RegistrationConfig {
  defaultCountry: CountryCode;
  allowedCountries: string[];
  lookupMode: LookupMode;
  shards: number;
  cooldownSeconds: number;
  welcomesPerMinute: number;
  welcomeContentSid?: string;
  joinInstruction: string;
  statusCallbackUrl: string;
  /** Countries whose SMS subscribers can reply (TWO_WAY_SMS_COUNTRIES). */
  twoWaySmsCountries: string[];
  /** The Messaging Service shortens links (SHORTEN_URLS). */
  shortenUrls: boolean;
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
  | { kind: 'registered'; masked: string; e164: string; messageSid: string; welcomeStatus: string }
  | { kind: 'would_register'; masked: string; e164: string }
  | { kind: 'already_registered'; masked: string; e164: string; welcome: string }
  | { kind: 'in_progress'; masked: string; e164: string }
  | { kind: 'opted_out'; masked: string; e164: string }
  | { kind: 'suppressed'; masked: string; e164: string }
  | { kind: 'conflict'; masked: string; e164: string }
  | { kind: 'invalid'; reason: PhoneRejection | 'lookup_invalid' }
  | { kind: 'rejected'; masked: string; e164: string; code: number; category: ErrorCategory; description: string }
  | { kind: 'needs_join'; masked: string; e164: string; instruction: string }
  | { kind: 'twilio_configuration'; masked: string; e164: string; code: number; description: string }
  | { kind: 'retry_later'; masked: string; e164: string; retryAfterSeconds: number }
  | { kind: 'rate_limited'; masked: string; e164: string; retryAfterSeconds: number }
  | { kind: 'not_configured'; missing: string[] };

export interface RegistrationOptions {
  /** Report what would happen; write and send nothing. */
  dryRun?: boolean;
  /** `request.phone` already through normalizePhone with this config (the batch did it to find duplicates). */
  normalized?: PhoneResult;
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
  const existing = await deps.store.get<Subscriber>(map, e164);

  if (options.dryRun) {
    if (!existing) return { kind: 'would_register', ...number };
    const decision = decideForExisting(existing.data, request, deps.now(), config.cooldownSeconds);
    return dryRunOutcome(decision.kind, existing.data, number);
  }

  let item = existing;
  if (!item) {
    const refusal = await lookupRefusal(e164, request.channel, deps);
    if (refusal) return refusal;
    const limited = await deps.welcomeCap.take(e164);
    if (limited) return { kind: 'rate_limited', ...number, retryAfterSeconds: limited };
    // A few rounds: the instance that beat us to the create may drop the record again
    // (Twilio refused the number) before we read it.
    for (let round = 0; round < 3 && !item; round++) {
      // Created already claimed: whoever creates the item is the one instance that welcomes.
      const claimId = deps.newId();
      const fresh = newSubscriber({
        userId: request.userId,
        channel: request.channel,
        language: request.language,
        country: normalized.country,
        source: request.source,
        now: deps.now(),
      });
      const claimed = await deps.store.create(map, e164, claimWelcome(fresh, claimId, deps.now()));
      if (claimed) return sendWelcome(request, deps, map, claimed, claimId, number, true);
      // Lost the race to create: another instance holds it; continue from its record.
      item = await deps.store.get<Subscriber>(map, e164);
    }
    if (!item) return { kind: 'in_progress', ...number };
  }
  return continueWithItem(request, deps, map, item, number, false);
}

function dryRunOutcome(
  kind: string,
  subscriber: Subscriber,
  number: { e164: string; masked: string },
): RegistrationOutcome {
  switch (kind) {
    case 'conflict':
      return { kind: 'conflict', ...number };
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
  created: boolean,
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
        return { kind: 'conflict', ...number };
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
        await deps.activity.count(today, { [COUNTER.registrationAlready]: 1 });
        if (item.data.welcome.state === 'needs_join')
          return { kind: 'needs_join', ...number, instruction: config.joinInstruction };
        return { kind: 'already_registered', ...number, welcome: item.data.welcome.status ?? item.data.welcome.state };
      case 'in_progress':
        return { kind: 'in_progress', ...number };
      case 'needs_join':
        return { kind: 'needs_join', ...number, instruction: config.joinInstruction };
      case 'cooldown':
        return { kind: 'rate_limited', ...number, retryAfterSeconds: decision.retryAfterSeconds };
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
          await deps.activity.gauge(statusChange('opted_out', 'active'));
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
        // Taking over an abandoned claim: its instance may have sent the welcome and died
        // before writing that down. Twilio's own record says; adopt it instead of resending.
        const abandoned = item.data.welcome.state === 'claimed' && item.data.welcome.claimedAt;
        if (abandoned) {
          const earlier = await deps.sender.findSentSince(
            item.data.channel,
            number.e164,
            new Date(item.data.welcome.claimedAt!),
          );
          if (earlier) {
            await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
              current.welcome.state === 'claimed'
                ? welcomeSent(current, earlier.sid, earlier.status, deps.now())
                : undefined,
            );
            log.warn('registration.welcome_adopted', {
              userId: request.userId,
              phone: number.e164,
              messageSid: earlier.sid,
            });
            return { kind: 'already_registered', ...number, welcome: earlier.status };
          }
        }
        const limited = await deps.welcomeCap.take(number.e164);
        if (limited) return { kind: 'rate_limited', ...number, retryAfterSeconds: limited };
        const claimId = deps.newId();
        const claimed = await deps.store.update(
          map,
          number.e164,
          claimWelcome(item.data, claimId, deps.now()),
          item.revision,
        );
        if (!claimed) {
          const fresh = await deps.store.get<Subscriber>(map, number.e164);
          if (!fresh) throw new Error('subscriber vanished during claim');
          item = fresh;
          continue;
        }
        return sendWelcome(request, deps, map, claimed, claimId, number, created);
      }
    }
  }
  return { kind: 'in_progress', ...number };
}

async function sendWelcome(
  request: RegistrationRequest,
  deps: RegistrationDeps,
  map: string,
  claimed: StoredItem<Subscriber>,
  claimId: string,
  number: { e164: string; masked: string },
  created: boolean,
): Promise<RegistrationOutcome> {
  const { config } = deps;
  const subscriber = claimed.data;
  const whatsapp = subscriber.channel === 'whatsapp';
  // The welcome always carries the personal link; "reply STOP" only where replies arrive.
  const stop = stopInstruction(subscriber.language, {
    canReply: canReply(subscriber.channel, subscriber.country, config.twoWaySmsCountries),
    link: deps.unsubscribeLink(number.e164),
  })!;
  let sent: { sid: string; status: string };
  try {
    sent = await deps.sender.send({
      channel: subscriber.channel,
      to: number.e164,
      statusCallback: config.statusCallbackUrl,
      ...(whatsapp
        ? {
            contentSid: config.welcomeContentSid,
            contentVariables: welcomeTemplateVariables(subscriber.language, request.name, stop),
          }
        : { body: welcomeBody(subscriber.language, request.name, stop), shortenUrls: config.shortenUrls }),
    });
  } catch (error) {
    return handleSendFailure(error, request, deps, map, claimId, number, created);
  }
  return recordWelcome(request, deps, map, claimed, number, created, sent);
}

/**
 * Bookkeeping after Twilio accepted the welcome. A failure here must not release the claim
 * (a retry would send a second welcome): it is reported, and a later call that finds the
 * claim abandoned adopts the sent message from Twilio's records.
 */
async function recordWelcome(
  request: RegistrationRequest,
  deps: RegistrationDeps,
  map: string,
  claimed: StoredItem<Subscriber>,
  number: { e164: string; masked: string },
  created: boolean,
  sent: { sid: string; status: string },
): Promise<RegistrationOutcome> {
  const { config, log } = deps;
  const subscriber = claimed.data;
  const today = deps.localDate(deps.now());
  try {
    // Index the message first: its status callbacks find the subscriber through it.
    await deps.store.create(
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
    );
    // We hold the claim's revision; only if a status callback got in first do we re-read.
    const recorded = await deps.store.update(
      map,
      number.e164,
      welcomeSent(subscriber, sent.sid, sent.status, deps.now()),
      claimed.revision,
    );
    if (!recorded)
      await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
        welcomeSent(current, sent.sid, sent.status, deps.now()),
      );
    log.info(created ? 'registration.created' : 'registration.welcome_sent', {
      userId: subscriber.userId,
      phone: number.e164,
      channel: subscriber.channel,
      messageSid: sent.sid,
    });
    // The funnel's statuses (queued, sent, ...) are counted from Twilio's status callbacks only.
    if (created) await deps.activity.count(today, { [COUNTER.registrationCreated]: 1 });
    if (created) await deps.activity.gauge(statusChange(undefined, 'active'));
    await deps.activity.event({
      time: deps.now().toISOString(),
      event: 'registration.created',
      masked: number.masked,
      detail: subscriber.channel,
    });
  } catch (error) {
    log.error('registration.bookkeeping_failed', {
      userId: subscriber.userId,
      phone: number.e164,
      messageSid: sent.sid,
      error,
    });
  }
  return { kind: 'registered', ...number, messageSid: sent.sid, welcomeStatus: sent.status };
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
    case 'opt_out':
      await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
        optOut(welcomeFailed(current, 'failed', twilioCode, deps.now()), `twilio-${twilioCode}`, deps.now()),
      );
      log.info('registration.opted_out', { userId: request.userId, phone: number.e164, code: twilioCode });
      await deps.activity.count(today, { [COUNTER.registrationOptedOut]: 1 });
      await deps.activity.gauge(statusChange(created ? undefined : 'active', 'opted_out'));
      return { kind: 'opted_out', ...number };
    case 'needs_join':
      await modifyItem<Subscriber>(deps.store, map, number.e164, (current) =>
        welcomeFailed(current, 'needs_join', twilioCode, deps.now()),
      );
      log.info('registration.needs_join', { userId: request.userId, phone: number.e164 });
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
  await deps.activity.count(today, { [COUNTER.registrationRejected(twilioCode)]: 1 });
  return { kind: 'rejected', ...number, code: twilioCode, category, description: decision.description };
}
