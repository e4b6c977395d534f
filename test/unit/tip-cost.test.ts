import fc from 'fast-check';
import { BUDGET_LINK_LENGTH } from '../../src/core/content-check';
import { MESSAGES, type Messages } from '../../src/core/messages';
import { DAYS_PER_MONTH, tipCostReport } from '../../src/core/tip-cost';
import type { Tip } from '../../src/core/tips';

/**
 * Short service texts, so a body's length is the tip's plus a known amount: brand `B`, the
 * reply phrase `R`, and the stop phrases with the link being the link alone. With a link of 30:
 *   one-way: tip + "\nB" (+2), link day tip + "\nB: " + link (+34)
 *   two-way: tip + "\nB: R" (+5), link day tip + "\nB: " + link (+34)
 */
const SHORT: Messages = {
  ...MESSAGES,
  brand: { ...MESSAGES.brand, en: 'B', ne: 'ब' },
  stop_reply: { ...MESSAGES.stop_reply, en: 'R', ne: 'र' },
  stop_link: { ...MESSAGES.stop_link, en: '{link}', ne: '{link}' },
  stop_reply_or_link: { ...MESSAGES.stop_reply_or_link, en: '{link}', ne: '{link}' },
};

/** A tip whose English is `en` letters a (GSM-7) and Nepali `ne` letters क (UCS-2). */
function tip(id: string, en: number, ne: number): Tip {
  return {
    id,
    topic: 'newborn',
    en: 'a'.repeat(en),
    ne: 'क'.repeat(ne),
    source: 'WHO',
    note: '',
    reviewed_by: '',
    reviewed_on: '',
  };
}

// English (GSM-7: 160 in one segment, 153 each after) and Nepali (UCS-2: 70, then 67):
//   t1: en 158 -> one-way 160 (1), link 192 (2), two-way 163 (2); ne 68 -> 70 (1), 102 (2), 73 (2)
//   t2: en 10  -> 12 (1), 44 (1), 15 (1);                       ne 10 -> 12 (1), 44 (1), 15 (1)
//   t3: en 300 -> 302 (2), 334 (3), 305 (2);                    ne 130 -> 132 (2), 164 (3), 135 (3)
const TIPS = [tip('t1', 158, 68), tip('t2', 10, 10), tip('t3', 300, 130)];

describe('tipCostReport', () => {
  // Made inside each test: Stryker's per-test coverage does not see code run while describing.
  const shortReport = () => tipCostReport(TIPS, { linkLength: 30, messages: SHORT });

  test('segments per tip, language, audience and day kind', () => {
    const report = shortReport();
    const table = report.rows.map((row) => [
      row.id,
      row.topic,
      ...(['en', 'ne'] as const).flatMap((language) =>
        (['one-way', 'two-way'] as const).flatMap((audience) => {
          const { plain, withLink } = row.segments[language][audience];
          return [plain.segments, withLink.segments];
        }),
      ),
    ]);
    expect(table).toEqual([
      // id, topic, en one-way plain/link, en two-way plain/link, ne one-way plain/link, ne two-way plain/link
      ['t1', 'newborn', 1, 2, 2, 2, 1, 2, 2, 2],
      ['t2', 'newborn', 1, 1, 1, 1, 1, 1, 1, 1],
      ['t3', 'newborn', 2, 3, 2, 3, 2, 3, 3, 3],
    ]);
    expect(report.rows[0]!.segments.en['one-way'].plain).toEqual({
      encoding: 'GSM-7',
      characters: 160,
      units: 160,
      segments: 1,
      unitsPerSegment: 160,
    });
    expect(report.rows[0]!.segments.ne['two-way'].withLink.units).toBe(68 + 34);
  });

  test('summary: per cycle, per month (link every 7th day), the largest and the spread', () => {
    const report = shortReport();
    // Three tips: over lcm(3, 7) = 21 days each tip comes 7 times, once on a link day.
    // en one-way: (6*1 + 2) + (6*1 + 1) + (6*2 + 3) = 30 segments in 21 days.
    expect(report.summary.en['one-way']).toEqual({
      perCycle: 1 + 1 + 2,
      perMonth: Math.round((30 / 21) * DAYS_PER_MONTH * 10) / 10,
      maxSegments: 3,
      bySegments: { 1: 2, 2: 1 },
    });
    expect(report.summary.en['one-way'].perMonth).toBe(43.5);
    // en two-way: (6*2 + 2) + (6*1 + 1) + (6*2 + 3) = 36.
    expect(report.summary.en['two-way']).toEqual({
      perCycle: 5,
      perMonth: 52.2,
      maxSegments: 3,
      bySegments: { 1: 1, 2: 2 },
    });
    // ne two-way: (6*2 + 2) + (6*1 + 1) + (6*3 + 3) = 42.
    expect(report.summary.ne['two-way']).toEqual({
      perCycle: 6,
      perMonth: 60.9,
      maxSegments: 3,
      bySegments: { 1: 1, 2: 1, 3: 1 },
    });
    expect(report.linkLength).toBe(30);
  });

  test('seven tips: the link day always falls on the same tip', () => {
    // lcm(7, 7) = 7 days: t1 carries the link every time, the others never.
    const seven = [tip('t1', 158, 10), ...[2, 3, 4, 5, 6, 7].map((n) => tip(`t${n}`, 10, 10))];
    const { summary } = tipCostReport(seven, { linkLength: 30, messages: SHORT });
    // en one-way: t1 on link days is 2 segments, the six others 1 each: 8 in 7 days.
    expect(summary.en['one-way'].perMonth).toBe(Math.round((8 / 7) * DAYS_PER_MONTH * 10) / 10);
    expect(summary.en['one-way'].perMonth).toBe(34.8);
    expect(summary.en['one-way'].perCycle).toBe(7);
  });

  test('no tips: nothing costs anything', () => {
    const { rows, summary } = tipCostReport([], { linkLength: 30, messages: SHORT });
    expect(rows).toEqual([]);
    expect(summary.en['one-way']).toEqual({ perCycle: 0, perMonth: 0, maxSegments: 0, bySegments: {} });
    expect(summary.ne['two-way']).toEqual({ perCycle: 0, perMonth: 0, maxSegments: 0, bySegments: {} });
  });

  test('a longer link costs more on link days only', () => {
    const longLink = tipCostReport([tip('t2', 10, 10)], { linkLength: 200, messages: SHORT });
    expect(longLink.linkLength).toBe(200);
    expect(longLink.rows[0]!.segments.en['one-way']).toMatchObject({
      plain: { units: 12, segments: 1 },
      withLink: { units: 10 + 4 + 200, segments: 2 },
    });
  });

  test('defaults: the budget link length and the bundled messages', () => {
    expect(tipCostReport(TIPS)).toEqual(tipCostReport(TIPS, { linkLength: BUDGET_LINK_LENGTH, messages: MESSAGES }));
    expect(tipCostReport(TIPS).linkLength).toBe(BUDGET_LINK_LENGTH);
  });

  test('per month is the average of the actual schedule over 7 passes of the cycle, whatever its length', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 20 }), (lengths) => {
        const tips = lengths.map((n, i) => tip(`t${i}`, n, 1));
        const { rows, summary } = tipCostReport(tips, { linkLength: 30, messages: SHORT });
        // Day d sends tip d mod N, with the link when d is a multiple of 7; 7N days is a whole number of both cycles.
        let total = 0;
        for (let day = 0; day < 7 * tips.length; day++) {
          const { plain, withLink } = rows[day % tips.length]!.segments.en['one-way'];
          total += day % 7 === 0 ? withLink.segments : plain.segments;
        }
        expect(summary.en['one-way'].perMonth).toBe(Math.round((total / (7 * tips.length)) * DAYS_PER_MONTH * 10) / 10);
      }),
    );
  });
});
