/**
 * The batch's anchor dates: how a portal user's fields become `edd` / `baby_dob`
 * (readUser with PORTAL_EDD_FIELD / PORTAL_BABY_DOB_FIELD) and which of them the batch keeps
 * (anchorDatesOf: the checks of /register, a bad date dropped with a log line naming its reason).
 */
import { anchorDatesOf } from '../../src/app/batch-slice';
import { createLogger } from '../../src/core/log';
import type { PortalUser } from '../../src/app/ports';
import { readUser } from '../../src/twilio/portal';

const base = { idField: 'id', phoneField: 'phone' };

describe('readUser maps the anchor-date fields', () => {
  test('unmapped (the default): dates in the portal answer are not read', () => {
    const user = readUser({ id: 1, phone: '9800000000', edd: '2027-01-01', baby_dob: '2026-10-01' }, base);
    expect(user).toEqual({ id: '1', phone: '9800000000' });
  });
  test.each<[string, Record<string, unknown>, { edd?: string; babyDob?: string }]>([
    ['DRF DateFields', { edd: '2027-01-01', baby_dob: '2026-10-01' }, { edd: '2027-01-01', babyDob: '2026-10-01' }],
    [
      'DateTimeFields: the date part (as the portal wrote it, no zone shift)',
      { edd: '2027-01-01T23:30:00+05:45', baby_dob: '2026-10-01T00:00:00Z' },
      { edd: '2027-01-01', babyDob: '2026-10-01' },
    ],
    ['null and blank: absent', { edd: null, baby_dob: '  ' }, {}],
    ['absent: absent', {}, {}],
    ['spaces trimmed', { edd: ' 2027-01-01 ' }, { edd: '2027-01-01' }],
    [
      'anything else is passed on, cut to 32 characters, for the batch to refuse with a reason',
      { edd: '2083-05-12', baby_dob: 'x'.repeat(40) },
      { edd: '2083-05-12', babyDob: 'x'.repeat(32) },
    ],
    ['a number is not a date', { edd: 20270101 }, {}],
  ])('%s', (_label, fields, expected) => {
    const user = readUser(
      { id: 'u1', phone: '9800000000', ...fields },
      {
        ...base,
        eddField: 'edd',
        babyDobField: 'baby_dob',
      },
    ) as PortalUser;
    expect({ edd: user.edd, babyDob: user.babyDob }).toEqual({ edd: undefined, babyDob: undefined, ...expected });
  });
  test('dotted paths reach nested serializer fields', () => {
    const user = readUser(
      { id: 'u1', phone: '9800000000', pregnancy: { edd: '2027-01-01' }, child: { dob: '2026-10-01' } },
      { ...base, eddField: 'pregnancy.edd', babyDobField: 'child.dob' },
    ) as PortalUser;
    expect([user.edd, user.babyDob]).toEqual(['2027-01-01', '2026-10-01']);
  });
});

describe('anchorDatesOf keeps the dates /register would accept', () => {
  const TODAY = '2026-12-02';
  const run = (user: Partial<PortalUser>) => {
    const lines: Array<Record<string, unknown>> = [];
    const deps = {
      registration: { localDate: () => TODAY, now: () => new Date('2026-12-02T06:00:00Z') },
      log: createLogger((line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
    };
    return { dates: anchorDatesOf({ id: 'u1', phone: '9800000000', ...user }, deps), lines };
  };
  test('none: nothing, no log', () => {
    expect(run({})).toEqual({ dates: {}, lines: [] });
  });
  test('both in range: both kept, no log', () => {
    expect(run({ edd: '2027-05-01', babyDob: '2026-11-30' })).toEqual({
      dates: { edd: '2027-05-01', babyDob: '2026-11-30' },
      lines: [],
    });
  });
  test('the edges: an EDD 14 days past and one 42 weeks ahead; a birth date today and a year ago', () => {
    expect(run({ edd: '2026-11-18' }).dates).toEqual({ edd: '2026-11-18' });
    expect(run({ edd: '2027-09-22' }).dates).toEqual({ edd: '2027-09-22' });
    expect(run({ babyDob: '2026-12-02' }).dates).toEqual({ babyDob: '2026-12-02' });
    expect(run({ babyDob: '2025-12-02' }).dates).toEqual({ babyDob: '2025-12-02' });
  });
  test.each<[string, Partial<PortalUser>, string, string]>([
    ['an EDD 15 days past', { edd: '2026-11-17' }, 'edd', 'edd_in_past'],
    ['an EDD past 42 weeks', { edd: '2027-09-23' }, 'edd', 'edd_too_far'],
    ['a Bikram Sambat EDD', { edd: '2083-08-16' }, 'edd', 'bikram_sambat_date'],
    ['a birth date tomorrow', { babyDob: '2026-12-03' }, 'baby_dob', 'dob_in_future'],
    ['a birth date over a year ago', { babyDob: '2025-12-01' }, 'baby_dob', 'dob_too_old'],
    ['not a date', { babyDob: '01/12/2026' }, 'baby_dob', 'invalid_date'],
  ])('%s: dropped, with batch.anchor_date_dropped naming field and reason', (_label, user, field, code) => {
    const { dates, lines } = run(user);
    expect(dates).toEqual({});
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', event: 'batch.anchor_date_dropped', userId: 'u1', field, code }),
    ]);
  });
  test('one bad date does not drop the other', () => {
    const { dates, lines } = run({ edd: '2083-08-16', babyDob: '2026-11-01' });
    expect(dates).toEqual({ babyDob: '2026-11-01' });
    expect(lines).toHaveLength(1);
  });
});
