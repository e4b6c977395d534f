import {
  maskPhone,
  normalizePhone,
  parseCountryList,
  PHONE_REJECTIONS,
  type PhoneRejection,
} from '../../src/core/phone';

const options = { defaultCountry: 'NP' as const, allowedCountries: ['NP', 'US'] };
const SEED_E164 = '+9779807969278';

describe('normalizePhone accepts what people type', () => {
  const accepted: Array<[string, string, string]> = [
    // the seed's own examples
    ['+9779807969278', SEED_E164, 'NP'],
    ['9807969278', SEED_E164, 'NP'],
    ['09807969278', SEED_E164, 'NP'],
    ['+14155238886', '+14155238886', 'US'],
    // formatting people add
    ['980 796 9278', SEED_E164, 'NP'],
    ['980-796-9278', SEED_E164, 'NP'],
    ['980.796.9278', SEED_E164, 'NP'],
    ['(980) 796-9278', SEED_E164, 'NP'],
    ['+977 (980) 796 9278', SEED_E164, 'NP'],
    ['00977 9807969278', SEED_E164, 'NP'],
    ['009779807969278', SEED_E164, 'NP'],
    ['9779807969278', SEED_E164, 'NP'],
    ['977-980-796-9278', SEED_E164, 'NP'],
    ['  +9779807969278  ', SEED_E164, 'NP'],
    ['＋９７７ ９８０７９６９２７８', SEED_E164, 'NP'],
    ['९८०७९६९२७८', SEED_E164, 'NP'],
    ['whatsapp:+9779807969278', SEED_E164, 'NP'],
    ['WhatsApp:+14155238886', '+14155238886', 'US'],
    ['tel:+1-415-523-8886', '+14155238886', 'US'],
    ['+1 (415) 523-8886', '+14155238886', 'US'],
    ['9841234567', '+9779841234567', 'NP'],
    ['9761234567', '+9779761234567', 'NP'],
  ];
  test.each(accepted)('%j -> %s', (raw, e164, country) => {
    const result = normalizePhone(raw, options);
    expect(result).toEqual({
      ok: true,
      e164,
      country,
      type: expect.any(String),
      masked: expect.stringMatching(/^\+\d+\*{6}\d{3}$/),
    });
  });

  test('a number is accepted as a JS number too', () => {
    expect(normalizePhone(9807969278, options)).toMatchObject({ ok: true, e164: SEED_E164 });
  });
});

describe('normalizePhone rejects with a reason code', () => {
  const rejected: Array<[unknown, PhoneRejection]> = [
    ['', 'empty'],
    ['   ', 'empty'],
    [null, 'empty'],
    [undefined, 'empty'],
    ['abc', 'not_a_number'],
    ['+977-98O7969278', 'not_a_number'],
    ['9807969278 ext 5', 'not_a_number'],
    ['+', 'not_a_number'],
    [{}, 'not_a_number'],
    ['98079', 'too_short'],
    ['12', 'too_short'],
    ['980796927812345678', 'too_long'],
    ['9'.repeat(80), 'too_long'],
    ['+9770000000000', 'invalid'],
    ['+9771234567890', 'invalid'],
    ['014412345', 'not_mobile'],
    ['+18005551234', 'not_mobile'],
    ['+447911123456', 'country_not_allowed'],
    ['+919876543210', 'country_not_allowed'],
  ];
  test.each(rejected)('%j -> %s', (raw, reason) => {
    expect(normalizePhone(raw, options)).toEqual({ ok: false, reason });
  });

  test('every reason code is covered by the table above', () => {
    const covered = new Set(rejected.map(([, reason]) => reason));
    expect([...covered].sort()).toEqual([...PHONE_REJECTIONS].sort());
  });

  test('an empty allow-list allows any country; mobileOnly=false lets landlines through', () => {
    expect(normalizePhone('+447400123456', { allowedCountries: [] })).toMatchObject({ ok: true, country: 'GB' });
    expect(normalizePhone('014412345', { ...options, mobileOnly: false })).toMatchObject({
      ok: true,
      type: 'FIXED_LINE',
    });
  });
});

describe('maskPhone', () => {
  test.each([
    ['+9779807969278', '+977******278'],
    ['+14155238886', '+1******886'],
    ['whatsapp:+9779807969278', 'whatsapp:+977******278'],
    ['not a number at all', '******ll'],
    ['123', '******'],
  ])('%s -> %s', (input, masked) => expect(maskPhone(input)).toBe(masked));

  test('the masked form never contains the middle digits', () => {
    const masked = maskPhone(SEED_E164);
    expect(masked).not.toContain('9807969');
  });
});

test('parseCountryList', () => {
  expect(parseCountryList(' np, us ', [])).toEqual(['NP', 'US']);
  expect(parseCountryList('', ['NP'])).toEqual(['NP']);
  expect(parseCountryList(undefined, ['NP', 'US'])).toEqual(['NP', 'US']);
});
