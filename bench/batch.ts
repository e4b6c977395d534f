/**
 * Benchmark: batch registration through the real twilio-run (one warm process, as a
 * deployed Function container is reused) against the sandbox's demo portal.
 *
 *   npm run build && npm run bench:batch -- [--part real,dry,shards] [--users 10000]
 *       [--latency 100] [--concurrency 32] [--dry-users 100000] [--shard-users 1000]
 *
 * real:   N users, sandbox latency L per Twilio call, BATCH_CONCURRENCY C. Every Twilio
 *         call is recorded, so the ceiling is computed from what the users really asked:
 *         ceiling = C / (sequential calls per user x L). Reports throughput / ceiling, the
 *         longest slice, and the peak RSS (VmHWM) of the twilio-run process.
 * dry:    a dry run over many users (latency 0: memory, not speed, is the point): RSS of
 *         twilio-run sampled as it goes, and the cursor size.
 * shards: the same real run with the sandbox enforcing 20 writes/s per Sync object,
 *         SYNC_SHARDS 1 vs 8.
 * Contract validation and status callbacks are off (test aids / other routes' load).
 */
import { readdirSync, readFileSync } from 'node:fs';
import type { RecordedRequest } from '../sandbox/server';
import { startSystem, type System } from '../test/helpers/system';
import { defineCli, parseCli, wholeNumber } from '../scripts/cli';

const CLI = defineCli({
  usage: 'npm run build && npm run bench:batch -- [options]',
  summary: 'Batch registration through the real twilio-run against the sandbox: throughput, slices, memory.',
  options: {
    part: {
      type: 'string',
      value: 'list',
      description: 'parts to run, comma-separated: real,dry,shards (default all)',
    },
    users: { type: 'string', value: 'N', description: 'real run: users (default 10000)' },
    latency: {
      type: 'string',
      value: 'N',
      description: 'real run: sandbox latency per Twilio call in ms (default 100)',
    },
    concurrency: { type: 'string', value: 'N', description: 'real run: BATCH_CONCURRENCY (default 32)' },
    'dry-users': { type: 'string', value: 'N', description: 'dry run: users (default 100000)' },
    'shard-users': { type: 'string', value: 'N', description: 'shards part: users (default 1000)' },
  },
  notes: ['figures and the commands used for them: bench/README.md'],
});
const { values } = parseCli(CLI);
const arg = (name: 'users' | 'latency' | 'concurrency' | 'dry-users' | 'shard-users', fallback: number) =>
  wholeNumber(CLI, name, values[name]) ?? fallback;
const parts = () => (values.part ?? 'real,dry,shards').split(',');

/** The twilio-run process we started (it renames itself, so it is found by name and parent). */
function twilioRunPid(): number {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = readFileSync(`/proc/${entry}/status`, 'utf8');
      if (/^Name:\s+twilio-run$/m.test(status) && new RegExp(`^PPid:\\s+${process.pid}$`, 'm').test(status))
        return Number(entry);
    } catch {
      // process went away
    }
  }
  throw new Error('twilio-run process not found');
}

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function memoryMb(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
}

interface Drive {
  seconds: number;
  slices: number;
  longestSliceMs: number;
  longestServerMs: number;
  counts: Record<string, number>;
  processed: number;
  maxCursorBytes: number;
  /** Epoch ms each slice was sent and answered, as the client saw it. */
  windows: Array<[number, number]>;
}

async function drive(
  system: System,
  body: Record<string, unknown>,
  onSlice?: (processed: number) => void,
): Promise<Drive> {
  const auth = { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` };
  const started = performance.now();
  let runId: string | undefined;
  let cursor: string | undefined;
  let slices = 0;
  let longestSliceMs = 0;
  let longestServerMs = 0;
  let maxCursorBytes = 0;
  const windows: Array<[number, number]> = [];
  for (;;) {
    const t = performance.now();
    const sentAt = Date.now();
    const res = await system.postJson('/admin/batch-register', { ...body, runId, cursor }, auth);
    const ms = performance.now() - t;
    if (res.status !== 200) throw new Error(`slice answered ${res.status}: ${res.text.slice(0, 300)}`);
    slices++;
    windows.push([sentAt, Date.now()]);
    longestSliceMs = Math.max(longestSliceMs, ms);
    longestServerMs = Math.max(longestServerMs, res.json.elapsedMs);
    runId = res.json.runId;
    cursor = res.json.next ?? undefined;
    maxCursorBytes = Math.max(maxCursorBytes, cursor?.length ?? 0);
    onSlice?.(res.json.processed);
    if (res.json.done) {
      return {
        seconds: (performance.now() - started) / 1000,
        slices,
        longestSliceMs,
        longestServerMs,
        counts: res.json.counts,
        processed: res.json.processed,
        maxCursorBytes,
        windows,
      };
    }
  }
}

/**
 * Where the ceiling is lost: the mean number of user calls in flight (each lasts the
 * sandbox latency) as a fraction of C, overall, inside slices, and in each slice's first
 * second, middle and last 1.5 s.
 */
function utilization(
  requests: RecordedRequest[],
  windows: Array<[number, number]>,
  latencyMs: number,
  concurrency: number,
) {
  const busyMs = (from: number, to: number) =>
    requests.reduce((sum, r) => sum + Math.max(0, Math.min(r.at + latencyMs, to) - Math.max(r.at, from)), 0) /
    (concurrency * Math.max(1, to - from));
  const parts = { first: [] as number[], middle: [] as number[], last: [] as number[] };
  let inside = 0;
  for (const [from, to] of windows) {
    inside += to - from;
    parts.first.push(busyMs(from, from + 1000));
    parts.middle.push(busyMs(from + 1000, to - 1500));
    parts.last.push(busyMs(to - 1500, to));
  }
  const all = [...requests].sort((a, b) => a.at - b.at);
  const startDelays = windows.map(([from, to]) => (all.find((r) => r.at >= from && r.at < to)?.at ?? from) - from);
  const endGaps = windows.map(
    ([from, to]) => to - Math.max(...all.filter((r) => r.at >= from && r.at < to).map((r) => r.at + latencyMs)),
  );
  console.log(
    `first user call after the slice request: ${startDelays.map((d) => `${d} ms`).join(', ')}; answer after the last user call ended: ${endGaps.map((d) => `${d} ms`).join(', ')}`,
  );
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const total = windows[windows.length - 1]![1] - windows[0]![0];
  return {
    overall: busyMs(windows[0]![0], windows[windows.length - 1]![1]),
    betweenSlicesMs: total - inside,
    first: mean(parts.first),
    middle: mean(parts.middle),
    last: mean(parts.last),
  };
}

const nonZero = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');

async function realRun(users: number, latencyMs: number, concurrency: number) {
  const system = await startSystem({
    sandbox: { portal: { users }, latencyMs, contract: 'off', statusCallbacks: false, recordRequests: true },
    env: { LOOKUP_MODE: 'basic', SYNC_SHARDS: '8', BATCH_CONCURRENCY: String(concurrency) },
    forkPerRequest: false,
  });
  try {
    const pid = twilioRunPid();
    const cpuBefore = { functions: cpuSeconds(pid), bench: process.cpuUsage() };
    const result = await drive(system, { dryRun: false, pageSize: 100 });
    const cpu = {
      functions: cpuSeconds(pid) - cpuBefore.functions,
      bench: (process.cpuUsage(cpuBefore.bench).user + process.cpuUsage(cpuBefore.bench).system) / 1e6,
    };
    const requests = system.sandbox.requests();
    // Per-slice bookkeeping, not any user's critical path: the run state, and the dashboard
    // counters a slice writes once per commit.
    const runCalls = requests.filter(
      (r) => r.path.includes('/Maps/batch-runs') || r.path.includes('/Maps/counters-'),
    ).length;
    const userCalls = requests.length - runCalls;
    const callsPerUser = userCalls / users;
    const ceiling = concurrency / ((callsPerUser * latencyMs) / 1000);
    const throughput = users / result.seconds;
    // Welcome-cap reservations of a slice mostly run beside the users (primed, refilled in the
    // background): the strict ceiling leaves them out of the users' chain (a lower bound).
    const capCalls = requests.filter((r) => r.path.includes('/Maps/welcome-rate-')).length;
    const strictCeiling = concurrency / ((((userCalls - capCalls) / users) * latencyMs) / 1000);
    const mem = memoryMb(pid);
    console.log(`\n## real run: ${users} users, latency ${latencyMs} ms, concurrency ${concurrency}`);
    console.log(`outcomes: ${nonZero(result.counts)}`);
    console.log(
      `Twilio calls: ${userCalls} by registrations (${callsPerUser.toFixed(2)} per user on average), ${runCalls} for run state and counters (${result.slices} slices)`,
    );
    console.log(
      `ceiling = ${concurrency} / (${callsPerUser.toFixed(2)} x ${latencyMs} ms) = ${ceiling.toFixed(1)} users/s`,
    );
    console.log(
      `throughput ${throughput.toFixed(1)} users/s over ${result.seconds.toFixed(1)} s = ${(throughput / ceiling).toFixed(3)} of the ceiling`,
    );
    console.log(
      `strict: without the ${capCalls} welcome-cap calls (${((capCalls / userCalls) * 100).toFixed(1)}%) the ceiling is ${strictCeiling.toFixed(1)} users/s and the throughput ${(throughput / strictCeiling).toFixed(3)} of it`,
    );
    console.log(
      `longest slice: ${result.longestSliceMs.toFixed(0)} ms at the client, ${result.longestServerMs} ms in the function (budget 8000)`,
    );
    console.log(`twilio-run peak RSS (VmHWM) ${mem.hwm.toFixed(1)} MB, now ${mem.rss.toFixed(1)} MB`);
    console.log(
      `CPU: twilio-run ${cpu.functions.toFixed(1)} s (${((cpu.functions / result.seconds) * 100).toFixed(0)}% of a core, ${((cpu.functions / requests.length) * 1000).toFixed(2)} ms per Twilio call); ` +
        `sandbox + bench client ${cpu.bench.toFixed(1)} s (${((cpu.bench / result.seconds) * 100).toFixed(0)}% of a core)`,
    );
    const u = utilization(
      requests.filter((r) => !r.path.includes('/Maps/batch-runs') && !r.path.includes('/Maps/counters-')),
      result.windows,
      latencyMs,
      concurrency,
    );
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    console.log(
      `calls in flight / C: overall ${pct(u.overall)}; per slice: first second ${pct(u.first)}, middle ${pct(u.middle)}, last 1.5 s ${pct(u.last)}; between slices ${u.betweenSlicesMs} ms in all`,
    );
    console.log(`welcomes sent: ${system.sandbox.messages().length}`);
  } finally {
    await system.stop();
  }
}

async function dryRun(users: number) {
  const system = await startSystem({
    sandbox: { portal: { users }, latencyMs: 0, contract: 'off', statusCallbacks: false },
    env: { LOOKUP_MODE: 'basic', SYNC_SHARDS: '8', BATCH_CONCURRENCY: '32' },
    forkPerRequest: false,
  });
  try {
    const pid = twilioRunPid();
    const samples: string[] = [];
    let nextSample = 0;
    const before = memoryMb(pid);
    const result = await drive(system, { dryRun: true, pageSize: 500 }, (processed) => {
      if (processed >= nextSample) {
        samples.push(`${processed}: ${memoryMb(pid).rss.toFixed(0)} MB`);
        nextSample += users / 10;
      }
    });
    const mem = memoryMb(pid);
    console.log(`\n## dry run: ${users} users (latency 0)`);
    console.log(`outcomes: ${nonZero(result.counts)}`);
    console.log(
      `${result.slices} slices in ${result.seconds.toFixed(1)} s, longest ${result.longestSliceMs.toFixed(0)} ms; largest cursor ${(result.maxCursorBytes / 1024).toFixed(0)} KB`,
    );
    console.log(
      `twilio-run RSS before ${before.rss.toFixed(0)} MB; by users processed: ${samples.join(', ')}; peak (VmHWM) ${mem.hwm.toFixed(1)} MB`,
    );
    console.log(
      `messages: ${system.sandbox.messages().length}, Sync items written: ${system.sandbox.syncItems('batch-runs').length}`,
    );
  } finally {
    await system.stop();
  }
}

async function shardRun(users: number, shards: number) {
  const system = await startSystem({
    sandbox: { portal: { users }, latencyMs: 20, contract: 'off', statusCallbacks: false, syncWritesPerSecond: 20 },
    env: { LOOKUP_MODE: 'basic', SYNC_SHARDS: String(shards), BATCH_CONCURRENCY: '32' },
    forkPerRequest: false,
  });
  try {
    const result = await drive(system, { dryRun: false, pageSize: 100 });
    console.log(
      `SYNC_SHARDS ${shards}: ${(users / result.seconds).toFixed(1)} users/s over ${result.seconds.toFixed(1)} s, longest slice ${result.longestSliceMs.toFixed(0)} ms; outcomes: ${nonZero(result.counts)}; welcomes ${system.sandbox.messages().length}`,
    );
  } finally {
    await system.stop();
  }
}

async function main() {
  console.log(`node ${process.version}, ${new Date().toISOString()}`);
  const selected = parts();
  if (selected.includes('real')) await realRun(arg('users', 10_000), arg('latency', 100), arg('concurrency', 32));
  if (selected.includes('dry')) await dryRun(arg('dry-users', 100_000));
  if (selected.includes('shards')) {
    const users = arg('shard-users', 1000);
    console.log(`\n## Sync write limit: ${users} users, 20 writes/s per Sync object, latency 20 ms, concurrency 32`);
    await shardRun(users, 1);
    await shardRun(users, 8);
  }
}

void main();
