/**
 * `npm run setup [-- --url <deployed base URL>]`: creates or finds what the service needs on
 * the account in .env (idempotent) and prints what it created or changed.
 */
import 'dotenv/config';
import { runSetup } from '../src/ops/setup';

async function main(): Promise<number> {
  const i = process.argv.indexOf('--url');
  const result = await runSetup(process.env, { baseUrl: i > 0 ? process.argv[i + 1] : undefined });
  for (const line of result.changes) console.log(`changed   ${line}`);
  for (const line of result.unchanged) console.log(`ok        ${line}`);
  console.log(result.changes.length === 0 ? 'nothing to change' : `${result.changes.length} change(s) made`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    const e = error as { status?: number; code?: number; message?: string };
    console.error(`setup failed: ${e.status ? `HTTP ${e.status} ` : ''}${e.code ?? ''} ${e.message ?? String(error)}`);
    process.exit(1);
  },
);
