/**
 * The loss path and failed delivery, through the real twilio-run and the sandbox: a loss reason
 * cancels every scheduled message in the same request and no tip follows; the supportive set is
 * sent only after a yes; failures in a row pause a subscriber; "not on WhatsApp" moves one to SMS.
 */
import { addDays } from '../../src/core/tip-time';
import { SUPPORT_SET } from '../../src/core/loss';
import { register, startSystem, waitFor, type HttpAnswer, type System } from '../helpers/system';

let system: System;
let admin: Record<string, string>;
const SUPPORT_CONTENT_SID = 'HX' + '3'.repeat(32);
beforeAll(async () => {
  system = await startSystem({
    env: { LOOKUP_MODE: 'off', SUPPORT_CONTENT_SID, UNREACHABLE_SUPPRESS_AFTER: '3' },
    sandbox: { failLater: { '+9779845200003': 30008, 'whatsapp:+9779845200004': 63024 } },
    forkPerRequest: false,
  });
  admin = { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` };
});
afterAll(async () => {
  // Every request the service made matched Twilio's published shapes.
  expect(system?.sandbox.violations() ?? []).toEqual([]);
  await system?.stop();
});

interface Stored {
  status: string;
  channel: string;
  unreachableCount: number;
  tips?: Record<string, string>;
  loss?: { reason: string; support: string; messages?: Record<string, string> };
  paused?: { reason: string; failures: number; errorCode?: number };
  channelSwitch?: { from: string; to: string; errorCode: number };
  consent: Array<{ action: string; source: string; reason?: string; scope?: string }>;
}

const subscriber = (e164: string): Stored | undefined => {
  for (let shard = 0; shard < 4; shard++) {
    const found = system.sandbox.syncItems(`subscribers-${shard}`).find((i) => i.key === e164);
    if (found) return found.data as Stored;
  }
  return undefined;
};
const messagesTo = (e164: string) => system.sandbox.messages().filter((m) => m.to.replace(/^whatsapp:/, '') === e164);
const welcomeTo = (e164: string) => messagesTo(e164).find((m) => !m.sendAt)!;
const tokenOf = (body: string | undefined) => /\/u\?t=([0-9a-zA-Z_-]+)/.exec(body ?? '')?.[1];
const postForm = (path: string, params: Record<string, string>): Promise<HttpAnswer> =>
  system.post(path, params, { sign: 'none' });
const later = (days: number) => addDays(new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10), days);

async function scheduleTips(date: string): Promise<Record<string, number>> {
  const res = await system.postJson('/admin/schedule-tips', { date, dryRun: false }, admin);
  expect(res.status).toBe(200);
  return res.json.counts as Record<string, number>;
}

describe('a loss reported on the personal page (Nepali SMS, one-way)', () => {
  const e164 = '+9779845200001';
  let token = '';

  test('a loss reason cancels every scheduled tip within the same request and offers, never sends, the set', async () => {
    expect((await register(system, { user_id: 'l1', phone: '9845200001', language: 'ne' })).status).toBe(201);
    token = tokenOf(welcomeTo(e164).body)!;
    expect(token).toBeDefined();
    await scheduleTips(later(0));
    await scheduleTips(later(1));
    const pending = messagesTo(e164).filter((m) => m.status === 'scheduled');
    expect(pending.length).toBeGreaterThanOrEqual(2);
    const before = messagesTo(e164).length;

    const res = await postForm('/u', { t: token, action: 'stop', reason: 'miscarriage' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('deeply sorry for your loss');
    expect(res.text).toContain('name="action" value="support"');
    expect(res.text).toContain('name="action" value="no_support"');
    // When the answer came, Twilio (the sandbox) already held every one of them as canceled.
    for (const m of pending) expect(system.sandbox.messages().find((x) => x.sid === m.sid)!.status).toBe('canceled');
    // Offered, not sent: no new message to the number.
    expect(messagesTo(e164)).toHaveLength(before);
    const record = subscriber(e164)!;
    expect(record).toMatchObject({ status: 'opted_out', loss: { reason: 'miscarriage', support: 'offered' } });
    expect(record.consent.at(-1)).toMatchObject({ action: 'opt_out', source: 'link', reason: 'miscarriage' });
  });

  test('no tip follows: the daily run skips the number', async () => {
    const before = messagesTo(e164).length;
    const counts = await scheduleTips(later(2));
    expect(counts.skipped_opted_out ?? 0).toBeGreaterThanOrEqual(1);
    expect(messagesTo(e164)).toHaveLength(before);
  });

  test('the set comes only after "a few supportive messages": scheduled, each with the way to stop', async () => {
    const before = messagesTo(e164).length;
    const res = await postForm('/u', { t: token, action: 'support' });
    expect(res.status).toBe(200);
    expect(res.text).toContain('supportive messages over the next month');
    const set = messagesTo(e164).slice(before);
    expect(set).toHaveLength(SUPPORT_SET.length);
    for (const m of set) {
      expect(m.status).toBe('scheduled');
      expect(m.body).toMatch(/^आमकेयर:/);
      expect(m.body).not.toMatch(/STOP|reply/i);
    }
    // Each carries the personal link but the last (nothing follows it).
    expect(set.filter((m) => tokenOf(m.body) === token)).toHaveLength(SUPPORT_SET.length - 1);
    const record = subscriber(e164)!;
    expect(record.loss).toMatchObject({ support: 'accepted' });
    expect(Object.values(record.loss!.messages!).sort()).toEqual(set.map((m) => m.sid).sort());
    expect(record.consent.at(-1)).toMatchObject({ action: 'opt_in', source: 'link', scope: 'support_set' });
    expect(record.status).toBe('opted_out');
    // A second yes (a double tap) sends nothing twice.
    await postForm('/u', { t: token, action: 'support' });
    expect(messagesTo(e164)).toHaveLength(before + SUPPORT_SET.length);
  });

  test('stopping the set cancels what is still scheduled', async () => {
    const res = await postForm('/u', { t: token, action: 'no_support' });
    expect(res.status).toBe(200);
    const sids = Object.values(subscriber(e164)!.loss!.messages!);
    for (const sid of sids) expect(system.sandbox.messages().find((m) => m.sid === sid)!.status).toBe('canceled');
    expect(subscriber(e164)!.loss!.support).toBe('declined');
  });

  test('the dashboard counts losses, never who', async () => {
    const res = await system.postJson('/admin/stats', {}, admin);
    expect(res.status).toBe(200);
    expect(res.json.losses.byReason.miscarriage).toBeGreaterThanOrEqual(1);
    expect(res.json.losses.supportAccepted).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(res.json)).not.toContain('200001');
  });
});

describe('a loss said by WhatsApp reply', () => {
  const e164 = '+9779845200002';

  test('a loss keyword stops everything and the reply offers the set; "1" schedules it as templates', async () => {
    expect((await register(system, { user_id: 'l2', phone: '9845200002', channel: 'whatsapp' })).status).toBe(201);
    const pending = await waitFor('the first tip', () =>
      messagesTo(e164).filter((m) => m.status === 'scheduled').length > 0 ? messagesTo(e164) : undefined,
    );
    const scheduled = pending.filter((m) => m.status === 'scheduled');
    const res = await system.sandbox.inbound({ from: `whatsapp:${e164}`, body: 'Stillbirth.' });
    expect(res.status).toBe(200);
    expect(res.body).toContain('sorry for your loss');
    expect(res.body).toContain('reply 1');
    for (const m of scheduled) expect(system.sandbox.messages().find((x) => x.sid === m.sid)!.status).toBe('canceled');
    expect(subscriber(e164)).toMatchObject({
      status: 'opted_out',
      loss: { reason: 'pregnancy_loss', support: 'offered' },
    });
    const before = messagesTo(e164).length;

    const yes = await system.sandbox.inbound({ from: `whatsapp:${e164}`, body: '1' });
    expect(yes.body).toContain('4 short supportive messages');
    const set = messagesTo(e164).slice(before);
    expect(set).toHaveLength(SUPPORT_SET.length);
    for (const m of set) expect(m.contentSid).toBe(SUPPORT_CONTENT_SID);
  });

  test('"1" from someone who reported no loss is no keyword', async () => {
    expect((await register(system, { user_id: 'l5', phone: '9845200005', channel: 'whatsapp' })).status).toBe(201);
    const res = await system.sandbox.inbound({ from: 'whatsapp:+9779845200005', body: '1' });
    expect(res.body).not.toContain('<Message>');
    expect(subscriber('+9779845200005')!.status).toBe('active');
  });
});

describe('failed delivery', () => {
  test('three failures in a row pause the subscriber; support sees paused and why', async () => {
    const e164 = '+9779845200003';
    expect((await register(system, { user_id: 'l3', phone: '9845200003' })).status).toBe(201);
    await scheduleTips(later(0));
    await scheduleTips(later(1));
    system.sandbox.fireScheduled();
    await system.sandbox.settle();
    const record = await waitFor('the pause', () =>
      subscriber(e164)?.status === 'suppressed' ? subscriber(e164) : undefined,
    );
    expect(record.paused).toMatchObject({ reason: 'failed_deliveries', failures: 3, errorCode: 30008 });
    const lookup = await system.postJson('/admin/subscriber', { phone: e164 }, admin);
    expect(lookup.status).toBe(200);
    expect(lookup.json.paused).toMatchObject({ reason: '3 failed deliveries in a row', errorCode: 30008 });
    const stats = await system.postJson('/admin/stats', {}, admin);
    expect(stats.json.delivery.paused).toBeGreaterThanOrEqual(1);
    // Paused: the daily run sends nothing more.
    const before = messagesTo(e164).length;
    expect((await scheduleTips(later(3))).skipped_suppressed).toBeGreaterThanOrEqual(1);
    expect(messagesTo(e164)).toHaveLength(before);
  });

  test('"not on WhatsApp" (63024) moves the subscriber to SMS, cancels WhatsApp tips and tells them by SMS with the link', async () => {
    const e164 = '+9779845200004';
    expect((await register(system, { user_id: 'l4', phone: '9845200004', channel: 'whatsapp' })).status).toBe(201);
    await system.sandbox.settle();
    const record = await waitFor('the switch', () =>
      subscriber(e164)?.channel === 'sms' ? subscriber(e164) : undefined,
    );
    expect(record).toMatchObject({
      status: 'active',
      channelSwitch: { from: 'whatsapp', to: 'sms', errorCode: 63024 },
    });
    const notice = await waitFor('the SMS notice', () => messagesTo(e164).find((m) => !m.to.startsWith('whatsapp:')));
    expect(notice.body).toMatch(/^Aamcare: We could not reach you on WhatsApp/);
    expect(tokenOf(notice.body)).toBeDefined();
    for (const m of messagesTo(e164).filter((x) => x.to.startsWith('whatsapp:') && x.sendAt))
      expect(m.status).toBe('canceled');
    // The next tip goes by SMS.
    await scheduleTips(later(4));
    const tip = messagesTo(e164).find((m) => m.sendAt && m.status === 'scheduled');
    expect(tip?.to).toBe(e164);
  });
});

describe('deleting personal data on request', () => {
  const e164 = '+9779845200006';
  const allOfSync = () =>
    system.sandbox.syncMaps().flatMap((map) => system.sandbox.syncItems(map).map((item) => ({ map, ...item })));

  test('an admin deletes it: scheduled messages canceled, no number left in Sync, the history kept anonymously', async () => {
    expect((await register(system, { user_id: 'l6', phone: '9845200006' })).status).toBe(201);
    await scheduleTips(later(0));
    const scheduled = messagesTo(e164).filter((m) => m.status === 'scheduled');
    expect(scheduled.length).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(allOfSync())).toContain('9845200006');

    const unauthorized = await system.postJson('/admin/delete-subscriber', { phone: '9845200006', confirm: 'delete' });
    expect(unauthorized.status).toBe(401);
    const refused = await system.postJson('/admin/delete-subscriber', { phone: '9845200006' }, admin);
    expect(refused.status).toBe(400);
    expect(subscriber(e164)?.status).toBe('active');
    const res = await system.postJson('/admin/delete-subscriber', { phone: '9845200006', confirm: 'delete' }, admin);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ deleted: true, masked: '+977******006' });
    expect(res.text).not.toContain('9845200006');

    for (const m of scheduled) expect(system.sandbox.messages().find((x) => x.sid === m.sid)!.status).toBe('canceled');
    const left = JSON.stringify(allOfSync());
    expect(left).not.toContain('9845200006');
    const trace = system.sandbox.syncItems('deletions').find((i) => i.key === res.json.record)!;
    expect(trace.data).toMatchObject({ source: 'admin' });
    const history = (trace.data as { history: Array<{ action: string }> }).history;
    expect(history[0]).toMatchObject({ action: 'opt_in' });
    expect(history.at(-1)).toMatchObject({ action: 'deleted', source: 'admin' });
    expect(JSON.stringify(trace.data)).not.toContain('l6');

    expect((await system.postJson('/admin/subscriber', { phone: e164 }, admin)).status).toBe(404);
    const stats = await system.postJson('/admin/stats', {}, admin);
    expect(stats.json.losses.deleted).toBeGreaterThanOrEqual(1);
    expect((await system.postJson('/admin/delete-subscriber', { phone: e164, confirm: 'delete' }, admin)).status).toBe(
      404,
    );
  });
});
