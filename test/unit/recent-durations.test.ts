import fc from 'fast-check';
import { RecentDurations } from '../../src/core/recent-durations';

/** What the slice computed before: a sorted copy of the last `capacity` values. */
function reference(values: number[], capacity: number, q: number) {
  const window = values.slice(-capacity);
  const sorted = [...window].sort((a, b) => a - b);
  return {
    p: sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0,
    max: Math.max(0, ...window),
    size: window.length,
  };
}

test('percentile, max and size equal a sorted copy of the last `capacity` durations after every add (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 5000 }), { maxLength: 300 }),
      fc.integer({ min: 1, max: 70 }),
      fc.constantFrom(0, 0.5, 0.9, 0.99, 1),
      (values, capacity, q) => {
        const recent = new RecentDurations(capacity);
        values.forEach((v, i) => {
          recent.add(v);
          const expected = reference(values.slice(0, i + 1), capacity, q);
          expect({ p: recent.percentile(q), max: recent.max(), size: recent.size }).toEqual(expected);
        });
      },
    ),
    { numRuns: 200 },
  );
});

test('empty: size 0, percentile and max 0', () => {
  const recent = new RecentDurations(64);
  expect([recent.size, recent.percentile(0.9), recent.max()]).toEqual([0, 0, 0]);
});
