import fc from 'fast-check';
import { fromNepaliDigits, spokenTime, toNepaliDigits } from '../../src/core/spoken-time';

test.each([
  ['07:00', '7 AM', 'बिहान ७ बजे'],
  ['07:15', '7:15 AM', 'बिहान सवा ७ बजे'],
  ['07:30', '7:30 AM', 'बिहान साढे ७ बजे'],
  ['06:45', '6:45 AM', 'बिहान पौने ७ बजे'],
  ['11:45', '11:45 AM', 'बिहान पौने १२ बजे'],
  ['07:05', '7:05 AM', 'बिहान ७:०५ बजे'],
  ['12:00', '12 PM', 'दिउँसो १२ बजे'],
  ['13:10', '1:10 PM', 'दिउँसो १:१० बजे'],
  ['16:00', '4 PM', 'बेलुका ४ बजे'],
  ['18:30', '6:30 PM', 'बेलुका साढे ६ बजे'],
  ['19:00', '7 PM', 'राति ७ बजे'],
  ['00:00', '12 AM', 'राति १२ बजे'],
  ['03:59', '3:59 AM', 'राति ३:५९ बजे'],
  ['04:00', '4 AM', 'बिहान ४ बजे'],
])('%s: "%s" / "%s"', (clock, en, ne) => {
  expect(spokenTime(clock, 'en')).toBe(en);
  expect(spokenTime(clock, 'ne')).toBe(ne);
});

test('a malformed setting is an error, not a wrong text', () => {
  for (const bad of ['7:00', '24:00', '07:60', '0700', '', '123:45', '07:001'])
    expect(() => spokenTime(bad, 'en')).toThrow(new RangeError(`not a local time (HH:MM): ${JSON.stringify(bad)}`));
});

test('every minute of the day is said in Devanagari digits, no ASCII digit (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (h, m) => {
      const clock = `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
      const ne = spokenTime(clock, 'ne');
      expect(ne).not.toMatch(/[0-9]/);
      expect(ne).toMatch(/^(बिहान|दिउँसो|बेलुका|राति) .+ बजे$/);
      expect(spokenTime(clock, 'en')).toMatch(/^(1[0-2]|[1-9])(:[0-5]\d)? (AM|PM)$/);
    }),
  );
});

test('digits both ways', () => {
  expect(toNepaliDigits('10:45, 2026')).toBe('१०:४५, २०२६');
  expect(fromNepaliDigits('१०:४५, २०२६')).toBe('10:45, 2026');
});
