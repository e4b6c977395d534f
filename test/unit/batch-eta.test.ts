import { etaText } from '../../scripts/batch';

test.each([
  [null, 0, 0, '?'],
  [100, 0, 0, '?'],
  [100, 10, Number.POSITIVE_INFINITY, '?'],
  [100, 10, Number.NaN, '?'],
  [100, 40, 2, '30s'],
  [1000, 0, 2, '8m20s'],
  [100_000, 0, 10, '2h46m'],
  [100, 120, 5, '0s'],
])('etaText(total %p, processed %p, rate %p) = %p', (total, processed, rate, expected) => {
  expect(etaText(total, processed, rate)).toBe(expected);
});
