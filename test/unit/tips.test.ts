import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { addDays } from '../../src/core/tip-time';
import {
  MAX_SEGMENTS,
  parseTips,
  STOP_FOOTER,
  tipForDate,
  tipMessage,
  TipsFormatError,
  tipSegmentReport,
  type Tip,
} from '../../src/core/tips';

const TIPS_FILE = join(__dirname, '../../src/assets/tips.private.json');
const raw: unknown = JSON.parse(readFileSync(TIPS_FILE, 'utf8'));
const tips = parseTips(raw);
const report = tipSegmentReport(tips);

describe('the real tips file', () => {
  test('passes the schema check with at least 30 tips and unique ids', () => {
    expect(tips.length).toBeGreaterThanOrEqual(30);
    expect(new Set(tips.map((tip) => tip.id)).size).toBe(tips.length);
  });

  test('no two tips share a text', () => {
    expect(new Set(tips.map((tip) => tip.en)).size).toBe(tips.length);
    expect(new Set(tips.map((tip) => tip.ne)).size).toBe(tips.length);
  });

  // One line per tip, with its actual figures in the test name.
  test.each(
    report.rows.map((row) => [row.id, row.en.segments, row.en.units, row.ne.segments, row.ne.units, row] as const),
  )(
    '%s: English %i GSM-7 segment(s) (%i septets), Nepali %i UCS-2 segment(s) (%i units)',
    (_id, _enSegments, _enUnits, _neSegments, _neUnits, row) => {
      expect(row.en.encoding).toBe('GSM-7');
      expect(row.en.segments).toBeLessThanOrEqual(MAX_SEGMENTS.en);
      expect(row.ne.encoding).toBe('UCS-2');
      expect(row.ne.segments).toBeLessThanOrEqual(MAX_SEGMENTS.ne);
    },
  );

  test('summary: English all GSM-7 within 2 segments, Nepali within 3', () => {
    expect(report.summary.en.allGsm7).toBe(true);
    expect(report.summary.en.maxSegments).toBeLessThanOrEqual(2);
    expect(report.summary.ne.maxSegments).toBeLessThanOrEqual(3);
    const counted = Object.values(report.summary.ne.bySegments).reduce((sum, n) => sum + n, 0);
    expect(counted).toBe(tips.length);
  });

  test('every day of two years gets a tip different from the day before, the same for everyone', () => {
    let previous = tipForDate(tips, '2026-01-01');
    for (let i = 1; i < 730; i++) {
      const date = addDays('2026-01-01', i);
      const tip = tipForDate(tips, date);
      expect(tip.id).not.toBe(previous.id);
      expect(tipForDate([...tips], date)).toEqual(tip);
      previous = tip;
    }
  });

  test('any run of tips.length consecutive days uses every tip exactly once (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -20000, max: 40000 }), (offset) => {
        const start = addDays('2026-01-01', offset);
        const ids = Array.from({ length: tips.length }, (_, i) => tipForDate(tips, addDays(start, i)).id);
        expect(new Set(ids).size).toBe(tips.length);
      }),
      { numRuns: 50 },
    );
  });
});

describe('tipMessage', () => {
  const tip: Tip = { id: 't99', en: 'Drink boiled water.', ne: 'उमालेको पानी पिउनुहोस्।' };

  test.each(['en', 'ne'] as const)('%s: the tip text, a line break, then the STOP footer', (language) => {
    expect(tipMessage(tip, language)).toBe(`${tip[language]}\n${STOP_FOOTER[language]}`);
    expect(STOP_FOOTER[language]).toContain('STOP');
  });
});

describe('tipForDate', () => {
  const three: Tip[] = ['a', 'b', 'c'].map((id) => ({ id, en: id, ne: id }));

  test('steps through the list one calendar day at a time, before 1970 too', () => {
    const ids = ['1969-12-30', '1969-12-31', '1970-01-01', '1970-01-02', '1970-01-03', '1970-01-04'].map(
      (date) => tipForDate(three, date).id,
    );
    expect(ids).toEqual(['b', 'c', 'a', 'b', 'c', 'a']);
  });

  test('a single tip is sent every day; no tips or a bad date is an error', () => {
    expect(tipForDate([three[0]!], '2026-11-25').id).toBe('a');
    expect(() => tipForDate([], '2026-11-25')).toThrow(RangeError);
    expect(() => tipForDate(three, '25/11/2026')).toThrow(RangeError);
  });
});

describe('parseTips', () => {
  const good = { id: 't01', en: 'Wash your hands with soap.', ne: 'साबुनले हात धुनुहोस्।' };

  function problemsOf(json: unknown): string[] {
    try {
      parseTips(json);
    } catch (error) {
      expect(error).toBeInstanceOf(TipsFormatError);
      return [...(error as TipsFormatError).problems];
    }
    throw new Error('parseTips accepted it');
  }

  test('accepts a minimal valid file and returns only the known fields', () => {
    expect(parseTips([good])).toEqual([good]);
  });

  test.each<[string, unknown, RegExp]>([
    ['not an array', { tips: [] }, /JSON array/],
    ['an empty list', [], /no tips/],
    ['a non-object entry', ['tip'], /must be an object/],
    ['a missing id', [{ en: good.en, ne: good.ne }], /tip\[0\]\.id must match/],
    ['a malformed id', [{ ...good, id: 'Tip 1' }], /id must match/],
    ['a duplicate id', [good, { ...good, en: 'Other.', ne: 'अर्को।' }], /\(t01\): duplicate id/],
    ['an empty English text', [{ ...good, en: '' }], /\.en must be a non-empty string/],
    ['a blank Nepali text', [{ ...good, ne: '   ' }], /\.ne must be a non-empty string/],
    ['a number as text', [{ ...good, en: 42 }], /\.en must be a non-empty string/],
    ['surrounding whitespace', [{ ...good, en: ' Wash. ' }], /leading or trailing whitespace/],
    ['a curly quote in English', [{ ...good, en: 'Don’t wait.' }], /outside GSM-7.*"’"/],
    ['an em dash in English', [{ ...good, en: 'Wash — always.' }], /outside GSM-7.*"—"/],
    ['Nepali without Devanagari', [{ ...good, ne: 'Wash your hands.' }], /no Devanagari/],
    ['English over 2 segments', [{ ...good, en: 'a'.repeat(300) }], /3-segment SMS.*limit is 2/],
    ['Nepali over 3 segments', [{ ...good, ne: 'क'.repeat(200) }], /4-segment SMS.*limit is 3/],
    ['an unknown field', [{ ...good, hi: 'x' }], /unknown fields: hi/],
    ['a tab', [{ ...good, en: 'Wash\thands.' }], /control character/],
    ['Nepali not in NFC', [{ ...good, ne: 'न\u093c' }], /not NFC-normalized/],
  ])('refuses %s', (_name, json, message) => {
    expect(problemsOf(json).join('\n')).toMatch(message);
  });

  test('lists every problem at once, naming the tip', () => {
    const problems = problemsOf([good, { id: 't02', en: '', ne: 'Hello' }, { ...good }]);
    expect(problems).toEqual([
      'tip[1] (t02).en must be a non-empty string',
      'tip[1] (t02).ne has no Devanagari text',
      'tip[2] (t01): duplicate id',
    ]);
  });
});

describe('tipSegmentReport', () => {
  test('counts the whole message, footer included', () => {
    const short: Tip = { id: 's', en: 'Drink water.', ne: 'पानी पिउनुहोस्।' };
    const long: Tip = { id: 'l', en: 'a'.repeat(200), ne: 'क'.repeat(100) };
    const { rows, summary } = tipSegmentReport([short, long]);
    expect(rows.map((row) => [row.id, row.en.segments, row.ne.segments])).toEqual([
      ['s', 1, 1],
      ['l', 2, 2],
    ]);
    expect(rows[0]!.en.units).toBe(tipMessage(short, 'en').length);
    expect(summary.en).toEqual({ maxSegments: 2, bySegments: { 1: 1, 2: 1 }, allGsm7: true });
    expect(summary.ne).toMatchObject({ maxSegments: 2, allGsm7: false });
  });
});
