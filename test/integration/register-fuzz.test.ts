/**
 * 10,000 fuzzed, correctly signed /register bodies against the real twilio-run + sandbox:
 * every answer is a 2xx or 4xx (never 5xx), and the server stays up.
 */
import fc from 'fast-check';
import { register, startSystem, type System } from '../helpers/system';

let system: System;
beforeAll(async () => {
  system = await startSystem({ env: { LOOKUP_MODE: 'basic' }, sandbox: { statusStepMs: 1 }, forkPerRequest: false });
});
afterAll(async () => system?.stop());

const phoneLike = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.stringMatching(/^(\+?977|0|00977)?9[78]\d{8}$/),
  fc.stringMatching(/^[+()\- .0-9]{0,25}$/),
  fc.constantFrom(
    '+9779800000001',
    '+9779800000002',
    '+9779800000006',
    '+9779800000009',
    '+14155238886',
    '014412345',
    '',
  ),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
);
const field = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.string({ maxLength: 300 }),
);
const body = fc.record(
  {
    user_id: fc.oneof(fc.stringMatching(/^[a-z0-9]{1,12}$/), field),
    phone: phoneLike,
    name: field,
    channel: fc.oneof(fc.constantFrom('sms', 'whatsapp', 'SMS', ''), field),
    language: fc.oneof(fc.constantFrom('en', 'ne', ''), field),
    resubscribe: fc.oneof(fc.constantFrom('true', 'false', '1'), field),
    // No undeclared field: /register refuses them before the flow (test/security/ covers that).
  },
  { requiredKeys: [] },
);

test('10,000 fuzzed signed bodies: only 2xx/4xx, never 5xx, and /health still answers', async () => {
  const bodies = fc.sample(body, { numRuns: Number(process.env.FUZZ_RUNS ?? 10_000), seed: 20261124 });
  const statuses = new Map<number, number>();
  const failures: Array<{ status: number; text: string }> = [];
  let next = 0;
  const started = Date.now();
  // Eight clients in parallel, like a busy portal.
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < bodies.length) {
        const fields = Object.fromEntries(Object.entries(bodies[next++]!).filter(([, v]) => v !== undefined)) as Record<
          string,
          string
        >;
        const res = await register(system, fields);
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500 || res.status < 200) failures.push({ status: res.status, text: res.text.slice(0, 200) });
      }
    }),
  );
  console.log('fuzz statuses', JSON.stringify([...statuses]), 'ms', Date.now() - started);
  // On failure, show what the function logged about it (already redacted by our logger).
  const internalErrors = system
    .logs()
    .split('\n')
    .filter((line) => line.includes('internal_error'));
  expect({ failures, internalErrors }).toEqual({ failures: [], internalErrors: [] });
  expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(bodies.length);
  // The fuzz must reach the real flow, not only the input checks.
  expect(statuses.get(201) ?? 0).toBeGreaterThan(100);
  expect(statuses.get(400) ?? 0).toBeGreaterThan(100);
  expect((await system.get('/health')).status).toBe(200);
  expect(system.sandbox.violations()).toEqual([]);
}, 300_000);
