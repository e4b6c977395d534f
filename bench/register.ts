/**
 * Benchmark: POST /register under 50 concurrent clients against the real twilio-run (warm,
 * one process) + sandbox, compared in the same run with the bare sandbox calls that flow
 * makes (the recorded request sequence of one registration, replayed as raw HTTP with the
 * same concurrency). The difference is our overhead. The sandbox's contract validation is
 * off here (a test aid whose CPU cost would be charged to both sides), and so are status
 * callbacks: they load twilio-run with /status-callback work that is not /register's.
 *   npm run bench:register [-- --count 2000 --clients 50 --latency 0]
 *   npm run bench:register -- --round-trips [--samples 20 --latency 100]
 */
import { register, startSystem } from '../test/helpers/system';
import type { RecordedRequest } from '../sandbox/server';
import { defineCli, parseCli, wholeNumber } from '../scripts/cli';

const CLI = defineCli({
  usage: 'npm run build && npm run bench:register -- [--count N] [--clients N] [--latency MS]',
  summary: 'POST /register under concurrent clients vs the bare sandbox calls it makes: our overhead.',
  options: {
    count: { type: 'string', value: 'N', description: 'registrations (default 2000)' },
    clients: { type: 'string', value: 'N', description: 'concurrent clients (default 50)' },
    latency: { type: 'string', value: 'N', description: 'sandbox latency per Twilio call in ms (default 0)' },
    'round-trips': { type: 'boolean', description: 'one client, L = 100 ms: p50 / L and Twilio calls by product' },
    samples: {
      type: 'string',
      value: 'N',
      description: 'with --round-trips: numbers registered, then repeated (default 20)',
    },
  },
  notes: ['figures: bench/README.md'],
});

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runConcurrently(count: number, clients: number, job: (i: number) => Promise<boolean>) {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < count) {
        const i = next++;
        const t = performance.now();
        if (!(await job(i))) errors++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), throughput: count / seconds, errors };
}

const phone = (i: number) => `+977985${String(i).padStart(7, '0')}`;

/**
 * The machine-independent figure: one client, the sandbox at `latencyMs` per Twilio call,
 * p50 duration of /register divided by that latency, for new numbers and repeats; and the
 * Twilio calls one new registration makes, by product (api = Messaging, sync, lookups).
 */
async function roundTrips(samples: number, latencyMs: number) {
  const system = await startSystem({
    env: { LOOKUP_MODE: 'basic', SYNC_SHARDS: '8' },
    sandbox: { latencyMs, recordRequests: true, contract: 'off', statusCallbacks: false },
    forkPerRequest: false,
  });
  try {
    // Warm up at no latency, enough numbers that every sharded Sync map exists (a deployed
    // service has them all; the sandbox creates a map on its first write, an extra round trip).
    system.sandbox.configure({ latencyMs: 0 });
    for (let i = 0; i < 60; i++) await register(system, { user_id: `rt-warm-${i}`, phone: phone(8_000_000 + i) });
    system.sandbox.configure({ latencyMs });
    const fresh: number[] = [];
    const repeat: number[] = [];
    const calls: Record<string, number>[] = [];
    const repeatCalls: Record<string, number>[] = [];
    // Sequential rounds: a call arriving at least 0.8 L after the current round began waited for it.
    const rounds: number[][] = [[], []];
    const roundsOf = (from: number) => {
      const times = system.sandbox
        .requests()
        .slice(from)
        .map((r) => r.at)
        .sort((a, b) => a - b);
      let count = 0;
      let start = -Infinity;
      for (const at of times)
        if (at - start >= 0.8 * latencyMs) {
          count++;
          start = at;
        }
      return count;
    };
    const byProduct = (from: number) => {
      const counts: Record<string, number> = {};
      for (const r of system.sandbox.requests().slice(from)) {
        const product = r.path.split('/')[1]!;
        counts[product] = (counts[product] ?? 0) + 1;
      }
      return counts;
    };
    for (let i = 0; i < samples; i++) {
      const fields = { user_id: `rt-${i}`, phone: phone(8_100_000 + i) };
      let before = system.sandbox.requests().length;
      let t = performance.now();
      const first = await register(system, fields);
      fresh.push(performance.now() - t);
      calls.push(byProduct(before));
      rounds[0]!.push(roundsOf(before));
      before = system.sandbox.requests().length;
      t = performance.now();
      const again = await register(system, fields);
      repeat.push(performance.now() - t);
      repeatCalls.push(byProduct(before));
      rounds[1]!.push(roundsOf(before));
      if (first.status !== 201 || again.status !== 200) console.log(`unexpected: ${first.status} ${again.status}`);
    }
    fresh.sort((a, b) => a - b);
    repeat.sort((a, b) => a - b);
    const median = (rows: Record<string, number>[]) => {
      const products = [...new Set(rows.flatMap((r) => Object.keys(r)))].sort();
      return Object.fromEntries(
        products.map((p) => [
          p,
          percentile(
            rows.map((r) => r[p] ?? 0).sort((a, b) => a - b),
            50,
          ),
        ]),
      );
    };
    const total = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);
    const newCalls = median(calls);
    const repeatMedian = median(repeatCalls);
    const medianRounds = (list: number[]) =>
      percentile(
        [...list].sort((a, b) => a - b),
        50,
      );
    console.log(`round trips (1 client, L = ${latencyMs} ms, ${samples} numbers):`);
    console.log(
      `  new registration   : p50 ${percentile(fresh, 50).toFixed(0)} ms = ${(percentile(fresh, 50) / latencyMs).toFixed(2)} L (${medianRounds(rounds[0]!)} sequential rounds); Twilio calls ${total(newCalls)} ${JSON.stringify(newCalls)}`,
    );
    console.log(
      `  repeat registration: p50 ${percentile(repeat, 50).toFixed(0)} ms = ${(percentile(repeat, 50) / latencyMs).toFixed(2)} L (${medianRounds(rounds[1]!)} sequential rounds); Twilio calls ${total(repeatMedian)} ${JSON.stringify(repeatMedian)}`,
    );
  } finally {
    await system.stop();
  }
}

const REPEATS = 'registration.already_registered';

async function main() {
  const { values } = parseCli(CLI);
  if (values['round-trips'])
    return roundTrips(
      wholeNumber(CLI, 'samples', values.samples) ?? 20,
      wholeNumber(CLI, 'latency', values.latency) ?? 100,
    );
  const count = wholeNumber(CLI, 'count', values.count) ?? 2000;
  const clients = wholeNumber(CLI, 'clients', values.clients) ?? 50;
  const latencyMs = wholeNumber(CLI, 'latency', values.latency) ?? 0;
  const system = await startSystem({
    env: { LOOKUP_MODE: 'basic', SYNC_SHARDS: '8' },
    sandbox: { latencyMs, recordRequests: true, contract: 'off', statusCallbacks: false },
    forkPerRequest: false,
  });
  try {
    // Warm up both paths, then record what one registration asks of Twilio.
    for (let i = 0; i < 20; i++) await register(system, { user_id: `warm-${i}`, phone: phone(9_000_000 + i) });
    await system.sandbox.settle();
    system.sandbox.configure({});
    const before = system.sandbox.requests().length;
    const template = phone(9_100_000);
    await register(system, { user_id: 'template', phone: template });
    const sequence: RecordedRequest[] = system.sandbox
      .requests()
      .slice(before)
      .filter((r) => !r.path.includes('/__sandbox'));
    await system.sandbox.settle();
    system.sandbox.configure({ recordRequests: false });
    console.log(
      `one registration makes ${sequence.length} sequential Twilio calls: ${sequence.map((r) => `${r.method} ${r.path.split('/')[1]}`).join(', ')}`,
    );

    const auth = 'Basic ' + Buffer.from(`${system.env.ACCOUNT_SID}:${system.env.AUTH_TOKEN}`).toString('base64');
    const replay = async (i: number) => {
      const number = phone(i + 5_000_000);
      let ok = true;
      for (const r of sequence) {
        const path = r.path
          .split(encodeURIComponent(template))
          .join(encodeURIComponent(number))
          .split(template)
          .join(number);
        const form = Object.fromEntries(Object.entries(r.form).map(([k, v]) => [k, v.split(template).join(number)]));
        const res = await fetch(system.sandbox.url + path, {
          method: r.method,
          headers: {
            Authorization: auth,
            'Content-Type': 'application/x-www-form-urlencoded',
            ...(r.ifMatch ? { 'If-Match': r.ifMatch } : {}),
          },
          body: r.method === 'GET' || r.method === 'DELETE' ? undefined : new URLSearchParams(form).toString(),
        });
        await res.arrayBuffer();
        if (res.status >= 500) ok = false;
      }
      return ok;
    };
    const unexpected: string[] = [];
    const flow = async (i: number) => {
      const res = await register(system, { user_id: `b-${i}`, phone: phone(i) });
      if (res.status !== 201) unexpected.push(`${res.status} ${res.text.slice(0, 120)}`);
      return res.status === 201;
    };

    const bare = await runConcurrently(count, clients, replay);
    // What the flow adds to the dashboard's counters must be exactly one per registration.
    const counted = (name: string) =>
      Array.from({ length: 8 }, (_, shard) => system.sandbox.syncItems(`counters-${shard}`))
        .flat()
        .reduce((n, item) => n + ((item.data as Record<string, number | undefined>)[name] ?? 0), 0);
    const names = ['registration.created', 'tips.scheduled', 'subscribers.active'];
    const countedBefore = names.map(counted);
    const repeatsBefore = counted(REPEATS);
    const ours = await runConcurrently(count, clients, flow);
    await system.sandbox.settle();
    // No repeat among new numbers: each repeat guessed beside the read is taken back (repeat-guess.ts).
    const repeatsAfterNew = counted(REPEATS) - repeatsBefore;
    // Then the same numbers again: each a repeat, counted once, nothing sent.
    const messagesBeforeRepeats = system.sandbox.messages().length;
    const repeated = await runConcurrently(count, clients, async (i) => {
      const res = await register(system, { user_id: `b-${i}`, phone: phone(i) });
      if (res.status !== 200) unexpected.push(`repeat ${res.status} ${res.text.slice(0, 120)}`);
      return res.status === 200;
    });
    await system.sandbox.settle();
    const fmt = (x: number) => x.toFixed(1);
    console.log(
      `node ${process.version}; ${count} registrations, ${clients} concurrent clients, sandbox latency ${latencyMs} ms`,
    );
    console.log(
      `bare sandbox calls : p50 ${fmt(bare.p50)} ms  p99 ${fmt(bare.p99)} ms  ${fmt(bare.throughput)} /s  errors ${bare.errors}`,
    );
    console.log(
      `POST /register     : p50 ${fmt(ours.p50)} ms  p99 ${fmt(ours.p99)} ms  ${fmt(ours.throughput)} /s  errors ${ours.errors}`,
    );
    console.log(
      `overhead           : p50 ${fmt(ours.p50 - bare.p50)} ms  p99 ${fmt(ours.p99 - bare.p99)} ms (target p99 <= 25 ms, zero errors)`,
    );
    if (unexpected.length > 0) {
      console.log(`non-201 answers: ${unexpected.join(' | ')}`);
      console.log(
        system
          .logs()
          .split('\n')
          .filter((l) => l.includes('"level":"error"'))
          .slice(0, 5)
          .join('\n'),
      );
    }
    console.log(`counter writes lost to contention: ${system.logs().split('activity.count_failed').length - 1}`);
    const flowMessages = system.sandbox
      .messages()
      .filter((m) => /^\+977985(0|1)/.test(m.to) && Number(m.to.slice(7)) < count && m.status !== 'canceled');
    const perNumber = (scheduled: boolean) => {
      const byNumber = new Map<string, number>();
      for (const m of flowMessages.filter((m) => !!m.sendAt === scheduled))
        byNumber.set(m.to, (byNumber.get(m.to) ?? 0) + 1);
      return {
        total: [...byNumber.values()].reduce((a, b) => a + b, 0),
        twice: [...byNumber.values()].filter((n) => n > 1).length,
      };
    };
    const welcomes = perNumber(false);
    const tips = perNumber(true);
    console.log(
      `welcomes sent by the flow: ${welcomes.total} (expected ${count}); numbers welcomed twice: ${welcomes.twice}`,
    );
    console.log(`first tips scheduled by the flow: ${tips.total} (expected ${count}); numbers with two: ${tips.twice}`);
    console.log(
      `counted by the flow: ${names.map((name, i) => `${name} +${counted(name) - countedBefore[i]!}`).join(', ')} (expected +${count} each), ${REPEATS} +${repeatsAfterNew} (expected +0)`,
    );
    console.log(
      `the same ${count} again: p50 ${fmt(repeated.p50)} ms  p99 ${fmt(repeated.p99)} ms  errors ${repeated.errors}; ` +
        `${REPEATS} +${counted(REPEATS) - repeatsBefore - repeatsAfterNew} (expected +${count}); messages sent ${system.sandbox.messages().length - messagesBeforeRepeats} (expected 0)`,
    );
  } finally {
    await system.stop();
  }
}

void main();
