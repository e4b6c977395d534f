/**
 * Tips sent inside a window, each subscriber at 07:00 in their own zone: 2,000 Nepali
 * subscribers at 2 segments/s through twilio-run and the sandbox, the queue simulated (no
 * waiting in real time). The forecast (first schedule-tips slice, /admin/stats, doctor)
 * matches the simulated drain within 5%; nothing expires or overflows; a US number's tip
 * goes out at 07:00 America/New_York, and a portal-given zone is honoured.
 */
import { GAUGE } from '../../src/core/activity';
import { shardedName } from '../../src/core/shard';
import { newSubscriber, type Subscriber } from '../../src/core/subscriber';
import { parseTips } from '../../src/core/tips';
import { runDoctor } from '../../src/ops/doctor';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { register, startSystem, type System } from '../helpers/system';

const SUBSCRIBERS = 2000;
const MPS = 2;
const SHARDS = 2;
let system: System;
let admin: Record<string, string>;

/** The all-time gauges the forecast reads, as registrations would have left them (slot 9: registrations use 0-7). */
function seedGauges(active: number, ne: number, en: number) {
  system.sandbox.putItem('counters-0', 'all-time~9', {
    [GAUGE.active]: active,
    [GAUGE.activeIn('ne')]: ne,
    [GAUGE.activeIn('en')]: en,
  });
}

beforeAll(async () => {
  system = await startSystem({
    env: { LOOKUP_MODE: 'off', SYNC_SHARDS: String(SHARDS), TIPS_ON_REGISTER: 'false', SENDER_MPS: String(MPS) },
    sandbox: { senderMps: MPS, statusCallbacks: false, statusStepMs: 0 },
    forkPerRequest: false,
  });
  admin = { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` };
  // Through /register: the zone comes from the number, or from the portal's field.
  expect((await register(system, { user_id: 'us1', phone: '+12125550123', language: 'en' })).status).toBe(201);
  expect(
    (await register(system, { user_id: 'uk1', phone: '9846000001', language: 'en', timezone: 'Europe/London' })).status,
  ).toBe(201);
  await system.sandbox.settle();
  // Seeded: 2,000 welcomed Nepali subscribers, 80% reading Nepali, records from before time zones.
  const now = new Date();
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const e164 = `+977985${String(i).padStart(7, '0')}`;
    const subscriber: Subscriber = {
      ...newSubscriber({
        userId: `w${i}`,
        channel: 'sms',
        language: i % 5 === 0 ? 'en' : 'ne',
        country: 'NP',
        source: 'portal-signup',
        now,
      }),
      welcome: { state: 'sent', attempts: 1, messageSid: 'SM' + '0'.repeat(32) },
    };
    system.sandbox.putItem(shardedName('subscribers', e164, SHARDS), e164, subscriber);
  }
  seedGauges(SUBSCRIBERS, SUBSCRIBERS * 0.8, SUBSCRIBERS * 0.2);
}, 120_000);
afterAll(async () => system?.stop());
afterEach(() => expect(system.sandbox.violations()).toEqual([]));

async function runAll(body: Record<string, unknown> = {}) {
  const totals: Record<string, number> = {};
  let cursor: string | null = null;
  let forecast: Array<Record<string, any>> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  do {
    const res = await system.postJson('/admin/schedule-tips', { dryRun: false, ...body, cursor }, admin);
    expect(res.status).toBe(200);
    forecast ??= res.json.forecast;
    for (const [k, v] of Object.entries(res.json.counts as Record<string, number>)) totals[k] = (totals[k] ?? 0) + v;
    cursor = res.json.done ? null : res.json.next;
  } while (cursor);
  return { totals, forecast: forecast![0]! };
}

const localClock = (iso: string, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
    new Date(iso),
  );

test('when the window would pass the validity period, schedule-tips refuses before sending anything', async () => {
  seedGauges(SUBSCRIBERS * 100, SUBSCRIBERS * 80, SUBSCRIBERS * 20);
  const refused = await system.postJson('/admin/schedule-tips', { dryRun: false }, admin);
  seedGauges(SUBSCRIBERS, SUBSCRIBERS * 0.8, SUBSCRIBERS * 0.2);
  expect(refused.status).toBe(409);
  expect(refused.json.error).toMatchObject({ code: 'window_exceeds_validity' });
  expect(refused.json.error.forecast.overrunMinutes).toBeGreaterThan(0);
  expect(refused.json.error.forecast.neededSegmentsPerSecond).toBeGreaterThan(MPS);
  expect(system.sandbox.messages().filter((m) => m.status === 'scheduled')).toHaveLength(0);
  const bad = await system.postJson('/admin/schedule-tips', { dryRun: false, allowOverrun: 'maybe' }, admin);
  expect(bad.status).toBe(400);
  expect(bad.json.error).toMatchObject({ code: 'invalid_field', field: 'allowOverrun' });
});

test('2,000 subscribers at 2 segments/s: spread over the forecast window, none expired, none overflowed', async () => {
  const { totals, forecast } = await runAll();
  expect(totals).toEqual({ scheduled: SUBSCRIBERS + 2 });
  expect(forecast).toMatchObject({ withinValidity: true, segmentsPerSecond: MPS });

  expect(system.sandbox.fireScheduled()).toBe(SUBSCRIBERS + 2);
  await system.sandbox.settle();
  const tips = system.sandbox.messages().filter((m) => m.sendAt);
  expect(tips.filter((m) => m.status !== 'delivered').map((m) => [m.status, m.errorCode])).toEqual([]);

  const nepal = tips.filter((m) => m.to.startsWith('+977') && m.to !== '+9779846000001');
  const start = Math.min(...nepal.map((m) => Date.parse(m.sendAt!)));
  expect(localClock(new Date(start).toISOString(), 'Asia/Kathmandu')).toBe('07:00');
  // The queue never holds more than about a minute of work (simulated time).
  const waits = nepal.map((m) => (Date.parse(m.leftQueueAt!) - Date.parse(m.enteredQueueAt!)) / 1000);
  expect(Math.max(...waits)).toBeLessThanOrEqual(90);
  // Each tip's ValidityPeriod ends at 07:00 + TIP_VALIDITY_MINUTES.
  for (const m of nepal.slice(0, 50))
    expect(Date.parse(m.sendAt!) + m.validityPeriod! * 1000).toBe(start + 240 * 60_000);
  // The simulated drain matches the forecast within 5%.
  const drained = (Math.max(...nepal.map((m) => Date.parse(m.leftQueueAt!))) - start) / 1000;
  expect(Math.abs(drained - forecast.drainSeconds) / forecast.drainSeconds).toBeLessThan(0.05);
}, 600_000);

test("a US number's tip goes out at 07:00 America/New_York; a portal-given zone is honoured", async () => {
  const us = system.sandbox.messages().find((m) => m.to === '+12125550123' && m.sendAt)!;
  expect(localClock(us.sendAt!, 'America/New_York')).toBe('07:00');
  expect(localClock(us.leftQueueAt!, 'America/New_York')).toBe('07:00');
  const uk = system.sandbox.messages().find((m) => m.to === '+9779846000001' && m.sendAt)!;
  expect(localClock(uk.sendAt!, 'Europe/London')).toBe('07:00');
  // Records from before time zones got theirs with the tip.
  const seeded = system.sandbox.syncItems(shardedName('subscribers', '+9779850000001', SHARDS));
  expect(seeded.find((i) => i.key === '+9779850000001')!.data).toMatchObject({ timeZone: 'Asia/Kathmandu' });
});

test('the forecast in /admin/stats and in doctor reports the same figures', async () => {
  const stats = await system.get('/admin/stats', admin);
  expect(stats.status).toBe(200);
  const f = stats.json.tipForecast;
  expect(f).toMatchObject({ activeSubscribers: SUBSCRIBERS + 2, segmentsPerSecond: MPS, withinValidity: true });
  expect(f.totalSegments).toBe(f.segmentsPerTip.ne * 1600 + f.segmentsPerTip.en * 402);
  expect(f.drainSeconds).toBe(Math.ceil(f.totalSegments / MPS));
  expect(f.latestLocalArrival).toMatch(/^07:\d\d$/);

  const tips = parseTips(JSON.parse(readFileSync(join(__dirname, '../../src/assets/tips.private.json'), 'utf8')));
  const checks = await runDoctor(system.env, { tips });
  const check = checks.find((c) => c.name === 'tip forecast')!;
  expect(check).toMatchObject({ ok: true });
  expect(check.detail).toContain(`${SUBSCRIBERS + 2} active`);
  expect(check.detail).toContain(`${f.totalSegments} segments`);

  // The clinical review of the deployed content, for the dashboard: every tip is counted once.
  const review = stats.json.content.tips;
  expect(review.total).toBe(tips.length);
  expect(review.reviewed + review.unreviewed.length + review.changedSinceReview.length).toBe(tips.length);
  // Every text of messages.json (welcome, replies, the loss path's set...) is counted once.
  const messages = JSON.parse(readFileSync(join(__dirname, '../../src/core/content/messages.json'), 'utf8'));
  expect(stats.json.content.messages.total).toBe(Object.keys(messages).length);
  expect(stats.json.content.messages.total).toBeGreaterThan(0);
});
