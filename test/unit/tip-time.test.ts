import fc from 'fast-check';
import {
  addDays,
  checkScheduleWindow,
  dayNumber,
  formatSendAt,
  isLocalDate,
  isLocalTime,
  localDateOf,
  MAX_SCHEDULE_AHEAD_SECONDS,
  MIN_SCHEDULE_LEAD_SECONDS,
  nextTipDate,
  offsetMinutes,
  sendAtFor,
  tipDates,
} from '../../src/core/tip-time';

const KTM = 'Asia/Kathmandu';
const at = (iso: string) => new Date(iso);
const options = { timeZone: KTM, localTime: '07:00' };

describe('Asia/Kathmandu (UTC+05:45)', () => {
  test('07:00 NPT is 01:15 UTC', () => {
    expect(sendAtFor('2026-11-25', '07:00', KTM).toISOString()).toBe('2026-11-25T01:15:00.000Z');
    expect(sendAtFor('2027-01-01', '07:00', KTM).toISOString()).toBe('2027-01-01T01:15:00.000Z');
    expect(sendAtFor('2026-11-25', '00:00', KTM).toISOString()).toBe('2026-11-24T18:15:00.000Z');
    expect(sendAtFor('2026-11-25', '05:44', KTM).toISOString()).toBe('2026-11-24T23:59:00.000Z');
    expect(sendAtFor('2026-11-25', '23:59', KTM).toISOString()).toBe('2026-11-25T18:14:00.000Z');
  });

  test('the offset is +345 minutes (it was +330 before 1986: nothing is hard-coded)', () => {
    expect(offsetMinutes(at('2026-06-01T12:00:00Z'), KTM)).toBe(345);
    expect(offsetMinutes(at('1980-06-01T12:00:00Z'), KTM)).toBe(330);
  });

  test('the local date turns at 18:15 UTC (local midnight), not at UTC midnight', () => {
    expect(localDateOf(at('2026-11-24T18:14:59.999Z'), KTM)).toBe('2026-11-24');
    expect(localDateOf(at('2026-11-24T18:15:00.000Z'), KTM)).toBe('2026-11-25');
    expect(localDateOf(at('2026-11-24T23:59:59.999Z'), KTM)).toBe('2026-11-25');
    expect(localDateOf(at('2026-11-25T00:00:00.000Z'), KTM)).toBe('2026-11-25');
    expect(localDateOf(at('2026-12-31T18:15:00Z'), KTM)).toBe('2027-01-01');
    expect(localDateOf(at('2028-02-28T18:15:00Z'), KTM)).toBe('2028-02-29');
  });
});

describe('nextTipDate', () => {
  test.each([
    // 01:15Z is exactly 15 minutes ahead: still today (Twilio's window is inclusive).
    ['2026-11-24T01:00:00Z', '2026-11-24'],
    ['2026-11-24T00:59:59Z', '2026-11-24'],
    ['2026-11-24T01:00:01Z', '2026-11-25'],
    ['2026-11-24T01:01:00Z', '2026-11-25'],
    ['2026-11-24T01:15:00Z', '2026-11-25'],
    // Around local midnight (18:15Z) and UTC midnight.
    ['2026-11-24T18:14:59Z', '2026-11-25'],
    ['2026-11-24T18:15:00Z', '2026-11-25'],
    ['2026-11-24T23:59:59Z', '2026-11-25'],
    ['2026-11-25T00:00:00Z', '2026-11-25'],
    // Year end and leap day.
    ['2026-12-31T01:00:01Z', '2027-01-01'],
    ['2028-02-28T02:00:00Z', '2028-02-29'],
  ])('now %s -> %s', (now, date) => expect(nextTipDate(at(now), options)).toBe(date));

  test('honors a longer lead', () => {
    expect(nextTipDate(at('2026-11-24T00:15:00Z'), { ...options, minLeadMinutes: 60 })).toBe('2026-11-24');
    expect(nextTipDate(at('2026-11-24T00:15:01Z'), { ...options, minLeadMinutes: 60 })).toBe('2026-11-25');
  });

  test('the next tip is always within the window Twilio accepts (property)', () => {
    const nows = fc.date({ min: at('2020-01-01T00:00:00Z'), max: at('2035-12-31T00:00:00Z'), noInvalidDate: true });
    const zones = fc.constantFrom(KTM, 'America/New_York', 'Europe/London', 'Pacific/Chatham', 'Asia/Tokyo');
    const times = fc.constantFrom('00:00', '07:00', '12:30', '23:59');
    fc.assert(
      fc.property(nows, zones, times, (now, timeZone, localTime) => {
        const date = nextTipDate(now, { timeZone, localTime });
        const sendAt = sendAtFor(date, localTime, timeZone);
        const ahead = sendAt.getTime() - now.getTime();
        expect(ahead).toBeGreaterThanOrEqual(MIN_SCHEDULE_LEAD_SECONDS * 1000);
        // Never a day later than needed: the previous date's tip was too close or past.
        expect(sendAtFor(addDays(date, -1), localTime, timeZone).getTime() - now.getTime()).toBeLessThan(
          MIN_SCHEDULE_LEAD_SECONDS * 1000,
        );
        expect(checkScheduleWindow(now, sendAt)).toEqual({ ok: true });
      }),
    );
  });
});

describe('other zones (computed from the IANA zone, daylight saving included)', () => {
  test.each([
    ['2026-01-15', '07:00', 'America/New_York', '2026-01-15T12:00:00.000Z'],
    ['2026-07-15', '07:00', 'America/New_York', '2026-07-15T11:00:00.000Z'],
    // Days the clocks change (02:00 local): 07:00 is after the change.
    ['2026-03-08', '07:00', 'America/New_York', '2026-03-08T11:00:00.000Z'],
    ['2026-11-01', '07:00', 'America/New_York', '2026-11-01T12:00:00.000Z'],
    // 02:30 does not exist on 2026-03-08 in New York: moved forward by the gap (03:30 EDT).
    ['2026-03-08', '02:30', 'America/New_York', '2026-03-08T07:30:00.000Z'],
    // 01:30 happens twice on 2026-11-01: the first one (EDT).
    ['2026-11-01', '01:30', 'America/New_York', '2026-11-01T05:30:00.000Z'],
    ['2026-03-29', '01:30', 'Europe/London', '2026-03-29T01:30:00.000Z'],
    ['2026-07-01', '07:00', 'Asia/Kolkata', '2026-07-01T01:30:00.000Z'],
    ['2026-04-05', '07:00', 'Pacific/Chatham', '2026-04-04T18:15:00.000Z'],
    ['2026-07-01', '07:00', 'UTC', '2026-07-01T07:00:00.000Z'],
  ])('%s %s %s -> %s', (date, time, zone, iso) => expect(sendAtFor(date, time, zone).toISOString()).toBe(iso));

  test('sendAtFor inverts localDateOf + wall clock, away from clock changes (property)', () => {
    const zones = fc.constantFrom(
      KTM,
      'Asia/Kolkata',
      'Asia/Tokyo',
      'America/New_York',
      'Europe/London',
      'Australia/Adelaide',
    );
    const minutes = fc.integer({ min: Date.UTC(2020, 0, 1) / 60000, max: Date.UTC(2035, 0, 1) / 60000 });
    fc.assert(
      fc.property(zones, minutes, (timeZone, minute) => {
        const instant = new Date(minute * 60000);
        const wall = new Intl.DateTimeFormat('en-GB', {
          timeZone,
          hour: '2-digit',
          minute: '2-digit',
          hourCycle: 'h23',
        }).format(instant);
        // Wall times within 3 hours after midnight can be skipped or repeated by DST; skip them.
        fc.pre(Number(wall.slice(0, 2)) >= 4);
        expect(sendAtFor(localDateOf(instant, timeZone), wall, timeZone).getTime()).toBe(instant.getTime());
      }),
    );
  });
});

describe('tipDates', () => {
  test('consecutive local dates from the next tip, across a month and a year end', () => {
    expect(tipDates(at('2026-12-30T02:00:00Z'), 4, options)).toEqual([
      '2026-12-31',
      '2027-01-01',
      '2027-01-02',
      '2027-01-03',
    ]);
    expect(tipDates(at('2026-12-30T00:00:00Z'), 1, options)).toEqual(['2026-12-30']);
    expect(tipDates(at('2026-12-30T00:00:00Z'), 2, options, '2027-02-27')).toEqual(['2027-02-27', '2027-02-28']);
  });

  test.each([0, -1, 1.5, Number.NaN])('days = %s is refused', (days) => {
    expect(() => tipDates(at('2026-12-30T00:00:00Z'), days, options)).toThrow(
      new RangeError(`days must be a whole number >= 1, got ${days}`),
    );
  });

  test("with 35 days, the last tip can fall past Twilio's 35-day window: each date must be checked", () => {
    // Just after today's tip time, the first tip is tomorrow, 24h14m ahead.
    const now = at('2026-11-24T01:01:00Z');
    const dates = tipDates(now, 35, options);
    const windows = dates.map((date) => checkScheduleWindow(now, sendAtFor(date, '07:00', KTM)).ok);
    expect(windows.slice(0, 34).every(Boolean)).toBe(true);
    expect(windows[34]).toBe(false);
  });
});

describe('checkScheduleWindow (Twilio: 900 s to 35 days ahead, inclusive)', () => {
  const now = at('2026-11-24T00:00:00Z');
  test.each([
    ['2026-11-24T00:15:00.000Z', true],
    ['2026-11-24T00:14:59.999Z', false],
    ['2026-11-24T00:00:00.000Z', false],
    ['2026-11-23T23:00:00.000Z', false],
    ['2026-12-29T00:00:00.000Z', true],
    ['2026-12-29T00:00:00.001Z', false],
    ['2027-06-01T00:00:00.000Z', false],
  ])('SendAt %s ok: %s', (sendAt, ok) => {
    const check = checkScheduleWindow(now, at(sendAt));
    expect(check.ok).toBe(ok);
    if (!check.ok) expect(check.code).toBe(35114);
  });

  test('limits match the figures Twilio publishes', () => {
    expect(MIN_SCHEDULE_LEAD_SECONDS).toBe(900);
    expect(MAX_SCHEDULE_AHEAD_SECONDS).toBe(3_024_000);
  });

  test('the message says which limit was missed', () => {
    expect(checkScheduleWindow(now, at('2026-11-24T00:10:00Z'))).toMatchObject({
      ok: false,
      code: 35114,
      message: expect.stringContaining('at least 900 s'),
    });
    expect(checkScheduleWindow(now, at('2027-01-01T00:00:00Z'))).toMatchObject({
      ok: false,
      code: 35114,
      message: expect.stringContaining('at most 3024000 s'),
    });
  });

  test('an invalid SendAt is 35115', () => {
    expect(checkScheduleWindow(now, new Date('nonsense'))).toEqual({
      ok: false,
      code: 35115,
      message: 'SendAt is not a valid date-time',
    });
  });
});

describe('input checks and helpers', () => {
  test.each([
    '2026-02-30',
    '2026-13-01',
    '26-01-01',
    '2026-1-01',
    '',
    'tomorrow',
    '12026-01-01',
    '2026-01-011',
    'x2026-01-01',
  ])('date %j is refused, with the value in the error', (date) => {
    expect(isLocalDate(date)).toBe(false);
    expect(() => sendAtFor(date, '07:00', KTM)).toThrow(
      new RangeError(`Not a date (YYYY-MM-DD): ${JSON.stringify(date)}`),
    );
  });

  test.each(['7:00', '24:00', '07:60', '0700', '', '123:45', '07:001'])(
    'time %j is refused, with the value in the error',
    (time) => {
      expect(isLocalTime(time)).toBe(false);
      expect(() => sendAtFor('2026-11-25', time, KTM)).toThrow(
        new RangeError(`Not a time (HH:MM): ${JSON.stringify(time)}`),
      );
    },
  );

  test.each(['00:00', '09:59', '19:30', '23:59'])('time %j is a wall-clock time', (time) =>
    expect(isLocalTime(time)).toBe(true),
  );

  test('an invalid instant is refused', () => {
    expect(() => localDateOf(new Date(Number.NaN), KTM)).toThrow(RangeError);
  });

  test('a local date is always written with a four-digit year', () => {
    expect(localDateOf(new Date(Date.UTC(999, 0, 5)), 'UTC')).toBe('0999-01-05');
  });

  test('an unknown zone is refused', () => {
    expect(() => localDateOf(at('2026-11-25T00:00:00Z'), 'Mars/Olympus')).toThrow(RangeError);
    expect(() => sendAtFor('2026-11-25', '07:00', 'Mars/Olympus')).toThrow(RangeError);
  });

  test('day numbers and date arithmetic', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('1969-12-31')).toBe(-1);
    expect(dayNumber('2026-11-25') - dayNumber('2026-11-24')).toBe(1);
    expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
  });

  test("formatSendAt writes Twilio's documented form", () => {
    expect(formatSendAt(sendAtFor('2026-11-25', '07:00', KTM))).toBe('2026-11-25T01:15:00Z');
  });
});
