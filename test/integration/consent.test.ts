/**
 * Consent that works where people are: SMS to Nepal is one-way, so a Nepali SMS subscriber
 * stops through the personal link; US SMS and WhatsApp subscribers also by keyword; the
 * portal through /consent. Through the real twilio-run and the sandbox (Link Shortening on).
 */
import { addDays as shiftDate } from '../../src/core/tip-time';
import { tipCarriesLink } from '../../src/core/tips';
import { portalConsent, register, startSystem, type HttpAnswer, type System } from '../helpers/system';

let system: System;
let admin: Record<string, string>;
beforeAll(async () => {
  system = await startSystem({
    env: { LOOKUP_MODE: 'off', SHORTEN_URLS: 'true' },
    sandbox: { linkShortening: true },
    forkPerRequest: false,
  });
  admin = { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` };
});
afterAll(async () => system?.stop());

interface StoredSubscriber {
  status: string;
  userId: string;
  tips?: Record<string, string>;
  consent: Array<{ action: string; source: string; reason?: string; at: string }>;
}

const subscriber = (e164: string): StoredSubscriber | undefined => {
  for (let shard = 0; shard < 4; shard++) {
    const found = system.sandbox.syncItems(`subscribers-${shard}`).find((i) => i.key === e164);
    if (found) return found.data as StoredSubscriber;
  }
  return undefined;
};
const messagesTo = (e164: string) => system.sandbox.messages().filter((m) => m.to.replace(/^whatsapp:/, '') === e164);
const welcomeTo = (e164: string) => messagesTo(e164).find((m) => !m.sendAt)!;
const shortLinkIn = (body: string | undefined) => /(https?:\/\/\S+\/l\/[A-Za-z0-9]{10})/.exec(body ?? '')?.[1];

/** The first dates after tomorrow that carry the weekly link and that do not. */
function tipDates(): { linkDay: string; plainDay: string } {
  const start = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const days = Array.from({ length: 8 }, (_, i) => shiftDate(start, i));
  return { linkDay: days.find(tipCarriesLink)!, plainDay: days.find((d) => !tipCarriesLink(d))! };
}

async function scheduleTips(date: string): Promise<Record<string, number>> {
  const res = await system.postJson('/admin/schedule-tips', { date, dryRun: false }, admin);
  expect(res.status).toBe(200);
  expect(res.json.done).toBe(true);
  return res.json.counts as Record<string, number>;
}

function postForm(path: string, params: Record<string, string>): Promise<HttpAnswer> {
  return system.post(path, params, { sign: 'none' });
}

describe('a Nepali SMS subscriber (one-way): the personal link', () => {
  const e164 = '+9779845100001';
  let pageUrl = '';
  let token = '';

  test('the welcome never says "reply" and carries a shortened link to the personal page', async () => {
    expect((await register(system, { user_id: 'c1', phone: '9845100001', language: 'ne' })).status).toBe(201);
    const welcome = welcomeTo(e164);
    expect(welcome.body).not.toMatch(/reply|STOP|पठाउनुहोस्/i);
    const short = shortLinkIn(welcome.body);
    expect(short).toBeDefined();
    // The short link works: it redirects to our Function's page.
    const hop = await fetch(short!, { redirect: 'manual' });
    expect(hop.status).toBe(302);
    pageUrl = hop.headers.get('location')!;
    expect(pageUrl.startsWith(`${system.baseUrl}/u?t=`)).toBe(true);
    token = new URL(pageUrl).searchParams.get('t')!;
    expect(token.length).toBeLessThanOrEqual(28);
  });

  test('an inbound SMS from +977 is refused by the sandbox: no reply could ever arrive', async () => {
    const res = await system.sandbox.inbound({ from: e164, body: 'STOP' });
    expect(res.status).toBe(422);
    expect(res.refused).toMatch(/two-way SMS is not supported in NP/);
    expect(subscriber(e164)?.status).toBe('active');
  });

  test('tips: no "reply" ever; the personal link once a week', async () => {
    const { linkDay, plainDay } = tipDates();
    await scheduleTips(linkDay);
    await scheduleTips(plainDay);
    const tips = messagesTo(e164).filter((m) => m.sendAt);
    expect(tips.length).toBeGreaterThanOrEqual(2);
    for (const tip of tips) expect(tip.body).not.toMatch(/reply|STOP/i);
    const byDate = (date: string) => subscriber(e164)!.tips![date];
    expect(shortLinkIn(tips.find((m) => m.sid === byDate(linkDay))!.body)).toBeDefined();
    expect(shortLinkIn(tips.find((m) => m.sid === byDate(plainDay))!.body)).toBeUndefined();
  });

  test('opening the link (GET) only shows the confirm page, in Nepali and English; nothing changes', async () => {
    const page = await system.get(new URL(pageUrl).pathname + new URL(pageUrl).search);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.text).toContain('<form method="post"');
    expect(page.text).toContain('I lost my pregnancy or baby');
    expect(page.text).toMatch(/\p{Script=Devanagari}/u);
    expect(page.text).toContain('+977******001');
    expect(page.text).not.toContain(e164);
    // A link scanner that adds the form's fields to the URL still changes nothing.
    await system.get(`/u?t=${token}&action=stop&reason=other`);
    expect(subscriber(e164)?.status).toBe('active');
    expect(messagesTo(e164).filter((m) => m.status === 'canceled')).toHaveLength(0);
  });

  test('a forged or altered token shows "not valid" and changes nothing', async () => {
    const altered = token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');
    const res = await postForm('/u', { t: altered, action: 'stop' });
    expect(res.status).toBe(404);
    expect(subscriber(e164)?.status).toBe('active');
  });

  test('the button (POST) opts out with the reason in the history and cancels pending tips', async () => {
    const pending = messagesTo(e164).filter((m) => m.status === 'scheduled');
    expect(pending.length).toBeGreaterThanOrEqual(2);
    const res = await postForm('/u', { t: token, action: 'stop', reason: 'pregnancy_loss' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('deeply sorry for your loss');
    const record = subscriber(e164)!;
    expect(record.status).toBe('opted_out');
    expect(record.consent.at(-1)).toMatchObject({ action: 'opt_out', source: 'link', reason: 'pregnancy_loss' });
    for (const m of pending) expect(system.sandbox.messages().find((x) => x.sid === m.sid)!.status).toBe('canceled');
    // Canceled tips are forgotten: a later opt-in schedules them afresh.
    expect(Object.keys(record.tips ?? {})).toHaveLength(0);
    // Opening the link again shows the resubscribe button.
    const again = await system.get(`/u?t=${token}`);
    expect(again.text).toContain('name="action" value="start"');
  });

  test('resubscribe from the page makes the subscriber active again and tips come back', async () => {
    const res = await postForm('/u', { t: token, action: 'start' });
    expect(res.status).toBe(200);
    expect(subscriber(e164)).toMatchObject({ status: 'active' });
    expect(subscriber(e164)!.consent.at(-1)).toMatchObject({ action: 'opt_in', source: 'link' });
    const counts = await scheduleTips(tipDates().linkDay);
    expect(counts.scheduled).toBeGreaterThanOrEqual(1);
    expect(subscriber(e164)!.tips![tipDates().linkDay]).toMatch(/^SM/);
  });
});

describe('a US SMS subscriber (two-way): keywords', () => {
  const e164 = '+14155238811';

  test('the welcome says "reply STOP" and carries the link', async () => {
    expect((await register(system, { user_id: 'c2', phone: e164 })).status).toBe(201);
    const body = welcomeTo(e164).body!;
    expect(body).toMatch(/reply STOP/i);
    expect(shortLinkIn(body)).toBeDefined();
  });

  test('STOP -> START -> a tip is scheduled again; STOP twice cancels once', async () => {
    const date = tipDates().linkDay;
    await scheduleTips(date);
    const tipSid = subscriber(e164)!.tips![date]!;
    // Twilio's own keyword: Advanced Opt-Out answers it, we send no second reply.
    const stop = await system.sandbox.inbound({ from: e164, body: 'STOP' });
    expect(stop.status).toBe(200);
    expect(stop.body).not.toMatch(/<Message>/);
    expect(subscriber(e164)?.status).toBe('opted_out');
    expect(system.sandbox.messages().find((m) => m.sid === tipSid)!.status).toBe('canceled');
    const canceledBefore = messagesTo(e164).filter((m) => m.status === 'canceled').length;
    await system.sandbox.inbound({ from: e164, body: 'STOP' });
    expect(messagesTo(e164).filter((m) => m.status === 'canceled').length).toBe(canceledBefore);
    expect(system.logs()).not.toContain('tips.cancel_failed');

    await system.sandbox.inbound({ from: e164, body: 'START' });
    expect(subscriber(e164)?.status).toBe('active');
    const counts = await scheduleTips(date);
    expect(counts.scheduled).toBeGreaterThanOrEqual(1);
    const fresh = subscriber(e164)!.tips![date]!;
    expect(fresh).not.toBe(tipSid);
    expect(system.sandbox.messages().find((m) => m.sid === fresh)!.status).toBe('scheduled');
  });

  test('a romanized Nepali keyword Twilio does not know gets our confirmation, in Nepali', async () => {
    const res = await system.sandbox.inbound({ from: e164, body: 'band' });
    expect(res.body.match(/<Message>/g)).toHaveLength(1);
    expect(res.body).toMatch(/\p{Script=Devanagari}/u);
    expect(subscriber(e164)?.status).toBe('opted_out');
  });
});

describe('WhatsApp (two-way)', () => {
  test('बन्द is answered once, in Nepali, and opts out', async () => {
    const e164 = '+9779845100003';
    expect((await register(system, { user_id: 'c3', phone: '9845100003', channel: 'whatsapp' })).status).toBe(201);
    const res = await system.sandbox.inbound({ from: `whatsapp:${e164}`, body: 'बन्द' });
    expect(res.status).toBe(200);
    expect(res.body.match(/<Message>/g)).toHaveLength(1);
    expect(res.body).toMatch(/सदस्यता बन्द/);
    expect(subscriber(e164)!.consent.at(-1)).toMatchObject({ action: 'opt_out', source: 'whatsapp-keyword' });
  });
});

describe('portal /consent', () => {
  const e164 = '+9779845100004';

  test('unsigned or wrongly signed calls are refused and change nothing', async () => {
    expect((await register(system, { user_id: 'c4', phone: '9845100004' })).status).toBe(201);
    const fields = {
      user_id: 'c4',
      phone: '9845100004',
      action: 'opt_out',
      timestamp: String(Math.floor(Date.now() / 1000)),
    };
    expect((await system.post('/consent', fields, { sign: 'none' })).status).toBe(401);
    const forged = await system.post('/consent', fields, { headers: { 'X-Portal-Signature': 'AAAA' } });
    expect(forged.status).toBe(401);
    expect(subscriber(e164)?.status).toBe('active');
  });

  test('signed: opt out with a reason, then back in; ownership and registration are checked', async () => {
    const out = await portalConsent(system, {
      user_id: 'c4',
      phone: '9845100004',
      action: 'opt_out',
      reason: 'too_many',
    });
    expect(out.status).toBe(200);
    expect(out.json).toMatchObject({ status: 'opted_out', changed: true, phone: '+977******004' });
    expect(subscriber(e164)!.consent.at(-1)).toMatchObject({ action: 'opt_out', source: 'portal', reason: 'too_many' });
    const again = await portalConsent(system, { user_id: 'c4', phone: '9845100004', action: 'opt_out' });
    expect(again.json).toMatchObject({ status: 'opted_out', changed: false });
    const back = await portalConsent(system, { user_id: 'c4', phone: '9845100004', action: 'opt_in' });
    expect(back.json).toMatchObject({ status: 'active', changed: true });
    expect(
      (await portalConsent(system, { user_id: 'someone-else', phone: '9845100004', action: 'opt_out' })).status,
    ).toBe(409);
    expect((await portalConsent(system, { user_id: 'c4', phone: '9845100099', action: 'opt_out' })).status).toBe(404);
    expect(
      (await portalConsent(system, { user_id: 'c4', phone: '9845100004', action: 'pause' as 'opt_out' })).status,
    ).toBe(400);
  });
});

describe('what a Twilio refusal of a tip does', () => {
  test('a tip refused with 21610 opts the subscriber out', async () => {
    const e164 = '+9779845100005';
    expect((await register(system, { user_id: 'c5', phone: '9845100005' })).status).toBe(201);
    system.sandbox.configure({ refuse: { [e164]: 21610 } });
    await scheduleTips(shiftDate(tipDates().plainDay, 1));
    system.sandbox.configure({ refuse: {} });
    expect(subscriber(e164)?.status).toBe('opted_out');
    expect(subscriber(e164)!.consent.at(-1)).toMatchObject({ action: 'opt_out', source: 'twilio-21610' });
  });

  test('a WhatsApp tip failing with 63049 (Meta marketing limit) leaves the subscriber active', async () => {
    const e164 = '+9779845100006';
    expect((await register(system, { user_id: 'c6', phone: '9845100006', channel: 'whatsapp' })).status).toBe(201);
    await system.sandbox.settle();
    system.sandbox.configure({ failLater: { [e164]: 63049 } });
    await scheduleTips(shiftDate(tipDates().plainDay, 2));
    system.sandbox.fireScheduled();
    await system.sandbox.settle();
    system.sandbox.configure({ failLater: {} });
    expect(messagesTo(e164).some((m) => m.errorCode === 63049)).toBe(true);
    expect(subscriber(e164)).toMatchObject({ status: 'active', unreachableCount: 0 });
  });
});

describe('consent history for an auditor', () => {
  test('JSON and CSV per number, admin token only; numbers masked in every log line', async () => {
    expect((await system.postJson('/admin/consent-history', { phone: '9845100001' })).status).toBe(401);
    const res = await system.postJson('/admin/consent-history', { phone: '9845100001' }, admin);
    expect(res.status).toBe(200);
    expect(res.json.history.map((e: { action: string; source: string }) => `${e.action}:${e.source}`)).toEqual([
      'opt_in:portal-signup',
      'opt_out:link',
      'opt_in:link',
    ]);
    const csv = await system.postJson('/admin/consent-history', { phone: '9845100001', format: 'csv' }, admin);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    expect(csv.text.split('\r\n')[0]).toBe('"phone","user_id","time","action","source","reason"');
    expect(csv.text).toContain('"pregnancy_loss"');
    expect((await system.postJson('/admin/consent-history', { phone: '9845199999' }, admin)).status).toBe(404);
    for (const digits of ['9779845100001', '14155238811', '9779845100004']) expect(system.logs()).not.toContain(digits);
  });
});

test("every Twilio call in this file matched Twilio's OpenAPI specs", () => {
  expect(system.sandbox.violations()).toEqual([]);
});
