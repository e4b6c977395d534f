/**
 * The project's adapters against the sandbox in strict contract mode: the sandbox checks
 * every request it receives and every answer it gives against Twilio's specs and records
 * violations, so this fails when either the adapters or the sandbox drift from Twilio.
 */
import { validateTwilioRequest } from '../../sandbox/contract/index';
import { startSandbox } from '../../sandbox/server';
import { createTwilioClient } from '../../src/twilio/client';
import { createMessageSender } from '../../src/twilio/messaging';
import { createPhoneLookup } from '../../src/twilio/lookup';
import { createSyncStore } from '../../src/twilio/sync-store';

const AC = 'AC00000000000000000000000000000000';
const MG = 'MG00000000000000000000000000000000';
const TO = '+9779807969278'; // an ordinary number: the sandbox's magic numbers fail on purpose

test('the contract module the sandbox uses is the current one', async () => {
  const used = await import('../../sandbox/contract');
  expect(used.validateTwilioRequest).toBe(validateTwilioRequest);
});

test('every call the adapters make is accepted and every answer matches the spec', async () => {
  const sandbox = await startSandbox();
  try {
    const client = createTwilioClient({
      ACCOUNT_SID: AC,
      AUTH_TOKEN: sandbox.options.authToken,
      TWILIO_API_BASE_URL: sandbox.url,
    });
    const deadline = () => Date.now() + 5000;
    const sender = createMessageSender(client, MG, deadline);
    await sender.send({ channel: 'sms', to: TO, body: 'hi', statusCallback: 'http://127.0.0.1:9/cb' });
    await sender.send({
      channel: 'whatsapp',
      to: TO,
      contentSid: 'HX' + '1'.repeat(32),
      contentVariables: { '1': 'x' },
    });
    const scheduled = await sender.send({
      channel: 'sms',
      to: TO,
      body: 'tip',
      sendAt: new Date(Date.now() + 3600_000),
    });
    await sender.cancel(scheduled.sid);
    await sender.findSentSince('sms', TO, new Date(Date.now() - 60_000));
    await createPhoneLookup(client, deadline).lookup(TO, 'line_type');
    await createPhoneLookup(client, deadline).lookup(TO, 'basic');
    const store = createSyncStore({ client, serviceSid: sandbox.options.syncServiceSid, deadline });
    const item = await store.create('m-0', TO, { a: 1 }, 60);
    expect(item).toBeDefined();
    await store.update('m-0', TO, { a: 2 }, item!.revision);
    await store.get('m-0', TO);
    await store.list('m-0', { after: '+1', pageSize: 10 });
    await store.remove('m-0', TO);
    expect(sandbox.violations()).toEqual([]);
  } finally {
    await sandbox.close();
  }
});

test('a request shape the spec rejects is refused by the sandbox with a contract violation', async () => {
  const sandbox = await startSandbox();
  const client = createTwilioClient({
    ACCOUNT_SID: AC,
    AUTH_TOKEN: sandbox.options.authToken,
    TWILIO_API_BASE_URL: sandbox.url,
  });
  try {
    await expect(
      client.messages.create({
        to: TO,
        messagingServiceSid: MG,
        body: 'x',
        validityPeriod: 'soon' as unknown as number,
      }),
    ).rejects.toMatchObject({ status: 400 });
    expect(sandbox.violations()).toEqual([
      expect.objectContaining({
        where: 'request',
        operation: 'CreateMessage',
        message: expect.stringContaining('"ValidityPeriod" must be integer'),
      }),
    ]);
  } finally {
    await sandbox.close();
  }
});
