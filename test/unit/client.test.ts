import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTwilioClient, MAX_SOCKETS_PER_HOST, rewriteTwilioUrl } from '../../src/twilio/client';

const ACCOUNT_SID = 'AC' + 'a'.repeat(32);
const AUTH_TOKEN = 'b'.repeat(32);

test.each([
  [
    'https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json',
    'http://127.0.0.1:9/api/2010-04-01/Accounts/AC1/Messages.json',
  ],
  ['https://sync.twilio.com/v1/Services/IS1/Maps', 'http://127.0.0.1:9/sync/v1/Services/IS1/Maps'],
  [
    'https://lookups.twilio.com/v2/PhoneNumbers/+977?Fields=x',
    'http://127.0.0.1:9/lookups/v2/PhoneNumbers/+977?Fields=x',
  ],
  ['https://messaging.sydney.au1.twilio.com/v1/Services', 'http://127.0.0.1:9/messaging/v1/Services'],
  ['https://example.com/api', 'https://example.com/api'],
  ['https://api.twilio.com.evil.example/x', 'https://api.twilio.com.evil.example/x'],
])('rewriteTwilioUrl %s', (input, expected) => {
  expect(rewriteTwilioUrl(input, 'http://127.0.0.1:9/')).toBe(expected);
});

describe('createTwilioClient against a local server', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ method?: string; url?: string; auth?: string; body: string }> = [];
  let nextStatus = 201;

  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
        if (nextStatus === 429) {
          res.writeHead(429, { 'Content-Type': 'application/json', 'Retry-After': '2' });
          res.end(
            JSON.stringify({
              code: 20429,
              message: 'Too Many Requests',
              more_info: 'https://www.twilio.com/docs/errors/20429',
              status: 429,
            }),
          );
          return;
        }
        res.writeHead(201, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ sid: 'SM' + 'c'.repeat(32), status: 'accepted', to: '+9779807969278' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  test('sends to <base>/<product>/... with Basic auth of the account', async () => {
    const client = createTwilioClient({ ACCOUNT_SID, AUTH_TOKEN, TWILIO_API_BASE_URL: base });
    const message = await client.messages.create({
      to: '+9779807969278',
      messagingServiceSid: 'MG' + 'd'.repeat(32),
      body: 'hi',
    });
    expect(message.sid).toBe('SM' + 'c'.repeat(32));
    const last = seen[seen.length - 1]!;
    expect(last.method).toBe('POST');
    expect(last.url).toBe(`/api/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(last.auth).toBe('Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'));
    expect(new URLSearchParams(last.body).get('Body')).toBe('hi');
  });

  test('uses the API key pair when configured', async () => {
    const key = 'SK' + 'e'.repeat(32);
    const secret = 'f'.repeat(32);
    const client = createTwilioClient({
      ACCOUNT_SID,
      AUTH_TOKEN,
      TWILIO_API_KEY: key,
      TWILIO_API_SECRET: secret,
      TWILIO_API_BASE_URL: base,
    });
    await client.messages.create({ to: '+9779807969278', messagingServiceSid: 'MG' + 'd'.repeat(32), body: 'hi' });
    expect(seen[seen.length - 1]!.url).toBe(`/api/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`);
    expect(seen[seen.length - 1]!.auth).toBe('Basic ' + Buffer.from(`${key}:${secret}`).toString('base64'));
  });

  test('an error answer keeps status, code and Retry-After', async () => {
    nextStatus = 429;
    const client = createTwilioClient({ ACCOUNT_SID, AUTH_TOKEN, TWILIO_API_BASE_URL: base });
    await expect(
      client.messages.create({ to: '+9779807969278', messagingServiceSid: 'MG' + 'd'.repeat(32), body: 'hi' }),
    ).rejects.toMatchObject({
      status: 429,
      code: 20429,
      retryAfterMs: 2000,
    });
    nextStatus = 201;
  });

  test('allows as many sockets per Twilio host as a batch runs calls at once (twilio-node defaults to 20)', () => {
    const client = createTwilioClient({ ACCOUNT_SID: 'AC' + '0'.repeat(32), AUTH_TOKEN: 'f'.repeat(32) });
    const agent = (client.httpClient as unknown as { axios: { defaults: { httpsAgent: { maxSockets: number } } } })
      .axios.defaults.httpsAgent;
    expect(agent.maxSockets).toBe(MAX_SOCKETS_PER_HOST);
    expect(MAX_SOCKETS_PER_HOST).toBeGreaterThanOrEqual(50);
  });

  test('refuses to build without credentials', () => {
    expect(() => createTwilioClient({})).toThrow(/credentials/);
  });
});
