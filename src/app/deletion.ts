/**
 * Deleting a subscriber's personal data on request (an admin, for the person or the portal):
 * what is still scheduled is canceled, every Sync item that holds the number goes (the
 * subscriber record with its name-bearing welcome fingerprint, the message index entries found
 * through the record and Twilio's own list of messages to the number, the "not registered"
 * marker), the totals are corrected, and an anonymous record keeps the consent history with
 * its last entry "deleted": when and by whom, never the number. Counts stay, as counts.
 */
import { randomUUID } from 'node:crypto';
import { COUNTER, statusChange } from '../core/activity';
import { pendingSupportSids } from '../core/loss';
import type { Logger } from '../core/log';
import { shardedName } from '../core/shard';
import { pendingTipSids, type ConsentEntry, type Subscriber } from '../core/subscriber';
import type { Activity } from './activity';
import type { KeyValueStore, MessageHistory, MessageSender } from './ports';
import { MESSAGES_MAP, SUBSCRIBERS_MAP } from './registration';

export const DELETIONS_MAP = 'deletions';
const UNKNOWN_REPLIES_MAP = 'unknown-sender-replies';
/** Twilio's records of messages to the number, per channel, that the index entries are looked up from. */
const HISTORY_LIMIT = 200;

export interface DeletionDeps {
  store: KeyValueStore;
  sender: MessageSender;
  history: MessageHistory;
  activity: Activity;
  log: Logger;
  shards: number;
  now: () => Date;
  localDate: (instant: Date) => string;
}

/** The anonymous trace a deletion leaves: the history without the number, the user id or the name. */
export interface DeletionRecord {
  deletedAt: string;
  source: string;
  history: Array<ConsentEntry | { action: 'deleted'; source: string; at: string }>;
}

export type DeletionResult = { kind: 'deleted'; id: string; indexEntries: number } | { kind: 'not_registered' };

export async function deleteSubscriber(e164: string, source: string, deps: DeletionDeps): Promise<DeletionResult> {
  const map = shardedName(SUBSCRIBERS_MAP, e164, deps.shards);
  const item = await deps.store.get<Subscriber>(map, e164);
  if (!item) return { kind: 'not_registered' };
  const subscriber = item.data;
  const today = deps.localDate(deps.now());
  // Nothing may reach the number after it is forgotten.
  const scheduled = [...pendingTipSids(subscriber, today).map((t) => t.sid), ...pendingSupportSids(subscriber)];
  for (const sid of scheduled) {
    try {
      await deps.sender.cancel(sid);
    } catch (error) {
      if ((error as { code?: number }).code !== 30409)
        deps.log.warn('privacy.cancel_failed', { messageSid: sid, error });
    }
  }
  const sids = new Set<string>([
    ...(subscriber.welcome.messageSid ? [subscriber.welcome.messageSid] : []),
    ...Object.values(subscriber.tips ?? {}).filter((v) => /^(SM|MM)/.test(v)),
    ...Object.values(subscriber.loss?.messages ?? {}),
  ]);
  for (const channel of ['sms', 'whatsapp'] as const) {
    try {
      for (const m of await deps.history.recentTo(channel, e164, HISTORY_LIMIT)) sids.add(m.sid);
    } catch (error) {
      deps.log.warn('privacy.history_unavailable', { channel, error });
    }
  }
  const removeIndexEntries = async () => {
    for (const sid of sids) await deps.store.remove(shardedName(MESSAGES_MAP, sid, deps.shards), sid);
  };
  await removeIndexEntries();
  await deps.store.remove(shardedName(UNKNOWN_REPLIES_MAP, e164, deps.shards), e164);

  const at = deps.now().toISOString();
  const id = randomUUID();
  const record: DeletionRecord = {
    deletedAt: at,
    source,
    history: [...subscriber.consent, { action: 'deleted', source, at }],
  };
  await deps.store.create(DELETIONS_MAP, id, record);
  await deps.store.remove(map, e164);
  // A status callback that read the record before it went may have indexed a message since
  // (it removes its own entry only when it sees the record gone): a second pass after the removal.
  await removeIndexEntries();
  await deps.activity.gauge(statusChange(subscriber.status, 'deleted', subscriber));
  await deps.activity.count(today, { [COUNTER.deleted]: 1 });
  await deps.activity.event({ time: at, event: 'privacy.deleted', detail: source });
  deps.log.info('privacy.deleted', { id, source, indexEntries: sids.size, canceled: scheduled.length });
  return { kind: 'deleted', id, indexEntries: sids.size };
}
