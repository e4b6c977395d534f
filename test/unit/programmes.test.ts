/**
 * The pure programme rules (src/core/programmes.ts, anchor-input.ts): where a subscriber
 * stands on a local date, which message is due, and which anchor dates are accepted.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAnchorDate, parseAnchorDates } from '../../src/core/anchor-input';
import {
  cadenceTable,
  dateOf,
  dueMessage,
  parseProgrammes,
  placementLabel,
  placementOn,
  programmesShapeProblems,
  weekAndDay,
  type AnchorDates,
  type Programmes,
} from '../../src/core/programmes';
import { addDays } from '../../src/core/tip-time';

const REAL = parseProgrammes(
  JSON.parse(readFileSync(join(__dirname, '../../src/assets/programmes.private.json'), 'utf8')),
);
const EDD = '2027-03-10';

describe('week and day from the anchor', () => {
  const pregnancy = { anchor_week: 40 };
  test.each<[string, number, number]>([
    [EDD, 40, 0],
    [addDays(EDD, -140), 20, 0],
    [addDays(EDD, -137), 20, 3],
    [addDays(EDD, -141), 19, 6],
    [addDays(EDD, 13), 41, 6],
    [addDays(EDD, 14), 42, 0],
  ])('%s is week %i day %i of an EDD of 2027-03-10', (date, week, day) => {
    expect(weekAndDay(pregnancy, EDD, date)).toEqual({ week, day });
    expect(dateOf(pregnancy, EDD, week, day)).toBe(date);
  });
  test('a baby set counts from the birth date, day 0', () => {
    expect(weekAndDay({ anchor_week: 0 }, '2026-12-01', '2026-12-01')).toEqual({ week: 0, day: 0 });
    expect(weekAndDay({ anchor_week: 0 }, '2026-12-01', '2026-12-09')).toEqual({ week: 1, day: 1 });
  });
});

describe('placement and the message due (the starter set)', () => {
  const at = (dates: AnchorDates, date: string) => {
    const placement = placementOn(REAL, dates, date);
    return [placementLabel(placement), dueMessage(REAL, placement)?.id ?? null];
  };
  test.each<[string, AnchorDates, string, [string, string | null]]>([
    ['no date: the general tip', {}, '2026-12-01', ['general', null]],
    ['week 20 day 0: p20a', { edd: EDD }, addDays(EDD, -140), ['pregnancy/pregnancy', 'p20a']],
    ['week 20 day 1: not a cadence day', { edd: EDD }, addDays(EDD, -139), ['pregnancy/pregnancy', null]],
    ['week 20 day 3: p20b', { edd: EDD }, addDays(EDD, -137), ['pregnancy/pregnancy', 'p20b']],
    ['week 21 day 0: a cadence day with no message', { edd: EDD }, addDays(EDD, -133), ['pregnancy/pregnancy', null]],
    ['week 34 day 2: 3 a week from week 34', { edd: EDD }, addDays(EDD, -40), ['pregnancy/late-pregnancy', 'p34b']],
    ['week 2 of pregnancy: not started, the general tip', { edd: EDD }, addDays(EDD, -266), ['general', null]],
    ['the EDD passed by 13 days: still pregnancy', { edd: EDD }, addDays(EDD, 13), ['pregnancy/late-pregnancy', null]],
    [
      'the EDD passed by 14 days, no birth date: the baby set from the EDD',
      { edd: EDD },
      addDays(EDD, 14),
      ['baby/to-3-months', 'b02a'],
    ],
    [
      'born: the baby set from the birth date, daily in week 0',
      { edd: EDD, babyDob: '2027-03-01' },
      '2027-03-02',
      ['baby/first-week', 'b00a'],
    ],
    [
      'before the birth date: still pregnancy',
      { edd: EDD, babyDob: '2027-03-01' },
      '2027-02-28',
      ['pregnancy/late-pregnancy', null],
    ],
    [
      'week 13 onwards: weekly',
      { babyDob: '2026-06-01' },
      addDays('2026-06-01', 26 * 7),
      ['baby/to-12-months', 'b26a'],
    ],
    [
      'after week 51: the general tip again',
      { babyDob: '2026-06-01' },
      addDays('2026-06-01', 52 * 7),
      ['general', null],
    ],
  ])('%s', (_name, dates, date, expected) => {
    expect(at(dates, date)).toEqual(expected);
  });

  test('the estimated baby set says so', () => {
    const placement = placementOn(REAL, { edd: EDD }, addDays(EDD, 14));
    expect(placement).toMatchObject({ kind: 'set', estimated: true, anchorDate: EDD });
  });

  test('every starter message falls on a cadence day (so each is sent once, on its date)', () => {
    for (const message of REAL.messages) {
      const set = REAL.sets.find((s) => s.id === message.set)!;
      const anchor = '2027-01-01';
      const date = dateOf(set, anchor, message.week, message.day);
      const dates = set.anchor === 'edd' ? { edd: anchor } : { babyDob: anchor };
      expect(dueMessage(REAL, placementOn(REAL, dates, date))?.id).toBe(message.id);
    }
  });

  test('the cadence table: 2 a week, 3 from week 34; daily in week 1, 2 a week to month 3, weekly to month 12', () => {
    expect(cadenceTable(REAL).map((row) => [row.set, row.fromWeek, row.toWeek, row.perWeek])).toEqual([
      ['pregnancy', 4, 33, 2],
      ['pregnancy', 34, 41, 3],
      ['baby', 0, 0, 7],
      ['baby', 1, 12, 2],
      ['baby', 13, 51, 1],
    ]);
  });
});

describe('anchor dates', () => {
  const TODAY = '2026-12-02';
  test.each<[string, string, string, string]>([
    ['edd', '2026-12-02', 'ok', 'today'],
    ['edd', addDays(TODAY, 294), 'ok', '42 weeks ahead'],
    ['edd', addDays(TODAY, 295), 'edd_too_far', 'a day more'],
    ['edd', addDays(TODAY, -14), 'ok', '2 weeks past: still pregnant'],
    ['edd', addDays(TODAY, -15), 'edd_in_past', 'a day more'],
    ['edd', '2083-08-16', 'bikram_sambat_date', 'a BS year'],
    ['edd', '2026-08-32', 'bikram_sambat_date', 'a BS day 32'],
    ['edd', '2027/03/10', 'invalid_date', 'slashes'],
    ['edd', '2027-02-30', 'invalid_date', 'no such day'],
    ['edd', '10-03-2027', 'invalid_date', 'day first'],
    ['baby_dob', TODAY, 'ok', 'born today'],
    ['baby_dob', '2025-12-02', 'ok', 'a year ago'],
    ['baby_dob', '2025-12-01', 'dob_too_old', 'a day more'],
    ['baby_dob', addDays(TODAY, 1), 'dob_in_future', 'tomorrow'],
    // Bikram Sambat: years 2070 to 2100, or day 32 from year 2000 on, written as a whole date.
    ['edd', '2070-01-01', 'bikram_sambat_date', 'first BS year'],
    ['edd', '2100-12-31', 'bikram_sambat_date', 'last BS year'],
    ['edd', '2069-12-31', 'edd_too_far', 'before the BS years'],
    ['edd', '2101-01-01', 'edd_too_far', 'after the BS years'],
    ['edd', '2000-01-32', 'bikram_sambat_date', 'day 32 in 2000'],
    ['edd', '1999-01-32', 'invalid_date', 'day 32 before 2000'],
    ['edd', 'x2083-08-16', 'invalid_date', 'a BS year after other text'],
    ['edd', '2083-08-16x', 'invalid_date', 'a BS year before other text'],
    ['baby_dob', ` ${TODAY} `, 'ok', 'spaces around'],
  ])('%s %s: %s (%s)', (field, value, expected) => {
    const result = checkAnchorDate(field as 'edd' | 'baby_dob', value, TODAY);
    expect(result.ok ? 'ok' : result.code).toBe(expected);
  });

  test('a form: blank is absent, both may come, the first bad one is named', () => {
    expect(parseAnchorDates({ edd: '', baby_dob: ' ' }, TODAY)).toEqual({ ok: true, value: {} });
    expect(parseAnchorDates({ edd: '2027-03-10', baby_dob: '2026-11-30' }, TODAY)).toEqual({
      ok: true,
      value: { edd: '2027-03-10', babyDob: '2026-11-30' },
    });
    expect(parseAnchorDates({ baby_dob: '2030-01-01' }, TODAY)).toMatchObject({
      ok: false,
      error: { field: 'baby_dob', code: 'dob_in_future' },
    });
  });

  test('exact answers: trimmed dates, null is absent, one value only, the message names the field', () => {
    expect(checkAnchorDate('baby_dob', ` ${TODAY} `, TODAY)).toEqual({ ok: true, value: TODAY });
    expect(checkAnchorDate('edd', '2026-13-01', TODAY)).toEqual({
      ok: false,
      field: 'edd',
      code: 'invalid_date',
      message: 'edd must be a Gregorian date written YYYY-MM-DD',
    });
    expect(parseAnchorDates({ edd: null, baby_dob: null }, TODAY)).toEqual({ ok: true, value: {} });
    for (const raw of [true, ['2026-11-30'], { d: 1 }])
      expect(parseAnchorDates({ baby_dob: raw }, TODAY)).toEqual({
        ok: false,
        error: { field: 'baby_dob', code: 'invalid_date', message: 'baby_dob must be one date' },
      });
    expect(parseAnchorDates({ edd: '2027-04-31' }, TODAY)).toEqual({
      ok: false,
      error: { field: 'edd', code: 'invalid_date', message: 'edd must be a Gregorian date written YYYY-MM-DD' },
    });
  });
});

describe('placement rules on a small made-up programme', () => {
  const msg = (id: string, set: string, week: number, day: number) => ({
    id,
    set,
    week,
    day,
    en: id,
    ne: id,
    source: 's',
    note: '',
    reviewed_by: '',
    reviewed_on: '',
  });
  // Weeks 10-11 and 14-15, with a gap at 12-13; Mondays and Thursdays (days 0 and 3).
  const pregnancy = {
    id: 'preg',
    anchor: 'edd' as const,
    anchor_week: 40,
    note: '',
    stages: [
      { id: 'early', from_week: 10, to_week: 11, days: [0, 3] },
      { id: 'later', from_week: 14, to_week: 15, days: [0] },
    ],
  };
  const PROGRAMMES: Programmes = {
    sets: [pregnancy],
    messages: [
      msg('e10a', 'preg', 10, 0),
      msg('e10b', 'preg', 10, 3),
      msg('e11a', 'preg', 11, 0),
      msg('g12a', 'preg', 12, 0),
      msg('l15a', 'preg', 15, 0),
      msg('x99', 'other', 10, 0),
    ],
  };
  const onWeek = (week: number, day = 0) => dateOf(pregnancy, EDD, week, day);

  test('the reason the general tip goes: no date, no set for the date, not started, completed', () => {
    expect(placementOn(PROGRAMMES, {}, '2026-12-01')).toEqual({ kind: 'general', reason: 'no_anchor' });
    expect(placementOn(PROGRAMMES, { edd: EDD }, onWeek(9, 6))).toEqual({ kind: 'general', reason: 'not_started' });
    expect(placementOn(PROGRAMMES, { edd: EDD }, onWeek(10))).toMatchObject({ kind: 'set', week: 10, day: 0 });
    expect(placementOn(PROGRAMMES, { edd: '2026-01-01' }, '2026-01-10')).toEqual({
      kind: 'general',
      reason: 'completed',
    });
    // Born, but this programme has no baby set.
    expect(placementOn(PROGRAMMES, { babyDob: '2026-11-01' }, '2026-12-01')).toEqual({
      kind: 'general',
      reason: 'no_set',
    });
  });

  test('the last week of the set is still in it; the week after is not', () => {
    expect(placementLabel(placementOn(PROGRAMMES, { edd: EDD }, onWeek(15, 6)))).toBe('preg/later');
    expect(placementOn(PROGRAMMES, { edd: EDD }, onWeek(16))).toEqual({ kind: 'general', reason: 'completed' });
  });

  test('a date that is not a real date is no anchor', () => {
    expect(placementOn(PROGRAMMES, { edd: '2027-02-30' }, onWeek(10))).toEqual({
      kind: 'general',
      reason: 'no_anchor',
    });
    expect(placementOn(PROGRAMMES, { edd: EDD, babyDob: 'soon' }, onWeek(10))).toMatchObject({ kind: 'set', week: 10 });
  });

  test('the birth date itself is day 0 of the baby set, not an estimate', () => {
    const born = placementOn(REAL, { edd: EDD, babyDob: '2027-03-01' }, '2027-03-01');
    expect(born).toMatchObject({ kind: 'set', week: 0, day: 0, estimated: false, anchorDate: '2027-03-01' });
    expect(placementLabel(born)).toBe('baby/first-week');
  });

  test('only a cadence day of the stage, in the set, at that week and day, has a message due', () => {
    const due = (week: number, day: number) =>
      dueMessage(PROGRAMMES, placementOn(PROGRAMMES, { edd: EDD }, onWeek(week, day)))?.id ?? null;
    expect([due(10, 0), due(10, 3), due(11, 0), due(11, 3), due(10, 1), due(15, 0)]).toEqual([
      'e10a',
      'e10b',
      'e11a',
      null,
      null,
      'l15a',
    ]);
    expect(dueMessage(PROGRAMMES, { kind: 'general', reason: 'no_anchor' })).toBeUndefined();
  });

  test('a week between stages is in the set with no cadence: nothing due, even where the file has a message', () => {
    const gap = placementOn(PROGRAMMES, { edd: EDD }, onWeek(12));
    expect(gap).toMatchObject({ kind: 'set', week: 12, stage: { id: '-', days: [] } });
    expect(placementLabel(gap)).toBe('preg/-');
    expect(dueMessage(PROGRAMMES, gap)).toBeUndefined();
  });

  test("the cadence table counts each stage's own messages, first and last week included", () => {
    expect(cadenceTable(PROGRAMMES)).toEqual([
      { set: 'preg', anchor: 'edd', stage: 'early', fromWeek: 10, toWeek: 11, perWeek: 2, messages: 3 },
      { set: 'preg', anchor: 'edd', stage: 'later', fromWeek: 14, toWeek: 15, perWeek: 1, messages: 1 },
    ]);
  });
});

describe('programmesShapeProblems names every structural problem', () => {
  const stage = { id: 'early', from_week: 4, to_week: 10, days: [0, 3] };
  const set = { id: 'preg', anchor: 'edd', anchor_week: 40, stages: [stage], note: '' };
  const message = {
    id: 'p04a',
    set: 'preg',
    week: 4,
    day: 0,
    en: 'Hi',
    ne: 'नमस्ते',
    source: 'WHO',
    note: '',
    reviewed_by: '',
    reviewed_on: '',
  };
  const problems = (sets: unknown[], messages: unknown[], extra: Record<string, unknown> = {}) =>
    programmesShapeProblems({ sets, messages, ...extra });

  test('a good file has none, and parses to the same values', () => {
    expect(problems([set], [message])).toEqual([]);
    expect(parseProgrammes({ sets: [set], messages: [message] })).toEqual({ sets: [set], messages: [message] });
    expect(() => parseProgrammes({ sets: [] }, 'p.json')).toThrow(/^Invalid p\.json \(1 problem\)/);
  });

  test.each([null, [], { sets: [] }, { messages: [] }, { sets: {}, messages: [] }])(
    '%j is not a programmes file',
    (json) => {
      expect(programmesShapeProblems(json)).toEqual([
        'the file must be a JSON object { "sets": [...], "messages": [...] }',
      ]);
    },
  );

  test.each<[string, unknown[], unknown[], string[]]>([
    ['a set that is not an object', [7], [], ['set[0] must be an object { id, anchor, anchor_week, stages, note }']],
    [
      'a bad id, anchor, week, note and an unknown field',
      [{ id: 'Preg', anchor: 'lmp', anchor_week: 61, stages: [stage], note: null, colour: 'x' }],
      [],
      [
        'set Preg: id must match /^[a-z][a-z0-9_-]{0,31}$/',
        'set Preg: anchor must be one of edd, baby_dob',
        'set Preg: anchor_week must be a whole number from 0 to 60',
        'set Preg: note must be a string (may be empty)',
        'set Preg: unknown fields: colour',
      ],
    ],
    ['an id that is not a string', [{ ...set, id: 5 }], [], ['set[0]: id must match /^[a-z][a-z0-9_-]{0,31}$/']],
    [
      'a negative anchor week',
      [{ ...set, anchor_week: -1 }],
      [],
      ['set preg: anchor_week must be a whole number from 0 to 60'],
    ],
    [
      'weeks 0 and 60 are allowed',
      [
        { ...set, anchor_week: 0 },
        { ...set, id: 'b', anchor_week: 60 },
      ],
      [],
      [],
    ],
    ['a duplicate set', [set, set], [message], ['set preg: duplicate id']],
    ['no stages', [{ ...set, stages: [] }], [], ['set preg: stages must be a non-empty array']],
    ['stages not a list', [{ ...set, stages: 'x' }], [], ['set preg: stages must be a non-empty array']],
    [
      'stages with every kind of problem',
      [
        {
          ...set,
          stages: [
            'x',
            { id: 'A', from_week: 5, to_week: 4, days: [] },
            { ...stage, from_week: -1, days: [7] },
            { ...stage, days: [1, 1], extra: 1 },
            { ...stage, from_week: 1.5, days: [0.5] },
          ],
        },
      ],
      [],
      [
        'set preg stage[0] must be an object { id, from_week, to_week, days }',
        'set preg stage[1]: id must match /^[a-z][a-z0-9_-]{0,31}$/',
        'set preg stage[1]: from_week and to_week must be whole numbers, from_week <= to_week',
        "set preg stage[1]: days must be distinct whole numbers 0-6 (days after the anchor's weekday)",
        'set preg stage[2]: from_week and to_week must be whole numbers, from_week <= to_week',
        "set preg stage[2]: days must be distinct whole numbers 0-6 (days after the anchor's weekday)",
        'set preg stage[3]: duplicate stage id early',
        "set preg stage[3]: days must be distinct whole numbers 0-6 (days after the anchor's weekday)",
        'set preg stage[3]: unknown fields: extra',
        'set preg stage[4]: duplicate stage id early',
        'set preg stage[4]: from_week and to_week must be whole numbers, from_week <= to_week',
        "set preg stage[4]: days must be distinct whole numbers 0-6 (days after the anchor's weekday)",
      ],
    ],
    [
      'a stage of one week, days 0 and 6',
      [{ ...set, stages: [{ id: 'one', from_week: 0, to_week: 0, days: [0, 6] }] }],
      [],
      [],
    ],
    [
      'messages with every kind of problem',
      [set],
      [
        'x',
        { ...message, id: 'P1', set: 'baby', week: 61, day: 7, source: 1, extra: true },
        { ...message, week: -1, day: -1 },
        { ...message, id: 9, week: 1.5, day: 0.5 },
        { ...message, week: 60, day: 6 },
      ],
      [
        'programme message[0] must be an object { id, set, week, day, en, ne, source, note, reviewed_by, reviewed_on }',
        'programme message P1: id must match /^[a-z][a-z0-9_-]{0,31}$/',
        'programme message P1: set must be one of preg',
        'programme message P1: week must be a whole number from 0 to 60',
        'programme message P1: day must be a whole number from 0 to 6',
        'programme message P1: source must be a string',
        'programme message P1: unknown fields: extra',
        'programme message p04a: week must be a whole number from 0 to 60',
        'programme message p04a: day must be a whole number from 0 to 6',
        'programme message[3]: id must match /^[a-z][a-z0-9_-]{0,31}$/',
        'programme message[3]: week must be a whole number from 0 to 60',
        'programme message[3]: day must be a whole number from 0 to 6',
        'programme message p04a: duplicate id',
      ],
    ],
    [
      'a message in a file with no sets',
      [],
      [{ ...message, en: '' }],
      ['programme message p04a: set must be one of (no sets)', 'programme message p04a: missing en text'],
    ],
  ])('%s', (_name, sets, messages, expected) => {
    expect(problems(sets, messages)).toEqual(expected);
  });

  test('unknown top-level fields are named', () => {
    expect(problems([set], [message], { version: 2, author: 'x' })).toEqual([
      'programmes: unknown fields: version, author',
    ]);
  });
});
