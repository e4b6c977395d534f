/**
 * `npm run deploy`: builds, then deploys dist/ (never src/) with @twilio-labs/serverless-api,
 * uploading only the settings the settings table names (minus local-only ones and what Twilio
 * provides; a localhost or http URL setting is refused), printing what it uploads and leaves
 * out by name, then the route URLs and the commands to run next (src/ops/deploy.ts). With
 * TWILIO_API_BASE_URL in .env it deploys to that local stand-in (the sandbox), which builds and
 * serves what was uploaded. Exit status 1 names the failed step.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { setting } from '../src/core/settings';
import { deploy, DeployFailure, summary } from '../src/ops/deploy';
import { buildAll } from './build';
import { defineCli, parseCli, run } from './cli';

const root = join(__dirname, '..');

const CLI = defineCli({
  usage: 'npm run deploy',
  summary:
    'Builds, then deploys dist/ with the settings from .env that the settings table names (never local-only ones, never other keys) and prints the URLs.',
  options: {},
  env: {
    SERVICE_NAME: 'Twilio Serverless service name (default aamcare-messaging)',
    FUNCTIONS_ENV: 'environment suffix (default dev)',
  },
  notes: [
    'reads ACCOUNT_SID and AUTH_TOKEN (or TWILIO_API_KEY and TWILIO_API_SECRET) and the settings to upload from .env;',
    'with TWILIO_API_BASE_URL in .env it deploys to that local stand-in (npm run sandbox) instead of Twilio',
    'exit status: 0 deployed, 1 a step failed (named), 2 usage',
  ],
});

async function main(): Promise<number> {
  parseCli(CLI);
  const envFile = join(root, '.env');
  if (!existsSync(envFile)) throw new Error('no .env: copy .env.example to .env and fill it in (see README)');
  const env = parse(readFileSync(envFile));
  const serviceName = process.env.SERVICE_NAME ?? 'aamcare-messaging';
  const functionsEnv = process.env.FUNCTIONS_ENV ?? 'dev';
  const baseUrl = setting(env, 'TWILIO_API_BASE_URL');
  const target = baseUrl ? `the local stand-in at ${baseUrl} (TWILIO_API_BASE_URL), not Twilio` : 'Twilio';
  console.log(
    `deploying dist/ to ${target}: account ${env.ACCOUNT_SID ?? '(ACCOUNT_SID missing)'}, service "${serviceName}", environment "${functionsEnv}"`,
  );

  const routes = await buildAll(join(root, 'dist'));
  console.log(`built ${routes.length} function(s) into dist/`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  try {
    const outcome = await deploy({
      env,
      distDir: join(root, 'dist'),
      dependencies: pkg.dependencies ?? {},
      serviceName,
      functionsEnv,
      print: (line) => console.log(line),
    });
    for (const line of summary(outcome, env)) console.log(line);
    return 0;
  } catch (error) {
    if (!(error instanceof DeployFailure)) throw error;
    console.error(`deploy failed at "${error.step}": ${error.message}`);
    for (const hint of error.hints) console.error(`  ${hint}`);
    return 1;
  }
}

run(main, 'deploy failed');
