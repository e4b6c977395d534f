/**
 * Applying a delivery status callback: the message record moves forward only, and the
 * outcome acts on the subscriber (opted out, unreachable streak, suppression, the
 * welcome's latest status). Duplicate and late callbacks change nothing.
 */
import { COUNTER, statusChange } from '../core/activity';
import { decideSubscriberEffect, shouldApplyStatus } from '../core/delivery';
import type { Logger } from '../core/log';
import { maskPhone } from '../core/phone';
import { shardedName } from '../core/shard';
import { optOut, type Subscriber } from '../core/subscriber';
import { describeTwilioError } from '../core/twilio-errors';
import type { StatusCallback } from '../core/webhook-input';
import type { Activity } from './activity';
import type { KeyValueStore } from './ports';
import { modifyItem } from './store-writes';
import { MESSAGES_MAP, SUBSCRIBERS_MAP } from './registration';

export interface MessageRecord {
  kind: 'welcome' | 'tip';
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
}

export type StatusResult = 'applied' | 'ignored' | 'unknown_message';

export async function applyStatusCallback(callback: StatusCallback, deps: StatusDeps): Promise<StatusResult> {
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
    // The callback may arrive before /register has indexed the message it just sent.
    if (await adoptInFlightWelcome(callback, deps)) return applyStatusCallback(callback, deps);
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
    message.kind === 'welcome' ? COUNTER.welcomeStatus(callback.status) : COUNTER.tipStatus(callback.status);
  await deps.activity.count(today, {
    [counterName]: 1,
    ...(callback.errorCode ? { [COUNTER.failure(callback.errorCode)]: 1 } : {}),
  });
  log.info('status.applied', {
    messageSid: callback.messageSid,
    kind: message.kind,
    status: callback.status,
    errorCode: callback.errorCode,
    phone: message.e164,
  });

  await updateSubscriber(message, callback, deps);
  return 'applied';
}

async function updateSubscriber(message: MessageRecord, callback: StatusCallback, deps: StatusDeps): Promise<void> {
  const map = shardedName(SUBSCRIBERS_MAP, message.e164, deps.shards);
  let effectAction = 'none';
  let statusBefore: string | undefined;
  let statusAfter: string | undefined;
  await modifyItem<Subscriber>(deps.store, map, message.e164, (current) => {
    const effect = decideSubscriberEffect({
      errorCode: callback.errorCode,
      status: callback.status,
      consecutiveUnreachable: current.unreachableCount,
      suppressAfter: deps.suppressAfter,
    });
    effectAction = effect.action;
    let next: Subscriber = current;
    const isOurWelcome =
      current.welcome.messageSid === callback.messageSid ||
      (current.welcome.state === 'claimed' && !current.welcome.messageSid);
    if (message.kind === 'welcome' && isOurWelcome) {
      const notJoined = describeTwilioError(callback.errorCode)?.category === 'whatsapp_not_joined';
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
        };
        break;
      case 'reset_unreachable':
        if (next.unreachableCount !== 0) next = { ...next, unreachableCount: 0 };
        break;
    }
    statusBefore = current.status;
    statusAfter = next.status;
    return next === current ? undefined : { ...next, updatedAt: deps.now().toISOString() };
  });
  if (statusAfter && statusBefore !== statusAfter) await deps.activity.gauge(statusChange(statusBefore, statusAfter));
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
}

/**
 * When a welcome is still being recorded (claimed, SID not yet stored), index the message
 * from the callback's recipient so no status is lost. Registration's own index create then
 * finds it present, which it tolerates.
 */
async function adoptInFlightWelcome(callback: StatusCallback, deps: StatusDeps): Promise<boolean> {
  if (!callback.to) return false;
  const subscriber = await deps.store.get<Subscriber>(
    shardedName(SUBSCRIBERS_MAP, callback.to, deps.shards),
    callback.to,
  );
  if (!subscriber || subscriber.data.welcome.state !== 'claimed') return false;
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
