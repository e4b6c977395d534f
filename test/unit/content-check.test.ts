/**
 * The content rules (src/core/content-check.ts): the real content passes, and each rule
 * fails on a bad example, naming the entry.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reviewFingerprint } from '../../src/core/content';
import {
  BUDGET_LINK_LENGTH,
  RULES,
  checkContent,
  contentReviewStatus,
  type ContentFiles,
  type Finding,
  type Rule,
} from '../../src/core/content-check';
import { MESSAGES } from '../../src/core/messages';

const read = (path: string): unknown => JSON.parse(readFileSync(join(__dirname, '../..', path), 'utf8'));
const REAL: ContentFiles = {
  tips: read('src/assets/tips.private.json'),
  messages: read('src/core/content/messages.json'),
  glossary: read('src/core/content/glossary.json'),
  programmes: read('src/assets/programmes.private.json'),
};
const TODAY = '2026-06-01';

type Json = Record<string, unknown>;
const clone = <T>(value: T): T => structuredClone(value);

/** A tip that passes every rule. */
const GOOD_TIP = {
  id: 't01',
  topic: 'family-health',
  en: 'Wash hands with soap and water for 20 seconds.',
  ne: 'साबुन-पानीले २० सेकेन्ड हात धुनुहोस्।',
  source: 'WHO/UNICEF Hand Hygiene for All (2020)',
  note: '',
  reviewed_by: '',
  reviewed_on: '',
};

function check(files: Partial<ContentFiles>): Finding[] {
  return checkContent({ ...REAL, ...files }, { today: TODAY }).findings;
}

/** Findings of a rule for a set of tips (real messages and glossary). */
function tipFindings(tips: Json[], rule: Rule): Finding[] {
  return check({ tips }).filter((f) => f.rule === rule && (f.where === 'tips' || f.where.startsWith('tip ')));
}

function withTip(changes: Json): Json[] {
  return [{ ...GOOD_TIP, ...changes }];
}

function withMessage(id: string, changes: Json): Json {
  const messages = clone(REAL.messages) as Record<string, Json>;
  messages[id] = { ...messages[id], ...changes };
  return messages;
}

describe('the real content', () => {
  // Run inside each test, not here: Stryker's per-test coverage sees only what a test runs.
  const realResult = () => checkContent(REAL, { today: TODAY });

  test('passes every rule: no errors', () => {
    const result = realResult();
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(result.errors).toBe(0);
  });

  test("the only warnings say what no clinician has reviewed yet, and the starter programme's empty slots", () => {
    const result = realResult();
    expect(new Set(result.findings.map((f) => f.rule))).toEqual(new Set(['unreviewed', 'coverage']));
    expect(result.findings.filter((f) => f.rule === 'coverage').map((f) => f.where)).toEqual([
      'set pregnancy',
      'set baby',
    ]);
  });

  test('every starter programme message is marked unreviewed', () => {
    const programme = realResult().findings.filter((f) => f.where.startsWith('programme message '));
    const ids = (REAL.programmes as { messages: Array<{ id: string }> }).messages.map((m) => m.id);
    expect(programme.filter((f) => f.rule === 'unreviewed').map((f) => f.where)).toEqual(
      ids.map((id) => `programme message ${id}`),
    );
  });

  test('the good example tip passes (so each case below fails for its own reason)', () => {
    expect(check({ tips: [GOOD_TIP] }).filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('each rule fails on a bad example', () => {
  test.each<[string, Json[], Rule, RegExp]>([
    ['an unknown topic', withTip({ topic: 'cooking' }), 'schema', /topic must be one of/],
    ['a missing Nepali text', withTip({ ne: '' }), 'missing-language', /missing ne text/],
    ['double spaces', withTip({ en: 'Wash  hands with soap for 20 seconds.' }), 'whitespace', /double spaces/],
    ['a line break', withTip({ en: 'Wash hands\nwith soap for 20 seconds.' }), 'control-character', /line break/],
    ['Nepali not in NFC', withTip({ ne: 'न\u093c २० सेकेन्ड हात धुनुहोस्।' }), 'nfc', /NFC/],
    ['a curly quote in English', withTip({ en: 'Don’t wait 20 seconds.' }), 'gsm7', /outside GSM-7.*"’"/],
    ['an em dash in English', withTip({ en: 'Wash — 20 seconds.' }), 'gsm7', /"—"/],
    ['Nepali without Devanagari', withTip({ ne: 'Wash hands 20 seconds.' }), 'devanagari', /no Devanagari/],
    [
      'ASCII digits in Nepali',
      withTip({ ne: 'साबुन-पानीले 20 सेकेन्ड हात धुनुहोस्।' }),
      'nepali-digits',
      /Devanagari digits|०/,
    ],
    ['a number dropped in Nepali', withTip({ ne: 'साबुन-पानीले हात धुनुहोस्।' }), 'numbers', /English 20, Nepali none/],
    [
      'a placeholder in a tip',
      withTip({ en: 'Wash hands for 20 seconds, {name}.' }),
      'placeholder',
      /unknown placeholder \{name\}/,
    ],
    [
      '"reply" in a tip',
      withTip({ en: 'Wash hands for 20 seconds. Reply STOP to end.' }),
      'reply-instruction',
      /cannot reply/,
    ],
    ['an hour in English', withTip({ en: 'Wash hands at 7 AM for 20 seconds.' }), 'clock-time', /\{time\}/],
    ['an hour in Nepali', withTip({ ne: 'बिहान ७ बजे २० सेकेन्ड हात धुनुहोस्।' }), 'clock-time', /\{time\}/],
    [
      'English "health facility", Nepali another word',
      withTip({ en: 'Go to a health facility.', ne: 'अस्पताल जानुहोस्।' }),
      'term',
      /must say "स्वास्थ्य संस्था"/,
    ],
    [
      'English "health post"',
      withTip({ en: 'Go to the health post for 20 seconds.' }),
      'term',
      /write "health facility"/,
    ],
    ['Nepali "स्वास्थ्य चौकी"', withTip({ ne: 'स्वास्थ्य चौकी जानुहोस्, २० सेकेन्ड।' }), 'term', /स्वास्थ्य संस्था/],
    ['zinc dropped in Nepali', withTip({ en: 'Give zinc for 20 days.', ne: '२० दिन औषधि दिनुहोस्।' }), 'term', /"जिंक"/],
    [
      'a Nepali tip over 3 segments with the weekly link',
      withTip({ en: 'Wash hands.', ne: 'क'.repeat(150) }),
      'sms-budget',
      /4 segments .* with the weekly link; the budget is 3/,
    ],
    [
      'an English tip over 2 segments',
      withTip({ en: `${'a'.repeat(300)}.`, ne: 'क' }),
      'sms-budget',
      /3 segments .*; the budget is 2/,
    ],
    [
      'runs of spaces (WhatsApp refuses them)',
      withTip({ en: 'Wash      hands 20 seconds.' }),
      'whatsapp-variable',
      /WhatsApp/,
    ],
    ['no source', withTip({ source: '' }), 'source', /name the guideline/],
    ['two tips with one text', [GOOD_TIP, { ...GOOD_TIP, id: 't02' }], 'duplicate', /same en text as tip t01/],
    ['a reviewer without a date', withTip({ reviewed_by: 'Dr. A' }), 'review-date', /fill both or neither/],
    [
      'a date a spreadsheet reformatted',
      withTip({ reviewed_by: 'Dr. A', reviewed_on: '5/1/2026' }),
      'review-date',
      /not a date YYYY-MM-DD/,
    ],
    [
      'a review dated in the future',
      withTip({ reviewed_by: 'Dr. A', reviewed_on: '2027-01-01' }),
      'review-date',
      /future/,
    ],
  ])('tip: %s', (_name, tips, rule, message) => {
    const found = tipFindings(tips, rule);
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((f) => f.message).join('\n')).toMatch(message);
    expect(found.every((f) => f.severity === 'error' && f.where.startsWith('tip t0'))).toBe(true);
  });

  test.each<[string, string, Json, Rule, RegExp]>([
    ['an unknown field', 'welcome', { hi: 'x' }, 'schema', /unknown fields: hi/],
    ['a missing language', 'reply_stop', { ne: '' }, 'missing-language', /missing ne text/],
    [
      'a placeholder left out',
      'welcome',
      { ne: 'आमकेयरमा स्वागत छ, {name}! {time} {help}' },
      'placeholder',
      /missing \{stop\}/,
    ],
    [
      'an unknown placeholder',
      'reply_stop',
      { en: 'Aamcare: bye {name}. Reply START.' },
      'placeholder',
      /unknown placeholder \{name\}/,
    ],
    [
      '"reply STOP" in a text people who cannot reply read',
      'welcome_no_name',
      { en: 'Welcome to Aamcare! Tips every day at {time}. Reply STOP to end. {help} {stop}' },
      'reply-instruction',
      /cannot reply/,
    ],
    [
      '"free" in the welcome',
      'welcome_no_name',
      { en: 'Welcome to Aamcare! A free health tip every day at {time}. {help} {stop}' },
      'free-claim',
      /free/,
    ],
    [
      'the hour written in',
      'reply_start',
      { en: 'Aamcare: welcome back! A tip every day at 7 AM ({time}). Reply STOP to unsubscribe.' },
      'clock-time',
      /\{time\}/,
    ],
    ['"रोक्न" for stop', 'stop_link', { ne: 'रोक्न: {link}' }, 'term', /"बन्द"/],
    [
      'a welcome over its Nepali budget',
      'welcome_no_name',
      { ne: `${'क'.repeat(120)} {time} {help} {stop}` },
      'sms-budget',
      /4 UCS-2 segments .* budget is 3/,
    ],
    [
      'a reply over one English segment',
      'reply_help',
      { en: `${'a'.repeat(150)} {time}. Reply STOP to unsubscribe.` },
      'sms-budget',
      /2 GSM-7 segments .* budget is 1 GSM-7/,
    ],
    [
      'the birth-date question over its Nepali budget, counted with the brand, the stop phrase and both links',
      'birth_ask',
      { ne: `${'क'.repeat(200)} {link}` },
      'sms-budget',
      /5 UCS-2 segments .* as a programme message .* budget is 4/,
    ],
    [
      'the birth-date question without its link',
      'birth_ask',
      { en: 'Has your baby been born? Tell us on the Aamcare portal.' },
      'placeholder',
      /missing \{link\}/,
    ],
    [
      'the birth-date question asking for a reply (read by people who cannot reply)',
      'birth_ask',
      { en: 'Has your baby been born? Reply with the date or visit {link}' },
      'reply-instruction',
      /asks for a reply/,
    ],
    [
      'an English reply that is not GSM-7',
      'reply_stop',
      { en: 'Aamcare: you’re unsubscribed. Reply START.' },
      'gsm7',
      /"’"/,
    ],
  ])('message: %s', (_name, id, changes, rule, message) => {
    const found = check({ messages: withMessage(id, changes) }).filter((f) => f.rule === rule);
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((f) => `${f.where} ${f.message}`).join('\n')).toMatch(message);
    expect(found.some((f) => f.where.startsWith(`message ${id}`))).toBe(true);
  });

  test('messages: an unknown id and a missing one are named', () => {
    const messages = clone(REAL.messages) as Record<string, Json>;
    messages.welcom = messages.welcome!;
    delete messages.welcome;
    const found = check({ messages }).filter((f) => f.rule === 'schema');
    expect(found.map((f) => `${f.where}: ${f.message}`)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/message welcom: unknown message/),
        expect.stringMatching(/message welcome: missing/),
      ]),
    );
  });

  test('glossary: a malformed term is a schema error', () => {
    const found = check({ glossary: [{ en: 'health facility', ne: 'स्वास्थ्य संस्था', scope: 'all' }] });
    expect(found).toEqual(expect.arrayContaining([expect.objectContaining({ where: 'glossary[0]', rule: 'schema' })]));
  });

  test('the link length counts: a long unshortened link pushes long Nepali texts over budget', () => {
    const tips = withTip({ en: 'Wash hands 20 seconds.', ne: `${'क'.repeat(120)} २०` });
    const overBudget = (linkLength?: number) =>
      checkContent({ ...REAL, tips }, { today: TODAY, linkLength })
        .findings.filter((f) => f.rule === 'sms-budget')
        .map((f) => f.where);
    expect(overBudget()).toEqual([]);
    expect(overBudget(70)).toEqual(expect.arrayContaining(['tip t01 (ne)', 'message welcome_no_name (ne)']));
    expect(BUDGET_LINK_LENGTH).toBe(30);
  });
});

describe('findings word for word', () => {
  const findings = (messages: Json, rule: Rule) => check({ messages }).filter((f) => f.rule === rule);
  const error = (where: string, rule: Rule, message: string | RegExp) => ({
    severity: 'error',
    where,
    rule,
    message: typeof message === 'string' ? message : expect.stringMatching(message),
  });

  test('keywords: written as matched, not a built-in keyword, in one list only (a repeat within a list is fine)', () => {
    const messages = withMessage('keywords_support_no', { en: '2|no|no|Nothing|stop|support' });
    expect(findings(messages, 'keyword')).toEqual([
      error('message keywords_support_no (en)', 'keyword', '"Nothing" is matched as "nothing": write that'),
      error('message keywords_support_no (en)', 'keyword', '"stop" is already a STOP keyword'),
      error('message keywords_support_no (en)', 'keyword', '"support" is also in keywords_support_yes'),
    ]);
  });

  test('placeholders: unknown and missing named, with what the message takes', () => {
    expect(findings(withMessage('reply_stop', { en: 'Aamcare: bye {name}.' }), 'placeholder')).toEqual([
      error('message reply_stop (en)', 'placeholder', 'unknown placeholder {name} (this message takes none)'),
    ]);
    expect(findings(withMessage('welcome', { ne: 'आमकेयर {foo} {name} {time} {help}' }), 'placeholder')).toEqual([
      error(
        'message welcome (ne)',
        'placeholder',
        'unknown placeholder {foo}; missing {stop} (this message takes {name} {time} {help} {stop})',
      ),
    ]);
    expect(findings(withMessage('birth_ask', { en: 'Has your baby been born?' }), 'placeholder')).toEqual([
      error('message birth_ask (en)', 'placeholder', 'missing {link} (this message takes {link})'),
    ]);
  });

  test.each<[string, string, Json, string, RegExp]>([
    [
      'a welcome: the longest name, each stop phrase',
      'welcome',
      { ne: `${'क'.repeat(100)} {name} {time} {help} {stop}` },
      'message welcome (ne)',
      /^4 UCS-2 segments \(\d+ units\) with two-way, a 12-character name, the longest tip time; the budget is 3$/,
    ],
    [
      'a welcome without a name',
      'welcome_no_name',
      { ne: `${'क'.repeat(120)} {time} {help} {stop}` },
      'message welcome_no_name (ne)',
      /^4 UCS-2 segments \(\d+ units\) with two-way, the longest tip time; the budget is 3$/,
    ],
    [
      'a message with a stop phrase',
      'support_1',
      { en: `${'a'.repeat(300)} {stop}` },
      'message support_1 (en)',
      /^3 GSM-7 segments \(\d+ units\) with one-way, the stop phrase with the link, the longest tip time; the budget is 2 GSM-7$/,
    ],
    [
      'the birth-date question',
      'birth_ask',
      { ne: `${'क'.repeat(200)} {link}` },
      'message birth_ask (ne)',
      /^5 UCS-2 segments \(\d+ units\) with one-way, as a programme message with the stop phrase and both links; the budget is 4$/,
    ],
    [
      'a reply',
      'reply_help',
      { en: `${'a'.repeat(150)} {time}. Reply STOP to unsubscribe.` },
      'message reply_help (en)',
      /^2 GSM-7 segments \(\d+ units\) with the longest tip time; the budget is 1 GSM-7$/,
    ],
  ])('sms-budget: %s', (_name, id, changes, where, message) => {
    expect(findings(withMessage(id, changes), 'sms-budget')).toEqual([error(where, 'sms-budget', message)]);
  });
});

describe('review', () => {
  const signed = (tip: Json): Json => ({
    ...tip,
    reviewed_by: 'Dr. Sita Sharma, MD (Obstetrics)',
    reviewed_on: '2026-05-20',
    reviewed_fingerprint: reviewFingerprint(tip as { en: string; ne: string }),
  });

  test('unreviewed is a warning naming the entry; a signed, unchanged text is reviewed', () => {
    expect(tipFindings([GOOD_TIP], 'unreviewed')).toEqual([
      { severity: 'warning', where: 'tip t01', rule: 'unreviewed', message: 'no clinical review yet' },
    ]);
    expect(tipFindings([signed(GOOD_TIP)], 'unreviewed')).toEqual([]);
  });

  test('a text changed after it was signed needs a new review', () => {
    const changed = { ...signed(GOOD_TIP), en: 'Wash hands with soap for 20 seconds.' };
    expect(tipFindings([changed], 'unreviewed').map((f) => f.message)).toEqual([
      expect.stringMatching(/changed after Dr\. Sita Sharma.* reviewed it on 2026-05-20/),
    ]);
  });

  test('a review typed into the JSON without the import has no fingerprint: not counted as reviewed', () => {
    const typed = { ...GOOD_TIP, reviewed_by: 'Dr. A', reviewed_on: '2026-05-20' };
    expect(tipFindings([typed], 'unreviewed').map((f) => f.message)).toEqual([
      expect.stringMatching(/not recorded through npm run content:import/),
    ]);
  });

  test('the dashboard status lists what is unreviewed or changed', () => {
    const tips = checkContent({ ...REAL, tips: [signed(GOOD_TIP), { ...GOOD_TIP, id: 't02', en: 'Other 20.' }] }).tips!;
    expect(contentReviewStatus(tips, MESSAGES).tips).toEqual({
      total: 2,
      reviewed: 1,
      unreviewed: ['t02'],
      changedSinceReview: [],
    });
  });
});

describe('the cycle', () => {
  test('too few tips and a topic with none are warnings', () => {
    const found = tipFindings([GOOD_TIP], 'cycle');
    expect(found.every((f) => f.severity === 'warning')).toBe(true);
    expect(found.map((f) => f.message)).toEqual(
      expect.arrayContaining(['1 tips; a cycle of 45 to 60 is expected', 'no tip about pregnancy']),
    );
  });
});

test('every rule is documented in docs/content.md', () => {
  const doc = readFileSync(join(__dirname, '../../docs/content.md'), 'utf8');
  for (const rule of Object.keys(RULES)) expect(doc).toContain(`\`${rule}\``);
});

describe('programmes: each rule fails on a bad example', () => {
  type Programme = { sets: Json[]; messages: Json[] };
  /** A one-set programme that passes every rule but coverage: week 20 sends on days 0 and 3. */
  const GOOD: Programme = {
    sets: [
      {
        id: 'pregnancy',
        anchor: 'edd',
        anchor_week: 40,
        stages: [{ id: 'mid', from_week: 20, to_week: 20, days: [0, 3] }],
        note: '',
      },
    ],
    messages: [
      { ...GOOD_TIP, id: 'p20a', set: 'pregnancy', week: 20, day: 0, topic: undefined },
      {
        ...GOOD_TIP,
        id: 'p20b',
        set: 'pregnancy',
        week: 20,
        day: 3,
        topic: undefined,
        en: 'Wash hands with soap and water for 30 seconds.',
        ne: 'साबुन-पानीले ३० सेकेन्ड हात धुनुहोस्।',
      },
    ].map(({ topic: _topic, ...m }) => m),
  };
  const findings = (programmes: unknown, rule: Rule) =>
    check({ programmes }).filter(
      (f) => f.rule === rule && /^(programme message |set |programmes)/.test(f.where) && f.severity === 'error',
    );
  const change = (edit: (p: Programme) => void): Programme => {
    const p = clone(GOOD);
    edit(p);
    return p;
  };

  test('the good example passes (no error, no coverage warning)', () => {
    expect(
      check({ programmes: GOOD }).filter(
        (f) => /^(programme message |set |programmes)/.test(f.where) && f.rule !== 'unreviewed',
      ),
    ).toEqual([]);
  });

  test.each<[string, unknown, Rule, RegExp]>([
    ['not an object', [], 'schema', /sets.*messages/],
    ['an unknown anchor', change((p) => (p.sets[0]!.anchor = 'lmp')), 'schema', /anchor must be one of edd, baby_dob/],
    ['a message of no set', change((p) => (p.messages[0]!.set = 'toddler')), 'schema', /set must be one of/],
    ['a day 7', change((p) => (p.messages[0]!.day = 7)), 'schema', /day must be a whole number from 0 to 6/],
    [
      'cadence days out of range',
      change((p) => ((p.sets[0]!.stages as Json[])[0]!.days = [0, 9])),
      'schema',
      /days must be/,
    ],
    [
      'a message on a day its stage does not send',
      change((p) => (p.messages[1]!.day = 2)),
      'cadence',
      /sends on days 0, 3 only/,
    ],
    ['a message in a week of no stage', change((p) => (p.messages[1]!.week = 21)), 'cadence', /week 21 is in no stage/],
    [
      'two messages in one slot',
      change((p) => {
        p.messages[1]!.day = 0;
      }),
      'cadence',
      /already has p20a/,
    ],
    [
      'a second set on the same anchor',
      change((p) => p.sets.push({ ...p.sets[0]!, id: 'pregnancy2' })),
      'programme-sets',
      /a second set keyed to edd/,
    ],
    [
      'overlapping stages',
      change((p) => (p.sets[0]!.stages as Json[]).push({ id: 'late', from_week: 20, to_week: 22, days: [0] })),
      'programme-sets',
      /week 20 is in stage mid and stage late/,
    ],
    [
      'the same text twice in a set',
      change((p) => (p.messages[1]!.en = p.messages[0]!.en)),
      'duplicate',
      /same en text as p20a/,
    ],
    ['no source', change((p) => (p.messages[0]!.source = ' ')), 'source', /no source/],
    [
      'over the segment budget with the link every programme message carries',
      change(
        (p) => (p.messages[0]!.en = `Wash hands for 20 seconds. ${'Keep soap near the water. '.repeat(9).trim()}`),
      ),
      'sms-budget',
      /with the weekly link; the budget is 2/,
    ],
    [
      'a number dropped in Nepali',
      change((p) => (p.messages[0]!.ne = 'साबुन-पानीले हात धुनुहोस्।')),
      'numbers',
      /English 20/,
    ],
  ])('%s', (_name, programmes, rule, message) => {
    const found = findings(programmes, rule);
    expect(found.length).toBeGreaterThan(0);
    expect(found.map((f) => f.message).join('\n')).toMatch(message);
  });

  test('coverage: a cadence slot without a message is a warning naming the set', () => {
    const found = check({ programmes: change((p) => p.messages.pop()) }).filter((f) => f.rule === 'coverage');
    expect(found).toEqual([
      expect.objectContaining({
        severity: 'warning',
        where: 'set pregnancy',
        message: expect.stringMatching(/1 of 2 cadence slots/),
      }),
    ]);
  });
});
