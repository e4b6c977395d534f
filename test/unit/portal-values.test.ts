import { channelOf, fieldAt, languageOf } from '../../src/core/portal-values';

describe('languageOf: the spellings portal databases hold', () => {
  test.each([
    ['ne', 'ne'],
    ['NE', 'ne'],
    [' nepali ', 'ne'],
    ['Nepali', 'ne'],
    ['np', 'ne'],
    ['nep', 'ne'],
    ['नेपाली', 'ne'],
    ['ne-NP', 'ne'],
    ['ne_NP', 'ne'],
    ['en', 'en'],
    ['English', 'en'],
    ['en-US', 'en'],
    ['en_GB', 'en'],
    ['अंग्रेजी', 'en'],
  ])('%j -> %s', (value, language) => expect(languageOf(value)).toBe(language));

  test.each([['fr'], ['hi'], [''], ['nepal i'], [null], [7], [undefined]])('%j -> none', (value) =>
    expect(languageOf(value)).toBeUndefined(),
  );
});

describe('channelOf', () => {
  test.each([
    ['sms', 'sms'],
    ['SMS', 'sms'],
    ['text', 'sms'],
    ['whatsapp', 'whatsapp'],
    ['WhatsApp', 'whatsapp'],
    ['whats_app', 'whatsapp'],
    ['Whats App', 'whatsapp'],
    [' Whats - App ', 'whatsapp'],
    ['WHATS-APP', 'whatsapp'],
    [' sms ', 'sms'],
    ['wa', 'whatsapp'],
  ])('%j -> %s', (value, channel) => expect(channelOf(value)).toBe(channel));

  test.each([['voice'], [''], ['s m s'], ['w a'], [null], [1]])('%j -> none', (value) =>
    expect(channelOf(value)).toBeUndefined(),
  );
});

describe('fieldAt', () => {
  const user = {
    id: 1,
    'a.b': 'dotted key',
    profile: { phone: '98', tz: null, deeper: { x: 'y' } },
    empty: null,
    list: ['a'],
  };
  test.each([
    ['id', { present: true, value: 1 }],
    ['empty', { present: true, value: null }],
    ['profile.phone', { present: true, value: '98' }],
    ['profile.tz', { present: true, value: null }],
    ['profile.deeper.x', { present: true, value: 'y' }],
    ['a.b', { present: true, value: 'dotted key' }],
    ['missing', { present: false, value: undefined }],
    ['profile.missing', { present: false, value: undefined }],
    ['id.x', { present: false, value: undefined }],
    ['empty.x', { present: false, value: undefined }],
    ['toString', { present: false, value: undefined }],
    // Only plain objects are walked into: not a string's own properties, not an array's items.
    ['profile.phone.length', { present: false, value: undefined }],
    ['list.0', { present: false, value: undefined }],
  ])('%s', (path, expected) => expect(fieldAt(user, path)).toEqual(expected));
});
