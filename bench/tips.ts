/**
 * Benchmark: the daily tip for many subscribers through the real twilio-run and the sandbox,
 * at a given sender throughput, the queue simulated (no waiting in real time).
 *
 *   npm run build && npm run bench:tips -- [--subscribers 100000] [--mps 10,100] [--shards 8] [--concurrency 16]
 *
 * Subscribers: 80% Nepali numbers reading Nepali, 20% US numbers (New York, Chicago, Los
 * Angeles area codes) reading English, all welcomed. Per throughput it reports the forecast
 * (GET /admin/stats, and whether schedule-tips refused before sending), the wall time of the
 * schedule-tips run and its longest slice, Twilio calls per subscriber, and from the simulated
 * queue: arrival p50/p99 in minutes after 07:00 local, tips expired (30036), queue overflows
 * (30001), and tips not scheduled because their slot lay past the validity window.
 * Contract validation and status callbacks are off (other routes' load).
 */
import { parseArgs } from 'node:util';
import { GAUGE } from '../src/core/activity';
import { shardedName } from '../src/core/shard';
import { timeZoneForNumber } from '../src/core/subscriber-time-zone';
import { newSubscriber, type Subscriber } from '../src/core/subscriber';
import { localDateOf, sendAtFor } from '../src/core/tip-time';
import { startSystem, type System } from '../test/helpers/system';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100000' },
    mps: { type: 'string', default: '10,100' },
    shards: { type: 'string', default: '8' },
    concurrency: { type: 'string', default: '16' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log('Usage: npm run bench:tips -- [--subscribers 100000] [--mps 10,100] [--shards 8] [--concurrency 16]');
  process.exit(0);
}
const SUBSCRIBERS = Number(values.subscribers);
const SHARDS = Number(values.shards);
const US_AREAS = ['212', '312', '415'];

function numberOf(i: number): { e164: string; nepali: boolean } {
  const nepali = i % 5 !== 0;
  return nepali
    ? { e164: `+977984${String(i).padStart(7, '0')}`, nepali }
    : { e164: `+1${US_AREAS[i % 3]}${String(5_000_000 + (i % 4_000_000)).padStart(7, '0')}`, nepali };
}

function seed(system: System) {
  const now = new Date();
  let ne = 0;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const { e164, nepali } = numberOf(i);
    if (nepali) ne++;
    const subscriber: Subscriber = {
      ...newSubscriber({
        userId: `b${i}`,
        channel: 'sms',
        language: nepali ? 'ne' : 'en',
        country: nepali ? 'NP' : 'US',
        source: 'portal-signup',
        now,
      }),
      welcome: { state: 'sent', attempts: 1, messageSid: 'SM' + '0'.repeat(32) },
    };
    system.sandbox.putItem(shardedName('subscribers', e164, SHARDS), e164, subscriber);
  }
  system.sandbox.putItem('counters-0', 'all-time~0', {
    [GAUGE.active]: SUBSCRIBERS,
    [GAUGE.activeIn('ne')]: ne,
    [GAUGE.activeIn('en')]: SUBSCRIBERS - ne,
  });
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function runAt(mps: number) {
  const system = await startSystem({
    env: {
      LOOKUP_MODE: 'off',
      SYNC_SHARDS: String(SHARDS),
      SENDER_MPS: String(mps),
      BATCH_CONCURRENCY: values.concurrency,
      TIPS_ON_REGISTER: 'false',
    },
    sandbox: { senderMps: mps, contract: 'off', statusCallbacks: false, statusStepMs: 0, recordRequests: true },
    forkPerRequest: false,
  });
  try {
    seed(system);
    const admin = { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` };
    const forecast = (await system.get('/admin/stats', admin)).json.tipForecast;
    const before = system.sandbox.requests().length;
    // The first slice as the daily trigger sends it: refused (409) when the forecast says the day does not fit.
    const started = Date.now();
    const first = await system.postJson('/admin/schedule-tips', { dryRun: false }, admin);
    const refused = first.status === 409;
    if (!refused && first.status !== 200) throw new Error(`schedule-tips answered ${first.status}: ${first.text}`);
    const totals: Record<string, number> = refused ? {} : { ...(first.json.counts as Record<string, number>) };
    const sliceMs: number[] = refused ? [] : [Date.now() - started];
    let cursor: string | null = refused ? null : first.json.next;
    if (!refused && first.json.done) cursor = null;
    else
      do {
        const t = Date.now();
        const res = await system.postJson('/admin/schedule-tips', { dryRun: false, cursor, allowOverrun: true }, admin);
        sliceMs.push(Date.now() - t);
        if (res.status !== 200) throw new Error(`schedule-tips answered ${res.status}: ${res.text}`);
        for (const [k, v] of Object.entries(res.json.counts as Record<string, number>))
          totals[k] = (totals[k] ?? 0) + v;
        cursor = res.json.done ? null : res.json.next;
      } while (cursor);
    const seconds = (Date.now() - started) / 1000;
    const calls = system.sandbox.requests().length - before;
    system.sandbox.fireScheduled();
    await system.sandbox.settle();
    const tips = system.sandbox.messages().filter((m) => m.sendAt);
    const minutes = tips
      .filter((m) => m.leftQueueAt)
      .map((m) => {
        const zone = timeZoneForNumber(m.to, m.to.startsWith('+977') ? 'NP' : 'US', 'Asia/Kathmandu');
        const seven = sendAtFor(localDateOf(new Date(m.sendAt!), zone), '07:00', zone).getTime();
        return (Date.parse(m.leftQueueAt!) - seven) / 60_000;
      })
      .sort((a, b) => a - b);
    return {
      mps,
      forecast: {
        drainMinutes: Math.ceil(forecast.drainSeconds / 60),
        latestLocalArrival: forecast.latestLocalArrival,
        withinValidity: forecast.withinValidity,
        neededSegmentsPerSecond: forecast.neededSegmentsPerSecond,
        refusedWithout_allowOverrun: refused,
      },
      run: {
        seconds,
        slices: sliceMs.length,
        longestSliceMs: Math.max(...sliceMs),
        callsPerSubscriber: calls / SUBSCRIBERS,
      },
      counts: totals,
      arrival: {
        p50Minutes: quantile(minutes, 0.5),
        p99Minutes: quantile(minutes, 0.99),
        maxMinutes: minutes[minutes.length - 1],
        expired30036: tips.filter((m) => m.errorCode === 30036).length,
        overflow30001: tips.filter((m) => m.errorCode === 30001).length,
      },
    };
  } finally {
    await system.stop();
  }
}

async function main() {
  for (const mps of values.mps.split(',').map(Number)) console.log(JSON.stringify(await runAt(mps), null, 1));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
