import {
  maskPhone,
  maskRaw,
  normalizePhone,
  parseCountryList,
  PHONE_REJECTIONS,
  trimPhoneText,
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

describe('normalizePhone edges', () => {
  test('database padding and a stray separator at either end are trimmed before any length limit', () => {
    // A CHAR column: a 10-digit number and 60 spaces.
    expect(normalizePhone('9807969278' + ' '.repeat(60), options)).toMatchObject({ ok: true, e164: SEED_E164 });
    expect(normalizePhone(' '.repeat(200) + '9807969278\t\n', options)).toMatchObject({ ok: true, e164: SEED_E164 });
    for (const raw of ['9807969278;', '9807969278,', '9807969278 ; ', ',9807969278', '9807969278:', '९८०७९६९२७८;'])
      expect([raw, normalizePhone(raw, options)]).toEqual([
        raw,
        expect.objectContaining({ ok: true, e164: SEED_E164 }),
      ]);
    // Two numbers in one column stay refused: which one is meant is a guess.
    expect(normalizePhone('9807969278, 9841000000', options)).toMatchObject({ ok: false });
    expect(normalizePhone('9807969278;9841000000', options)).toMatchObject({ ok: false });
    expect(normalizePhone(' ;, ', options)).toEqual({ ok: false, reason: 'empty' });
    expect(trimPhoneText('  +977 980-796-9278 ;')).toBe('+977 980-796-9278');
    // Linear on long padding (a regex anchored at the end would backtrack over it).
    expect(trimPhoneText('1' + ' '.repeat(200_000) + '2')).toHaveLength(200_002);
  });

  test('input is looked at up to 64 characters, formatting included', () => {
    const padded = (length: number) => '+977' + ' '.repeat(length - 14) + '9807969278';
    expect(padded(64)).toHaveLength(64);
    expect(normalizePhone(padded(64), options)).toMatchObject({ ok: true, e164: SEED_E164 });
    expect(normalizePhone(padded(65), options)).toEqual({ ok: false, reason: 'too_long' });
  });

  test.each([
    // "00" is the international prefix people type, whatever the default country's own prefix is
    ['00977 9807969278', 'US', SEED_E164],
    ['009779807969278', 'GB', SEED_E164],
    ['0014155238886', 'NP', '+14155238886'],
    // the country code typed without its plus, for a default country other than Nepal
    ['14155238886', 'US', '+14155238886'],
    ['447400123456', 'GB', '+447400123456'],
  ] as const)('%j with default country %s -> %s', (raw, defaultCountry, e164) => {
    expect(normalizePhone(raw, { defaultCountry })).toMatchObject({ ok: true, e164 });
  });

  test('the default country is Nepal', () => {
    expect(normalizePhone('9807969278')).toMatchObject({ ok: true, e164: SEED_E164, country: 'NP', type: 'MOBILE' });
  });

  test('a national number of another country is not re-read as international', () => {
    // 9779807969278 read with a US default: neither a US number nor taken as +977 (the default's code is 1)
    expect(normalizePhone('9779807969278', { defaultCountry: 'US' })).toMatchObject({ ok: false });
  });

  test.each([
    ['sms:+9779807969278', SEED_E164],
    ['callto:+9779807969278', SEED_E164],
    ['TEL:+9779807969278', SEED_E164],
    ['980\u00a0796\u00a09278', SEED_E164],
    ['980\u2009796\u202f9278', SEED_E164],
    ['980\u3000796\u200b9278', SEED_E164],
    ['980\u2010796\u20139278', SEED_E164],
    ['980\u2212796\u20159278', SEED_E164],
    ['980/796/9278', SEED_E164],
    ['[980] 796 9278', SEED_E164],
    ['\t9807969278\n', SEED_E164],
    ['०९८०७९६९२७८', SEED_E164],
    ['+९७७९८०७९६९२७८', SEED_E164],
  ])('%j -> %s', (raw, e164) => {
    expect(normalizePhone(raw, options)).toMatchObject({ ok: true, e164 });
  });

  test.each([
    ['9807969278x', 'not_a_number'],
    ['x9807969278', 'not_a_number'],
    ['98079+69278', 'not_a_number'],
    ['++9779807969278', 'not_a_number'],
    ['fax:+9779807969278', 'not_a_number'],
    ['+977:9807969278', 'not_a_number'],
    ['123', 'too_short'],
    ['1234567890123456', 'too_long'],
    // a valid non-geographic number (international freephone): no country to allow or refuse
    ['+80012345678', 'invalid'],
  ] as const)('%j -> %s', (raw, reason) => {
    expect(normalizePhone(raw, { defaultCountry: 'NP' })).toEqual({ ok: false, reason });
  });

  test('a value that is neither text nor a number is not a number', () => {
    expect(normalizePhone(true, options)).toEqual({ ok: false, reason: 'not_a_number' });
    expect(normalizePhone(['9807969278'], options)).toEqual({ ok: false, reason: 'not_a_number' });
  });

  test('the result carries the type and the fixed-width mask', () => {
    expect(normalizePhone('+14155238886', options)).toEqual({
      ok: true,
      e164: '+14155238886',
      country: 'US',
      type: 'FIXED_LINE_OR_MOBILE',
      masked: '+1******886',
    });
  });
});

describe('maskPhone edges', () => {
  test.each([
    ['sms:+9779807969278', 'sms:+977******278'],
    ['1234567', '******'],
    ['12345678', '******78'],
    ['9807969278', '******78'],
    ['whatsapp:12345678', 'whatsapp:******78'],
  ])('%s -> %s', (input, masked) => expect(maskPhone(input)).toBe(masked));
});

describe('maskRaw: a value that is not a number, for a report', () => {
  test.each([
    ['12345', '**345'],
    ['call me', '**** **'],
    ['98-4123-4567 ext', '**-****-*567 ***'],
    ['  ९८४१२३४५६७ ', '*******५६७'],
    ['ram@example.org', '***@*******.***'],
    ['+977 98', '+**7 98'],
    ['', ''],
  ])('%j -> %j', (input, masked) => expect(maskRaw(input)).toBe(masked));

  test('a long value keeps its end (where the last digits are) behind an ellipsis', () => {
    const masked = maskRaw('please call my husband on 9841234567');
    expect(masked).toBe('…* **** ** ******* ** *******567');
    expect(Array.from(masked)).toHaveLength(32);
  });
});

test('parseCountryList drops empty entries', () => {
  expect(parseCountryList('NP,,us,', [])).toEqual(['NP', 'US']);
  expect(parseCountryList('   ', ['NP'])).toEqual(['NP']);
});
