/**
 * What every piece of content shares (src/core/content.ts): the entry's shape, the review
 * fingerprint and state, and the error that lists a file's problems.
 */
import {
  ContentFormatError,
  entryOf,
  entryShapeProblems,
  isRecord,
  reviewFingerprint,
  reviewState,
  unknownFields,
} from '../../src/core/content';

const TEXT = { en: 'Wash hands.', ne: 'हात धुनुहोस्।' };
// sha256("Wash hands.\0हात धुनुहोस्।") in hex, first 16 characters: computed with Python's hashlib.
const TEXT_FINGERPRINT = 'e455b8c69ccb665a';
const entry = (review: Record<string, string>) => ({ ...TEXT, note: '', reviewed_by: '', reviewed_on: '', ...review });

describe('reviewFingerprint and reviewState', () => {
  test('the fingerprint is the first 16 hex characters of SHA-256 over both texts joined by a NUL', () => {
    expect(reviewFingerprint(TEXT)).toBe(TEXT_FINGERPRINT);
    expect(reviewFingerprint({ en: TEXT.ne, ne: TEXT.en })).not.toBe(TEXT_FINGERPRINT);
  });

  test('signed by someone on a date over this exact text: reviewed; the text edited since: changed', () => {
    const signed = { reviewed_by: 'Dr. K. Sharma, obstetrician', reviewed_on: '2026-11-01' };
    expect(reviewState(entry({ ...signed, reviewed_fingerprint: TEXT_FINGERPRINT }))).toBe('reviewed');
    expect(reviewState({ ...entry({ ...signed, reviewed_fingerprint: TEXT_FINGERPRINT }), en: 'Wash hands!' })).toBe(
      'changed_since_review',
    );
    expect(reviewState(entry(signed))).toBe('changed_since_review');
  });

  test.each([
    [{ reviewed_by: '', reviewed_on: '2026-11-01' }],
    [{ reviewed_by: '  ', reviewed_on: '2026-11-01' }],
    [{ reviewed_by: 'Dr. K. Sharma', reviewed_on: '' }],
    [{ reviewed_by: 'Dr. K. Sharma', reviewed_on: ' ' }],
  ])('a name or a date missing (%j) is unreviewed, whatever the fingerprint', (review) => {
    expect(reviewState(entry({ ...review, reviewed_fingerprint: TEXT_FINGERPRINT }))).toBe('unreviewed');
  });
});

describe('entry shape', () => {
  test('a whole entry has no problem and keeps its fingerprint; one without a fingerprint has none', () => {
    const full = entry({ reviewed_fingerprint: TEXT_FINGERPRINT });
    expect(entryShapeProblems('tip t01', full)).toEqual([]);
    expect(entryOf(full)).toEqual(full);
    expect(entryOf(entry({}))).not.toHaveProperty('reviewed_fingerprint');
  });

  test('every problem is named with where it is', () => {
    expect(
      entryShapeProblems('tip t01', { en: ' ', ne: 3, reviewed_by: null, reviewed_on: '', reviewed_fingerprint: 7 }),
    ).toEqual([
      'tip t01: missing en text',
      'tip t01: missing ne text',
      'tip t01: note must be a string (may be empty)',
      'tip t01: reviewed_by must be a string (may be empty)',
      'tip t01: reviewed_fingerprint must be a string',
    ]);
  });

  test('unknown fields are the ones outside the shared fields and the allowed ones', () => {
    expect(unknownFields({ ...entry({}), 'ne ': 'x', source: 's', topic: 't' }, ['source'])).toEqual(['ne ', 'topic']);
  });

  test.each([
    [{}, true],
    [{ a: 1 }, true],
    [[], false],
    [null, false],
    ['text', false],
    [undefined, false],
  ])('isRecord(%j) is %s', (value, expected) => {
    expect(isRecord(value)).toBe(expected);
  });
});

describe('ContentFormatError', () => {
  test('says which file and lists each problem, counted in words', () => {
    const one = new ContentFormatError('tips.json', ['tip t01: missing ne text']);
    expect(one.message).toBe('Invalid tips.json (1 problem):\n- tip t01: missing ne text');
    expect(one.name).toBe('ContentFormatError');
    expect(one.problems).toEqual(['tip t01: missing ne text']);
    expect(new ContentFormatError('tips.json', ['a', 'b']).message).toBe('Invalid tips.json (2 problems):\n- a\n- b');
  });
});
