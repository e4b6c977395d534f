/**
 * Daily trigger for the tips: loops POST /admin/schedule-tips slices until done.
 *   npm run schedule-tips -- --url https://<service>.twil.io --token <admin token> [--date YYYY-MM-DD] [--days N] [--dry-run]
 * The token may come from ADMIN_TOKEN instead of --token; it is never printed.
 */
import 'dotenv/config';
import { SingleBar, Presets } from 'cli-progress';

interface Args {
  url?: string;
  token?: string;
  date?: string;
  days: number;
  dryRun: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { days: 1, dryRun: false, token: process.env.ADMIN_TOKEN };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--url') args.url = argv[++i];
    else if (a === '--token') args.token = argv[++i];
    else if (a === '--date') args.date = argv[++i];
    else if (a === '--days') args.days = Number(argv[++i]);
    else if (a === '--dry-run') args.dryRun = true;
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

async function post(url: string, token: string, body: unknown): Promise<{ status: number; json: any }> {
  // A slice is retried on 5xx/network errors: the route is idempotent per subscriber and date.
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = await res.json().catch(() => ({}));
      if (res.status < 500 || attempt >= 4) return { status: res.status, json };
    } catch (error) {
      if (attempt >= 4) throw error;
    }
    await new Promise((r) => setTimeout(r, 1000 * attempt));
  }
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.url || !args.token) {
    console.error(
      'usage: npm run schedule-tips -- --url <service base URL> --token <admin token> [--date YYYY-MM-DD] [--days N] [--dry-run]',
    );
    return 2;
  }
  const endpoint = args.url.replace(/\/+$/, '') + '/admin/schedule-tips';
  const totals: Record<string, number> = {};
  const bar = new SingleBar(
    { format: 'tips {bar} slice {value} | {counts}', hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(1, 0, { counts: '' });
  let cursor: string | null = null;
  let slices = 0;
  let dates: string[] = [];
  let interrupted = false;
  process.on('SIGINT', () => (interrupted = true));
  do {
    const res = await post(endpoint, args.token, { date: args.date, days: args.days, dryRun: args.dryRun, cursor });
    if (res.status !== 200) {
      bar.stop();
      const error = res.json?.error ?? {};
      console.error(
        `schedule-tips failed: HTTP ${res.status} ${error.code ?? ''} ${error.message ?? ''}${error.missing ? ` (missing: ${error.missing.join(', ')})` : ''}`,
      );
      return 1;
    }
    slices++;
    dates = res.json.dates;
    for (const [k, v] of Object.entries(res.json.counts as Record<string, number>)) totals[k] = (totals[k] ?? 0) + v;
    cursor = res.json.done ? null : res.json.next;
    bar.setTotal(cursor ? slices + 1 : slices);
    bar.update(slices, {
      counts: Object.entries(totals)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    });
  } while (cursor && !interrupted);
  bar.stop();
  if (interrupted && cursor) {
    console.log('interrupted; rerun the same command to continue (nothing is scheduled twice)');
    return 130;
  }
  console.log(
    `${args.dryRun ? 'dry run for' : 'scheduled'} ${dates.join(', ')} in ${slices} slice(s): ${JSON.stringify(totals)}`,
  );
  return totals.failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
