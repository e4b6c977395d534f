import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { portalConsent, register, startSystem, type System } from '../helpers/system';

const execFileAsync = promisify(execFile);

let system: System;
let admin: Record<string, string>;
beforeAll(async () => {
  // The daily run is tested alone here; scheduling at registration is tested in register.test.ts.
  system = await startSystem({
    env: { LOOKUP_MODE: 'off', SYNC_SHARDS: '3', TIPS_ON_REGISTER: 'false' },
    forkPerRequest: false,
  });
  admin = { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` };
  for (let i = 0; i < 24; i++)
    expect(
      (
        await register(system, {
          user_id: `t${i}`,
          phone: `98460000${String(i).padStart(2, '0')}`,
          language: i % 3 === 0 ? 'ne' : 'en',
        })
      ).status,
    ).toBe(201);
  expect((await register(system, { user_id: 'twa', phone: '9846000099', channel: 'whatsapp' })).status).toBe(201);
  await system.sandbox.settle();
  // SMS to Nepal is one-way (no STOP reply can arrive): the opt-out comes from the portal.
  expect((await portalConsent(system, { user_id: 't0', phone: '+9779846000000', action: 'opt_out' })).status).toBe(200);
}, 60_000);
afterAll(async () => system?.stop());

const scheduled = () => system.sandbox.messages().filter((m) => m.status === 'scheduled');

/** Loops slices like the CLI does. */
async function runAll(body: Record<string, unknown>) {
  const totals: Record<string, number> = {};
  let cursor: string | null = null;
  let slices = 0;
  do {
    // A real run is asked for explicitly (issue 14): dryRun: false unless the test says otherwise.
    const res = await system.postJson('/admin/schedule-tips', { dryRun: false, ...body, cursor }, admin);
    expect(res.status).toBe(200);
    for (const [k, v] of Object.entries(res.json.counts as Record<string, number>)) totals[k] = (totals[k] ?? 0) + v;
    cursor = res.json.done ? null : res.json.next;
    slices++;
  } while (cursor);
  return { totals, slices };
}

test('needs the admin token', async () => {
  expect((await system.postJson('/admin/schedule-tips', {})).status).toBe(401);
  expect((await system.postJson('/admin/schedule-tips', {}, { Authorization: 'Bearer wrong' })).status).toBe(401);
});

test('dry run counts without scheduling anything', async () => {
  const { totals } = await runAll({ dryRun: true });
  expect(totals).toMatchObject({ would_schedule: 24, skipped_opted_out: 1 });
  expect(scheduled()).toHaveLength(0);
});

test('schedules one tip per active subscriber at 07:00 Asia/Kathmandu; a rerun schedules nothing twice', async () => {
  const first = await runAll({});
  expect(first.totals).toMatchObject({ scheduled: 24, skipped_opted_out: 1 });
  const tips = scheduled();
  expect(tips).toHaveLength(24);
  // 07:00 at UTC+05:45 is 01:15 UTC.
  expect(new Set(tips.map((m) => new Date(m.sendAt!).toISOString().slice(11, 16)))).toEqual(new Set(['01:15']));
  expect(tips.some((m) => m.to === '+9779846000000')).toBe(false);
  const sms = tips.find((m) => m.to === '+9779846000001')!;
  // SMS to Nepal is one-way: never "reply STOP"; the personal link once a week (docs/consent.md).
  expect(sms.body).not.toMatch(/[Rr]eply|STOP/);
  expect(sms.body).toMatch(/\nAamcare/);
  expect(tips.find((m) => m.to === '+9779846000003')!.body).toMatch(/[\u0900-\u097f]/);
  const whatsapp = tips.find((m) => m.to === 'whatsapp:+9779846000099')!;
  expect(whatsapp).toMatchObject({ contentSid: system.env.TIP_CONTENT_SID });
  expect(whatsapp.body).toBeUndefined();
  // Everyone gets the same tip on a day.
  // (the tip's text: the footer may carry each subscriber's personal link)
  expect(
    new Set(tips.filter((m) => m.body && !/[\u0900-\u097f]/.test(m.body)).map((m) => m.body!.split('\n')[0])).size,
  ).toBe(1);

  const again = await runAll({});
  expect(again.totals).toMatchObject({ already_scheduled: 24 });
  expect(scheduled()).toHaveLength(24);
});

test('a subscriber who opts out later has the pending tip canceled', async () => {
  const tip = scheduled().find((m) => m.to === '+9779846000005')!;
  await portalConsent(system, { user_id: 't5', phone: '+9779846000005', action: 'opt_out' });
  expect(system.sandbox.messages().find((m) => m.sid === tip.sid)!.status).toBe('canceled');
});

test("several days ahead in one run, and Twilio's 35-day window is enforced before sending", async () => {
  const { totals } = await runAll({ days: 3 });
  expect(totals.scheduled).toBe(2 * 23); // the first day is already scheduled; two new days for 23 still-active subscribers
  const tooFar = await system.postJson(
    '/admin/schedule-tips',
    { date: new Date(Date.now() + 40 * 86_400_000).toISOString().slice(0, 10) },
    admin,
  );
  expect(tooFar.status).toBe(400);
  expect(tooFar.json.error).toMatchObject({ code: 'outside_schedule_window', twilioCode: 35114 });
  expect((await system.postJson('/admin/schedule-tips', { days: 99 }, admin)).json.error.code).toBe('invalid_days');
});

test('a scheduled tip, once sent, is delivered and counted', async () => {
  system.sandbox.fireScheduled();
  await system.sandbox.settle();
  const stats = await system.get('/admin/stats', admin);
  expect(stats.json.tips.delivered).toBeGreaterThan(0);
  expect(stats.json.tips.scheduled).toBe(24 + 46);
  expect(system.sandbox.violations()).toEqual([]);
});

test('CLI: npm run schedule-tips loops the slices and prints the totals', async () => {
  const root = join(__dirname, '..', '..');
  const { stdout } = await execFileAsync(
    join(root, 'node_modules', '.bin', 'tsx'),
    ['scripts/schedule-tips.ts', '--url', system.baseUrl, '--dry-run', '--days', '2'],
    {
      cwd: root,
      env: { ...process.env, ADMIN_TOKEN: system.env.ADMIN_TOKEN },
    },
  );
  expect(stdout).toMatch(/dry run for \d{4}-\d{2}-\d{2}, \d{4}-\d{2}-\d{2} in \d+ slice\(s\)/);
  expect(stdout).toContain('already_scheduled');
  expect(stdout).not.toContain(system.env.ADMIN_TOKEN!);
});
