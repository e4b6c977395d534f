/**
 * Applying a delivery status callback: the message record moves forward only, and the
 * outcome acts on the subscriber (opted out, unreachable streak, suppression, the
 * welcome's latest status). Duplicate and late callbacks change nothing.
 */
import { channelChange, COUNTER, registeredEvent, statusChange } from '../core/activity';
import { decideSubscriberEffect, shouldApplyStatus } from '../core/delivery';
import type { Logger } from '../core/log';
import { maskPhone } from '../core/phone';
import { shardedName } from '../core/shard';
import { optOut, switchToSms, unsettledClaims, welcomeSent, type Subscriber } from '../core/subscriber';
import { describeTwilioError } from '../core/twilio-errors';
import type { StatusCallback } from '../core/webhook-input';
import type { Activity } from './activity';
import type { KeyValueStore } from './ports';
import { modifyItem } from './store-writes';
import { MESSAGES_MAP, SUBSCRIBERS_MAP } from './registration';

export interface MessageRecord {
  /** support: one of the supportive set after a loss; notice: the "now by SMS" message after a switch. */
  kind: 'welcome' | 'tip' | 'support' | 'notice';
  e164: string;
  userId: string;
  status: string;
  errorCode?: number;
  createdAt: string;
  updatedAt?: string;
  /** Local date of a tip. */
  date?: string;
}

export interface StatusDeps {
  store: KeyValueStore;
  activity: Activity;
  log: Logger;
  shards: number;
  suppressAfter: number;
  now: () => Date;
  localDate: (instant: Date) => string;
  /** Settles the number's half-done claims from Twilio's records (see reconcileNumber). */
  reconcile?: (e164: string, subscriber: Subscriber) => Promise<void>;
  /** After a move from WhatsApp to SMS: cancels what was scheduled on WhatsApp and tells the person by SMS. */
  afterSwitch?: (e164: string, subscriber: Subscriber) => Promise<void>;
}

const WELCOME_INDEX_TTL_SECONDS = 35 * 24 * 3600;
const TIP_INDEX_TTL_SECONDS = 40 * 24 * 3600;

/** Twilio's "message expired": still queued when its ValidityPeriod ran out. */
const EXPIRED = 30036;

export type StatusResult = 'applied' | 'ignored' | 'unknown_message';

export async function applyStatusCallback(
  callback: StatusCallback,
  deps: StatusDeps,
  reconciled = false,
  indexed = false,
): Promise<StatusResult> {
  const { store, log } = deps;
  const messagesMap = shardedName(MESSAGES_MAP, callback.messageSid, deps.shards);
  let applied = false;
  const record = await modifyItem<MessageRecord>(store, messagesMap, callback.messageSid, (current) => {
    applied = shouldApplyStatus(current.status, callback.status);
    if (!applied) return undefined;
    return {
      ...current,
      status: callback.status,
      updatedAt: deps.now().toISOString(),
      ...(callback.errorCode ? { errorCode: callback.errorCode } : {}),
    };
  });
  if (!record) {
    // /register records its messages' SIDs on the subscriber only: the first callback indexes them.
    if (!indexed && (await indexFromSubscriber(callback, deps)))
      return applyStatusCallback(callback, deps, reconciled, true);
    // The callback may arrive before /register has recorded the message it just sent.
    if (!reconciled && (await adoptInFlightWelcome(callback, deps)))
      return applyStatusCallback(callback, deps, true, indexed);
    log.warn('status.unknown_message', { messageSid: callback.messageSid, status: callback.status });
    return 'unknown_message';
  }
  if (!applied) {
    log.info('status.ignored', {
      messageSid: callback.messageSid,
      status: callback.status,
      current: record.data.status,
    });
    return 'ignored';
  }

  const message = record.data;
  const today = deps.localDate(deps.now());
  const counterName =
    message.kind === 'welcome'
      ? COUNTER.welcomeStatus(callback.status)
      : message.kind === 'tip'
        ? COUNTER.tipStatus(callback.status)
        : COUNTER.otherStatus(message.kind, callback.status);
  const failed = callback.status === 'failed' || callback.status === 'undelivered';
  await Promise.all([
    deps.activity.count(today, {
      [counterName]: 1,
      ...(callback.errorCode ? { [COUNTER.failure(callback.errorCode)]: 1 } : {}),
      ...(callback.errorCode === EXPIRED && (message.kind === 'welcome' || message.kind === 'tip')
        ? { [COUNTER.expired(message.kind)]: 1 }
        : {}),
    }),
    // A failed delivery is what support is asked about: one event (masked), a success none.
    failed
      ? deps.activity.event({
          time: deps.now().toISOString(),
          event: 'delivery.failed',
          masked: maskPhone(message.e164),
          detail: `${message.kind}:${callback.errorCode ?? ''}`,
        })
      : undefined,
  ]);
  log.info('status.applied', {
    messageSid: callback.messageSid,
    kind: message.kind,
    status: callback.status,
    errorCode: callback.errorCode,
    phone: message.e164,
  });

  const seen = await updateSubscriber(message, callback, deps);
  if (seen && deps.reconcile && !reconciled) {
    const open = unsettledClaims(seen);
    if (open.welcome || open.tipDates.length > 0) await reconcileQuietly(message.e164, seen, deps);
  }
  return 'applied';
}

async function reconcileQuietly(e164: string, subscriber: Subscriber, deps: StatusDeps): Promise<void> {
  try {
    await deps.reconcile!(e164, subscriber);
  } catch (error) {
    deps.log.warn('status.reconcile_failed', { phone: e164, error });
  }
}

/** Applies the callback's effect; resolves the record as it was read (undefined when gone). */
async function updateSubscriber(
  message: MessageRecord,
  callback: StatusCallback,
  deps: StatusDeps,
): Promise<Subscriber | undefined> {
  const map = shardedName(SUBSCRIBERS_MAP, message.e164, deps.shards);
  let effectAction = 'none';
  let statusBefore: string | undefined;
  let statusAfter: string | undefined;
  let seen: Subscriber | undefined;
  let written: Subscriber | undefined;
  let language: string | undefined;
  await modifyItem<Subscriber>(deps.store, map, message.e164, (current) => {
    seen = current;
    const effect = decideSubscriberEffect({
      errorCode: callback.errorCode,
      status: callback.status,
      consecutiveUnreachable: current.unreachableCount,
      suppressAfter: deps.suppressAfter,
    });
    effectAction = effect.action;
    let next: Subscriber = current;
    // A claimed welcome without SID: this indexed welcome is the claim's when it was indexed after the claim.
    const isOurWelcome =
      current.welcome.messageSid === callback.messageSid ||
      (current.welcome.state === 'claimed' &&
        !current.welcome.messageSid &&
        Date.parse(message.createdAt) >= Date.parse(current.welcome.claimedAt ?? '') - 2000);
    if (message.kind === 'welcome' && isOurWelcome) {
      const notJoined = describeTwilioError(callback.errorCode)?.category === 'whatsapp_not_joined';
      // A callback proves Twilio accepted it: a claim still open is settled with this SID.
      if (next.welcome.state === 'claimed') next = welcomeSent(next, callback.messageSid, callback.status, deps.now());
      next = {
        ...next,
        welcome: {
          ...next.welcome,
          messageSid: callback.messageSid,
          status: callback.status,
          ...(callback.errorCode ? { errorCode: callback.errorCode } : {}),
          ...(notJoined ? { state: 'needs_join' as const } : {}),
        },
      };
    }
    switch (effect.action) {
      case 'opt_out':
        if (next.status !== 'opted_out') next = optOut(next, `twilio-${callback.errorCode}`, deps.now());
        break;
      case 'count_unreachable':
        next = { ...next, unreachableCount: next.unreachableCount + 1 };
        break;
      case 'suppress':
        next = {
          ...next,
          unreachableCount: next.unreachableCount + 1,
          status: next.status === 'active' ? 'suppressed' : next.status,
          // Why, for support's look-up and the dashboard (only when this callback paused it).
          ...(next.status === 'active'
            ? {
                paused: {
                  reason: effect.kind === 'invalid_number' ? 'invalid_number' : 'failed_deliveries',
                  failures: next.unreachableCount + 1,
                  ...(callback.errorCode ? { errorCode: callback.errorCode } : {}),
                  at: deps.now().toISOString(),
                },
              }
            : {}),
        };
        break;
      case 'switch_to_sms':
        if (next.channel === 'whatsapp') next = switchToSms(next, callback.errorCode ?? 0, deps.now());
        break;
      case 'reset_unreachable':
        if (next.unreachableCount !== 0) next = { ...next, unreachableCount: 0 };
        break;
    }
    statusBefore = current.status;
    language = current.language;
    statusAfter = next.status;
    written = next === current ? undefined : { ...next, updatedAt: deps.now().toISOString() };
    return written;
  });
  if (statusAfter && statusBefore !== statusAfter)
    await deps.activity.gauge(statusChange(statusBefore, statusAfter, language));
  const switched = written?.channelSwitch && !seen?.channelSwitch ? written : undefined;
  if (switched && seen) {
    deps.log.info('subscriber.switched_to_sms', { phone: message.e164, errorCode: callback.errorCode });
    await Promise.all([
      deps.activity.count(deps.localDate(deps.now()), { [COUNTER.switchedToSms]: 1 }),
      deps.activity.gauge(channelChange(seen, switched)),
      deps.activity.event({
        time: deps.now().toISOString(),
        event: 'subscriber.switched_to_sms',
        masked: maskPhone(message.e164),
        detail: String(callback.errorCode ?? ''),
      }),
    ]);
    if (deps.afterSwitch) {
      try {
        await deps.afterSwitch(message.e164, switched);
      } catch (error) {
        deps.log.warn('subscriber.switch_followup_failed', { phone: message.e164, error });
      }
    }
  }
  if (effectAction === 'suppress' && statusBefore === 'active')
    await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.paused]: 1 });
  if (effectAction === 'opt_out' || effectAction === 'suppress') {
    deps.log.info(`subscriber.${effectAction === 'opt_out' ? 'opted_out' : 'suppressed'}`, {
      phone: message.e164,
      errorCode: callback.errorCode,
    });
    await deps.activity.event({
      time: deps.now().toISOString(),
      event: `subscriber.${effectAction}`,
      masked: maskPhone(message.e164),
      detail: String(callback.errorCode ?? ''),
    });
    if (effectAction === 'opt_out') await deps.activity.count(deps.localDate(deps.now()), { [COUNTER.optOut]: 1 });
  }
  return seen;
}

/**
 * The index entry of a message the number's record names (its welcome's SID, or a tip's):
 * /register writes the SIDs there and leaves the index to the first status callback, so the
 * portal does not wait for it. The callback's `To` (signed by Twilio) names the record.
 * False when the record does not name this message.
 */
async function indexFromSubscriber(callback: StatusCallback, deps: StatusDeps): Promise<boolean> {
  if (!callback.to) return false;
  const subscriber = await deps.store.get<Subscriber>(
    shardedName(SUBSCRIBERS_MAP, callback.to, deps.shards),
    callback.to,
  );
  if (!subscriber) return false;
  const { welcome, tips } = subscriber.data;
  const tipDate = Object.entries(tips ?? {}).find(([, value]) => value === callback.messageSid)?.[0];
  if (welcome.messageSid !== callback.messageSid && !tipDate) return false;
  const record: MessageRecord =
    welcome.messageSid === callback.messageSid
      ? {
          kind: 'welcome',
          e164: callback.to,
          userId: subscriber.data.userId,
          // What Twilio answered the create with (the record keeps it until a callback moves it).
          status: welcome.status ?? 'accepted',
          createdAt: deps.now().toISOString(),
        }
      : {
          kind: 'tip',
          e164: callback.to,
          userId: subscriber.data.userId,
          status: 'scheduled',
          date: tipDate,
          createdAt: deps.now().toISOString(),
        };
  const indexMap = shardedName(MESSAGES_MAP, callback.messageSid, deps.shards);
  // A concurrent callback may have indexed it first: either way it is there now.
  const created = await deps.store.create(
    indexMap,
    callback.messageSid,
    record,
    record.kind === 'tip' ? TIP_INDEX_TTL_SECONDS : WELCOME_INDEX_TTL_SECONDS,
  );
  // The number's data may have been deleted on request since the read above: the deletion
  // removes the index entries it can see, so an entry written after it must go here.
  if (!(await deps.store.get<Subscriber>(shardedName(SUBSCRIBERS_MAP, callback.to, deps.shards), callback.to))) {
    await deps.store.remove(indexMap, callback.messageSid);
    return false;
  }
  // The dashboard's "registered" event, once per welcome (the callback that indexed it), dated
  // when the welcome was sent: /register leaves it here so the portal does not wait for it.
  if (created && record.kind === 'welcome')
    await deps.activity.event(registeredEvent(subscriber.data, maskPhone(callback.to), deps.now()));
  return true;
}

/**
 * A callback for a message we have not indexed: the number's record may hold a claim whose
 * message is still being recorded, or whose recording was lost. Reconciliation settles it
 * from Twilio's records (and indexes what it adopts). Without a reconciler (tests), a
 * claimed welcome without SID is indexed from the callback as before.
 */
async function adoptInFlightWelcome(callback: StatusCallback, deps: StatusDeps): Promise<boolean> {
  if (!callback.to) return false;
  const subscriber = await deps.store.get<Subscriber>(
    shardedName(SUBSCRIBERS_MAP, callback.to, deps.shards),
    callback.to,
  );
  if (!subscriber) return false;
  const open = unsettledClaims(subscriber.data);
  if (!open.welcome && open.tipDates.length === 0) return false;
  if (deps.reconcile) {
    await reconcileQuietly(callback.to, subscriber.data, deps);
    deps.log.info('status.reconciled_in_flight', { messageSid: callback.messageSid, phone: callback.to });
    return true;
  }
  if (!open.welcome) return false;
  const record: MessageRecord = {
    kind: 'welcome',
    e164: callback.to,
    userId: subscriber.data.userId,
    status: 'accepted',
    createdAt: deps.now().toISOString(),
  };
  await deps.store.create(
    shardedName(MESSAGES_MAP, callback.messageSid, deps.shards),
    callback.messageSid,
    record,
    35 * 24 * 3600,
  );
  deps.log.info('status.adopted_in_flight', { messageSid: callback.messageSid, phone: callback.to });
  return true;
}
