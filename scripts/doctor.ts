/**
 * `npm run doctor [-- --url <deployed base URL>]`: read-only preflight of the configuration
 * in .env against the account. One line per check; exit status 1 on any problem.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTips } from '../src/core/tips';
import { SETTINGS } from '../src/core/settings';
import { runDoctor } from '../src/ops/doctor';
import { defineCli, parseCli, run } from './cli';
import { loadEnvFile } from './env-file';

const CLI = defineCli({
  usage: 'npm run doctor -- [--url <deployed base URL>]',
  summary: 'Read-only preflight of the settings in .env (or the environment) against the Twilio account.',
  options: {
    url: { type: 'string', value: 'base URL', description: 'also check the deployed service at this URL' },
  },
  env: Object.fromEntries(SETTINGS.map((s) => [s.name, s.description])),
  notes: ['exit status: 0 all checks passed, 1 a problem, 2 usage'],
});

/** The tips the service would send: the forecast counts their segments. */
const tips = parseTips(JSON.parse(readFileSync(join(__dirname, '..', 'src', 'assets', 'tips.private.json'), 'utf8')));

async function main(): Promise<number> {
  const { values } = parseCli(CLI);
  loadEnvFile();
  const checks = await runDoctor(process.env, { baseUrl: values.url, tips });
  for (const c of checks)
    console.log(`${c.ok ? 'ok      ' : 'PROBLEM '} ${c.name}: ${c.detail}${c.fix ? ` -> ${c.fix}` : ''}`);
  const problems = checks.filter((c) => !c.ok).length;
  console.log(problems === 0 ? 'all checks passed' : `${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}

run(main, 'doctor failed');
