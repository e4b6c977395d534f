/**
 * The repeat count written beside the subscriber read (src/app/repeat-guess.ts): whatever the
 * answer, the counters add up to what the answer counts, and the guess costs a write only
 * where nothing else counts that day.
 */
import { addCounters, type CounterDeltas } from '../../src/core/activity';
import type { Activity } from '../../src/app/activity';
import { repeatGuess } from '../../src/app/repeat-guess';

const REPEAT = 'registration.already_registered';
const DAY = '2026-12-02';

/** An Activity that records every count and holds each write until released. */
function recording() {
  const writes: Array<{ date: string; deltas: CounterDeltas; done: boolean }> = [];
  const release: Array<() => void> = [];
  const inner: Activity = {
    count(date, deltas) {
      const write = { date, deltas, done: false };
      writes.push(write);
      return new Promise<void>((resolve) =>
        release.push(() => {
          write.done = true;
          resolve();
        }),
      );
    },
    gauge: () => Promise.resolve(),
    event: () => Promise.resolve(),
  };
  const releaseAll = () => release.splice(0).forEach((go) => go());
  const totals = (date: string) =>
    writes.filter((w) => w.date === date).reduce<CounterDeltas>((sum, w) => addCounters(sum, w.deltas), {});
  return { inner, writes, releaseAll, totals };
}

/** Settles a promise's state without waiting for it. */
async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}

test('a repeat: its count is the guess, one write, and it answers only once that write landed', async () => {
  const { inner, writes, releaseAll, totals } = recording();
  const guess = repeatGuess(inner, REPEAT);
  guess.guess(DAY);
  expect(writes).toEqual([{ date: DAY, deltas: { [REPEAT]: 1 }, done: false }]);
  const counted = guess.count(DAY, { [REPEAT]: 1 });
  expect(await isSettled(counted)).toBe(false);
  releaseAll();
  await counted;
  await guess.settle();
  expect(writes).toHaveLength(1);
  expect(totals(DAY)).toEqual({ [REPEAT]: 1 });
});

test('another answer takes the guess back in its own count for the day: no extra write', async () => {
  const { inner, writes, releaseAll, totals } = recording();
  const guess = repeatGuess(inner, REPEAT);
  guess.guess(DAY);
  const counted = guess.count(DAY, { 'registration.created': 1, 'tips.scheduled': 1 });
  releaseAll();
  await counted;
  await guess.settle();
  expect(writes.map((w) => w.deltas)).toEqual([
    { [REPEAT]: 1 },
    { 'registration.created': 1, 'tips.scheduled': 1, [REPEAT]: -1 },
  ]);
  expect(totals(DAY)).toEqual({ [REPEAT]: 0, 'registration.created': 1, 'tips.scheduled': 1 });
});

test('an answer that counts nothing that day: settle takes the guess back with one write and waits for both', async () => {
  const { inner, writes, releaseAll, totals } = recording();
  const guess = repeatGuess(inner, REPEAT);
  guess.guess(DAY);
  const other = guess.count('2026-12-03', { 'registration.created': 1 });
  const settled = guess.settle();
  expect(await isSettled(settled)).toBe(false);
  releaseAll();
  await Promise.all([other, settled]);
  expect(writes.every((w) => w.done)).toBe(true);
  expect(totals(DAY)).toEqual({ [REPEAT]: 0 });
  expect(totals('2026-12-03')).toEqual({ 'registration.created': 1 });
  // Settled once: a second settle and later counts write nothing of the guess.
  await guess.settle();
  void guess.count(DAY, { 'registration.conflict': 1 });
  releaseAll();
  expect(writes.map((w) => w.deltas).slice(3)).toEqual([{ 'registration.conflict': 1 }]);
});

test('only the first count of the day settles the guess; later ones pass through unchanged', async () => {
  const { inner, writes, releaseAll, totals } = recording();
  const guess = repeatGuess(inner, REPEAT);
  guess.guess(DAY);
  const first = guess.count(DAY, { 'registration.retry_later': 1 });
  const second = guess.count(DAY, { 'registration.retry_later': 1 });
  releaseAll();
  await Promise.all([first, second, guess.settle()]);
  expect(writes).toHaveLength(3);
  expect(totals(DAY)).toEqual({ [REPEAT]: 0, 'registration.retry_later': 2 });
});

test('two repeats in one count: one rides on the guess, the other is written', async () => {
  const { inner, releaseAll, totals } = recording();
  const guess = repeatGuess(inner, REPEAT);
  guess.guess(DAY);
  const counted = guess.count(DAY, { [REPEAT]: 2 });
  releaseAll();
  await counted;
  expect(totals(DAY)).toEqual({ [REPEAT]: 2 });
});

test('without a guess nothing changes: counts pass through and settle writes nothing', async () => {
  const { inner, writes, releaseAll } = recording();
  const guess = repeatGuess(inner, REPEAT);
  const counted = guess.count(DAY, { [REPEAT]: 1 });
  releaseAll();
  await Promise.all([counted, guess.settle()]);
  expect(writes.map((w) => w.deltas)).toEqual([{ [REPEAT]: 1 }]);
});

test('guessed twice, written once', async () => {
  const { inner, writes, releaseAll } = recording();
  const guess = repeatGuess(inner, REPEAT);
  guess.guess(DAY);
  guess.guess(DAY);
  const settled = guess.settle();
  releaseAll();
  await settled;
  expect(writes.filter((w) => w.deltas[REPEAT] === 1)).toHaveLength(1);
});

test('gauges, events and prefetches go straight to the inner activity', async () => {
  const seen: string[] = [];
  const inner: Activity = {
    count: async () => void seen.push('count'),
    gauge: async () => void seen.push('gauge'),
    event: async () => void seen.push('event'),
    prefetch: () => void seen.push('prefetch'),
  };
  const guess = repeatGuess(inner, REPEAT);
  guess.prefetch?.(DAY);
  await guess.gauge({ 'subscribers.active': 1 });
  await guess.event({ time: '2026-12-02T00:00:00Z', event: 'registration.created' });
  expect(seen).toEqual(['prefetch', 'gauge', 'event']);
});
