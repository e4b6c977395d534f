/**
 * Names of the daily counters and recent events the dashboard reads. Counters are plain
 * name -> count maps per local (Asia/Kathmandu) date.
 */
export type CounterDeltas = Record<string, number>;

export const COUNTER = {
  registrationCreated: 'registration.created',
  registrationAlready: 'registration.already_registered',
  registrationConflict: 'registration.conflict',
  registrationOptedOut: 'registration.opted_out',
  registrationInvalid: (reason: string) => `registration.invalid.${reason}`,
  registrationRejected: (code: number | string) => `registration.rejected.${code}`,
  /** Refused by the welcome cap or the per-number cooldown (the portal retries after Retry-After). */
  registrationRateLimited: 'registration.rate_limited',
  /** The WhatsApp number has not joined the sandbox (63015): the portal shows the join instruction. */
  registrationNeedsJoin: 'registration.needs_join',
  /** Twilio failing for a while, or a send's outcome not known yet (202 + Retry-After). */
  registrationRetryLater: 'registration.retry_later',
  /** Our Twilio setup refused the welcome (sender, region permission, template). */
  registrationTwilioConfiguration: 'registration.twilio_configuration',
  registrationSuppressed: 'registration.suppressed',
  /** A batch found the number twice in the portal: the later user is not registered. */
  registrationDuplicate: 'registration.duplicate',
  welcomeStatus: (status: string) => `welcome.${status}`,
  tipStatus: (status: string) => `tips.${status}`,
  /** Failed with 30036: still queued when its ValidityPeriod ran out (also counted as failed). */
  expired: (kind: 'welcome' | 'tip') => (kind === 'welcome' ? 'welcome.expired' : 'tips.expired'),
  failure: (code: number | string) => `failure.${code}`,
  optOut: 'consent.opt_out',
  optIn: 'consent.opt_in',
  /** Supportive-set and switch-notice messages by status (support.delivered, notice.failed, ...). */
  otherStatus: (kind: 'support' | 'notice', status: string) => `${kind}.${status}`,
  /** A loss reported, by reason (counts only: never who). */
  loss: (reason: string) => `loss.${reason}`,
  supportAccepted: 'loss.support_accepted',
  supportDeclined: 'loss.support_declined',
  /** Personal data deleted on request. */
  deleted: 'privacy.deleted',
  /** Paused by the failed-delivery streak (or a number Twilio refuses). */
  paused: 'delivery.paused',
  /** Moved from WhatsApp to SMS (not on WhatsApp: 63003 / 63024). */
  switchedToSms: 'delivery.switched_to_sms',
} as const;

/** Running totals (not per day) of subscribers by status, kept under this pseudo-date key. */
export const ALL_TIME = 'all-time';
export const GAUGE = {
  active: 'subscribers.active',
  optedOut: 'subscribers.opted_out',
  suppressed: 'subscribers.suppressed',
  /** Active subscribers by language: the tip forecast counts segments with it. */
  activeIn: (language: string) => `subscribers.active.${language}`,
  /** Active subscribers by channel, country and language: the tip's audience and cost. */
  activeMix: (channel: string, country: string, language: string) =>
    `${ACTIVE_MIX_PREFIX}${channel}.${country}.${language}`,
} as const;

const ACTIVE_MIX_PREFIX = 'subscribers.mix.';

/** One cell of the active-subscriber mix, read back from the gauges. */
export interface MixCell {
  channel: string;
  country: string;
  language: string;
  count: number;
}

/** The mix gauges (positive cells only), in a stable order. */
export function activeMix(gauges: CounterDeltas): MixCell[] {
  return Object.entries(gauges)
    .filter(([name, n]) => name.startsWith(ACTIVE_MIX_PREFIX) && n > 0)
    .map(([name, count]) => {
      const [channel = '', country = '', language = ''] = name.slice(ACTIVE_MIX_PREFIX.length).split('.');
      return { channel, country, language, count };
    })
    .sort((a, b) => (a.channel + a.country + a.language).localeCompare(b.channel + b.country + b.language));
}

/** Who a subscriber is, for the gauges that break the active ones down. */
export interface SubscriberProfile {
  language?: string;
  channel?: string;
  country?: string;
  /** Only a subscriber counted in the mix since its creation moves it (see Subscriber.mixCounted). */
  mixCounted?: boolean;
}

/** Gauge deltas for a subscriber moving from one status to another. */
export function statusChange(from: string | undefined, to: string, who?: string | SubscriberProfile): CounterDeltas {
  const profile: SubscriberProfile = typeof who === 'string' ? { language: who } : (who ?? {});
  const language = profile.language;
  const name = (status: string | undefined) =>
    status === 'active'
      ? GAUGE.active
      : status === 'opted_out'
        ? GAUGE.optedOut
        : status === 'suppressed'
          ? GAUGE.suppressed
          : undefined;
  const deltas: CounterDeltas = {};
  const before = name(from);
  const after = name(to);
  if (before === after) return deltas;
  if (before) deltas[before] = -1;
  if (after) deltas[after] = 1;
  if (language && before === GAUGE.active) deltas[GAUGE.activeIn(language)] = -1;
  if (language && after === GAUGE.active) deltas[GAUGE.activeIn(language)] = 1;
  if (language && profile.channel && profile.country && profile.mixCounted) {
    const cell = GAUGE.activeMix(profile.channel, profile.country, language);
    if (before === GAUGE.active) deltas[cell] = -1;
    if (after === GAUGE.active) deltas[cell] = 1;
  }
  return deltas;
}

/** Mix gauge deltas for an active subscriber whose channel changed (statuses alone never move it). */
export function channelChange(
  before: SubscriberProfile & { status?: string },
  after: SubscriberProfile & { status?: string },
): CounterDeltas {
  if (before.status !== 'active' || after.status !== 'active' || !before.mixCounted) return {};
  if (!before.language || !before.country || !before.channel || !after.channel || before.channel === after.channel)
    return {};
  return {
    [GAUGE.activeMix(before.channel, before.country, before.language)]: -1,
    [GAUGE.activeMix(after.channel, before.country, before.language)]: 1,
  };
}

export function addCounters(into: CounterDeltas, deltas: CounterDeltas): CounterDeltas {
  const out = { ...into };
  for (const [name, n] of Object.entries(deltas)) out[name] = (out[name] ?? 0) + n;
  return out;
}

export interface ActivityEvent {
  time: string;
  event: string;
  /** Always a masked number (maskPhone), never the raw one. */
  masked?: string;
  detail?: string;
}

/**
 * The dashboard's "registered" event of a welcome, dated when it was sent (its claim's last
 * attempt): written by whoever indexes the welcome's message, once.
 */
export function registeredEvent(
  subscriber: { channel: string; welcome: { lastAttemptAt?: string } },
  masked: string,
  now: Date,
): ActivityEvent {
  return {
    time: subscriber.welcome.lastAttemptAt ?? now.toISOString(),
    event: 'registration.created',
    masked,
    detail: subscriber.channel,
  };
}
