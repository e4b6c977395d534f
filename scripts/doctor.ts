/**
 * `npm run doctor [-- --url <deployed base URL>]`: read-only preflight of the configuration
 * in .env against the account. One line per check; exit status 1 on any problem.
 */
import 'dotenv/config';
import { runDoctor } from '../src/ops/doctor';

async function main(): Promise<number> {
  const i = process.argv.indexOf('--url');
  const checks = await runDoctor(process.env, { baseUrl: i > 0 ? process.argv[i + 1] : undefined });
  for (const c of checks)
    console.log(`${c.ok ? 'ok      ' : 'PROBLEM '} ${c.name}: ${c.detail}${c.fix ? ` -> ${c.fix}` : ''}`);
  const problems = checks.filter((c) => !c.ok).length;
  console.log(problems === 0 ? 'all checks passed' : `${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`doctor failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
