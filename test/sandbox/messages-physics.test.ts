/**
 * The sandbox's sending physics through twilio-node, strict contract mode: segments counted
 * as Twilio counts them, queues drained at senderMps on the simulated clock, ValidityPeriod
 * checked and honoured (30036), scheduled messages entering the queue at SendAt.
 */
import { countSegments } from '../../src/core/segments';
import { createTwilioClient, type TwilioClient } from '../../src/twilio/client';
import { startSandbox, type SandboxHandle, type SandboxMessage } from '../../sandbox/server';

let sandbox: SandboxHandle;
let client: TwilioClient;
beforeAll(async () => {
  sandbox = await startSandbox({ senderMps: 1, statusCallbacks: false, statusStepMs: 0 });
  client = createTwilioClient({
    ACCOUNT_SID: sandbox.options.accountSid,
    AUTH_TOKEN: sandbox.options.authToken,
    TWILIO_API_BASE_URL: sandbox.url,
  });
});
afterAll(async () => sandbox.close());
beforeEach(() => sandbox.reset());
afterEach(() => expect(sandbox.violations()).toEqual([]));

const NEPALI = 'हरेक दिन सफा पानी पिउनुहोस्। आमा र बच्चाको स्वास्थ्यका लागि नियमित जाँच गराउनुहोस्।';
const send = (params: Record<string, unknown>) =>
  client.messages.create({ to: '+9779841111111', messagingServiceSid: sandbox.options.messagingServiceSid, ...params });
const byId = (sid: string): SandboxMessage => sandbox.messages().find((m) => m.sid === sid)!;
const seconds = (from: string | undefined, to: string | undefined) => (Date.parse(to!) - Date.parse(from!)) / 1000;

test('segments: counted as carriers do (UCS-2 67 a part), 0 in the create answer, then on fetch', async () => {
  const created = await send({ body: NEPALI });
  expect(created.numSegments).toBe('0');
  const fetched = await client.messages(created.sid).fetch();
  expect(Number(fetched.numSegments)).toBe(countSegments(NEPALI).segments);
  expect(Number(fetched.numSegments)).toBeGreaterThan(1);
});

test('a burst drains at senderMps segments per second: each message leaves after the segments before it', async () => {
  const sids = [];
  for (const body of [NEPALI, 'short', NEPALI]) sids.push((await send({ body })).sid);
  await sandbox.settle();
  const [a, b, c] = sids.map(byId);
  const segments = countSegments(NEPALI).segments;
  // Created a few ms apart: the later ones wait for the work ahead of them (1 segment/s).
  expect(seconds(a!.leftQueueAt, b!.leftQueueAt)).toBeCloseTo(segments, 0);
  expect(seconds(b!.leftQueueAt, c!.leftQueueAt)).toBeCloseTo(1, 0);
  expect([a, b, c].map((m) => m!.status)).toEqual(['delivered', 'delivered', 'delivered']);
});

test('ValidityPeriod outside 1..36000 is refused with 21624; a message that outwaits it fails with 30036', async () => {
  for (const validityPeriod of [0, 36_001])
    await expect(send({ body: 'x', validityPeriod })).rejects.toMatchObject({ status: 400, code: 21624 });
  for (let i = 0; i < 5; i++) await send({ body: 'ahead' });
  const late = await send({ body: 'stale soon', validityPeriod: 2 });
  const fits = await send({ body: 'fits', validityPeriod: 36_000 });
  await sandbox.settle();
  expect(byId(late.sid)).toMatchObject({ status: 'failed', errorCode: 30036 });
  expect(byId(late.sid).leftQueueAt).toBeUndefined();
  expect(byId(fits.sid)).toMatchObject({ status: 'delivered', errorCode: null });
});

test('scheduled messages enter the queue at SendAt when the simulated clock gets there, not before', async () => {
  const sendAt = new Date(Date.now() + 3600_000);
  sendAt.setUTCMilliseconds(0);
  const sids = [];
  for (let i = 0; i < 3; i++) sids.push((await send({ body: 'tip', scheduleType: 'fixed', sendAt })).sid);
  expect(sandbox.advanceClock(1800_000).fired).toBe(0);
  expect(byId(sids[0]!).status).toBe('scheduled');
  expect(sandbox.advanceClock(1800_000).fired).toBe(3);
  await sandbox.settle();
  const messages = sids.map(byId);
  expect(messages.map((m) => m.enteredQueueAt)).toEqual(messages.map(() => sendAt.toISOString()));
  expect(messages.map((m) => seconds(sendAt.toISOString(), m.leftQueueAt))).toEqual([0, 1, 2]);
  expect(sandbox.queues()).toEqual([
    { from: '+15005550006', segmentsPerSecond: 1, busyUntil: new Date(sendAt.getTime() + 3000).toISOString() },
  ]);
});

test('a queue that would pass 10 hours fails the message after create with 30001 (Messaging Service)', async () => {
  sandbox.configure({ senderMps: 0.001 }); // one segment per 1,000 s: 37 messages pass 10 h
  sandbox.reset();
  const sids = [];
  for (let i = 0; i < 38; i++) sids.push((await send({ body: 'x' })).sid);
  await sandbox.settle();
  expect(byId(sids[36]!)).toMatchObject({ status: 'delivered' });
  expect(byId(sids[37]!)).toMatchObject({ status: 'failed', errorCode: 30001 });
  sandbox.configure({ senderMps: 1 });
});
