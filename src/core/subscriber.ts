/**
 * The subscriber record kept in Sync (one item per E.164 number) and the pure decisions
 * about it: what a registration request means for an existing record, and how the
 * welcome is claimed so exactly one instance sends it.
 */

export type Channel = 'sms' | 'whatsapp';
export type Language = 'en' | 'ne';
export type SubscriberStatus = 'active' | 'opted_out' | 'suppressed';

/** pending: not yet sent; claimed: an instance is sending it now; sent: Twilio accepted it. */
export type WelcomeState = 'pending' | 'claimed' | 'sent' | 'failed' | 'needs_join';

/**
 * One entry of the consent history. Sources: portal-signup, batch, sms-keyword,
 * whatsapp-keyword, link, portal, twilio-<code>, admin.
 */
export interface ConsentEntry {
  action: 'opt_in' | 'opt_out';
  source: string;
  at: string;
  /** Why, when the person said (the unsubscribe page's choices). */
  reason?: string;
  /** What the consent is about when it is not the messages as a whole: `support_set` (the supportive set after a loss). */
  scope?: 'support_set';
}

export interface WelcomeRecord {
  state: WelcomeState;
  /** Id of the call that claimed the welcome: that call, retrying a write whose answer was lost, knows it as its own. */
  claimId?: string;
  claimedAt?: string;
  /** contentFingerprint of the claimed SMS body, to recognise the message in Twilio's records. */
  fingerprint?: string;
  attempts: number;
  lastAttemptAt?: string;
  messageSid?: string;
  /** Latest delivery status reported by Twilio for the welcome. */
  status?: string;
  errorCode?: number;
}

export interface Subscriber {
  userId: string;
  channel: Channel;
  language: Language;
  /** ISO 3166 alpha-2, as stored. */
  country: string;
  status: SubscriberStatus;
  createdAt: string;
  updatedAt: string;
  welcome: WelcomeRecord;
  consent: ConsentEntry[];
  /** Consecutive unreachable delivery failures (30003/30005/30006). */
  unreachableCount: number;
  /** IANA zone of the subscriber's daily tip (set at registration, or on the next tip for older records). */
  timeZone?: string;
  /** Scheduled daily tips by local date: the message SID, or `claimed:<id>` while being scheduled. */
  tips?: Record<string, string>;
  /** A reported pregnancy or baby loss (core/loss.ts): no pregnancy, baby or tip message ever follows it unasked. */
  loss?: LossRecord;
  /** Why the subscriber is paused (status suppressed): the failure streak that did it. */
  paused?: PauseRecord;
  /** WhatsApp said the number is not on WhatsApp: it was moved to SMS. */
  channelSwitch?: { from: Channel; to: Channel; errorCode: number; at: string };
  /** Expected delivery date (ISO, Gregorian): the pregnancy programme's anchor (programmes.ts). */
  edd?: string;
  /** Baby's date of birth (ISO, Gregorian): the baby programme's anchor; wins over `edd`. */
  babyDob?: string;
  /** Programme messages scheduled so far (ids, latest last): each goes once, even when an anchor date moves. */
  programmeSent?: string[];
  /** The birth-date question (core/birth-ask.ts): the date whose message asks it; it is asked once. */
  birthAsk?: BirthAskRecord;
  /**
   * Counted in the active-mix gauges (channel x country x language) since it was created; records
   * from before those gauges are not, so their status changes leave the mix alone (no drift).
   */
  mixCounted?: true;
}

/** The birth-date question (core/birth-ask.ts). */
export interface BirthAskRecord {
  /** The local date whose message is the ask (claimed, then scheduled). */
  date: string;
}

/** A loss reason (core/loss.ts has the rules). */
export type LossReason = 'miscarriage' | 'stillbirth' | 'baby_death' | 'pregnancy_loss';

/** offered: asked, no answer yet; accepted: the set is scheduled; declined: nothing more; stopped: the set was stopped. */
export type SupportState = 'offered' | 'accepted' | 'declined' | 'stopped';

export interface LossRecord {
  reason: LossReason;
  /** Where it was said: link, portal, whatsapp-keyword, sms-keyword. */
  source: string;
  at: string;
  support: SupportState;
  supportAt?: string;
  /** Supportive messages scheduled at Twilio: message id -> SID. */
  messages?: Record<string, string>;
}

export interface PauseRecord {
  /** unreachable: the failure streak (delivery.ts); invalid_number: Twilio refuses the number. */
  reason: 'failed_deliveries' | 'invalid_number';
  /** Failures in a row when it was paused. */
  failures: number;
  errorCode?: number;
  at: string;
}

/** Scheduled tips that can still be canceled: a real SID for today or later. */
export function pendingTipSids(subscriber: Subscriber, today: string): Array<{ date: string; sid: string }> {
  return Object.entries(subscriber.tips ?? {})
    .filter(([date, sid]) => date >= today && /^(SM|MM)/.test(sid))
    .map(([date, sid]) => ({ date, sid }));
}

/**
 * A Sync item holds at most 16 KB, so the history is bounded: the first entry (the original
 * consent) and the most recent ones are kept.
 */
export const MAX_CONSENT_ENTRIES = 50;

/**
 * A claim's holder starts no Messages create later than this after claiming (its send window),
 * so once a claim is older than CLAIM_SETTLE_MS, Twilio's records say for certain whether its
 * message exists: found, it is adopted; not found, the claim may be taken over and sent.
 */
export const CLAIM_SEND_WINDOW_MS = 8_000;
export const CLAIM_SETTLE_MS = 15_000;

/** Seconds until a claim made at `claimedAt` can be settled for certain (at least 1). */
export function secondsUntilSettled(claimedAt: string | undefined, now: Date): number {
  const at = claimedAt ? Date.parse(claimedAt) : NaN;
  if (Number.isNaN(at)) return 1;
  return Math.max(1, Math.ceil((at + CLAIM_SETTLE_MS - now.getTime()) / 1000));
}

/** A tip being scheduled: `claimed:<id>@<ISO time>` in `tips[date]` until the SID replaces it. */
export function tipClaim(id: string, now: Date): string {
  return `claimed:${id}@${now.toISOString()}`;
}

/** The claim in a `tips[date]` value, or undefined for a SID. Claims without a time are old ones: long settled. */
export function parseTipClaim(value: string | undefined): { id: string; claimedAt: string } | undefined {
  const match = /^claimed:([^@]*)(?:@(.+))?$/.exec(value ?? '');
  if (!match) return undefined;
  return { id: match[1]!, claimedAt: match[2] ?? new Date(0).toISOString() };
}

/** Welcome or tips claimed and not yet recorded with a SID: what reconciliation settles. */
export function unsettledClaims(subscriber: Subscriber): { welcome: boolean; tipDates: string[] } {
  return {
    welcome: subscriber.welcome.state === 'claimed',
    tipDates: Object.entries(subscriber.tips ?? {})
      .filter(([, value]) => parseTipClaim(value) !== undefined)
      .map(([date]) => date),
  };
}

export function appendConsent(consent: ConsentEntry[], entry: ConsentEntry): ConsentEntry[] {
  const all = [...consent, entry];
  return all.length <= MAX_CONSENT_ENTRIES ? all : [all[0]!, ...all.slice(-(MAX_CONSENT_ENTRIES - 1))];
}

/** Forget these tip dates (canceled, or no longer cancelable): a later opt-in schedules them afresh. */
export function forgetTips(subscriber: Subscriber, dates: readonly string[]): Subscriber {
  if (!subscriber.tips || dates.length === 0) return subscriber;
  const tips = Object.fromEntries(Object.entries(subscriber.tips).filter(([date]) => !dates.includes(date)));
  return { ...subscriber, tips };
}

export function newSubscriber(input: {
  userId: string;
  channel: Channel;
  language: Language;
  country: string;
  source: string;
  now: Date;
  timeZone?: string;
  edd?: string;
  babyDob?: string;
}): Subscriber {
  const at = input.now.toISOString();
  return {
    userId: input.userId,
    channel: input.channel,
    language: input.language,
    country: input.country,
    status: 'active',
    createdAt: at,
    updatedAt: at,
    welcome: { state: 'pending', attempts: 0 },
    consent: [{ action: 'opt_in', source: input.source, at }],
    unreachableCount: 0,
    mixCounted: true,
    ...(input.timeZone ? { timeZone: input.timeZone } : {}),
    ...(input.edd ? { edd: input.edd } : {}),
    ...(input.babyDob ? { babyDob: input.babyDob } : {}),
  };
}

/** Programme ids kept in the record (a Sync item holds 16 KB): a year of messages at 3 a week fits. */
export const MAX_PROGRAMME_SENT = 200;

/** The record with a programme message noted as scheduled (once). */
export function noteProgrammeSent(subscriber: Subscriber, id: string | undefined): Subscriber {
  if (!id || subscriber.programmeSent?.includes(id)) return subscriber;
  return { ...subscriber, programmeSent: [...(subscriber.programmeSent ?? []), id].slice(-MAX_PROGRAMME_SENT) };
}

/** The record with a programme message no longer noted (its claim was given back: nothing was sent). */
export function forgetProgrammeSent(subscriber: Subscriber, id: string | undefined): Subscriber {
  if (!id || !subscriber.programmeSent?.includes(id)) return subscriber;
  return { ...subscriber, programmeSent: subscriber.programmeSent.filter((sent) => sent !== id) };
}

export type ExistingDecision =
  | { kind: 'conflict' }
  | { kind: 'opted_out' }
  | { kind: 'suppressed' }
  | { kind: 'resubscribe' }
  | { kind: 'already_registered' }
  | { kind: 'in_progress' }
  | { kind: 'cooldown'; retryAfterSeconds: number }
  | { kind: 'needs_join' }
  | { kind: 'claim' };

/**
 * What a registration request means for a number we already hold.
 * Order matters: ownership first, then consent, then the welcome's progress.
 */
export function decideForExisting(
  subscriber: Subscriber,
  request: { userId: string; resubscribe: boolean },
  now: Date,
  cooldownSeconds: number,
): ExistingDecision {
  if (subscriber.userId !== request.userId) return { kind: 'conflict' };
  if (subscriber.status === 'opted_out') {
    if (!request.resubscribe) return { kind: 'opted_out' };
    // Each re-subscription sends a welcome again: a per-number cooldown keeps that from being pumped.
    const waited = subscriber.welcome.lastAttemptAt
      ? (now.getTime() - Date.parse(subscriber.welcome.lastAttemptAt)) / 1000
      : Infinity;
    return waited < cooldownSeconds
      ? { kind: 'cooldown', retryAfterSeconds: Math.ceil(cooldownSeconds - waited) }
      : { kind: 'resubscribe' };
  }
  if (subscriber.status === 'suppressed') return { kind: 'suppressed' };
  const welcome = subscriber.welcome;
  if (welcome.state === 'sent' || welcome.state === 'failed') return { kind: 'already_registered' };
  // claimedAt exists only while the welcome is claimed: every other transition drops it.
  if (welcome.claimedAt && now.getTime() - Date.parse(welcome.claimedAt) < CLAIM_SETTLE_MS) {
    return { kind: 'in_progress' };
  }
  // Not joined the WhatsApp sandbox yet: tell the portal so; after the cooldown, try again
  // (the user may have joined meanwhile).
  if (welcome.lastAttemptAt && welcome.state === 'needs_join') {
    const waited = (now.getTime() - Date.parse(welcome.lastAttemptAt)) / 1000;
    if (waited < cooldownSeconds) return { kind: 'needs_join' };
  }
  return { kind: 'claim' };
}

/** Mark the welcome as being sent by the call `claimId`; `fingerprint` identifies an SMS body. */
export function claimWelcome(subscriber: Subscriber, claimId: string, now: Date, fingerprint?: string): Subscriber {
  const at = now.toISOString();
  const { fingerprint: _previous, messageSid: _sid, status: _status, ...rest } = subscriber.welcome;
  return {
    ...subscriber,
    updatedAt: at,
    welcome: {
      ...rest,
      state: 'claimed',
      claimId,
      claimedAt: at,
      ...(fingerprint ? { fingerprint } : {}),
      attempts: subscriber.welcome.attempts + 1,
      lastAttemptAt: at,
    },
  };
}

/** Still ours? Another instance may have taken over a claim we let go stale. */
export function holdsClaim(subscriber: Subscriber, claimId: string): boolean {
  return subscriber.welcome.state === 'claimed' && subscriber.welcome.claimId === claimId;
}

export function welcomeSent(subscriber: Subscriber, messageSid: string, status: string, now: Date): Subscriber {
  const { claimId: _claim, claimedAt: _at, fingerprint: _fp, ...welcome } = subscriber.welcome;
  // A status callback may already have recorded a later status for this SID.
  const keepStatus = welcome.messageSid === messageSid && welcome.status ? welcome.status : status;
  return {
    ...subscriber,
    updatedAt: now.toISOString(),
    welcome: { ...welcome, state: 'sent', messageSid, status: keepStatus },
  };
}

export function welcomeFailed(
  subscriber: Subscriber,
  state: 'failed' | 'needs_join',
  errorCode: number | undefined,
  now: Date,
): Subscriber {
  const { claimId: _claim, claimedAt: _at, fingerprint: _fp, ...welcome } = subscriber.welcome;
  return { ...subscriber, updatedAt: now.toISOString(), welcome: { ...welcome, state, errorCode } };
}

/** Give the claim back after a temporary failure so a later retry can send. */
export function releaseClaim(subscriber: Subscriber, now: Date): Subscriber {
  const { claimId: _claim, claimedAt: _at, fingerprint: _fp, ...welcome } = subscriber.welcome;
  return { ...subscriber, updatedAt: now.toISOString(), welcome: { ...welcome, state: 'pending' } };
}

export function optOut(subscriber: Subscriber, source: string, now: Date, reason?: string): Subscriber {
  const at = now.toISOString();
  return {
    ...subscriber,
    status: 'opted_out',
    updatedAt: at,
    consent: appendConsent(subscriber.consent, { action: 'opt_out', source, at, ...(reason ? { reason } : {}) }),
  };
}

/** Fresh consent: active again, and the welcome goes out again as a confirmation. */
export function resubscribe(subscriber: Subscriber, source: string, now: Date, resendWelcome: boolean): Subscriber {
  const at = now.toISOString();
  return {
    ...subscriber,
    status: 'active',
    updatedAt: at,
    unreachableCount: 0,
    consent: appendConsent(subscriber.consent, { action: 'opt_in', source, at }),
    welcome: resendWelcome ? { state: 'pending', attempts: subscriber.welcome.attempts } : subscriber.welcome,
  };
}

/** Not on WhatsApp (63003 / 63024): the next messages go by SMS, with SMS's way to stop. */
export function switchToSms(subscriber: Subscriber, errorCode: number, now: Date): Subscriber {
  if (subscriber.channel !== 'whatsapp') return subscriber;
  const at = now.toISOString();
  return {
    ...subscriber,
    channel: 'sms',
    updatedAt: at,
    unreachableCount: 0,
    channelSwitch: { from: 'whatsapp', to: 'sms', errorCode, at },
  };
}
