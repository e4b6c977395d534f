/**
 * The birth-date page (/b, docs/programmes.md): the mother asked once, after her EDD passed by
 * 2 weeks with no birth date, gives the date herself. Opening the link only reads the record;
 * the form's date goes through the same rules and the same write as the portal's /profile
 * (core/anchor-input.ts, app/profile.ts): an ISO date in the last 12 months, not in the future.
 */
import { checkAnchorDate, type AnchorReason } from '../core/anchor-input';
import { shardedName } from '../core/shard';
import type { Subscriber } from '../core/subscriber';
import { updateAnchorDates, type ProfileDeps } from './profile';
import { SUBSCRIBERS_MAP } from './registration';

export type BirthLinkResult =
  /** No such subscriber (deleted on request, or never registered). */
  | { kind: 'invalid' }
  /** A loss was reported: the page asks nothing. */
  | { kind: 'closed' }
  /** The form, with the reason the posted date was refused. */
  | { kind: 'form'; error?: AnchorReason }
  /** A birth date is on the record (given now, or before: a later change goes through the portal). */
  | { kind: 'recorded'; now: boolean };

export async function answerBirthLink(
  request: { e164: string; babyDob?: string },
  deps: ProfileDeps,
): Promise<BirthLinkResult> {
  const { e164 } = request;
  const item = await deps.store.get<Subscriber>(shardedName(SUBSCRIBERS_MAP, e164, deps.shards), e164);
  if (!item) return { kind: 'invalid' };
  if (item.data.loss) return { kind: 'closed' };
  if (item.data.babyDob) return { kind: 'recorded', now: false };
  if (request.babyDob === undefined) {
    deps.log.info('birth_link.viewed', { phone: e164 });
    return { kind: 'form' };
  }
  const checked = checkAnchorDate('baby_dob', request.babyDob, deps.localDate(deps.now()));
  if (!checked.ok) {
    deps.log.info('birth_link.refused', { phone: e164, code: checked.code });
    return { kind: 'form', error: checked.code };
  }
  const result = await updateAnchorDates(e164, item.data.userId, { babyDob: checked.value }, deps);
  if (result.kind !== 'updated') return { kind: 'invalid' };
  deps.log.info('birth_link.recorded', { phone: e164, canceled: result.canceled.length });
  return { kind: 'recorded', now: true };
}
