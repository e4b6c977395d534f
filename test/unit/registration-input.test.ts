import fc from 'fast-check';
import { FIELD_LIMITS, parseRegistrationInput, PHONE_REASON_MESSAGES } from '../../src/core/registration-input';
import { PHONE_REJECTIONS } from '../../src/core/phone';

const valid = { user_id: 'u-1', phone: '9807969278' };

describe('parseRegistrationInput accepts the portal form', () => {
  const accepted: Array<[string, Record<string, unknown>, Record<string, unknown>]> = [
    [
      'the two required fields; defaults for the rest',
      valid,
      { userId: 'u-1', phone: '9807969278', name: undefined, channel: 'sms', language: 'en', resubscribe: false },
    ],
    [
      'every field',
      { ...valid, name: ' Sita ', channel: 'WhatsApp', language: 'NE', resubscribe: 'TRUE' },
      { userId: 'u-1', phone: '9807969278', name: 'Sita', channel: 'whatsapp', language: 'ne', resubscribe: true },
    ],
    ['values are trimmed', { user_id: ' u-1 ', phone: ' +977 980 ' }, { userId: 'u-1', phone: '+977 980' }],
    ['user_id may be a JSON number', { user_id: 42, phone: 9807969278 }, { userId: '42', phone: '9807969278' }],
    ['user_id uses every allowed character', { ...valid, user_id: 'Az09_.:@-' }, { userId: 'Az09_.:@-' }],
    ['a blank name is no name', { ...valid, name: '   ' }, { name: undefined }],
    ['a blank channel takes the default', { ...valid, channel: ' ' }, { channel: 'sms' }],
    ['a blank language is English', { ...valid, language: '' }, { language: 'en' }],
    ['resubscribe=1', { ...valid, resubscribe: '1' }, { resubscribe: true }],
    ['resubscribe=true with spaces', { ...valid, resubscribe: ' true ' }, { resubscribe: true }],
    ['resubscribe=0', { ...valid, resubscribe: '0' }, { resubscribe: false }],
    ['resubscribe=false', { ...valid, resubscribe: 'false' }, { resubscribe: false }],
    ['resubscribe empty', { ...valid, resubscribe: '' }, { resubscribe: false }],
    ['resubscribe as a JSON number 1', { ...valid, resubscribe: 1 }, { resubscribe: true }],
    ['fields at their length limits', { user_id: 'u'.repeat(64), phone: '9'.repeat(64), name: 'n'.repeat(100) }, {}],
    [
      'a padded database column is measured once trimmed',
      { user_id: 'u-1', phone: '9807969278' + ' '.repeat(60), name: 'Sita' + ' '.repeat(120) },
      { phone: '9807969278', name: 'Sita' },
    ],
    [
      'a stray separator after the number is no length problem',
      { ...valid, phone: '9884718341;' },
      { phone: '9884718341;' },
    ],
    ['language spellings the batch also reads', { ...valid, language: 'Nepali' }, { language: 'ne' }],
    ['language नेपाली', { ...valid, language: 'नेपाली' }, { language: 'ne' }],
    ['language ne-NP', { ...valid, language: 'ne-NP' }, { language: 'ne' }],
    ['language english', { ...valid, language: 'English' }, { language: 'en' }],
  ];
  test.each(accepted)('%s', (_name, params, expected) => {
    const result = parseRegistrationInput(params, 'sms');
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value).toMatchObject(expected);
  });

  test('the default channel is the caller’s', () => {
    expect(parseRegistrationInput(valid, 'whatsapp')).toMatchObject({ ok: true, value: { channel: 'whatsapp' } });
    expect(parseRegistrationInput({ ...valid, channel: 'sms' }, 'whatsapp')).toMatchObject({
      ok: true,
      value: { channel: 'sms' },
    });
  });
});

describe('parseRegistrationInput refuses with a field and a code', () => {
  const refused: Array<[string, Record<string, unknown>, string, string, string]> = [
    ['user_id missing', { phone: '1' }, 'user_id', 'missing_user_id', 'user_id is required'],
    ['user_id blank', { user_id: '  ', phone: '1' }, 'user_id', 'missing_user_id', 'user_id is required'],
    ['user_id NaN', { user_id: Number.NaN, phone: '1' }, 'user_id', 'missing_user_id', 'user_id is required'],
    [
      'user_id with a space inside',
      { user_id: 'a b', phone: '1' },
      'user_id',
      'invalid_user_id',
      'user_id may contain letters, digits and _ . : @ - only',
    ],
    ['user_id with a slash', { user_id: 'a/b', phone: '1' }, 'user_id', 'invalid_user_id', expect.any(String)],
    ['user_id with a prefix', { user_id: '<u1', phone: '1' }, 'user_id', 'invalid_user_id', expect.any(String)],
    ['user_id with a suffix', { user_id: 'u1>', phone: '1' }, 'user_id', 'invalid_user_id', expect.any(String)],
    [
      'user_id too long',
      { user_id: 'u'.repeat(65), phone: '1' },
      'user_id',
      'field_too_long',
      'user_id is longer than 64 characters',
    ],
    [
      'user_id repeated (a list)',
      { user_id: ['a', 'b'], phone: '1' },
      'user_id',
      'invalid_field',
      'user_id must be a single text value',
    ],
    ['user_id an object', { user_id: { a: 1 }, phone: '1' }, 'user_id', 'invalid_field', expect.any(String)],
    ['user_id null', { user_id: null, phone: '1' }, 'user_id', 'invalid_field', expect.any(String)],
    ['phone missing', { user_id: 'u' }, 'phone', 'empty', 'phone is required'],
    ['phone blank', { user_id: 'u', phone: ' ' }, 'phone', 'empty', 'phone is required'],
    ['phone too long', { user_id: 'u', phone: '9'.repeat(65) }, 'phone', 'field_too_long', expect.any(String)],
    [
      'phone too long once trimmed',
      { user_id: 'u', phone: ` ${'9'.repeat(65)} ` },
      'phone',
      'field_too_long',
      expect.any(String),
    ],
    ['phone a list', { user_id: 'u', phone: ['1', '2'] }, 'phone', 'invalid_field', expect.any(String)],
    [
      'name too long',
      { ...valid, name: 'n'.repeat(101) },
      'name',
      'field_too_long',
      'name is longer than 100 characters',
    ],
    ['name a list', { ...valid, name: ['a'] }, 'name', 'invalid_field', 'name must be a single text value'],
    [
      'channel unknown',
      { ...valid, channel: 'voice' },
      'channel',
      'invalid_channel',
      'channel must be sms or whatsapp',
    ],
    ['language unknown', { ...valid, language: 'hi' }, 'language', 'invalid_language', 'language must be en or ne'],
    [
      'resubscribe unknown',
      { ...valid, resubscribe: 'maybe' },
      'resubscribe',
      'invalid_resubscribe',
      'resubscribe must be true or false',
    ],
    ['resubscribe 2', { ...valid, resubscribe: '2' }, 'resubscribe', 'invalid_resubscribe', expect.any(String)],
  ];
  test.each(refused)('%s', (_name, params, field, code, message) => {
    expect(parseRegistrationInput(params, 'sms')).toEqual({ ok: false, error: { field, code, message } });
  });

  test('a phone that is only blank is empty even when given as whitespace of any length', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[ \t\n]{0,64}$/), (phone) => {
        expect(parseRegistrationInput({ user_id: 'u', phone }, 'sms')).toMatchObject({
          ok: false,
          error: { field: 'phone', code: 'empty' },
        });
      }),
    );
  });

  test('an invalid channel value is refused whatever its case, a valid one accepted in any case', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('sms', 'whatsapp'),
        fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
        (c, upper) => {
          const mixed = [...c].map((ch, i) => (upper[i] ? ch.toUpperCase() : ch)).join('');
          expect(parseRegistrationInput({ ...valid, channel: mixed }, 'sms')).toMatchObject({
            ok: true,
            value: { channel: c },
          });
        },
      ),
    );
  });

  test('the limits are the documented ones', () => {
    expect(FIELD_LIMITS).toEqual({ user_id: 64, phone: 64, name: 100, timezone: 64 });
  });
});

test('every phone rejection reason has a message for the portal', () => {
  const reasons = [...PHONE_REJECTIONS, 'lookup_invalid'];
  for (const reason of reasons) expect(PHONE_REASON_MESSAGES[reason]).toMatch(/^phone |^numbers |^Twilio /);
  // one message per reason: the portal can show them without the code
  expect(new Set(reasons.map((r) => PHONE_REASON_MESSAGES[r])).size).toBe(reasons.length);
});
