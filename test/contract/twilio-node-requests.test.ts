/**
 * What twilio-node really puts on the wire for the calls this project makes, checked against
 * Twilio's specs. The client comes from the project's factory (createTwilioClient), pointed at
 * a local recorder by TWILIO_API_BASE_URL, so the URL rewrite is exercised too. Each call's
 * recorded requests must pass validateTwilioRequest; a recorded request with one extra
 * parameter must not.
 */
import { validateTwilioRequest } from '../../sandbox/contract/index';
import { createTwilioClient, type TwilioClient } from '../../src/twilio/client';
import { createMessageSender } from '../../src/twilio/messaging';
import { createPhoneLookup } from '../../src/twilio/lookup';
import { createSyncItemReader } from '../../src/twilio/sync-reader';
import { createSyncStore } from '../../src/twilio/sync-store';
import { CONTENT_SID, MESSAGE_SID, MESSAGING_SERVICE_SID, SYNC_SERVICE_SID } from './fixtures';
import { startRecordingServer, type RecordedRequest, type RecordingServer } from './recording-server';

const TO = '+9779800000001';
let server: RecordingServer;
let client: TwilioClient;

beforeAll(async () => {
  server = await startRecordingServer();
  client = createTwilioClient({
    ACCOUNT_SID: 'AC' + '0'.repeat(32),
    AUTH_TOKEN: '0'.repeat(32),
    TWILIO_API_BASE_URL: server.url,
  });
});
afterAll(() => server.close());

/** Runs one call and answers the requests it sent. */
async function sent(call: () => Promise<unknown>): Promise<RecordedRequest[]> {
  const before = server.requests.length;
  await call();
  return server.requests.slice(before);
}

const sync = () => client.sync.v1.services(SYNC_SERVICE_SID);
const item = () => sync().syncMaps('subscribers-0').syncMapItems(TO);

const calls: [string, () => Promise<unknown>, string][] = [
  [
    'messages.create with Body and StatusCallback',
    () =>
      client.messages.create({
        to: TO,
        messagingServiceSid: MESSAGING_SERVICE_SID,
        body: 'Welcome',
        statusCallback: 'https://example.twil.io/status-callback',
      }),
    'POST /api/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages.json',
  ],
  [
    'messages.create with a WhatsApp template',
    () =>
      client.messages.create({
        to: `whatsapp:${TO}`,
        messagingServiceSid: MESSAGING_SERVICE_SID,
        contentSid: CONTENT_SID,
        contentVariables: JSON.stringify({ 1: 'Sita' }),
      }),
    'POST /api/',
  ],
  [
    'messages.create scheduled',
    () =>
      client.messages.create({
        to: TO,
        messagingServiceSid: MESSAGING_SERVICE_SID,
        body: 'Tip',
        scheduleType: 'fixed',
        sendAt: new Date('2026-11-26T01:15:00Z'),
      }),
    'POST /api/',
  ],
  [
    'messages(sid).update canceled',
    () => client.messages(MESSAGE_SID).update({ status: 'canceled' }),
    `POST /api/2010-04-01/Accounts/AC00000000000000000000000000000000/Messages/${MESSAGE_SID}.json`,
  ],
  [
    'messages.list by recipient',
    () => client.messages.list({ to: `whatsapp:${TO}`, pageSize: 20, limit: 20 }),
    'GET /api/',
  ],
  [
    'lookups v2 fetch with line type intelligence',
    () => client.lookups.v2.phoneNumbers(TO).fetch({ fields: 'line_type_intelligence' }),
    'GET /lookups/v2/PhoneNumbers/',
  ],
  ['lookups v2 basic fetch', () => client.lookups.v2.phoneNumbers(TO).fetch(), 'GET /lookups/v2/PhoneNumbers/'],
  ['sync service fetch', () => sync().fetch(), `GET /sync/v1/Services/${SYNC_SERVICE_SID}`],
  ['sync map create', () => sync().syncMaps.create({ uniqueName: 'subscribers-0' }), 'POST /sync/v1/Services/'],
  [
    'sync map item create with TTL',
    () =>
      sync()
        .syncMaps('subscribers-0')
        .syncMapItems.create({
          key: TO,
          data: { status: 'active', consent: [{ at: '2025-11-25T01:15:00Z', source: 'portal' }] },
          ttl: 3600,
        }),
    'POST /sync/',
  ],
  ['sync map item fetch', () => item().fetch(), 'GET /sync/'],
  [
    'sync map item update with If-Match',
    () => item().update({ data: { status: 'opted_out' }, ifMatch: '3' }),
    'POST /sync/',
  ],
  ['sync map item remove', () => item().remove(), 'DELETE /sync/'],
  [
    'sync map items page',
    () =>
      sync()
        .syncMaps('subscribers-0')
        .syncMapItems.page({ pageSize: 100, order: 'asc', from: TO, bounds: 'exclusive' }),
    'GET /sync/',
  ],
  [
    'sync map items list',
    () =>
      sync()
        .syncMaps('subscribers-0')
        .syncMapItems.list({ pageSize: 50, order: 'desc', from: TO, bounds: 'inclusive', limit: 50 }),
    'GET /sync/',
  ],
  [
    'sync document create',
    () => sync().documents.create({ uniqueName: 'counters-2025-11-25', data: { sent: 1 } }),
    'POST /sync/',
  ],
  ['sync document fetch', () => sync().documents('counters-2025-11-25').fetch(), 'GET /sync/'],
  [
    'sync document update with If-Match',
    () =>
      sync()
        .documents('counters-2025-11-25')
        .update({ data: { sent: 2 }, ifMatch: '1' }),
    'POST /sync/',
  ],
  [
    'messaging service fetch',
    () => client.messaging.v1.services(MESSAGING_SERVICE_SID).fetch(),
    `GET /messaging/v1/Services/${MESSAGING_SERVICE_SID}`,
  ],
  [
    'messaging service webhook update',
    () =>
      client.messaging.v1.services(MESSAGING_SERVICE_SID).update({
        inboundRequestUrl: 'https://example.twil.io/incoming',
        inboundMethod: 'POST',
        statusCallback: 'https://example.twil.io/status-callback',
      }),
    'POST /messaging/',
  ],
  [
    'messaging service sender pool',
    () => client.messaging.v1.services(MESSAGING_SERVICE_SID).phoneNumbers.list({ limit: 20 }),
    'GET /messaging/',
  ],
  [
    'content approval fetch',
    () => client.content.v1.contents(CONTENT_SID).approvalFetch().fetch(),
    `GET /content/v1/Content/${CONTENT_SID}/ApprovalRequests`,
  ],
];

describe('twilio-node requests for the calls this project makes', () => {
  test.each(calls)('%s passes the spec', async (_name, call, expectedStart) => {
    const requests = await sent(call);
    expect(requests.length).toBeGreaterThan(0);
    for (const request of requests) {
      expect(`${request.method} /${request.product}${request.path}`.startsWith(expectedStart)).toBe(true);
      expect(validateTwilioRequest(request)).toEqual([]);
    }
  });

  test('the values arrive as the spec types them: JSON Data, integer Ttl, ISO SendAt, If-Match header', async () => {
    const [create] = await sent(() =>
      sync()
        .syncMaps('subscribers-0')
        .syncMapItems.create({ key: TO, data: { n: 1 }, ttl: 60 }),
    );
    expect(create!.form).toEqual({ Key: TO, Data: '{"n":1}', Ttl: '60' });
    const [scheduled] = await sent(() =>
      client.messages.create({
        to: TO,
        messagingServiceSid: MESSAGING_SERVICE_SID,
        body: 'Tip',
        scheduleType: 'fixed',
        sendAt: new Date('2026-11-26T01:15:00Z'),
      }),
    );
    expect(scheduled!.form).toMatchObject({ ScheduleType: 'fixed', SendAt: '2026-11-26T01:15:00Z' });
    const [update] = await sent(() => item().update({ data: {}, ifMatch: '7' }));
    expect(update!.headers['if-match']).toBe('7');
  });

  test('a recorded request with one extra parameter fails the check', async () => {
    const [request] = await sent(() =>
      client.messages.create({ to: TO, messagingServiceSid: MESSAGING_SERVICE_SID, body: 'Welcome' }),
    );
    expect(validateTwilioRequest(request!)).toEqual([]);
    const tampered = {
      ...request!,
      form: { ...request!.form, StatusCallbackUrl: 'https://example.twil.io/status-callback' },
    };
    expect(validateTwilioRequest(tampered)).toEqual([
      {
        where: 'request',
        operation: 'CreateMessage',
        message: expect.stringContaining('unknown form parameter "StatusCallbackUrl"'),
      },
    ]);
  });

  test('a recorded request with a wrongly typed value fails the check', async () => {
    const [request] = await sent(() => item().update({ data: { status: 'active' }, ttl: 60 }));
    expect(validateTwilioRequest(request!)).toEqual([]);
    expect(validateTwilioRequest({ ...request!, form: { ...request!.form, Ttl: 'one hour' } })).toEqual([
      { where: 'request', operation: 'UpdateSyncMapItem', message: expect.stringContaining('"Ttl" must be integer') },
    ]);
  });
});

describe("the project's adapters put only spec-conforming requests on the wire", () => {
  test('message sender, lookup and Sync store', async () => {
    const deadline = () => Date.now() + 5000;
    const requests = await sent(async () => {
      const sender = createMessageSender(client, MESSAGING_SERVICE_SID, deadline);
      await sender.send({
        channel: 'sms',
        to: TO,
        body: 'Welcome',
        statusCallback: 'https://example.twil.io/status-callback',
      });
      await sender.send({ channel: 'whatsapp', to: TO, contentSid: CONTENT_SID, contentVariables: { 1: 'Sita' } });
      await sender.send({ channel: 'sms', to: TO, body: 'Tip', sendAt: new Date('2026-11-26T01:15:00Z') });
      await sender.cancel(MESSAGE_SID);
      await sender.findSentSince('whatsapp', TO, new Date('2025-11-25T00:00:00Z'));
      await createPhoneLookup(client, deadline).lookup(TO, 'line_type');
      await createPhoneLookup(client, deadline).lookup(TO, 'basic');
      const store = createSyncStore({ client, serviceSid: SYNC_SERVICE_SID, deadline });
      await store.create('subscribers-0', TO, { status: 'active' }, 60);
      await store.get('subscribers-0', TO);
      await store.update('subscribers-0', TO, { status: 'opted_out' }, '1');
      await store.list('subscribers-0', { after: TO, pageSize: 10 });
      await store.remove('subscribers-0', TO);
    });
    expect(requests.length).toBeGreaterThanOrEqual(12);
    expect(requests.flatMap((request) => validateTwilioRequest(request))).toEqual([]);
  });

  test("the dry run's lean Sync item reader (node:http, not twilio-node)", async () => {
    const get = createSyncItemReader({
      credentials: { username: 'AC' + '0'.repeat(32), password: '0'.repeat(32) },
      serviceSid: SYNC_SERVICE_SID,
      baseUrl: server.url,
      deadline: () => Date.now() + 5000,
    });
    const requests = await sent(() => get('subscribers-0', TO).catch(() => undefined));
    expect(requests).toHaveLength(1);
    expect(`${requests[0]!.method} /${requests[0]!.product}${requests[0]!.path}`).toBe(
      `GET /sync/v1/Services/${SYNC_SERVICE_SID}/Maps/subscribers-0/Items/${encodeURIComponent(TO)}`,
    );
    expect(validateTwilioRequest(requests[0]!)).toEqual([]);
  });
});
