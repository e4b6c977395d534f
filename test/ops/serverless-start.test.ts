/**
 * The path portal developers run: `twilio serverless:start` (the Twilio CLI + serverless plugin,
 * both dev dependencies, no global install) serving the built functions from .twilioserverlessrc,
 * against the sandbox.
 */
import { networkInterfaces } from 'node:os';
import { register, startSystem, type System } from '../helpers/system';

let system: System;

beforeAll(async () => {
  system = await startSystem({ launcher: 'twilio-cli', env: { LOOKUP_MODE: 'off' } });
}, 90_000);

afterAll(async () => {
  expect(system?.sandbox.violations() ?? []).toEqual([]);
  await system?.stop();
});

test('the functions answer /health and a signed /register, and the welcome reaches the sandbox', async () => {
  const health = await system.get('/health');
  expect(health.status).toBe(200);
  const answer = await register(system, { user_id: 'cli-1', phone: '9807969278' });
  expect(answer.status).toBe(201);
  expect(answer.json).toMatchObject({ status: 'registered', phone: '+977******278' });
  await system.sandbox.settle();
  const welcomes = system.sandbox.messages().filter((m) => m.to === '+9779807969278' && m.sendAt === undefined);
  expect(welcomes).toHaveLength(1);
  expect(welcomes[0]).toMatchObject({ status: 'delivered', body: expect.stringMatching(/^Welcome to Aamcare!/) });
});

test('like npm run dev, it listens on 127.0.0.1 only (the guard is preloaded)', async () => {
  const port = new URL(system.baseUrl).port;
  const lan = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal);
  expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
  if (lan) await expect(fetch(`http://${lan.address}:${port}/health`)).rejects.toThrow();
});
