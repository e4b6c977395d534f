import { deployEnv } from '../../src/ops/deploy-env';
import { runDoctor } from '../../src/ops/doctor';
import { runSetup } from '../../src/ops/setup';
import { localEnv } from '../../sandbox/local-env';
import { startSandbox, type SandboxHandle } from '../../sandbox/server';

let sandbox: SandboxHandle;
let env: Record<string, string>;
const BASE = 'https://aamcare-1234-dev.twil.io';

beforeAll(async () => {
  sandbox = await startSandbox();
  env = localEnv(sandbox);
});
afterAll(async () => sandbox.close());
afterEach(() => expect(sandbox.violations()).toEqual([]));

describe('npm run setup', () => {
  test('finds the Sync service by name, creates maps, wires webhooks; a second run changes nothing', async () => {
    const { SYNC_SERVICE_SID: _unset, ...withoutSync } = env;
    const first = await runSetup(withoutSync, { baseUrl: BASE });
    expect(first.syncServiceSid).toBe(sandbox.options.syncServiceSid);
    expect(first.changes.join('\n')).toMatch(/created \d+ Sync map/);
    expect(first.changes.join('\n')).toMatch(/webhooks set/);
    expect(sandbox.messagingService()).toEqual({
      inboundRequestUrl: `${BASE}/incoming`,
      statusCallback: `${BASE}/status-callback`,
    });
    const second = await runSetup(withoutSync, { baseUrl: BASE });
    expect(second.changes).toEqual([]);
  });

  test('creates the Sync service when none has the name', async () => {
    const other = await startSandbox({ syncServiceName: 'something-else' });
    try {
      const { SYNC_SERVICE_SID: _unset, ...withoutSync } = localEnv(other);
      const result = await runSetup(withoutSync);
      expect(result.syncServiceSid).not.toBe(other.options.syncServiceSid);
      expect(result.changes[0]).toMatch(/created Sync service "aamcare-messaging": IS[0-9a-f]{32}/);
      expect((await runSetup({ ...withoutSync })).changes).toEqual([]);
    } finally {
      await other.close();
    }
  });
});

describe('npm run doctor', () => {
  const problems = async (e: Record<string, string>, baseUrl?: string) =>
    (await runDoctor(e, { baseUrl })).filter((c) => !c.ok).map((c) => c.name);

  test('a good configuration passes every check', async () => {
    await runSetup(env, { baseUrl: BASE });
    const checks = await runDoctor(env, { baseUrl: BASE });
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'credentials',
        'messaging service',
        'messaging senders',
        'inbound webhook',
        'status callback',
        'template WELCOME_CONTENT_SID',
        'sync service',
      ]),
    );
  });

  test.each([
    ['a missing setting', { ADMIN_TOKEN: '' }, ['setting ADMIN_TOKEN']],
    ['a malformed SID', { MESSAGING_SERVICE_SID: 'MG123' }, ['setting MESSAGING_SERVICE_SID']],
    ['a short secret', { PORTAL_WEBHOOK_SECRET: 'short' }, ['setting PORTAL_WEBHOOK_SECRET']],
    ['wrong credentials', { AUTH_TOKEN: 'f'.repeat(32) }, ['credentials']],
    ['an unknown Sync service', { SYNC_SERVICE_SID: 'IS' + 'e'.repeat(32) }, ['sync service']],
  ])('reports %s', async (_what, change, expected) => {
    expect(await problems({ ...env, ...change }, BASE)).toEqual(expected);
  });

  test('reports webhooks not pointing at the deployed service', async () => {
    expect(await problems(env, 'https://elsewhere.twil.io')).toEqual(['inbound webhook', 'status callback']);
  });

  test('reports a WhatsApp template that is not approved', async () => {
    sandbox.configure({ unapprovedContent: [env.TIP_CONTENT_SID!] });
    try {
      expect(await problems(env, BASE)).toEqual(['template TIP_CONTENT_SID']);
    } finally {
      sandbox.configure({ unapprovedContent: [] });
    }
  });
});

test('deploy uploads .env settings except local-only ones and what Twilio provides', () => {
  const uploaded = deployEnv({ ...env, DEFAULT_COUNTRY: 'NP', EMPTY: '' });
  expect(uploaded).not.toHaveProperty('TWILIO_API_BASE_URL');
  expect(uploaded).not.toHaveProperty('ACCOUNT_SID');
  expect(uploaded).not.toHaveProperty('AUTH_TOKEN');
  expect(uploaded).not.toHaveProperty('EMPTY');
  expect(uploaded).toMatchObject({
    MESSAGING_SERVICE_SID: env.MESSAGING_SERVICE_SID,
    ADMIN_TOKEN: env.ADMIN_TOKEN,
    DEFAULT_COUNTRY: 'NP',
  });
});
