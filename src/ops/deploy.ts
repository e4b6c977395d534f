/**
 * `npm run deploy` after the build: checks that Twilio's build will find every package the
 * functions require, uploads dist/ with @twilio-labs/serverless-api (to Twilio, or to the
 * stand-in at TWILIO_API_BASE_URL), reports each step, makes the environment's variables exactly
 * the uploaded settings, and describes what is live and what to run next. Nothing it prints
 * carries a setting's value.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { TwilioServerlessApiClient } from '@twilio-labs/serverless-api';
import { setting, type Env } from '../core/settings';
import { requireTwilioCredentials } from '../twilio/client';
import { undeclaredPackages, type BuiltFile } from './deploy-check';
import { planDeployEnv, type DeployEnvPlan } from './deploy-env';
import { createServerlessClient, type ServerlessCredentials } from './serverless-client';

export interface DeployOptions {
  /** The values in .env. */
  env: Env;
  /** The built project: functions/ and assets/. */
  distDir: string;
  /** package.json "dependencies": what Twilio's build installs. */
  dependencies: Record<string, string>;
  serviceName: string;
  /** Environment suffix ("dev" -> <service>-1234-dev.twil.io). */
  functionsEnv: string;
  print: (line: string) => void;
}

export interface DeployedResource {
  path: string;
  access: string;
}

export interface DeployOutcome {
  domain: string;
  serviceSid: string;
  environmentSid: string;
  buildSid: string;
  functions: DeployedResource[];
  assets: DeployedResource[];
  uploaded: string[];
  removed: string[];
}

/** A deploy that stopped: the step it stopped at, why, and what the operator can do. */
export class DeployFailure extends Error {
  constructor(
    readonly step: string,
    message: string,
    readonly hints: string[] = [],
  ) {
    super(message);
  }
}

/** The library's status-update names, as an operator reads them. */
const STEPS: Record<string, string> = {
  'reading-filesystem': 'reading dist/',
  'creating-service': 'creating or finding the service',
  'configuring-environment': 'configuring the environment',
  'creating-functions': 'creating functions',
  'uploading-functions': 'uploading functions',
  'creating-assets': 'creating assets',
  'uploading-assets': 'uploading assets',
  building: 'build',
  'timed-out': 'build',
  'setting-variables': 'setting environment variables',
  'activating-deployment': 'activating the deployment',
};

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

/** Fails before anything is uploaded when a function requires a package "dependencies" lacks. */
export function checkDependencies(distDir: string, dependencies: Record<string, string>): string[] {
  const files: BuiltFile[] = listFiles(join(distDir, 'functions'))
    .filter((path) => path.endsWith('.js'))
    .map((path) => ({ name: relative(distDir, path), code: readFileSync(path, 'utf8') }));
  const missing = undeclaredPackages(files, dependencies);
  if (missing.length > 0) {
    const files = (names: string[]) =>
      names.length > 3 ? `${names.slice(0, 2).join(', ')} and ${names.length - 2} more` : names.join(', ');
    throw new DeployFailure(
      'checking dependencies',
      'package.json "dependencies" (the only packages Twilio installs) lacks what the built functions require: ' +
        missing.map((m) => `"${m.name}" (${files(m.requiredBy)})`).join(', '),
      [
        `add it: npm install --save ${missing.map((m) => m.name).join(' ')}   (then npm run deploy again)`,
        'nothing was uploaded',
      ],
    );
  }
  return Object.keys(dependencies);
}

function errorText(error: unknown): string {
  if (typeof error === 'string') return error;
  const e = error as { message?: string; code?: number | string; details?: { status?: number } };
  const code = typeof e.code === 'number' ? ` (Twilio error ${e.code})` : '';
  return `${e.message ?? String(error)}${code}`;
}

/** What the operator learns when Twilio's build fails: which build, what is still live, where to look. */
async function buildFailure(
  client: TwilioServerlessApiClient,
  auth: ServerlessCredentials,
  options: DeployOptions,
  reason: unknown,
): Promise<DeployFailure> {
  const { serviceName, functionsEnv } = options;
  let subject = "Twilio's build";
  let live = 'nothing was activated';
  try {
    const found = await client.list({ ...auth, types: ['environments', 'builds'], serviceName });
    const failed = (found.builds ?? [])
      .filter((b) => b.status === 'failed')
      .sort((a, b) => String(a.date_created).localeCompare(String(b.date_created)))
      .pop();
    if (failed) subject = `Twilio's build ${failed.sid}`;
    const env = (found.environments ?? []).find((e) => e.domain_suffix === functionsEnv);
    if (env?.build_sid) live = `nothing was activated: https://${env.domain_name} still serves build ${env.build_sid}`;
    else if (env) live = `nothing was activated: https://${env.domain_name} has no deployment yet`;
  } catch {
    // the failure itself is what matters; the details are a bonus
  }
  const status = errorText(reason) === 'Timeout' ? 'did not finish in 5 minutes' : 'failed';
  return new DeployFailure('build', `${subject} ${status}; ${live}`, [
    'the build installs package.json "dependencies" with npm, then loads every function: it fails on a',
    'package or version npm cannot install (Twilio error 82003) or a function that cannot load',
    `see Twilio Console > Functions and Assets > Services > ${serviceName} > Deploy logs, and Monitor > Errors`,
  ]);
}

const SKIPPED: Record<DeployEnvPlan['skipped'][number]['why'], string> = {
  provided_by_twilio: 'provided by Twilio',
  local_only: 'local only',
  not_a_setting: 'not a setting of this service',
  blank: 'blank',
};

/**
 * The settings plan (src/ops/deploy-env.ts), printed by name. A URL setting a deployed service
 * cannot use (http, this machine) stops the deploy, except to the local stand-in: that
 * "deployed" service runs on this machine, where the sandbox's URLs work.
 */
function checkSettings(env: Env, baseUrl: string | undefined, print: (line: string) => void): Record<string, string> {
  const plan = planDeployEnv(env);
  print(`settings to upload (names only): ${Object.keys(plan.upload).sort().join(', ')}`);
  const groups = new Map<string, string[]>();
  for (const { name, why } of plan.skipped) groups.set(SKIPPED[why], [...(groups.get(SKIPPED[why]) ?? []), name]);
  if (groups.size > 0)
    print(`not uploaded: ${[...groups].map(([why, names]) => `${names.join(', ')} (${why})`).join('; ')}`);
  if (plan.problems.length > 0 && !baseUrl)
    throw new DeployFailure('checking settings', plan.problems.join('; '), [
      'fix them in .env (or remove them) and deploy again',
      'nothing was uploaded',
    ]);
  if (plan.problems.length > 0)
    print(`note: ${plan.problems.join('; ')}: accepted only because this deploy goes to the local stand-in`);
  return plan.upload;
}

export async function deploy(options: DeployOptions): Promise<DeployOutcome> {
  const { env, print } = options;
  const baseUrl = setting(env, 'TWILIO_API_BASE_URL');
  const uploadedEnv = checkSettings(env, baseUrl, print);
  const uploaded = Object.keys(uploadedEnv).sort();
  const packages = checkDependencies(options.distDir, options.dependencies);
  print(`checked: the functions require only packages in "dependencies" (${packages.join(', ')})`);

  const credentials = requireTwilioCredentials(env);
  const auth: ServerlessCredentials = { username: credentials.username, password: credentials.password };
  const client = createServerlessClient(auth, baseUrl);
  let step = 'starting';
  client.on('status-update', ({ status, message }: { status: string; message: string }) => {
    if (STEPS[status] === step) return; // the build reports "building" on every poll
    step = STEPS[status] ?? status;
    print(
      status === 'building'
        ? '  building (Twilio installs the dependencies and checks the functions)'
        : `  ${message.toLowerCase()}`,
    );
  });

  let result: Awaited<ReturnType<TwilioServerlessApiClient['deployLocalProject']>>;
  try {
    result = await client.deployLocalProject({
      ...auth,
      cwd: options.distDir,
      envPath: join(options.distDir, '..', '.env'),
      env: uploadedEnv,
      pkgJson: { dependencies: options.dependencies },
      serviceName: options.serviceName,
      functionsEnv: options.functionsEnv,
      functionsFolderName: 'functions',
      assetsFolderName: 'assets',
      overrideExistingService: true,
      runtime: 'node22',
    });
  } catch (error) {
    if (step === 'build') throw await buildFailure(client, auth, options, error);
    const hints = baseUrl
      ? [`TWILIO_API_BASE_URL is set: this deploy goes to ${baseUrl}; remove it from .env to deploy to Twilio`]
      : [];
    throw new DeployFailure(step, errorText(error), hints);
  }

  // The library adds and updates variables but keeps ones no longer uploaded; .env is the source.
  step = 'removing settings no longer in .env';
  let removed: string[] = [];
  try {
    const current = await client.getEnvironmentVariables({
      ...auth,
      serviceSid: result.serviceSid,
      environment: result.environmentSid,
      keys: [],
      getValues: false,
    });
    removed = current.variables.map((v) => v.key).filter((key) => !(key in uploadedEnv));
    if (removed.length > 0)
      await client.removeEnvironmentVariables({
        ...auth,
        serviceSid: result.serviceSid,
        environment: result.environmentSid,
        keys: removed,
      });
  } catch (error) {
    throw new DeployFailure(step, `the new build is live, but ${errorText(error)}`);
  }
  if (removed.length > 0) print(`  removed settings no longer uploaded: ${removed.sort().join(', ')}`);

  return {
    domain: result.domain,
    serviceSid: result.serviceSid,
    environmentSid: result.environmentSid,
    buildSid: result.buildSid,
    functions: result.functionResources.map((f) => ({ path: f.path, access: f.access })),
    assets: result.assetResources.map((a) => ({ path: a.path, access: a.access })),
    uploaded,
    removed,
  };
}

const ACCESS: Record<string, string> = {
  public: 'public',
  protected: 'protected: Twilio-signed requests only',
};

/** What is live and what to run next: URLs and commands, never a setting's value. */
export function summary(outcome: DeployOutcome, env: Env): string[] {
  const base = `https://${outcome.domain}`;
  const width = Math.max(...[...outcome.functions, ...outcome.assets].map((r) => base.length + r.path.length)) + 2;
  const row = (url: string, note: string) => `  ${url.padEnd(width)}${note}`;
  const byPath = (a: DeployedResource, b: DeployedResource) => a.path.localeCompare(b.path);
  const lines = [
    `deployed build ${outcome.buildSid} to ${base} (service ${outcome.serviceSid}, environment ${outcome.environmentSid})`,
    'routes:',
    ...[...outcome.functions].sort(byPath).map((f) => row(base + f.path, ACCESS[f.access] ?? f.access)),
    'assets:',
    ...[...outcome.assets]
      .filter((a) => a.access !== 'private')
      .sort(byPath)
      .map((a) => row(base + a.path, a.path === '/admin/index.html' ? 'admin dashboard' : a.access)),
  ];
  const hidden = outcome.assets.filter((a) => a.access === 'private').map((a) => a.path);
  if (hidden.length > 0) lines.push(`  (private, read only by the functions: ${hidden.sort().join(', ')})`);
  const publicBase = setting(env, 'PUBLIC_BASE_URL')?.replace(/\/+$/, '');
  if (publicBase && publicBase !== base)
    lines.push(
      `note: PUBLIC_BASE_URL is ${publicBase}, not ${base}: signatures and callback URLs use it (right only behind a proxy)`,
    );
  const baseUrl = setting(env, 'TWILIO_API_BASE_URL');
  if (baseUrl)
    lines.push(`note: TWILIO_API_BASE_URL is set: this deploy went to the local stand-in at ${baseUrl}, not to Twilio`);
  lines.push(
    'next:',
    `  npm run setup -- --url ${base}    points the Messaging Service's inbound and status webhooks here`,
    `  npm run doctor -- --url ${base}   checks settings, credentials, webhooks and Sync`,
    `  curl ${base}/health               build version and the names of any missing settings`,
  );
  return lines;
}
