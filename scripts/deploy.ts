/**
 * `npm run deploy`: builds, then deploys dist/ (never src/) with @twilio-labs/serverless-api,
 * uploading only the settings the settings table names (minus local-only ones and what
 * Twilio provides), prints what it uploads and leaves out by name, refuses a localhost or
 * http URL setting, and prints the route URLs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TwilioServerlessApiClient } from '@twilio-labs/serverless-api';
import { parse } from 'dotenv';
import { planDeployEnv } from '../src/ops/deploy-env';
import { buildAll } from './build';
import { defineCli, parseCli } from './cli';

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
  notes: ['reads ACCOUNT_SID, AUTH_TOKEN and the settings to upload from .env'],
});

async function main() {
  parseCli(CLI);
  const env = parse(readFileSync(join(root, '.env')));
  if (!env.ACCOUNT_SID || !env.AUTH_TOKEN)
    throw new Error('.env needs ACCOUNT_SID and AUTH_TOKEN of the account to deploy to');
  const plan = planDeployEnv(env);
  for (const { name, why } of plan.skipped) console.log(`not uploaded: ${name} (${why.replace(/_/g, ' ')})`);
  if (plan.problems.length > 0) {
    for (const problem of plan.problems) console.error(`refused: ${problem}`);
    throw new Error('fix the settings above in .env (or remove them) and deploy again');
  }
  await buildAll();
  const client = new TwilioServerlessApiClient({ accountSid: env.ACCOUNT_SID, authToken: env.AUTH_TOKEN });
  const pkgJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const uploaded = plan.upload;
  console.log(`uploading settings: ${Object.keys(uploaded).join(', ')}`);
  const result = await client.deployLocalProject({
    accountSid: env.ACCOUNT_SID,
    authToken: env.AUTH_TOKEN,
    cwd: join(root, 'dist'),
    envPath: join(root, '.env'),
    env: uploaded,
    pkgJson: { dependencies: pkgJson.dependencies },
    serviceName: process.env.SERVICE_NAME ?? 'aamcare-messaging',
    functionsEnv: process.env.FUNCTIONS_ENV ?? 'dev',
    functionsFolderName: 'functions',
    assetsFolderName: 'assets',
    overrideExistingService: true,
    runtime: 'node22',
  });
  console.log(`deployed to https://${result.domain}`);
  for (const fn of result.functionResources) console.log(`  https://${result.domain}${fn.path}  (${fn.access})`);
  for (const asset of result.assetResources.filter((a) => a.access !== 'private'))
    console.log(`  https://${result.domain}${asset.path}`);
  console.log(
    `next: npm run setup -- --url https://${result.domain}   then   npm run doctor -- --url https://${result.domain}`,
  );
}

main().catch((error: unknown) => {
  console.error(`deploy failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
