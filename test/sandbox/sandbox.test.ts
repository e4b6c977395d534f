/**
 * The sandbox through the project's own client factory (twilio-node), in strict contract
 * mode: paging, the physics (write limit, concurrency limit) and the portal.
 */
import { withRetry } from '../../src/core/retry';
import { createTwilioClient, type TwilioClient } from '../../src/twilio/client';
import { createSyncStore } from '../../src/twilio/sync-store';
import { portalUser, type UserCategory } from '../../sandbox/portal';
import { startSandbox, type SandboxHandle } from '../../sandbox/server';

let sandbox: SandboxHandle;
let client: TwilioClient;
beforeAll(async () => {
  sandbox = await startSandbox({ portal: { users: 100_000 } });
  client = createTwilioClient({
    ACCOUNT_SID: sandbox.options.accountSid,
    AUTH_TOKEN: sandbox.options.authToken,
    TWILIO_API_BASE_URL: sandbox.url,
  });
});
afterAll(async () => sandbox.close());
afterEach(() => expect(sandbox.violations()).toEqual([]));

test('wrong credentials -> 401 / 20003', async () => {
  const intruder = createTwilioClient({
    ACCOUNT_SID: sandbox.options.accountSid,
    AUTH_TOKEN: 'f'.repeat(32),
    TWILIO_API_BASE_URL: sandbox.url,
  });
  await expect(
    intruder.messages.create({
      to: '+9779807969278',
      messagingServiceSid: sandbox.options.messagingServiceSid,
      body: 'x',
    }),
  ).rejects.toMatchObject({ status: 401, code: 20003 });
});

test('Messages: list with paging follows next_page_uri across pages, filtered by To', async () => {
  for (let i = 0; i < 7; i++)
    await client.messages.create({
      to: '+9779841111111',
      messagingServiceSid: sandbox.options.messagingServiceSid,
      body: `m${i}`,
    });
  await client.messages.create({
    to: '+9779842222222',
    messagingServiceSid: sandbox.options.messagingServiceSid,
    body: 'other',
  });
  const listed = await client.messages.list({ to: '+9779841111111', pageSize: 3 });
  expect(listed).toHaveLength(7);
  expect(new Set(listed.map((m) => m.sid)).size).toBe(7);
  const first = await client.messages.page({ to: '+9779841111111', pageSize: 3 });
  expect(first.instances).toHaveLength(3);
  expect(first.nextPageUrl).toBeDefined();
});

test('Messages: scheduling window errors 35114 / 35118, cancel only scheduled ones', async () => {
  const ms = sandbox.options.messagingServiceSid;
  await expect(
    client.messages.create({
      to: '+9779807969278',
      messagingServiceSid: ms,
      body: 'x',
      scheduleType: 'fixed',
      sendAt: new Date(Date.now() + 60_000),
    }),
  ).rejects.toMatchObject({ code: 35114 });
  await expect(
    client.messages.create({
      to: '+9779807969278',
      messagingServiceSid: ms,
      body: 'x',
      scheduleType: 'fixed',
      sendAt: new Date(Date.now() + 36 * 86_400_000),
    }),
  ).rejects.toMatchObject({ code: 35114 });
  await expect(
    client.messages.create({
      to: '+9779807969278',
      from: '+15005550006',
      body: 'x',
      scheduleType: 'fixed',
      sendAt: new Date(Date.now() + 3600_000),
    }),
  ).rejects.toMatchObject({ code: 35118 });
  const scheduled = await client.messages.create({
    to: '+9779807969278',
    messagingServiceSid: ms,
    body: 'x',
    scheduleType: 'fixed',
    sendAt: new Date(Date.now() + 3600_000),
  });
  expect(scheduled.status).toBe('scheduled');
  expect((await client.messages(scheduled.sid).update({ status: 'canceled' })).status).toBe('canceled');
  const sent = await client.messages.create({ to: '+9779807969278', messagingServiceSid: ms, body: 'now' });
  await expect(client.messages(sent.sid).update({ status: 'canceled' })).rejects.toMatchObject({ status: 400 });
});

test('Sync item TTL: an expired item is gone', async () => {
  const store = createSyncStore({
    client,
    serviceSid: sandbox.options.syncServiceSid,
    deadline: () => Date.now() + 5000,
  });
  await store.create('ttl-test', 'k', { a: 1 }, 1);
  expect(await store.get('ttl-test', 'k')).toBeDefined();
  await new Promise((r) => setTimeout(r, 1100));
  expect(await store.get('ttl-test', 'k')).toBeUndefined();
});

test('the Sync write limit (about 20 writes/s per Map) answers 429, and the retry helper gets every write through', async () => {
  sandbox.configure({ syncWritesPerSecond: 20 });
  try {
    const store = createSyncStore({
      client,
      serviceSid: sandbox.options.syncServiceSid,
      deadline: () => Date.now() + 20_000,
    });
    await store.create('limited', 'seed', { n: 0 });
    // Direct proof the limit is there: a burst of raw creates gets 429 / 54009.
    const burst = await Promise.allSettled(
      Array.from({ length: 40 }, (_, i) =>
        client.sync.v1
          .services(sandbox.options.syncServiceSid)
          .syncMaps('limited')
          .syncMapItems.create({ key: `raw-${i}`, data: {} }),
      ),
    );
    const refused = burst
      .filter((r) => r.status === 'rejected')
      .map((r) => r.reason as { status: number; code: number });
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((e) => e.status === 429 && e.code === 54009)).toBe(true);
    // Through the store (withRetry inside), 60 writes all land.
    await Promise.all(Array.from({ length: 60 }, (_, i) => store.create('limited', `k-${i}`, { i })));
    const keys: string[] = [];
    let after: string | undefined;
    do {
      const page = await store.list('limited', { after, pageSize: 100 });
      keys.push(...page.items.map((i) => i.key));
      after = page.nextAfter;
    } while (after);
    expect(keys.filter((k) => k.startsWith('k-'))).toHaveLength(60);
  } finally {
    sandbox.configure({ syncWritesPerSecond: 0 });
  }
});

test('the account concurrency limit answers 429 / 20429, and withRetry gets through', async () => {
  sandbox.configure({ concurrencyLimit: 3, latencyMs: 20 });
  try {
    const raw = await Promise.allSettled(
      Array.from({ length: 12 }, () => client.lookups.v2.phoneNumbers('+9779807969278').fetch()),
    );
    expect(raw.some((r) => r.status === 'rejected' && (r.reason as { code: number }).code === 20429)).toBe(true);
    const retried = await Promise.all(
      Array.from({ length: 12 }, () =>
        withRetry(() => client.lookups.v2.phoneNumbers('+9779807969278').fetch(), { deadline: Date.now() + 20_000 }),
      ),
    );
    expect(retried.every((r) => r.valid)).toBe(true);
  } finally {
    sandbox.configure({ concurrencyLimit: 0, latencyMs: 0 });
  }
});

test('Lookup v2: valid, line type, and the magic invalid / landline numbers', async () => {
  const ok = await client.lookups.v2.phoneNumbers('+9779807969278').fetch({ fields: 'line_type_intelligence' });
  expect(ok).toMatchObject({ valid: true, countryCode: 'NP', lineTypeIntelligence: { type: 'mobile' } });
  expect((await client.lookups.v2.phoneNumbers('+9779800000009').fetch()).valid).toBe(false);
  expect(
    (await client.lookups.v2.phoneNumbers('+9779800000010').fetch({ fields: 'line_type_intelligence' }))
      .lineTypeIntelligence,
  ).toMatchObject({ type: 'landline' });
});

describe('demo portal', () => {
  const auth = { Authorization: 'Token portal-demo-token' };

  test('DRF pagination, token auth, realistic mix', async () => {
    expect((await fetch(`${sandbox.url}/portal/api/users/`)).status).toBe(401);
    const page = (await (
      await fetch(`${sandbox.url}/portal/api/users/?page=1&page_size=200`, { headers: auth })
    ).json()) as { count: number; next: string; previous: null; results: Array<{ id: number; phone: string }> };
    expect(page.count).toBe(100_000);
    expect(page.results).toHaveLength(200);
    expect(page.next).toBe(`${sandbox.url}/portal/api/users/?page=2&page_size=200`);
    expect(page.previous).toBeNull();
    const categories = new Set<UserCategory>(Array.from({ length: 1000 }, (_, i) => portalUser(i, 7).category));
    expect([...categories].sort()).toEqual(['blank', 'duplicate', 'foreign', 'invalid', 'landline', 'us', 'valid']);
  });

  test('100,000 users paged through without memory growth (users are generated, not stored)', async () => {
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let url: string | null = `${sandbox.url}/portal/api/users/?page=1&page_size=1000`;
    let seen = 0;
    while (url) {
      const body = (await (await fetch(url, { headers: auth })).json()) as { next: string | null; results: unknown[] };
      seen += body.results.length;
      url = body.next;
    }
    global.gc?.();
    const growthMb = (process.memoryUsage().heapUsed - before) / 1e6;
    expect(seen).toBe(100_000);
    // Generous bound: holding 100,000 user objects would cost well over this.
    expect(growthMb).toBeLessThan(60);
  });
});
