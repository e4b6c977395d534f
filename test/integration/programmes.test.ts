/**
 * Stage-based programmes through the real twilio-run and the sandbox: a subscriber with an EDD
 * gets her week's messages on the cadence days of her stage (own time zone, 07:00), nothing on
 * the other days; a birth date from the portal's signed /profile moves her to the baby set
 * (the pregnancy message already scheduled is canceled); subscribers without a date keep the
 * general daily tip; the dashboard's stats count them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, localDateOf, nextTipDate, sendAtFor } from '../../src/core/tip-time';
import { register, startSystem, unixNow, type System, runDailyTips } from '../helpers/system';

const programmes = JSON.parse(readFileSync(join(__dirname, '../../src/assets/programmes.private.json'), 'utf8')) as {
  messages: Array<{ id: string; en: string }>;
};
const text = (id: string) => programmes.messages.find((m) => m.id === id)!.en;

let system: System;
let admin: Record<string, string>;
/** The first date the daily run schedules (the next 07:00 in Asia/Kathmandu at least 16 minutes ahead). */
let first: string;

const KTM = 'Asia/Kathmandu';
const NY = 'America/New_York';

function profile(fields: Record<string, string>) {
  return system.post('/profile', { ...fields, timestamp: unixNow() }, { sign: 'portal' });
}

const runAll = (body: Record<string, unknown>) => runDailyTips(system, body);

const scheduledTo = (to: string) =>
  system.sandbox.messages().filter((m) => m.to === to && m.status === 'scheduled' && m.sendAt);

beforeAll(async () => {
  system = await startSystem({
    env: { LOOKUP_MODE: 'off', TIPS_ON_REGISTER: 'false' },
    forkPerRequest: false,
  });
  admin = { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` };
  first = nextTipDate(new Date(), { timeZone: KTM, localTime: '07:00', minLeadMinutes: 16 });
}, 60_000);
afterAll(async () => {
  // Every request the service made matched Twilio's published shapes.
  expect(system?.sandbox.violations() ?? []).toEqual([]);
  await system?.stop();
});

test('register refuses anchor dates out of range or not Gregorian, with reason codes', async () => {
  const today = localDateOf(new Date(), KTM);
  const cases: Array<[Record<string, string>, string, string]> = [
    [{ edd: addDays(today, 43 * 7) }, 'edd_too_far', 'edd'],
    [{ edd: addDays(today, -30) }, 'edd_in_past', 'edd'],
    [{ edd: '2083-05-12' }, 'bikram_sambat_date', 'edd'],
    [{ edd: '12/05/2026' }, 'invalid_date', 'edd'],
    [{ baby_dob: addDays(today, 1) }, 'dob_in_future', 'baby_dob'],
    [{ baby_dob: addDays(today, -400) }, 'dob_too_old', 'baby_dob'],
  ];
  for (const [fields, code, field] of cases) {
    const res = await register(system, { user_id: 'bad', phone: '9846100099', ...fields });
    expect([res.status, res.json.error?.code, res.json.error?.field]).toEqual([400, code, field]);
  }
  expect(system.sandbox.messages().filter((m) => m.to === '+9779846100099')).toHaveLength(0);
});

test('an EDD 20 weeks and a day ahead: the week-20 messages on their cadence days at 07:00 in her own zone, nothing between', async () => {
  // On `first` she is 20 weeks 0 days pregnant (the EDD is 40 weeks 0 days).
  const edd = addDays(first, 140);
  expect((await register(system, { user_id: 'p1', phone: '9846100001', edd })).status).toBe(201);
  // The same stage in New York: her dates are New York dates, her 07:00 is New York's.
  expect((await register(system, { user_id: 'p2', phone: '+14155238821', edd, timezone: NY })).status).toBe(201);
  expect((await register(system, { user_id: 'g1', phone: '9846100003' })).status).toBe(201);
  await system.sandbox.settle();

  const totals = await runAll({ date: first, days: 8 });
  expect(totals.scheduled).toBeGreaterThan(0);
  // Pregnancy weeks 4-33 send on days 0 and 3 of each week: p20a on day 0, p20b on day 3, and
  // week 21 has no message in the starter set (its days send nothing).
  for (const [to, zone] of [
    ['+9779846100001', KTM],
    ['+14155238821', NY],
  ] as const) {
    const messages = scheduledTo(to).sort((a, b) => a.sendAt!.localeCompare(b.sendAt!));
    expect(messages.map((m) => localDateOf(new Date(m.sendAt!), zone))).toEqual([first, addDays(first, 3)]);
    expect(messages.map((m) => Date.parse(m.sendAt!))).toEqual(
      [first, addDays(first, 3)].map((d) => sendAtFor(d, '07:00', zone).getTime()),
    );
    expect(messages[0]!.body).toContain(text('p20a'));
    expect(messages[1]!.body).toContain(text('p20b'));
    // Every programme message carries her personal unsubscribe link (SMS to Nepal is one-way).
    for (const m of messages) expect(m.body).toMatch(/\/u\?t=/);
  }
  // No date: the general tip every day, unchanged.
  expect(scheduledTo('+9779846100003')).toHaveLength(8);

  // A rerun schedules nothing twice (per subscriber, per message).
  const again = await runAll({ date: first, days: 8 });
  expect(again.scheduled ?? 0).toBe(0);
  expect(scheduledTo('+9779846100001')).toHaveLength(2);
});

test('a birth date from the portal moves her to the baby set and cancels the pregnancy message no longer due', async () => {
  // Week 34 day 0 on `first`: the late-pregnancy stage (3 a week) has p34a that day.
  const edd = addDays(first, 6 * 7);
  expect((await register(system, { user_id: 'p3', phone: '9846100004', edd })).status).toBe(201);
  await system.sandbox.settle();
  await runAll({ date: first, days: 1 });
  const before = scheduledTo('+9779846100004');
  expect(before).toHaveLength(1);
  expect(before[0]!.body).toContain(text('p34a'));

  // Unsigned or bad dates change nothing.
  const unsigned = await system.post('/profile', {
    user_id: 'p3',
    phone: '9846100004',
    baby_dob: first,
    timestamp: unixNow(),
  });
  expect(unsigned.status).toBe(401);
  const bs = await profile({ user_id: 'p3', phone: '9846100004', baby_dob: '2083-08-16' });
  expect([bs.status, bs.json.error?.code]).toEqual([400, 'bikram_sambat_date']);
  const other = await profile({ user_id: 'someone-else', phone: '9846100004', baby_dob: addDays(first, -1) });
  expect(other.status).toBe(409);

  // Born the day before `first`: on `first` the baby is 1 day old (week 0, daily).
  const born = await profile({ user_id: 'p3', phone: '9846100004', baby_dob: addDays(first, -1) });
  expect(born.status).toBe(200);
  expect(born.json).toMatchObject({ status: 'updated', changed: true, baby_dob: addDays(first, -1), canceled: 1 });
  expect(system.sandbox.messages().find((m) => m.sid === before[0]!.sid)!.status).toBe('canceled');

  await runAll({ date: first, days: 2 });
  const after = scheduledTo('+9779846100004').sort((a, b) => a.sendAt!.localeCompare(b.sendAt!));
  expect(after.map((m) => localDateOf(new Date(m.sendAt!), KTM))).toEqual([first, addDays(first, 1)]);
  expect(after[0]!.body).toContain(text('b00a'));
  expect(after[1]!.body).toContain(text('b00b'));
  // The same again changes nothing.
  const same = await profile({ user_id: 'p3', phone: '9846100004', baby_dob: addDays(first, -1) });
  expect(same.json).toMatchObject({ changed: false, canceled: 0 });
});

test('stats count subscribers per set and stage, messages due per set, and the cadence per week', async () => {
  const res = await system.postJson('/admin/stats', {}, admin);
  expect(res.status).toBe(200);
  const programmesStats = res.json.programmes as {
    date: string;
    census: { subscribers: Record<string, number>; due: Record<string, number> } | null;
    cadence: Array<{ set: string; stage: string; perWeek: number }>;
  };
  expect(programmesStats.date).toBe(first);
  // The last run over `first` counted everyone active on that date.
  expect(programmesStats.census).toMatchObject({
    subscribers: { 'pregnancy/pregnancy': 2, 'baby/first-week': 1, general: 1 },
    due: { pregnancy: 2, baby: 1, general: 1 },
  });
  expect(programmesStats.cadence).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ set: 'pregnancy', stage: 'pregnancy', perWeek: 2 }),
      expect.objectContaining({ set: 'pregnancy', stage: 'late-pregnancy', perWeek: 3 }),
      expect.objectContaining({ set: 'baby', stage: 'first-week', perWeek: 7 }),
      expect.objectContaining({ set: 'baby', stage: 'to-12-months', perWeek: 1 }),
    ]),
  );
});
