/**
 * The contract check itself: Twilio's OpenAPI specs accept the request shapes we send and
 * reject bad ones, so the sandbox (which runs this on every call) cannot drift from Twilio.
 */
import { validateTwilioRequest, validateTwilioResponse } from '../../sandbox/contract';
import { startSandbox } from '../../sandbox/server';
import { createTwilioClient } from '../../src/twilio/client';
import { createMessageSender } from '../../src/twilio/messaging';
import { createPhoneLookup } from '../../src/twilio/lookup';
import { createSyncStore } from '../../src/twilio/sync-store';

const AC = 'AC00000000000000000000000000000000';
const MG = 'MG00000000000000000000000000000000';
const messagesPath = `/2010-04-01/Accounts/${AC}/Messages.json`;
const create = (form: Record<string, string>) => validateTwilioRequest({ method: 'POST', product: 'api', path: messagesPath, query: {}, form });

describe('request shapes', () => {
  test.each([
    ['SMS with Body', { To: '+9779807969278', MessagingServiceSid: MG, Body: 'hi', StatusCallback: 'http://localhost:3000/status-callback' }],
    ['WhatsApp template', { To: 'whatsapp:+9779807969278', MessagingServiceSid: MG, ContentSid: 'HX' + '1'.repeat(32), ContentVariables: '{"1":"Sita"}' }],
    ['scheduled', { To: '+9779807969278', MessagingServiceSid: MG, Body: 'tip', ScheduleType: 'fixed', SendAt: '2026-11-26T01:15:00Z' }],
  ])('Messages create: %s passes', (_name, form) => expect(create(form)).toEqual([]));

  test('an unknown parameter fails (Twilio\'s spec would allow it; we do not)', () => {
    expect(create({ To: '+9779807969278', MessagingServiceSid: MG, Body: 'hi', Bodyy: 'typo' })[0]!.message).toMatch(/additional properties: Bodyy/);
  });
  test('a wrong type fails', () => expect(create({ To: '+9779807969278', MessagingServiceSid: MG, Body: 'hi', ValidityPeriod: 'soon' })[0]!.message).toMatch(/ValidityPeriod must be integer/));
  test('a bad enum value fails', () => expect(create({ To: '+9779807969278', MessagingServiceSid: MG, Body: 'hi', ScheduleType: 'sometimes' })[0]!.message).toMatch(/ScheduleType/));
  test('a missing required parameter fails', () => expect(create({ MessagingServiceSid: MG, Body: 'hi' })[0]!.message).toMatch(/To/));
  test('an unknown path fails', () => expect(validateTwilioRequest({ method: 'POST', product: 'api', path: '/2010-04-01/Accounts/AC1/Texts.json', query: {}, form: {} })).toHaveLength(1));
  test('Sync item list paging params pass; a bad Order fails', () => {
    const path = '/v1/Services/IS0/Maps/subscribers-0/Items';
    expect(validateTwilioRequest({ method: 'GET', product: 'sync', path, query: { PageSize: '100', Order: 'asc', From: 'x', Bounds: 'exclusive' }, form: {} })).toEqual([]);
    expect(validateTwilioRequest({ method: 'GET', product: 'sync', path, query: { Order: 'sideways' }, form: {} })).toHaveLength(1);
  });
});

describe('response shapes', () => {
  test('a message resource with a wrong field type fails', () => {
    const violations = validateTwilioResponse({ method: 'POST', product: 'api', path: messagesPath, status: 201, body: { sid: 'SM' + 'a'.repeat(32), num_segments: { n: 1 } } });
    expect(violations[0]!.message).toMatch(/num_segments/);
  });
  test('errors must have the Twilio error shape', () => {
    expect(validateTwilioResponse({ method: 'POST', product: 'api', path: messagesPath, status: 400, body: { code: 21211, message: 'x', more_info: 'y', status: 400 } })).toEqual([]);
    expect(validateTwilioResponse({ method: 'POST', product: 'api', path: messagesPath, status: 400, body: { error: 'x' } })).toHaveLength(1);
  });
});

describe('the project adapters against the strict sandbox', () => {
  test('every call the adapters make is accepted and every answer matches the spec', async () => {
    const sandbox = await startSandbox();
    try {
      const client = createTwilioClient({ ACCOUNT_SID: AC, AUTH_TOKEN: sandbox.options.authToken, TWILIO_API_BASE_URL: sandbox.url });
      const deadline = () => Date.now() + 5000;
      const sender = createMessageSender(client, MG, deadline);
      await sender.send({ channel: 'sms', to: '+9779807969278', body: 'hi', statusCallback: 'http://127.0.0.1:9/cb' });
      await sender.send({ channel: 'whatsapp', to: '+9779807969278', contentSid: 'HX' + '1'.repeat(32), contentVariables: { '1': 'x' } });
      const scheduled = await sender.send({ channel: 'sms', to: '+9779807969278', body: 'tip', sendAt: new Date(Date.now() + 3600_000) });
      await sender.cancel(scheduled.sid);
      await createPhoneLookup(client, deadline).lookup('+9779807969278', 'line_type');
      const store = createSyncStore({ client, serviceSid: sandbox.options.syncServiceSid, deadline });
      const item = await store.create('m-0', '+9779807969278', { a: 1 }, 60);
      await store.update('m-0', '+9779807969278', { a: 2 }, item!.revision);
      await store.get('m-0', '+9779807969278');
      await store.list('m-0', { after: '+1', pageSize: 10 });
      await store.remove('m-0', '+9779807969278');
      expect(sandbox.violations()).toEqual([]);
    } finally {
      await sandbox.close();
    }
  });

  test('a request shape the spec rejects is refused by the sandbox with a contract violation', async () => {
    const sandbox = await startSandbox();
    const client = createTwilioClient({ ACCOUNT_SID: AC, AUTH_TOKEN: sandbox.options.authToken, TWILIO_API_BASE_URL: sandbox.url });
    try {
      await expect(client.messages.create({ to: '+9779807969278', messagingServiceSid: MG, body: 'x', validityPeriod: 'soon' as unknown as number })).rejects.toMatchObject({ status: 400 });
      expect(sandbox.violations()[0]!.message).toMatch(/ValidityPeriod/);
    } finally {
      await sandbox.close();
    }
  });
});
