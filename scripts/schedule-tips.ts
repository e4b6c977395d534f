/**
 * Daily trigger for the tips: loops POST /admin/schedule-tips slices until done.
 *   ADMIN_TOKEN=... npm run schedule-tips -- --url https://<service>.twil.io [--date YYYY-MM-DD] [--days N] [--dry-run]
 * The token comes from ADMIN_TOKEN only (npm echoes arguments); it is never printed.
 */
import 'dotenv/config';
import { SingleBar, Presets } from 'cli-progress';
import type { TipSlice } from '../src/app/tips';
import { AdminCallError, postAdmin } from './admin-http';
import { defineCli, parseCli, run, usageError, wholeNumber } from './cli';

const CLI = defineCli({
  usage: 'ADMIN_TOKEN=... npm run schedule-tips -- --url <service base URL> [options]',
  summary: 'Schedules the daily tip for every active subscriber, slice after slice (idempotent: rerun to continue).',
  options: {
    url: { type: 'string', value: 'base URL', description: 'the service, e.g. https://<service>.twil.io (required)' },
    date: {
      type: 'string',
      value: 'YYYY-MM-DD',
      description: 'first tip date (default: the next 07:00 at least 16 min ahead)',
    },
    days: { type: 'string', value: 'N', description: 'consecutive dates to schedule, 1-35 (default 1)' },
    'dry-run': { type: 'boolean', description: 'count what would be scheduled; send nothing' },
  },
  env: { ADMIN_TOKEN: "the service's admin token (required; never printed)" },
  notes: ['exit status: 0 done, 1 error or a failed tip, 2 usage, 130 interrupted'],
});

/** A slice is retried on 5xx and network errors: the route is idempotent per subscriber and date. */
const MAX_ATTEMPTS = 4;

async function main(): Promise<number> {
  const { values } = parseCli(CLI);
  const token = process.env.ADMIN_TOKEN ?? '';
  if (!values.url) usageError(CLI, '--url <service base URL> is required');
  if (token === '') usageError(CLI, 'the admin token is required in the environment: ADMIN_TOKEN');
  const days = wholeNumber(CLI, 'days', values.days) ?? 1;
  const dryRun = values['dry-run'] ?? false;
  const endpoint = values.url.replace(/\/+$/, '') + '/admin/schedule-tips';
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
    let slice: TipSlice;
    try {
      slice = (await postAdmin(
        endpoint,
        token,
        { date: values.date, days, dryRun, cursor },
        { maxAttempts: MAX_ATTEMPTS, retryable: (failure) => failure.status === 0 || failure.status >= 500 },
      )) as TipSlice;
    } catch (error) {
      bar.stop();
      if (!(error instanceof AdminCallError)) throw error;
      const missing = (error.body as { error?: { missing?: unknown } } | undefined)?.error?.missing;
      console.error(
        `schedule-tips failed: ${error.message} ${error.detail ?? ''}${Array.isArray(missing) ? ` (missing: ${missing.join(', ')})` : ''}`,
      );
      return 1;
    }
    slices++;
    dates = slice.dates;
    for (const [k, v] of Object.entries(slice.counts)) totals[k] = (totals[k] ?? 0) + v;
    cursor = slice.done ? null : slice.next;
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
    `${dryRun ? 'dry run for' : 'scheduled'} ${dates.join(', ')} in ${slices} slice(s): ${JSON.stringify(totals)}`,
  );
  return totals.failed ? 1 : 0;
}

run(main, 'schedule-tips failed');
