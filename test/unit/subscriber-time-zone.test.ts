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
  ['America/Argentina/ComodRivadavia', true],
  ['', false],
  [' Europe/Paris', false],
  ['Mars/Olympus', false],
  ['Europe/' + 'x'.repeat(60), false],
])('isTimeZone(%j) = %s', (value, expected) => expect(isTimeZone(value)).toBe(expected));

test('only a +1 number of exactly ten digits is read by its area code', () => {
  expect(timeZoneForNumber('+121255512345', 'US', 'Asia/Kathmandu')).toBe('Asia/Kathmandu');
  expect(timeZoneForNumber('+12125551234', 'US', 'Asia/Kathmandu')).toBe('America/New_York');
});

test('the requested zone is trimmed; none requested, the number decides', () => {
  expect(subscriberTimeZone({ requested: ' Europe/Paris ', e164: '+9779807969278', country: 'NP' }, 'UTC')).toBe(
    'Europe/Paris',
  );
  expect(subscriberTimeZone({ e164: '+9779807969278', country: 'NP' }, 'UTC')).toBe('Asia/Kathmandu');
});
