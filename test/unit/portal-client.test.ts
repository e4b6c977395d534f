/**
 * The portal client over a local HTTP server (node:http GETs, not fetch): pages, auth
 * header, retries of 5xx, the named faults, and redirects kept on the portal's host.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PortalError } from '../../src/app/ports';
import { createPortalClient } from '../../src/twilio/portal';

type Handler = (req: IncomingMessage) => { status: number; body?: unknown; headers?: Record<string, string> };
let server: Server;
let base: string;
let handler: Handler;
const seen: Array<{ url?: string; auth?: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url, auth: req.headers.authorization });
    const { status, body, headers } = handler(req);
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => (seen.length = 0));

const client = (deadlineMs = 3000) =>
  createPortalClient(
    { url: `${base}/api/users/`, token: 'tok', scheme: 'Token', idField: 'id', phoneField: 'phone' },
    { deadline: () => Date.now() + deadlineMs },
  );
const page = (next: string | null) => ({
  count: 3,
  next,
  previous: null,
  results: [
    { id: 1, phone: '9841234567' },
    { id: 2, phone: null, name: ' Sita ', language: 'NE' },
  ],
});

test('reads a DRF page with the token; next stays on the portal host', async () => {
  handler = () => ({ status: 200, body: page(`${base}/api/users/?page=2`) });
  const result = await client().fetchPage(`${base}/api/users/?page_size=2`);
  expect(result).toEqual({
    url: `${base}/api/users/?page_size=2`,
    count: 3,
    next: `${base}/api/users/?page=2`,
    users: [
      { id: '1', phone: '9841234567' },
      { id: '2', phone: '', name: 'Sita', language: 'ne' },
    ],
  });
  expect(seen).toEqual([{ url: '/api/users/?page_size=2', auth: 'Token tok' }]);
});

test('5xx is retried, then the page is read', async () => {
  let calls = 0;
  handler = () => (++calls < 3 ? { status: 503, body: 'busy' } : { status: 200, body: page(null) });
  await expect(client().fetchPage(`${base}/api/users/`)).resolves.toMatchObject({ count: 3, next: null });
  expect(calls).toBe(3);
});

test.each([
  [401, 'portal_unauthorized'],
  [404, 'portal_page_not_found'],
  [400, 'portal_malformed_page'],
])('HTTP %i is the fault %s, at once', async (status, code) => {
  handler = () => ({ status, body: { detail: 'no' } });
  const error = await client()
    .fetchPage(`${base}/api/users/`)
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PortalError);
  expect(error).toMatchObject({ code, status });
  expect(seen).toHaveLength(1);
});

test('a portal that keeps failing is portal_unavailable once the deadline is near', async () => {
  handler = () => ({ status: 500, body: 'down' });
  await expect(client(400).fetchPage(`${base}/api/users/`)).rejects.toMatchObject({
    code: 'portal_unavailable',
    status: 500,
  });
});

test('a same-host redirect is followed with the token; another host is refused without being called', async () => {
  handler = (req) =>
    req.url === '/api/users'
      ? { status: 301, headers: { Location: '/api/users/' } }
      : { status: 200, body: page(null) };
  await expect(client().fetchPage(`${base}/api/users`)).resolves.toMatchObject({ count: 3 });
  expect(seen).toEqual([
    { url: '/api/users', auth: 'Token tok' },
    { url: '/api/users/', auth: 'Token tok' },
  ]);
  seen.length = 0;
  handler = () => ({ status: 302, headers: { Location: 'https://elsewhere.example/api/users/' } });
  await expect(client().fetchPage(`${base}/api/users/`)).rejects.toMatchObject({
    code: 'portal_malformed_page',
    message: expect.stringContaining('another host'),
  });
  expect(seen).toHaveLength(1);
});

test('invalid JSON is portal_malformed_page', async () => {
  handler = () => ({ status: 200, body: '<html>' });
  await expect(client().fetchPage(`${base}/api/users/`)).rejects.toMatchObject({
    code: 'portal_malformed_page',
    message: expect.stringContaining('not valid JSON'),
  });
});
