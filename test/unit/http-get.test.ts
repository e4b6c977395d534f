import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpGet, HttpGetError } from '../../src/twilio/http-get';

let server: Server;
let base: string;
let slowClosed = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/slow') {
      req.socket.on('close', () => slowClosed++);
      return; // never answers
    }
    res.writeHead(200, { 'X-Seen-Accept': String(req.headers.accept) });
    res.end('héllo');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

test('answers status, headers and the UTF-8 body; sends the given headers', async () => {
  const answer = await httpGet(`${base}/x`, { Accept: 'application/json' }, 1000);
  expect(answer).toMatchObject({
    status: 200,
    body: 'héllo',
    headers: expect.objectContaining({ 'x-seen-accept': 'application/json' }),
  });
});

test('no answer within the time limit is a timed-out HttpGetError (retryable: network)', async () => {
  const error = await httpGet(`${base}/slow`, {}, 150).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(HttpGetError);
  expect(error).toMatchObject({ timedOut: true, network: true });
  // The request was given up, not left open (the server never answers: only the client closes it).
  while (slowClosed === 0) await new Promise((r) => setTimeout(r, 10));
  expect(slowClosed).toBe(1);
});

test('a refused connection is an HttpGetError that did not time out', async () => {
  await expect(httpGet('http://127.0.0.1:1/', {}, 1000)).rejects.toMatchObject({
    name: 'HttpGetError',
    timedOut: false,
    network: true,
  });
});
