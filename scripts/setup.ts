/**
 * `npm run setup [-- --url <deployed base URL>]`: creates or finds what the service needs on
 * the account in .env (idempotent) and prints what it created or changed.
 */
import { SETTINGS } from '../src/core/settings';
import { runSetup } from '../src/ops/setup';
import { defineCli, parseCli, run } from './cli';
import { loadEnvFile } from './env-file';

const CLI = defineCli({
  usage: 'npm run setup -- [--url <deployed base URL>]',
  summary: 'Finds or creates the Sync service and maps the service needs (idempotent); prints what changed.',
  options: {
    url: { type: 'string', value: 'base URL', description: 'the deployed service, for its webhook URLs' },
  },
  env: Object.fromEntries(SETTINGS.map((s) => [s.name, s.description])),
  notes: ['exit status: 0 done, 1 error, 2 usage'],
});

async function main(): Promise<number> {
  const { values } = parseCli(CLI);
  loadEnvFile();
  const result = await runSetup(process.env, { baseUrl: values.url });
  for (const line of result.changes) console.log(`changed   ${line}`);
  for (const line of result.unchanged) console.log(`ok        ${line}`);
  console.log(result.changes.length === 0 ? 'nothing to change' : `${result.changes.length} change(s) made`);
  return 0;
}

run(async () => {
  try {
    return await main();
  } catch (error) {
    const e = error as { status?: number; code?: number; message?: string };
    throw new Error(`${e.status ? `HTTP ${e.status} ` : ''}${e.code ?? ''} ${e.message ?? String(error)}`);
  }
}, 'setup failed');
