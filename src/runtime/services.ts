/**
 * The wiring: builds, from the Functions context, the adapters every route's service needs
 * (one `...Deps` function per service), so routes stay thin and tests can hand in others.
 * The only place outside src/twilio that makes adapters.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { CountryCode } from 'libphonenumber-js/max';
import { createActivity, createActivityReader, type ActivityReader, type KnownCounterSlots } from '../app/activity';
import type { BatchDeps } from '../app/batch';
import { afterSwitchToSms } from '../app/channel-switch';
import type { ConsentDeps, ConsentHistoryDeps } from '../app/consent';
import type { DeletionDeps } from '../app/deletion';
import type { SupportConfig } from '../app/loss';
import type { KeyValueStore, LookupMode, StoredItem } from '../app/ports';
import type { RegistrationConfig, RegistrationDeps } from '../app/registration';
import type { SignupDeps } from '../app/signup';
import type { ProfileDeps } from '../app/profile';
import type { StatusDeps } from '../app/status';
import type { SubscriberLookupDeps } from '../app/subscriber-lookup';
import { reconcileNumber, type TipDeps } from '../app/tips';
import { createWelcomeCap } from '../app/welcome-cap';
import { newRunId } from '../core/batch';
import { welcomeSegments, welcomesPerMinuteFor, type Throughput } from '../core/tip-plan';
import { parseExtraKeywords } from '../core/keywords';
import { parseTips, type Tip } from '../core/tips';
import { NO_PROGRAMMES, parseProgrammes, type Programmes } from '../core/programmes';
import { parsePriceList } from '../core/tip-price';
import type { Logger } from '../core/log';
import type { Channel, Subscriber } from '../core/subscriber';
import { parseCountryList } from '../core/phone';
import { DEFAULT_TWO_WAY_SMS_COUNTRIES } from '../core/reachability';
import { birthLink, unsubscribeLink } from '../core/unsubscribe-token';
import { intSetting, setting, type Env } from '../core/settings';
import { localDateOf, nextTipDate } from '../core/tip-time';
import type { TipForecastInput, TipPricing } from '../app/tip-forecast';
import { requireTwilioCredentials, sharedTwilioClient, type TwilioClient } from '../twilio/client';
import { createPhoneLookup } from '../twilio/lookup';
import { createMessageHistory, createMessageSender } from '../twilio/messaging';
import { createPortalClient } from '../twilio/portal';
import { createSyncItemReader, readOnlyStore } from '../twilio/sync-reader';
import { createSyncStore } from '../twilio/sync-store';
import { publicBaseUrl, publicUrl } from './auth';

export interface Services {
  client: TwilioClient;
  store: KeyValueStore;
  shards: number;
  timeZone: string;
  localDate: (instant: Date) => string;
}

/** The portal's local time zone: daily counters and tip dates are its days. */
export function timeZoneOf(context: Env): string {
  return setting(context, 'TIMEZONE') ?? 'Asia/Kathmandu';
}

export function createServices(context: Env, deadlineMs: number): Services {
  const client = sharedTwilioClient(context);
  const deadline = () => deadlineMs;
  const timeZone = timeZoneOf(context);
  return {
    client,
    store: createSyncStore({ client, serviceSid: setting(context, 'SYNC_SERVICE_SID')!, deadline }),
    shards: intSetting(context, 'SYNC_SHARDS'),
    timeZone,
    localDate: (instant) => localDateOf(instant, timeZone),
  };
}

/**
 * The store of a batch dry run: reads single items through the lean reader (see
 * sync-reader.ts for why not twilio-node), and refuses every write.
 */
export function dryRunStore(context: Env, deadlineMs: number): KeyValueStore {
  return readOnlyStore(
    createSyncItemReader({
      credentials: requireTwilioCredentials(context),
      serviceSid: setting(context, 'SYNC_SERVICE_SID')!,
      baseUrl: setting(context, 'TWILIO_API_BASE_URL'),
      deadline: () => deadlineMs,
    }),
  );
}

/** Thrown by the adapters a dry run must never use (messages, Lookup). */
export class DryRunRefusal extends Error {
  constructor(what: string) {
    super(`${what} refused: a dry run sends nothing and looks nothing up`);
    this.name = 'DryRunRefusal';
  }
}

/**
 * Registration adapters for a batch dry run (`registerNumber(..., { dryRun: true })` only
 * reads the subscriber item): the read-only store, and a sender and Lookup that refuse.
 * No Twilio client is made, so a dry slice never loads twilio-node (see client.ts).
 */
export function dryRunRegistrationDeps(context: Env, log: Logger, deadlineMs: number): RegistrationDeps {
  const store = dryRunStore(context, deadlineMs);
  const timeZone = timeZoneOf(context);
  const refuse = (what: string) => () => Promise.reject(new DryRunRefusal(what));
  return {
    store,
    sender: {
      send: refuse('sending a message'),
      cancel: refuse('cancelling a message'),
      findSent: refuse('searching messages'),
    },
    lookup: { lookup: refuse('Lookup') },
    activity: createActivity(store, intSetting(context, 'SYNC_SHARDS'), log),
    welcomeCap: { take: refuse('the welcome cap') },
    log,
    config: registrationConfig(context),
    now: () => new Date(),
    newId: () => randomUUID(),
    localDate: (instant) => localDateOf(instant, timeZone),
    unsubscribeLink: stopSettings(context).unsubscribeLink,
  };
}

/** Adapters for consent changes (inbound keywords, the unsubscribe link, the portal's /consent). */
export function consentDeps(context: Env, log: Logger, deadlineMs: number): ConsentDeps {
  const services = createServices(context, deadlineMs);
  return {
    store: services.store,
    sender: createMessageSender(services.client, setting(context, 'MESSAGING_SERVICE_SID') ?? '', () => deadlineMs),
    activity: createActivity(services.store, services.shards, log),
    log,
    shards: services.shards,
    smsAdvancedOptOut: setting(context, 'SMS_ADVANCED_OPT_OUT') !== 'false',
    extraKeywords: parseExtraKeywords(setting(context, 'EXTRA_KEYWORDS')),
    tipLocalTime: setting(context, 'TIPS_LOCAL_TIME') ?? '07:00',
    now: () => new Date(),
    localDate: services.localDate,
    ...(setting(context, 'UNSUBSCRIBE_LINK_SECRET') ? { support: supportConfig(context, services.timeZone) } : {}),
  };
}

/** How the supportive set is sent after a loss (it carries the personal link, so it needs the link's secret). */
function supportConfig(context: Env, timeZone: string): SupportConfig {
  const stop = stopSettings(context);
  return {
    localTime: setting(context, 'TIPS_LOCAL_TIME') ?? '07:00',
    timeZone,
    statusCallbackUrl: publicUrl(context, '/status-callback'),
    contentSid: setting(context, 'SUPPORT_CONTENT_SID'),
    twoWaySmsCountries: stop.twoWaySmsCountries,
    shortenUrls: stop.shortenUrls,
    unsubscribeLink: stop.unsubscribeLink,
  };
}

/** A profile update of the programme dates: the record, and Twilio to cancel a message no longer due. */
export function profileDeps(context: Env, log: Logger, deadlineMs: number): ProfileDeps {
  const services = createServices(context, deadlineMs);
  return {
    store: services.store,
    sender: createMessageSender(services.client, setting(context, 'MESSAGING_SERVICE_SID') ?? '', () => deadlineMs),
    activity: createActivity(services.store, services.shards, log),
    log,
    shards: services.shards,
    tips: loadTips(),
    programmes: loadProgrammes(),
    now: () => new Date(),
    localDate: services.localDate,
  };
}

/** The store only: an auditor's read of one subscriber's consent history. */
export function consentHistoryDeps(context: Env, deadlineMs: number): ConsentHistoryDeps {
  const services = createServices(context, deadlineMs);
  return { store: services.store, shards: services.shards };
}

/** How messages tell people to stop: who can reply, the personal link, link shortening. */
export interface StopSettings {
  twoWaySmsCountries: string[];
  shortenUrls: boolean;
  unsubscribeLink: (e164: string) => string;
  /** Her birth-date page (/b), signed with the same secret for its own purpose. */
  birthLink: (e164: string) => string;
}

export function stopSettings(context: Env): StopSettings {
  const base = publicBaseUrl(context);
  const secret = setting(context, 'UNSUBSCRIBE_LINK_SECRET') ?? '';
  return {
    twoWaySmsCountries: parseCountryList(setting(context, 'TWO_WAY_SMS_COUNTRIES'), [...DEFAULT_TWO_WAY_SMS_COUNTRIES]),
    shortenUrls: setting(context, 'SHORTEN_URLS') === 'true',
    unsubscribeLink: (e164) => unsubscribeLink(base, secret, e164),
    birthLink: (e164) => birthLink(base, secret, e164),
  };
}

/** The tips file is a private asset: deployed functions read it through Runtime.getAssets(). */
export function loadTips(): Tip[] {
  const asset = Runtime.getAssets()['/tips.json'];
  if (!asset) throw new Error('tips asset /tips.json is missing');
  return parseTips(JSON.parse(asset.open()));
}

/** The programmes file is a private asset too; a service deployed without it sends the general tip only. */
export function loadProgrammes(): Programmes {
  const asset = Runtime.getAssets()['/programmes.json'];
  if (!asset) return NO_PROGRAMMES;
  return parseProgrammes(JSON.parse(asset.open()), 'programmes asset /programmes.json');
}

export function tipDeps(context: Env, log: Logger, deadlineMs: number): TipDeps {
  const services = createServices(context, deadlineMs);
  const stop = stopSettings(context);
  return {
    store: services.store,
    sender: createMessageSender(services.client, setting(context, 'MESSAGING_SERVICE_SID')!, () => deadlineMs),
    activity: createActivity(services.store, services.shards, log),
    log,
    tips: loadTips(),
    programmes: loadProgrammes(),
    config: {
      shards: services.shards,
      timeZone: services.timeZone,
      localTime: setting(context, 'TIPS_LOCAL_TIME') ?? '07:00',
      tipContentSid: setting(context, 'TIP_CONTENT_SID'),
      statusCallbackUrl: publicUrl(context, '/status-callback'),
      pageSize: 50,
      ...(setting(context, 'TIPS_SLICE_MAX_PAGES')
        ? { sliceMaxPages: intSetting(context, 'TIPS_SLICE_MAX_PAGES') }
        : {}),
      concurrency: intSetting(context, 'BATCH_CONCURRENCY'),
      throughput: throughputOf(context),
      twoWaySmsCountries: stop.twoWaySmsCountries,
      shortenUrls: stop.shortenUrls,
    },
    now: () => new Date(),
    newId: () => randomUUID(),
    localDate: services.localDate,
    unsubscribeLink: stop.unsubscribeLink,
    birthLink: stop.birthLink,
  };
}

/** Reads the sharded counters and gauges (stats, the tip forecast). */
export function activityReaderOf(services: Services): ActivityReader {
  return createActivityReader(services.store, services.shards);
}

/** What the next tip's forecast is computed for: the next tip date in TIMEZONE, the tips, the throughput. */
export function tipForecastInput(context: Env, now: Date): TipForecastInput {
  const timeZone = timeZoneOf(context);
  const localTime = setting(context, 'TIPS_LOCAL_TIME') ?? '07:00';
  return {
    tips: loadTips(),
    date: nextTipDate(now, { timeZone, localTime, minLeadMinutes: 16 }),
    throughput: throughputOf(context),
    localTime,
    // A number's link is as long as any other's: it sizes the tips that carry one.
    sampleLink: stopSettings(context).unsubscribeLink('+9779800000000'),
    pricing: pricingOf(context),
  };
}

/** SMS_PRICE_PER_SEGMENT, WHATSAPP_PRICE_PER_MESSAGE, PRICE_CURRENCY: the tip's cost estimate. */
export function pricingOf(context: Env): TipPricing {
  return {
    sms: parsePriceList(setting(context, 'SMS_PRICE_PER_SEGMENT')),
    whatsapp: parsePriceList(setting(context, 'WHATSAPP_PRICE_PER_MESSAGE')),
    currency: setting(context, 'PRICE_CURRENCY') ?? 'USD',
    defaultCountry: setting(context, 'DEFAULT_COUNTRY') ?? 'NP',
  };
}

/** SENDER_MPS and TIP_VALIDITY_MINUTES: what the tip planner and the forecast work from. */
export function throughputOf(context: Env): Throughput {
  return {
    segmentsPerSecond: intSetting(context, 'SENDER_MPS'),
    validityMinutes: intSetting(context, 'TIP_VALIDITY_MINUTES'),
  };
}

/** WELCOME_RATE_PER_MINUTE when set, else what SENDER_MPS carries: welcomes share the senders with tips. */
export function welcomeRatePerMinute(context: Env): number {
  if (setting(context, 'WELCOME_RATE_PER_MINUTE') !== undefined) return intSetting(context, 'WELCOME_RATE_PER_MINUTE');
  return welcomesPerMinuteFor(intSetting(context, 'SENDER_MPS'), welcomeSegments());
}

export function registrationConfig(context: Env): RegistrationConfig {
  return {
    defaultCountry: (setting(context, 'DEFAULT_COUNTRY') ?? 'NP') as CountryCode,
    allowedCountries: parseCountryList(setting(context, 'ALLOWED_COUNTRIES'), ['NP', 'US']),
    lookupMode: (setting(context, 'LOOKUP_MODE') ?? 'basic') as LookupMode,
    shards: intSetting(context, 'SYNC_SHARDS'),
    cooldownSeconds: intSetting(context, 'WELCOME_COOLDOWN_SECONDS'),
    welcomesPerMinute: welcomeRatePerMinute(context),
    timeZone: timeZoneOf(context),
    welcomeContentSid: setting(context, 'WELCOME_CONTENT_SID'),
    joinInstruction: setting(context, 'WHATSAPP_JOIN_INSTRUCTION') ?? '',
    statusCallbackUrl: publicUrl(context, '/status-callback'),
    twoWaySmsCountries: stopSettings(context).twoWaySmsCountries,
    shortenUrls: stopSettings(context).shortenUrls,
    tipLocalTime: setting(context, 'TIPS_LOCAL_TIME') ?? '07:00',
  };
}

/**
 * Sync items this Function instance wrote last (the day's counter slot, welcome-rate buckets),
 * kept while the instance stays warm: a registration's next write to them needs no read.
 * Every such write is revision-checked, so another instance's write in between only costs a read.
 */
const knownCounterSlots: KnownCounterSlots = new Map();
const knownRateBuckets = new Map<string, StoredItem<{ count: number }>>();

export function registrationDeps(context: Env, log: Logger, deadlineMs: number): RegistrationDeps {
  const services = createServices(context, deadlineMs);
  const deadline = () => deadlineMs;
  const config = registrationConfig(context);
  const now = () => new Date();
  return {
    store: services.store,
    sender: createMessageSender(services.client, setting(context, 'MESSAGING_SERVICE_SID')!, deadline),
    lookup: createPhoneLookup(services.client, deadline),
    activity: createActivity(services.store, services.shards, log, Math.random, knownCounterSlots),
    welcomeCap: createWelcomeCap({ store: services.store, config, log, now, known: knownRateBuckets }),
    log,
    config,
    now,
    newId: () => randomUUID(),
    localDate: services.localDate,
    unsubscribeLink: stopSettings(context).unsubscribeLink,
  };
}

/** The /register service: the registration, and the first tip unless TIPS_ON_REGISTER=false. */
export function signupDeps(context: Env, log: Logger, deadlineMs: number): SignupDeps {
  const tipsOnRegister = setting(context, 'TIPS_ON_REGISTER') !== 'false';
  return {
    registration: registrationDeps(context, log, deadlineMs),
    ...(tipsOnRegister ? { firstTip: () => tipDeps(context, log, deadlineMs) } : {}),
  };
}

export function defaultChannel(context: Env): Channel {
  return setting(context, 'DEFAULT_CHANNEL') === 'whatsapp' ? 'whatsapp' : 'sms';
}

export function statusDeps(context: Env, log: Logger, deadlineMs: number): StatusDeps {
  const services = createServices(context, deadlineMs);
  return {
    store: services.store,
    activity: createActivity(services.store, services.shards, log),
    log,
    shards: services.shards,
    suppressAfter: intSetting(context, 'UNREACHABLE_SUPPRESS_AFTER'),
    now: () => new Date(),
    localDate: services.localDate,
    reconcile: (e164, subscriber) => reconcileNumber(e164, subscriber, tipDeps(context, log, deadlineMs)),
    // The notice carries the personal link: only with the link's secret and a sender.
    ...(setting(context, 'UNSUBSCRIBE_LINK_SECRET') && setting(context, 'MESSAGING_SERVICE_SID')
      ? {
          afterSwitch: (e164: string, subscriber: Subscriber) =>
            afterSwitch(context, log, deadlineMs, e164, subscriber),
        }
      : {}),
  };
}

function afterSwitch(context: Env, log: Logger, deadlineMs: number, e164: string, subscriber: Subscriber) {
  const services = createServices(context, deadlineMs);
  const stop = stopSettings(context);
  return afterSwitchToSms(e164, subscriber, {
    store: services.store,
    sender: createMessageSender(services.client, setting(context, 'MESSAGING_SERVICE_SID') ?? '', () => deadlineMs),
    log,
    shards: services.shards,
    now: () => new Date(),
    localDate: services.localDate,
    localTime: setting(context, 'TIPS_LOCAL_TIME') ?? '07:00',
    statusCallbackUrl: publicUrl(context, '/status-callback'),
    twoWaySmsCountries: stop.twoWaySmsCountries,
    shortenUrls: stop.shortenUrls,
    unsubscribeLink: stop.unsubscribeLink,
  });
}

export interface StatsDeps {
  reader: ActivityReader;
  store: KeyValueStore;
  timeZone: string;
  localDate: (instant: Date) => string;
}

export function statsDeps(context: Env, deadlineMs: number): StatsDeps {
  const services = createServices(context, deadlineMs);
  return {
    reader: createActivityReader(services.store, services.shards),
    store: services.store,
    timeZone: services.timeZone,
    localDate: services.localDate,
  };
}

/** Support's look-up of one number: the store and Twilio's message records (read only). */
export function subscriberLookupDeps(context: Env, log: Logger, deadlineMs: number): SubscriberLookupDeps {
  const services = createServices(context, deadlineMs);
  return {
    store: services.store,
    shards: services.shards,
    history: createMessageHistory(services.client, () => deadlineMs),
    log,
    now: () => new Date(),
    localDate: services.localDate,
  };
}

/** POST /admin/delete-subscriber: the store, Twilio's records of the number's messages, a sender to cancel. */
export function deletionDeps(context: Env, log: Logger, deadlineMs: number): DeletionDeps {
  const services = createServices(context, deadlineMs);
  return {
    store: services.store,
    sender: createMessageSender(services.client, setting(context, 'MESSAGING_SERVICE_SID') ?? '', () => deadlineMs),
    history: createMessageHistory(services.client, () => deadlineMs),
    activity: createActivity(services.store, services.shards, log),
    log,
    shards: services.shards,
    now: () => new Date(),
    localDate: services.localDate,
  };
}

/** POST /admin/batch-results: the store the runs' rows are in. */
export function batchResultsStore(context: Env, deadlineMs: number): KeyValueStore {
  return createServices(context, deadlineMs).store;
}

/** More parallel registrations than this would only meet Twilio's concurrency limit. */
const MAX_BATCH_CONCURRENCY = 50;

/**
 * A batch slice. A dry run only reads subscribers: the lean read-only store and refusing
 * adapters (dryRunRegistrationDeps), so it never loads twilio-node.
 */
export function batchDeps(context: Env, log: Logger, deadlineMs: number, dryRun: boolean): BatchDeps {
  const registration = dryRun
    ? dryRunRegistrationDeps(context, log, deadlineMs)
    : registrationDeps(context, log, deadlineMs);
  const portal = createPortalClient(
    {
      url: setting(context, 'PORTAL_API_URL')!,
      token: setting(context, 'PORTAL_API_TOKEN')!,
      scheme: setting(context, 'PORTAL_AUTH_SCHEME') ?? 'Token',
      idField: setting(context, 'PORTAL_ID_FIELD') ?? 'id',
      phoneField: setting(context, 'PORTAL_PHONE_FIELD') ?? 'phone',
      nameField: setting(context, 'PORTAL_NAME_FIELD'),
      languageField: setting(context, 'PORTAL_LANGUAGE_FIELD'),
      channelField: setting(context, 'PORTAL_CHANNEL_FIELD'),
      timezoneField: setting(context, 'PORTAL_TIMEZONE_FIELD'),
      eddField: setting(context, 'PORTAL_EDD_FIELD'),
      babyDobField: setting(context, 'PORTAL_BABY_DOB_FIELD'),
    },
    { deadline: () => deadlineMs },
  );
  return {
    registration,
    portal,
    store: registration.store,
    log,
    clock: () => Date.now(),
    newRunId: () => newRunId(new Date(), randomBytes(3).toString('hex')),
    newLeaseId: () => randomUUID(),
    cursorSecret: setting(context, 'ADMIN_TOKEN')!,
    concurrency: Math.min(MAX_BATCH_CONCURRENCY, Math.max(1, intSetting(context, 'BATCH_CONCURRENCY'))),
    channel: defaultChannel(context),
    ...(setting(context, 'BATCH_SLICE_MAX_USERS')
      ? { sliceMaxUsers: intSetting(context, 'BATCH_SLICE_MAX_USERS') }
      : {}),
  };
}
