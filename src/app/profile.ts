/**
 * The portal's profile updates of the programmes' anchor dates (POST /profile): a corrected
 * EDD, or the baby's birth date once the baby is born. The record takes the new dates in one
 * revision-checked write; tips already scheduled at Twilio whose message is no longer the one
 * due under the new dates (a pregnancy message after the birth, a week-20 message moved by a
 * corrected EDD) are canceled and forgotten, so the next daily run schedules the right one.
 */
import { COUNTER } from '../core/activity';
import type { Logger } from '../core/log';
import type { AnchorDates, Programmes } from '../core/programmes';
import { withoutBirthAsk } from '../core/birth-ask';
import { shardedName } from '../core/shard';
import { forgetProgrammeSent, forgetTips, pendingTipSids, type Subscriber } from '../core/subscriber';
import type { Tip } from '../core/tips';
import type { Activity } from './activity';
import type { KeyValueStore, MessageSender } from './ports';
import { SUBSCRIBERS_MAP } from './registration';
import { modifyItem } from './store-writes';
import { contentFor } from './tips';

/** Twilio's answer when a message is no longer scheduled (already sent or canceled). */
const NOT_CANCELABLE = 30409;

export interface ProfileDeps {
  store: KeyValueStore;
  sender: MessageSender;
  activity: Activity;
  log: Logger;
  shards: number;
  tips: readonly Tip[];
  programmes: Programmes;
  now: () => Date;
  localDate: (instant: Date) => string;
}

export type ProfileResult =
  | { kind: 'not_registered' }
  | { kind: 'conflict' }
  | { kind: 'updated'; subscriber: Subscriber; changed: boolean; canceled: string[] };

/** What a date's scheduled message is under a record's dates: the programme message id, or the general tip. */
function dueKey(subscriber: Subscriber, date: string, deps: ProfileDeps): string {
  const content = contentFor(subscriber, date, deps);
  if (content?.asksBirthDate) return 'birth_ask';
  return content ? (content.programmeId ?? 'general') : 'none';
}

export async function updateAnchorDates(
  e164: string,
  userId: string,
  dates: AnchorDates,
  deps: ProfileDeps,
): Promise<ProfileResult> {
  const map = shardedName(SUBSCRIBERS_MAP, e164, deps.shards);
  let conflict = false;
  let before: Subscriber | undefined;
  const updated = await modifyItem<Subscriber>(deps.store, map, e164, (current) => {
    conflict = current.userId !== userId;
    before = current;
    if (conflict) return undefined;
    const next: Subscriber = {
      ...current,
      ...(dates.edd ? { edd: dates.edd } : {}),
      ...(dates.babyDob ? { babyDob: dates.babyDob } : {}),
    };
    if (next.edd === current.edd && next.babyDob === current.babyDob) return undefined;
    return { ...next, updatedAt: deps.now().toISOString() };
  });
  if (!updated) return { kind: 'not_registered' };
  if (conflict) return { kind: 'conflict' };
  const changed = updated.data.edd !== before!.edd || updated.data.babyDob !== before!.babyDob;
  if (!changed) return { kind: 'updated', subscriber: updated.data, changed, canceled: [] };
  deps.log.info('profile.anchor_dates', {
    phone: e164,
    edd: updated.data.edd !== before!.edd,
    babyDob: updated.data.babyDob !== before!.babyDob,
  });

  // Scheduled messages that are no longer the one due: cancel them, then forget them.
  const today = deps.localDate(deps.now());
  const stale = pendingTipSids(updated.data, today).filter(
    ({ date }) => dueKey(before!, date, deps) !== dueKey(updated.data, date, deps),
  );
  const canceled: string[] = [];
  for (const { date, sid } of stale) {
    try {
      await deps.sender.cancel(sid);
      canceled.push(date);
      deps.log.info('tips.canceled', { phone: e164, date, messageSid: sid, reason: 'anchor_date_changed' });
      await deps.activity.count(today, { [COUNTER.tipStatus('canceled')]: 1 });
    } catch (error) {
      // Already sent (or canceled): nothing to stop; anything else stays for a later try.
      if ((error as { code?: number }).code !== NOT_CANCELABLE)
        deps.log.warn('tips.cancel_failed', { phone: e164, date, messageSid: sid, error });
    }
  }
  let subscriber = updated.data;
  if (canceled.length > 0) {
    const ids = canceled.map((date) => contentFor(before!, date, deps)?.programmeId);
    const forgotten = await modifyItem<Subscriber>(deps.store, map, e164, (current) =>
      // A canceled birth-date question was never asked: it may be asked when her dates call for it again.
      withoutBirthAsk(
        ids.reduce((record, id) => forgetProgrammeSent(record, id), forgetTips(current, canceled)),
        canceled,
      ),
    );
    if (forgotten) subscriber = forgotten.data;
  }
  return { kind: 'updated', subscriber, changed, canceled };
}
