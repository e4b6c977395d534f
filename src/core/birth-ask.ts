/**
 * Asking for the birth date, once (docs/programmes.md): when the EDD has passed by 2 weeks with
 * no birth date, she is placed in the baby set keyed to the EDD (an estimate), and the daily run
 * sends her, once, a short message with a signed link to a page where she gives the date (/b).
 * The ask takes the place of that day's stage message (one message a day at most). The record
 * notes the date it was claimed for (`birthAsk`), in the same revision-checked write as the
 * tip's claim, so a rerun or a second run never asks again; a claim let go (nothing sent) lets
 * the ask go with it. Pure.
 */
import type { Placement } from './programmes';
import type { BirthAskRecord } from './subscriber';

/**
 * True when the message of `date` is the birth-date question: she is in the estimated baby set
 * that day (EDD + 2 weeks, no birth date, no loss), and she was not asked on another date.
 */
export function asksForBirthDate(
  record: { birthAsk?: BirthAskRecord; babyDob?: string },
  placement: Placement,
  date: string,
): boolean {
  if (record.babyDob || placement.kind !== 'set' || !placement.estimated) return false;
  return record.birthAsk === undefined || record.birthAsk.date === date;
}

/** The record without its ask when the ask was for one of `dates` (its message was let go or canceled). */
export function withoutBirthAsk<T extends { birthAsk?: BirthAskRecord }>(record: T, dates: readonly string[]): T {
  if (!record.birthAsk || !dates.includes(record.birthAsk.date)) return record;
  const { birthAsk: _dropped, ...rest } = record;
  return rest as T;
}
