import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ContentFormatError } from '../../src/core/content';
import { TIP_VARIANTS, budgetLink } from '../../src/core/content-check';
import { countSegments } from '../../src/core/segments';
import { addDays } from '../../src/core/tip-time';
import {
  MAX_SEGMENTS,
  TOPICS,
  parseTips,
  tipCarriesLink,
  tipForDate,
  tipMessage,
  tipSmsBody,
  type Tip,
} from '../../src/core/tips';

const TIPS_FILE = join(__dirname, '../../src/assets/tips.private.json');
const raw: unknown = JSON.parse(readFileSync(TIPS_FILE, 'utf8'));
const tips = parseTips(raw);

const base: Tip = {
  id: 't99',
  topic: 'family-health',
  en: 'Drink boiled water.',
  ne: 'उमालेको पानी पिउनुहोस्।',
  source: 'WHO (2022)',
  note: '',
  reviewed_by: '',
  reviewed_on: '',
};

describe('the real tips file', () => {
  test('a cycle of 45 to 60 tips with unique ids, covering every topic', () => {
    expect(tips.length).toBeGreaterThanOrEqual(45);
    expect(tips.length).toBeLessThanOrEqual(60);
    expect(new Set(tips.map((tip) => tip.id)).size).toBe(tips.length);
    for (const topic of TOPICS) expect(tips.some((tip) => tip.topic === topic)).toBe(true);
  });

  test('every tip names its source', () => {
    for (const tip of tips) expect(tip.source.trim()).not.toBe('');
  });

  // One line per tip with its worst body: every way it is sent fits the budget.
  test.each(
    tips.map((tip) => {
      const worst = (language: 'en' | 'ne') =>
        Math.max(
          ...TIP_VARIANTS.map(
            (v) =>
              countSegments(
                tipSmsBody(tip, language, { canReply: v.canReply, link: v.withLink ? budgetLink() : undefined }),
              ).segments,
          ),
        );
      return [tip.id, worst('en'), worst('ne')] as const;
    }),
  )('%s: at most %i English and %i Nepali segments, stop phrase and link included', (_id, en, ne) => {
    expect(en).toBeLessThanOrEqual(MAX_SEGMENTS.en);
    expect(ne).toBeLessThanOrEqual(MAX_SEGMENTS.ne);
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

  test('multi-part danger-sign tips come on consecutive days', () => {
    const ids = tips.map((tip) => tip.id);
    for (const [first, second] of [
      ['t10', 't50'],
      ['t44', 't55'],
      ['t45', 't46'],
    ])
      expect(ids.indexOf(second!)).toBe(ids.indexOf(first!) + 1);
  });
});

describe('the body sent', () => {
  test.each(['en', 'ne'] as const)(
    '%s: the tip, a line break, then the sender name and the stop phrase when there is one',
    (language) => {
      const brand = language === 'en' ? 'Aamcare' : 'आमकेयर';
      expect(tipMessage(base, language)).toBe(`${base[language]}\n${brand}`);
      expect(tipMessage(base, language, null)).toBe(`${base[language]}\n${brand}`);
      expect(tipMessage(base, language, 'X')).toBe(`${base[language]}\n${brand}: X`);
    },
  );

  test('one-way: the name alone, or the link; two-way: "STOP" every day', () => {
    expect(tipSmsBody(base, 'en', { canReply: false })).toBe('Drink boiled water.\nAamcare');
    expect(tipSmsBody(base, 'en', { canReply: false, link: 'https://a.b/c' })).toBe(
      'Drink boiled water.\nAamcare: To stop: https://a.b/c',
    );
    expect(tipSmsBody(base, 'ne', { canReply: false, link: 'https://a.b/c' })).toBe(
      'उमालेको पानी पिउनुहोस्।\nआमकेयर: बन्द गर्न: https://a.b/c',
    );
    expect(tipSmsBody(base, 'en', { canReply: true })).toBe('Drink boiled water.\nAamcare: Reply STOP to unsubscribe.');
    expect(tipSmsBody(base, 'ne', { canReply: true })).toMatch(/आमकेयर: बन्द गर्न STOP पठाउनुहोस्।$/);
  });

  test('the weekly link: one day in seven', () => {
    const days = Array.from({ length: 70 }, (_, i) => addDays('2026-12-01', i));
    expect(days.filter(tipCarriesLink)).toHaveLength(10);
  });
});

describe('tipForDate', () => {
  const three = ['a', 'b', 'c'].map((id) => ({ id }));

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

describe('parseTips (the structure the functions rely on)', () => {
  function problemsOf(json: unknown): string[] {
    try {
      parseTips(json);
    } catch (error) {
      expect(error).toBeInstanceOf(ContentFormatError);
      return [...(error as ContentFormatError).problems];
    }
    throw new Error('parseTips accepted it');
  }

  test('accepts a minimal valid file and returns the fields in the file order', () => {
    expect(parseTips([base])).toEqual([base]);
    expect(Object.keys(parseTips([{ ...base, reviewed_fingerprint: 'abc' }])[0]!)).toEqual([
      'id',
      'topic',
      'en',
      'ne',
      'source',
      'note',
      'reviewed_by',
      'reviewed_on',
      'reviewed_fingerprint',
    ]);
  });

  test.each<[string, unknown, RegExp]>([
    ['not an array', { tips: [] }, /JSON array/],
    ['an empty list', [], /no tips/],
    ['a non-object entry', ['tip'], /must be an object/],
    ['a missing id', [{ ...base, id: undefined }], /tip\[0\]: id must match/],
    ['a malformed id', [{ ...base, id: 'Tip 1' }], /id must match/],
    ['a duplicate id', [base, { ...base, en: 'Other.', ne: 'अर्को।' }], /tip t99: duplicate id/],
    ['an unknown topic', [{ ...base, topic: 'cooking' }], /topic must be one of/],
    ['a missing source', [{ ...base, source: undefined }], /source must be a string/],
    ['an empty English text', [{ ...base, en: '' }], /missing en text/],
    ['a blank Nepali text', [{ ...base, ne: '   ' }], /missing ne text/],
    ['a number as text', [{ ...base, en: 42 }], /missing en text/],
    ['a missing review field', [{ ...base, reviewed_on: undefined }], /reviewed_on must be a string/],
    ['an unknown field', [{ ...base, hi: 'x' }], /unknown fields: hi/],
  ])('refuses %s', (_name, json, message) => {
    expect(problemsOf(json).join('\n')).toMatch(message);
  });

  test('lists every problem at once, naming the tip', () => {
    const problems = problemsOf([base, { ...base, id: 't02', en: '' }, { ...base }]);
    expect(problems).toEqual(['tip t02: missing en text', 'tip t99: duplicate id']);
  });
});
