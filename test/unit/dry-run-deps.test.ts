/**
 * The adapters a batch dry run gets (src/runtime/services.ts): every path that could send,
 * look up or write refuses, and reads go to the lean Sync reader.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { registerNumber } from '../../src/app/registration';
import { createLogger } from '../../src/core/log';
import { dryRunRegistrationDeps, DryRunRefusal } from '../../src/runtime/services';
import { ReadOnlyStoreError } from '../../src/twilio/sync-reader';

let server: Server;
const requests: string[] = [];
let env: Record<string, string>;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ code: 20404, message: 'not found', status: 404 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  env = {
    ACCOUNT_SID: 'AC' + '0'.repeat(32),
    AUTH_TOKEN: '0'.repeat(32),
    TWILIO_API_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    SYNC_SERVICE_SID: 'IS' + '0'.repeat(32),
    SYNC_SHARDS: '8',
    WELCOME_COOLDOWN_SECONDS: '60',
    WELCOME_RATE_PER_MINUTE: '100',
  };
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const deps = () =>
  dryRunRegistrationDeps(
    env,
    createLogger(() => undefined),
    Date.now() + 5000,
  );

test('a dry registration reads the subscriber once through the lean reader and would register', async () => {
  requests.length = 0;
  const outcome = await registerNumber(
    { userId: '7', phone: '9841234567', channel: 'sms', language: 'en', resubscribe: false, source: 'batch' },
    deps(),
    { dryRun: true },
  );
  expect(outcome).toMatchObject({ kind: 'would_register', masked: expect.stringContaining('*') });
  expect(requests).toEqual([
    expect.stringMatching(/^GET \/sync\/v1\/Services\/IS0+\/Maps\/subscribers-\d\/Items\/%2B9779841234567$/),
  ]);
});

test('sending, Lookup, the welcome cap and every write refuse', async () => {
  const d = deps();
  await expect(d.sender.send({ channel: 'sms', to: '+9779841234567', body: 'hi' })).rejects.toBeInstanceOf(
    DryRunRefusal,
  );
  await expect(d.sender.cancel('SM1')).rejects.toBeInstanceOf(DryRunRefusal);
  await expect(
    d.sender.findSent('sms', '+9779841234567', { since: new Date(), scheduled: false }),
  ).rejects.toBeInstanceOf(DryRunRefusal);
  await expect(d.lookup.lookup('+9779841234567', 'basic')).rejects.toBeInstanceOf(DryRunRefusal);
  await expect(d.welcomeCap.take('+9779841234567')).rejects.toBeInstanceOf(DryRunRefusal);
  await expect(d.store.create('subscribers-0', 'k', {})).rejects.toBeInstanceOf(ReadOnlyStoreError);
});

test('a dashboard count (best effort, never made by a dry registration) reaches Sync only to read', async () => {
  const lines: string[] = [];
  const d = dryRunRegistrationDeps(
    env,
    createLogger((line) => lines.push(line)),
    Date.now() + 5000,
  );
  requests.length = 0;
  await d.activity.count('2026-11-26', { registrations: 1 });
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.every((r) => r.startsWith('GET '))).toBe(true);
  expect(lines.join('\n')).toMatch(
    /activity\.count_failed.*ReadOnlyStoreError|ReadOnlyStoreError.*activity\.count_failed/,
  );
});
