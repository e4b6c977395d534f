/**
 * A repeat registration's count, written while the subscriber is read: a repeat then answers
 * after one round trip instead of two (a read, then a count that depends on it). Any other
 * answer takes the guess back in its own next count for that date, so it costs no extra
 * write there; an answer that counts nothing for that date takes it back with one write.
 * Counting is best effort (activity.ts), so the pair is too: a failed take-back shows one
 * repeat too many, like any failed count shows one too few.
 */
import type { CounterDeltas } from '../core/activity';
import type { Activity } from './activity';

export interface RepeatGuess extends Activity {
  /** Counts one repeat for the date now, before the answer is known. At most once. */
  guess(localDate: string): void;
  /** Takes an unconfirmed guess back if no count did, and waits for the guess's write. */
  settle(): Promise<void>;
}

export function repeatGuess(inner: Activity, counter: string): RepeatGuess {
  let open: { date: string; written: Promise<void> } | undefined;
  let made = false;

  /** The deltas to write once the guess is settled by this count: without a confirmed repeat, with a taken-back one. */
  function settleWith(deltas: CounterDeltas): CounterDeltas {
    const { [counter]: repeats = 0, ...rest } = deltas;
    // The answer counts its repeat: the guess was it. Anything else: the guess goes back.
    return repeats > 0 ? { ...rest, ...(repeats > 1 ? { [counter]: repeats - 1 } : {}) } : { ...rest, [counter]: -1 };
  }

  return {
    guess(localDate) {
      if (made) return;
      made = true;
      open = { date: localDate, written: inner.count(localDate, { [counter]: 1 }) };
    },
    async count(localDate, deltas) {
      if (open?.date !== localDate) return inner.count(localDate, deltas);
      const { written } = open;
      open = undefined;
      const rest = settleWith(deltas);
      await Promise.all([written, Object.keys(rest).length > 0 ? inner.count(localDate, rest) : undefined]);
    },
    prefetch: (localDate) => inner.prefetch?.(localDate),
    gauge: (deltas) => inner.gauge(deltas),
    event: (event) => inner.event(event),
    async settle() {
      if (!open) return;
      const { date, written } = open;
      open = undefined;
      await Promise.all([written, inner.count(date, { [counter]: -1 })]);
    },
  };
}
