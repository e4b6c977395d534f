/** A subscriber's own time zone: the portal's field, else from the number. */
import { isTimeZone, subscriberTimeZone, timeZoneForNumber } from '../../src/core/subscriber-time-zone';
import { parseRegistrationInput } from '../../src/core/registration-input';

test.each([
  ['+9779807969278', 'NP', 'Asia/Kathmandu'],
  ['+12125551234', 'US', 'America/New_York'],
  ['+13125551234', 'US', 'America/Chicago'],
  ['+14155238886', 'US', 'America/Los_Angeles'],
  ['+16045551234', 'CA', 'America/Vancouver'],
  ['+14165551234', 'CA', 'America/Toronto'],
  ['+919876543210', 'IN', 'Asia/Kolkata'],
  ['+4915112345678', 'DE', 'Europe/Berlin'],
])('%s (%s) -> %s', (e164, country, zone) => {
  expect(timeZoneForNumber(e164, country, 'UTC')).toBe(zone);
  expect(isTimeZone(zone)).toBe(true);
});

test('a country with several zones and no area-code table falls back to TIMEZONE', () => {
  expect(timeZoneForNumber('+61412345678', 'AU', 'Asia/Kathmandu')).toBe('Asia/Kathmandu');
});

test("the portal's zone wins when Intl knows it; a bogus one is ignored", () => {
  expect(subscriberTimeZone({ requested: 'Europe/Paris', e164: '+9779807969278', country: 'NP' }, 'UTC')).toBe(
    'Europe/Paris',
  );
  expect(subscriberTimeZone({ requested: 'Mars/Olympus', e164: '+9779807969278', country: 'NP' }, 'UTC')).toBe(
    'Asia/Kathmandu',
  );
});

test('/register: timezone is optional, and refused with its field name when not a zone', () => {
  const base = { user_id: 'u1', phone: '9807969278' };
  expect(parseRegistrationInput({ ...base, timezone: 'America/New_York' }, 'sms')).toMatchObject({
    ok: true,
    value: { timezone: 'America/New_York' },
  });
  const parsed = parseRegistrationInput(base, 'sms');
  expect(parsed.ok && parsed.value.timezone).toBeUndefined();
  expect(parseRegistrationInput({ ...base, timezone: 'Nowhere/Land' }, 'sms')).toMatchObject({
    ok: false,
    error: { field: 'timezone', code: 'invalid_timezone' },
  });
});

test.each([
  ['UTC', true],
  ['Asia/Kathmandu', true],
  ['', false],
  ['Mars/Olympus', false],
  ['Asia/'.padEnd(65, 'x'), false],
])('isTimeZone(%j) -> %p', (value, expected) => {
  expect(isTimeZone(value)).toBe(expected);
});

test('only a whole +1 number with 10 digits is read by area code', () => {
  expect(timeZoneForNumber('+12125551234', 'US', 'UTC')).toBe('America/New_York');
  expect(timeZoneForNumber('+121255512345', 'US', 'UTC')).toBe('UTC');
  expect(timeZoneForNumber('x+12125551234', 'US', 'UTC')).toBe('UTC');
  // An area code the table does not know, or no country: the fallback.
  expect(timeZoneForNumber('+19995551234', 'US', 'Asia/Kathmandu')).toBe('Asia/Kathmandu');
  expect(timeZoneForNumber('+9779807969278', undefined, 'UTC')).toBe('UTC');
});

test('the requested zone is trimmed; none, or blank, falls to the number', () => {
  const number = { e164: '+9779807969278', country: 'NP' };
  expect(subscriberTimeZone({ ...number, requested: ' Europe/Paris ' }, 'UTC')).toBe('Europe/Paris');
  expect(subscriberTimeZone(number, 'UTC')).toBe('Asia/Kathmandu');
  expect(subscriberTimeZone({ ...number, requested: '  ' }, 'UTC')).toBe('Asia/Kathmandu');
});
