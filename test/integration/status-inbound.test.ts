import twilio from 'twilio';
import { shardedName } from '../../src/core/shard';
import { createTwilioClient } from '../../src/twilio/client';
import { createSyncStore } from '../../src/twilio/sync-store';
import { register, startSystem, type System } from '../helpers/system';

let system: System;
beforeAll(async () => {
  system = await startSystem({
    // TIPS_LOCAL_TIME: the welcome and the replies say the setting, never a fixed hour.
    env: {
      LOOKUP_MODE: 'off',
      UNREACHABLE_SUPPRESS_AFTER: '2',
      SMS_ADVANCED_OPT_OUT: 'false',
      TIPS_LOCAL_TIME: '06:30',
    },
  });
});
afterAll(async () => system?.stop());

const subscriber = (e164: string) => {
  for (let shard = 0; shard < 4; shard++) {
    const found = system.sandbox.syncItems(`subscribers-${shard}`).find((i) => i.key === e164);
    if (found)
      return found.data as {
        status: string;
        welcome: { status?: string; messageSid?: string };
        unreachableCount: number;
        consent: Array<{ action: string; source: string }>;
      };
  }
  return undefined;
};

const messageRecord = (sid: string) => {
  for (let shard = 0; shard < 4; shard++) {
    const found = system.sandbox.syncItems(`messages-${shard}`).find((i) => i.key === sid);
    if (found) return found.data as { status: string };
  }
  return undefined;
};

async function callback(params: Record<string, string>, sign = true) {
  return system.post('/status-callback', params, { sign: sign ? 'twilio' : 'none' });
}

describe('POST /status-callback', () => {
  test('statuses only move forward, in order and out of order; duplicates count once', async () => {
    const res = await register(system, { user_id: 's1', phone: '9844000001' });
    const sid = res.json.welcome.messageSid as string;
    await system.sandbox.settle();
    expect(messageRecord(sid)?.status).toBe('delivered');
    // A late `sent` and a duplicate `delivered` change nothing.
    const base = { MessageSid: sid, To: '+9779844000001', AccountSid: system.env.ACCOUNT_SID! };
    expect((await callback({ ...base, MessageStatus: 'sent' })).status).toBe(204);
    expect((await callback({ ...base, MessageStatus: 'delivered' })).status).toBe(204);
    expect(messageRecord(sid)?.status).toBe('delivered');
    expect((await callback({ ...base, MessageStatus: 'read' })).status).toBe(204);
    expect(messageRecord(sid)?.status).toBe('read');
    expect(subscriber('+9779844000001')?.welcome.status).toBe('read');
    const stats = await system.get('/admin/stats', { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` });
    expect(stats.json.welcome).toMatchObject({ delivered: 1, read: 1, sent: 1 });
  });

  test('bad or missing signature -> 403 and nothing recorded', async () => {
    const res = await register(system, { user_id: 's2', phone: '9844000002' });
    const sid = res.json.welcome.messageSid as string;
    await system.sandbox.settle();
    const forged = await callback({ MessageSid: sid, MessageStatus: 'failed', ErrorCode: '21610' }, false);
    expect(forged.status).toBe(403);
    const wrongKey = await system.post(
      '/status-callback',
      { MessageSid: sid, MessageStatus: 'failed', ErrorCode: '21610' },
      {
        headers: {
          'X-Twilio-Signature': twilio.getExpectedTwilioSignature('f'.repeat(32), `${system.baseUrl}/status-callback`, {
            MessageSid: sid,
            MessageStatus: 'failed',
            ErrorCode: '21610',
          }),
        },
      },
    );
    expect(wrongKey.status).toBe(403);
    expect(messageRecord(sid)?.status).toBe('delivered');
    expect(subscriber('+9779844000002')?.status).toBe('active');
  });

  test('unknown MessageSid is acknowledged and logged', async () => {
    const res = await callback({ MessageSid: 'SM' + 'e'.repeat(32), MessageStatus: 'delivered' });
    expect(res.status).toBe(204);
    expect(system.logs()).toContain('status.unknown_message');
  });

  test('error 21610 by callback opts the subscriber out; later callbacks for that message are ignored', async () => {
    system.sandbox.configure({ statusStepMs: 1500 });
    const res = await register(system, { user_id: 's3', phone: '9844000003' });
    system.sandbox.configure({ statusStepMs: 20 });
    const sid = res.json.welcome.messageSid as string;
    const failed = await callback({
      MessageSid: sid,
      MessageStatus: 'failed',
      ErrorCode: '21610',
      To: '+9779844000003',
    });
    expect(failed.status).toBe(204);
    expect(subscriber('+9779844000003')).toMatchObject({ status: 'opted_out', welcome: { status: 'failed' } });
    expect(subscriber('+9779844000003')!.consent.at(-1)).toMatchObject({ action: 'opt_out', source: 'twilio-21610' });
    await system.sandbox.settle();
    expect(messageRecord(sid)?.status).toBe('failed');
  });

  test('unreachable N times in a row suppresses the number (N=2 here)', async () => {
    const e164 = '+9779800000004'; // sandbox: 30003 undelivered
    const res = await register(system, { user_id: 's4', phone: e164 });
    expect(res.status).toBe(201);
    await system.sandbox.settle();
    expect(subscriber(e164)).toMatchObject({
      unreachableCount: 1,
      status: 'active',
      welcome: { status: 'undelivered' },
    });
    // A second message (a tip) to the same handset also comes back unreachable.
    const tipSid = 'SM' + 'a'.repeat(31) + '4';
    const store = createSyncStore({
      client: createTwilioClient(system.env),
      serviceSid: system.env.SYNC_SERVICE_SID!,
      deadline: () => Date.now() + 5000,
    });
    await store.create(shardedName('messages', tipSid, 4), tipSid, {
      kind: 'tip',
      e164,
      userId: 's4',
      status: 'queued',
      createdAt: new Date().toISOString(),
    });
    await callback({ MessageSid: tipSid, MessageStatus: 'undelivered', ErrorCode: '30003', To: e164 });
    expect(subscriber(e164)).toMatchObject({ unreachableCount: 2, status: 'suppressed' });
    const again = await register(system, { user_id: 's4', phone: e164 });
    expect(again.json.status).toBe('suppressed');
  });
});

describe('POST /incoming', () => {
  // SMS replies only arrive from two-way countries (the sandbox refuses +977 SMS inbound): US numbers here.
  test('STOP opts out with a consent entry and a confirmation; a registration retry and a send attempt send nothing; START restores', async () => {
    await register(system, { user_id: 'k1', phone: '+14155238801' });
    await system.sandbox.settle();
    // US SMS is two-way: the welcome says the tip time from the setting, HELP and "reply STOP".
    const welcome = system.sandbox.messages().find((m) => m.to === '+14155238801' && !m.sendAt)!;
    expect(welcome.body).toMatch(/every day at 6:30 AM\. Reply HELP for help\. To stop, reply STOP or visit http/);
    const stop = await system.sandbox.inbound({ from: '+14155238801', body: ' Stop! ' });
    expect(stop.status).toBe(200);
    expect(stop.body).toMatch(/<Message>.*unsubscribed/s);
    const record = subscriber('+14155238801')!;
    expect(record.status).toBe('opted_out');
    expect(record.consent.at(-1)).toMatchObject({ action: 'opt_out', source: 'sms-keyword' });

    const before = system.sandbox.messages().length;
    const retry = await register(system, { user_id: 'k1', phone: '+14155238801' });
    expect(retry.json.status).toBe('opted_out');
    expect(system.sandbox.messages().length).toBe(before);

    const start = await system.sandbox.inbound({ from: '+14155238801', body: 'START' });
    expect(start.body).toMatch(/welcome back/i);
    expect(start.body).toContain('every day at 6:30 AM');
    expect(subscriber('+14155238801')?.status).toBe('active');
  });

  test('STOP cancels tips already scheduled for that subscriber', async () => {
    const e164 = '+14155238804';
    await register(system, { user_id: 'k4', phone: e164 });
    await system.sandbox.settle();
    // A tip scheduled for tomorrow, recorded on the subscriber the way the tip scheduler does.
    const client = createTwilioClient(system.env);
    const tip = await client.messages.create({
      to: e164,
      messagingServiceSid: system.env.MESSAGING_SERVICE_SID!,
      body: 'tip',
      scheduleType: 'fixed',
      sendAt: new Date(Date.now() + 86_400_000),
    });
    const store = createSyncStore({
      client,
      serviceSid: system.env.SYNC_SERVICE_SID!,
      deadline: () => Date.now() + 5000,
    });
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const map = shardedName('subscribers', e164, 4);
    const item = await store.get<Record<string, unknown>>(map, e164);
    await store.update(map, e164, { ...item!.data, tips: { [tomorrow]: tip.sid } }, item!.revision);

    await system.sandbox.inbound({ from: e164, body: 'STOP' });
    expect(system.sandbox.messages().find((m) => m.sid === tip.sid)?.status).toBe('canceled');
    expect(system.logs()).toContain('tips.canceled');
  });

  test('HELP answers with how to stop; Nepali keywords work', async () => {
    await register(system, { user_id: 'k2', phone: '+14155238802', language: 'ne' });
    const help = await system.sandbox.inbound({ from: '+14155238802', body: 'मद्दत' });
    expect(help.body).toMatch(/STOP/);
    const stop = await system.sandbox.inbound({ from: '+14155238802', body: 'रोक' });
    expect(stop.body).toMatch(/<Message>/);
    expect(subscriber('+14155238802')?.status).toBe('opted_out');
  });

  test('WhatsApp STOP works the same', async () => {
    await register(system, { user_id: 'k3', phone: '9845000003', channel: 'whatsapp' });
    const stop = await system.sandbox.inbound({ from: 'whatsapp:+9779845000003', body: 'stop' });
    expect(stop.body).toMatch(/<Message>/);
    expect(subscriber('+9779845000003')?.consent.at(-1)).toMatchObject({
      action: 'opt_out',
      source: 'whatsapp-keyword',
    });
  });

  test('short codes and alphanumeric senders get no reply', async () => {
    for (const from of ['12345', 'AAMCARE', 'whatsapp:VERIFY']) {
      const res = await system.sandbox.inbound({ from, body: 'STOP' });
      expect(res.status).toBe(200);
      expect(res.body).not.toMatch(/<Message>/);
    }
  });

  test('unknown senders get a "not registered" answer at most once a day', async () => {
    const first = await system.sandbox.inbound({ from: '+14155238899', body: 'hello' });
    expect(first.body).toMatch(/not registered/);
    const second = await system.sandbox.inbound({ from: '+14155238899', body: 'hello again' });
    expect(second.body).not.toMatch(/<Message>/);
  });

  test('forged inbound -> 403', async () => {
    const res = await system.post('/incoming', { From: '+14155238801', Body: 'STOP' }, { sign: 'none' });
    expect(res.status).toBe(403);
  });
});

test("every Twilio call in this file matched Twilio's OpenAPI specs", () => {
  expect(system.sandbox.violations()).toEqual([]);
});
