/**
 * Benchmark: exactly one welcome and one tip per number when the network loses answers.
 * The real twilio-run against the sandbox through the fault proxy (sandbox/fault-proxy.ts):
 * a fraction of connections reset (before or after the sandbox executed the request), one
 * kill -9 of twilio-run midway, the portal retrying with Retry-After; then the daily run
 * (faults off, after every claim's settle time) and the sandbox's inspector.
 *   npm run build && npx tsx bench/faults.ts [-- --numbers 1000 --resets 0.3 --clients 50]
 */
import { CLAIM_SETTLE_MS } from '../src/core/subscriber';
import { inParallel, registerUntilFinal, type PortalResult } from '../test/helpers/portal-client';
import { startSystem } from '../test/helpers/system';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main() {
  const count = arg('numbers', 1000);
  const resets = arg('resets', 0.3);
  const clients = arg('clients', 50);
  const system = await startSystem({
    env: { LOOKUP_MODE: 'basic', SYNC_SHARDS: '8' },
    sandbox: { contract: 'off' },
    faults: true,
    forkPerRequest: false,
  });
  try {
    const numbers = Array.from({ length: count }, (_, i) => `+977986${String(i).padStart(7, '0')}`);
    system.proxy!.configure([{ action: 'reset', rate: resets }]);
    const results = new Map<string, PortalResult>();
    let done = 0;
    const started = performance.now();
    const running = inParallel(numbers, clients, async (phone) => {
      results.set(
        phone,
        await registerUntilFinal(system, { user_id: `f${phone.slice(1)}`, phone }, { maxAttempts: 60 }),
      );
      done++;
    });
    while (done < count / 2) await new Promise((r) => setTimeout(r, 200));
    await system.restart('SIGKILL');
    console.log(`kill -9 of twilio-run after ${done} of ${count} numbers; restarted`);
    await running;
    const seconds = (performance.now() - started) / 1000;
    await system.sandbox.settle();

    await new Promise((r) => setTimeout(r, CLAIM_SETTLE_MS + 1000));
    system.proxy!.configure([]);
    let cursor: string | null = null;
    do {
      const res = await system.postJson(
        '/admin/schedule-tips',
        { cursor, dryRun: false },
        { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` },
      );
      cursor = res.json.done ? null : res.json.next;
    } while (cursor);
    await system.sandbox.settle();

    const messages = system.sandbox.messages();
    const welcomes = new Map<string, number>();
    const tips = new Map<string, number>();
    for (const m of messages) (m.sendAt ? tips : welcomes).set(m.to, ((m.sendAt ? tips : welcomes).get(m.to) ?? 0) + 1);
    const histogram = (counts: Map<string, number>) => {
      const h: Record<string, number> = {};
      for (const phone of numbers) h[String(counts.get(phone) ?? 0)] = (h[String(counts.get(phone) ?? 0)] ?? 0) + 1;
      return h;
    };
    const attempts = [...results.values()].map((r) => r.attempts - 1).sort((a, b) => a - b);
    const stuck = [...results.values()].filter((r) => r.status !== 200 && r.status !== 201).length;
    const missingRetryAfter = [...results.values()].reduce((n, r) => n + r.missingRetryAfter, 0);
    const items = Array.from({ length: 8 }, (_, s) => system.sandbox.syncItems(`subscribers-${s}`)).flat();
    const halfDone = items.filter((i) => {
      const d = i.data as { welcome: { state: string }; tips?: Record<string, string> };
      return d.welcome.state === 'claimed' || Object.values(d.tips ?? {}).some((v) => v.startsWith('claimed:'));
    }).length;
    console.log(
      `node ${process.version}; ${count} numbers, ${clients} clients, ${resets * 100}% connection resets, ${seconds.toFixed(0)} s`,
    );
    console.log(`proxy: ${JSON.stringify(system.proxy!.counts())}`);
    console.log(`welcomes per number: ${JSON.stringify(histogram(welcomes))}`);
    console.log(`tips per number (next day): ${JSON.stringify(histogram(tips))}`);
    console.log(
      `portal retries to a final answer: p50 ${percentile(attempts, 50)}, p99 ${percentile(attempts, 99)}, max ${attempts[attempts.length - 1]}`,
    );
    const tail = [...results.values()].filter((r) => r.attempts - 1 >= percentile(attempts, 99));
    const reasons: Record<string, number> = {};
    for (const r of tail) for (const answer of r.retried) reasons[answer] = (reasons[answer] ?? 0) + 1;
    console.log(`answers retried by the ${tail.length} numbers at or past p99: ${JSON.stringify(reasons)}`);
    console.log(`stuck registrations (no final answer): ${stuck}; records half-done: ${halfDone}`);
    console.log(`202/429 without Retry-After: ${missingRetryAfter}`);
  } finally {
    await system.stop();
  }
}

void main();
