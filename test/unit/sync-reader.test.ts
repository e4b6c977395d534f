import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeadlineExceededError, defaultRetryable } from '../../src/core/retry';
import {
  createSyncItemReader,
  readOnlyStore,
  ReadOnlyStoreError,
  SyncReadError,
  syncItemUrl,
} from '../../src/twilio/sync-reader';

const SERVICE = 'IS' + '0'.repeat(32);
const credentials = { username: 'AC' + 'a'.repeat(32), password: 'b'.repeat(32) };

interface Seen {
  method?: string;
  url?: string;
  auth?: string;
}

/** Answers the queued [status, body, headers] in order (404 when the queue is empty). */
function startServer() {
  const seen: Seen[] = [];
  const answers: Array<[number, unknown, Record<string, string>?]> = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, auth: req.headers.authorization });
    const [status, body, headers] = answers.shift() ?? [404, { code: 20404, message: 'not found', status: 404 }];
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  });
  return { server, seen, answers };
}

let server: Server;
let seen: Seen[];
let answers: Array<[number, unknown, Record<string, string>?]>;
let base: string;

beforeAll(async () => {
  ({ server, seen, answers } = startServer());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  seen.length = 0;
  answers.length = 0;
});

const reader = (deadlineMs = 3000) =>
  createSyncItemReader({ credentials, serviceSid: SERVICE, baseUrl: base, deadline: () => Date.now() + deadlineMs });

test('the item URL is the Sync item resource, map and key encoded as path segments, rewritten onto a local base', () => {
  expect(syncItemUrl(SERVICE, 'subscribers-3', '+9779800000001')).toBe(
    `https://sync.twilio.com/v1/Services/${SERVICE}/Maps/subscribers-3/Items/%2B9779800000001`,
  );
  expect(syncItemUrl(SERVICE, 'm', 'a#b/c', 'http://127.0.0.1:9/')).toBe(
    `http://127.0.0.1:9/sync/v1/Services/${SERVICE}/Maps/m/Items/a%23b%2Fc`,
  );
});

test('reads an item: key, data, revision as a string, dateUpdated; one GET with basic auth', async () => {
  answers.push([
    200,
    {
      key: '+9779800000001',
      data: { status: 'active' },
      revision: 7,
      date_updated: '2026-11-25T01:00:00Z',
      map_sid: 'MP1',
    },
  ]);
  const item = await reader()('subscribers-0', '+9779800000001');
  expect(item).toEqual({
    key: '+9779800000001',
    data: { status: 'active' },
    revision: '7',
    dateUpdated: new Date('2026-11-25T01:00:00Z'),
  });
  expect(seen).toEqual([
    {
      method: 'GET',
      url: `/sync/v1/Services/${SERVICE}/Maps/subscribers-0/Items/%2B9779800000001`,
      auth: 'Basic ' + Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64'),
    },
  ]);
});

test('a missing item is undefined, not an error, and is not retried', async () => {
  await expect(reader()('subscribers-0', '+9779800000002')).resolves.toBeUndefined();
  expect(seen).toHaveLength(1);
});

test('429 is retried after its Retry-After, then the item is read', async () => {
  answers.push([429, { code: 20429, message: 'Too Many Requests', status: 429 }, { 'Retry-After': '0' }]);
  answers.push([200, { key: 'k', data: {}, revision: '1' }]);
  await expect(reader()('m', 'k')).resolves.toMatchObject({ key: 'k', revision: '1' });
  expect(seen).toHaveLength(2);
});

test('a permanent error (401) is thrown at once with status and Twilio code, classified like the client factory errors', async () => {
  answers.push([401, { code: 20003, message: 'Authenticate', status: 401 }]);
  const error = await reader()('m', 'k').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(SyncReadError);
  expect(error).toMatchObject({ status: 401, code: 20003, message: 'Authenticate' });
  expect(defaultRetryable(error)).toBe(false);
  expect(seen).toHaveLength(1);
});

test('network failures are retryable and give up at the deadline', async () => {
  const closed = createSyncItemReader({
    credentials,
    serviceSid: SERVICE,
    baseUrl: 'http://127.0.0.1:1',
    deadline: () => Date.now() + 300,
  });
  // Without the deadline the retries would go on past Jest's time limit: how soon it stops is not asserted.
  const error = await closed('m', 'k').catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DeadlineExceededError);
  const last = (error as DeadlineExceededError).lastError;
  expect(last).toMatchObject({ name: 'HttpGetError', network: true });
  expect(defaultRetryable(last)).toBe(true);
  expect((error as DeadlineExceededError).attempts).toBeGreaterThan(1);
});

test('a read-only store reads through the reader and refuses every write', async () => {
  answers.push([200, { key: 'k', data: { n: 1 }, revision: '3' }]);
  const store = readOnlyStore(reader());
  await expect(store.get('m', 'k')).resolves.toMatchObject({ data: { n: 1 } });
  await expect(store.create('m', 'k', {})).rejects.toBeInstanceOf(ReadOnlyStoreError);
  await expect(store.update('m', 'k', {}, '3')).rejects.toBeInstanceOf(ReadOnlyStoreError);
  await expect(store.remove('m', 'k')).rejects.toBeInstanceOf(ReadOnlyStoreError);
  await expect(store.list('m')).rejects.toBeInstanceOf(ReadOnlyStoreError);
  expect(seen).toHaveLength(1);
});
