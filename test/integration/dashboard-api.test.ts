/**
 * The admin routes behind the dashboard, over HTTP against the real twilio-run + sandbox with a
 * seeded day (test/helpers/dashboard-seed.ts): every outcome counted in /admin/stats, the rates
 * and their trend, tomorrow's tip audience and cost, /admin/events in words with kinds and
 * paging, and the support look-up of one number (masked answers only).
 */
import { SEEDED, startSeededSystem } from '../helpers/dashboard-seed';
import type { System } from '../helpers/system';

let system: System;
let admin: Record<string, string>;

beforeAll(async () => {
  system = await startSeededSystem();
  admin = { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` };
}, 120_000);
afterAll(async () => {
  expect(system?.sandbox.violations() ?? []).toEqual([]);
  await system?.stop();
});

const stats = async () => {
  const res = await system.get('/admin/stats', admin);
  expect(res.status).toBe(200);
  return res.json;
};

describe('/admin/stats counts every outcome', () => {
  test('registrations: new, repeats, invalid by reason, refused by code, rate limited, needs_join', async () => {
    const s = await stats();
    expect(s.registrations).toMatchObject({
      created: SEEDED.created,
      alreadyRegistered: SEEDED.alreadyRegistered,
      invalid: SEEDED.invalid,
      invalidTotal: 3,
      rejected: { '21211': 1 },
      rejectedTotal: 1,
      rateLimited: SEEDED.rateLimited,
      needsJoin: SEEDED.needsJoin,
      twilioConfiguration: 0,
    });
    expect(s.registrations.rejectedCodes).toEqual([
      { code: 21211, count: 1, category: 'invalid_number', description: "Invalid 'To' phone number" },
    ]);
    expect(s.subscribers.active).toBe(SEEDED.active);
    expect(s.consent).toEqual({ optOuts: SEEDED.optOuts, optIns: SEEDED.optIns });
  });

  test('first tips scheduled at registration are counted; an expired welcome is counted as failed and expired', async () => {
    const s = await stats();
    expect(s.tips.scheduled).toBe(SEEDED.tipsScheduled);
    expect(s.tips.canceled).toBe(2); // the two opt-outs' pending first tips
    expect(s.welcome.expired).toBe(SEEDED.expired);
    expect(s.welcome.undelivered).toBe(2); // 30003 and 30036
    const today = s.daily[s.daily.length - 1];
    expect(today).toMatchObject({
      registrations: SEEDED.created,
      invalid: 3,
      invalidByReason: SEEDED.invalid,
      rejected: 1,
      failed: 2,
      expired: 1,
      tipsScheduled: SEEDED.tipsScheduled,
      optOuts: SEEDED.optOuts,
      optIns: SEEDED.optIns,
    });
    expect(s.daily).toHaveLength(30);
  });

  test('rates are percentages of what is known, with the previous period beside them', async () => {
    const s = await stats();
    const delivered = s.welcome.delivered;
    expect(delivered).toBe(SEEDED.created - 2);
    expect(s.rates.welcomeDelivery).toEqual({ value: delivered / (delivered + 2), previous: null, changePoints: null });
    expect(s.rates.tipDelivery.value).toBeNull(); // no tip has gone out yet
    expect(s.rates.optOut.value).toBeCloseTo(SEEDED.optOuts / delivered, 10);
    expect(s.rates.previousRange).toEqual({
      from: addDays(s.range.from, -30),
      to: addDays(s.range.from, -1),
    });
    // A range longer than a quarter is not compared (it would read twice the counters).
    const long = await system.postJson('/admin/stats', { from: addDays(s.range.to, -99), to: s.range.to }, admin);
    expect(long.json.rates.previousRange).toBeNull();
    expect(long.json.rates.welcomeDelivery).toEqual({
      value: s.rates.welcomeDelivery.value,
      previous: null,
      changePoints: null,
    });
    expect(long.json.daily).toHaveLength(100);
  });

  test("tomorrow's tip: audience by language, channel and country, and its cost at the configured prices", async () => {
    const f = (await stats()).tipForecast;
    expect(f.audience).toMatchObject({
      active: SEEDED.active,
      byLanguage: { en: SEEDED.active, ne: 0, unknown: 0 },
      byChannel: { sms: SEEDED.active, whatsapp: 0, unknown: 0 },
      byCountry: { NP: SEEDED.active },
    });
    expect(f.cost).toEqual({
      currency: 'USD',
      total: Math.round(SEEDED.active * f.segmentsPerTip.en * 0.1 * 10_000) / 10_000,
      complete: true,
      rows: [
        {
          channel: 'sms',
          country: 'NP',
          subscribers: SEEDED.active,
          units: SEEDED.active * f.segmentsPerTip.en,
          unitPrice: 0.1,
          cost: Math.round(SEEDED.active * f.segmentsPerTip.en * 0.1 * 10_000) / 10_000,
        },
      ],
      unpriced: [],
    });
    expect(f.drainSeconds).toBe(Math.ceil(f.totalSegments / f.segmentsPerSecond));
  });
});

describe('/admin/events', () => {
  const page = async (query: Record<string, unknown>) => {
    const res = await system.postJson('/admin/events', query, admin);
    expect(res.status).toBe(200);
    return res.json as { events: Array<Record<string, string>>; next: string | null; timezone: string };
  };

  test('events in words, newest first, masked numbers only', async () => {
    const { events, timezone } = await page({ limit: 50 });
    expect(timezone).toBe('Asia/Kathmandu');
    expect(events).toHaveLength(SEEDED.events);
    const times = events.map((e) => e.time!);
    expect([...times].sort().reverse()).toEqual(times);
    const texts = events.map((e) => e.text);
    expect(texts).toContain('+977******000 opted out on the portal');
    expect(texts).toContain('+977******010 opted in again on the portal');
    expect(texts).toContain("+977******001 was refused by Twilio: 21211 Invalid 'To' phone number");
    expect(texts).toContain('The welcome to +977******090 expired in the queue (30036, not sent)');
    expect(texts).toContain(
      'The welcome to +977******004 failed: 30003 Unreachable destination handset (off or out of coverage)',
    );
    expect(texts.some((t) => /^\+977\*{6}070 has not joined the WhatsApp sandbox yet \(63015\)/.test(t!))).toBe(true);
    expect(texts.filter((t) => /registered; welcome sent by SMS$/.test(t!))).toHaveLength(SEEDED.created);
    expect(JSON.stringify(events)).not.toMatch(/\+?977984700\d{4}/);
  });

  test('filtered by kind', async () => {
    const optOuts = await page({ kind: 'opt_out' });
    expect(optOuts.events.map((e) => e.kind)).toEqual(['opt_out', 'opt_out']);
    expect(optOuts.next).toBeNull();
    const delivery = await page({ kind: 'delivery' });
    expect(delivery.events).toHaveLength(2);
    expect((await page({ kind: 'registration' })).events).toHaveLength(SEEDED.created + 2);
  });

  test('paged: every event exactly once, pages of the asked size, then next null', async () => {
    const all = (await page({ limit: 50 })).events;
    const seen: Array<Record<string, string>> = [];
    let next: string | null = null;
    let pages = 0;
    do {
      const answer = await page({ limit: 4, ...(next ? { before: next } : {}) });
      if (answer.next) expect(answer.events).toHaveLength(4);
      seen.push(...answer.events);
      next = answer.next;
      pages++;
    } while (next && pages < 20);
    expect(seen).toEqual(all);
    expect(pages).toBe(Math.ceil(SEEDED.events / 4));
  });

  test('bad queries are refused with the field; no token, no events', async () => {
    for (const [query, code] of [
      [{ kind: 'everything' }, 'invalid_kind'],
      [{ limit: 0 }, 'invalid_limit'],
      [{ limit: 51 }, 'invalid_limit'],
      [{ before: '../../x' }, 'invalid_cursor'],
    ] as const) {
      const res = await system.postJson('/admin/events', query, admin);
      expect(res.status).toBe(400);
      expect(res.json.error.code).toBe(code);
    }
    // Fields travel in the body only, declared ones only (issue 14); a plain GET is the newest page.
    expect((await system.get('/admin/events?kind=opt_out', admin)).status).toBe(400);
    expect((await system.postJson('/admin/events', { phone: '+9779847000000' }, admin)).status).toBe(400);
    expect((await system.get('/admin/events', admin)).json.events).toHaveLength(SEEDED.events);
    expect((await system.postJson('/admin/events', {})).status).toBe(401);
  });
});

describe('POST /admin/subscriber: one number for a support call', () => {
  const lookUp = (phone: unknown, headers = admin) => system.postJson('/admin/subscriber', { phone }, headers);

  test('status, welcome, consent history and the last messages, with the number masked only', async () => {
    const res = await lookUp('984-700-0000');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      masked: '+977******000',
      userId: 'd0',
      status: 'opted_out',
      channel: 'sms',
      language: 'en',
      country: 'NP',
      welcome: { state: 'sent', status: 'delivered' },
      tips: [],
    });
    expect(res.json.consent.map((c: { action: string; source: string }) => [c.action, c.source])).toEqual([
      ['opt_in', 'portal-signup'],
      ['opt_out', 'portal'],
    ]);
    // The welcome, delivered, and the first tip, canceled at the opt-out.
    const kinds = res.json.messages.map((m: { kind: string; status: string }) => [m.kind, m.status]);
    expect(kinds).toEqual(expect.arrayContaining([['welcome', 'delivered']]));
    expect(res.json.messages.find((m: { kind: string }) => m.kind === 'welcome').segments).toBeGreaterThan(0);
    expect(res.text).not.toContain('9847000000');
    expect(res.text).not.toMatch(/"body"/);
  });

  test('a failed welcome says why', async () => {
    const res = await lookUp('+9779800000004');
    expect(res.json.welcome).toMatchObject({
      status: 'undelivered',
      errorCode: 30003,
      error: 'Unreachable destination handset (off or out of coverage)',
    });
    expect(res.json.unreachableCount).toBe(1);
    expect(res.json.tips).toHaveLength(1);
    expect(res.json.tips[0]).toMatchObject({ state: 'scheduled' });
    expect(res.text).not.toContain('9800000004');
  });

  test('not registered: 404 with the masked number; not a number: 400; no token: 401', async () => {
    const unknown = await lookUp('+9779847009999');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error).toMatchObject({ code: 'not_registered', masked: '+977******999' });
    expect(unknown.text).not.toContain('9847009999');
    expect((await lookUp('12')).json.error).toMatchObject({ code: 'too_short', field: 'phone' });
    expect((await lookUp('+9779847000000', {})).status).toBe(401);
  });
});

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
