/**
 * `npm run deploy` as an operator runs it (the real script, in a copy of the project with its
 * own .env), against the sandbox's emulated Serverless API, which builds what was uploaded
 * (npm install from the registry into a fresh folder) and serves it with the real twilio-run.
 * The tests run in order: first deploy, second deploy, a dependency missing from
 * package.json, a build that fails.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { SETTINGS } from '../../src/core/settings';
import { builtRoutePaths } from './built-routes';
import { deploy as runDeploy } from '../../src/ops/deploy';
import { localEnv } from '../../sandbox/local-env';
import { startSandbox, type SandboxHandle, type ServerlessState } from '../../sandbox/server';

const root = join(__dirname, '..', '..');
/** Each test runs the deploy script; two run npm install of the real dependencies (slow on a loaded 2-core machine). */
const DEPLOY_TIMEOUT_MS = 180_000;

let sandbox: SandboxHandle;
let project: string;
let env: Record<string, string>;

interface Run {
  code: number | null;
  output: string;
}

/** A copy of what a checkout holds that deploy reads (sources, scripts, package.json), sharing node_modules. */
function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aamcare-deploy-project-'));
  for (const name of ['package.json', 'tsconfig.json', 'src', 'scripts'])
    cpSync(join(root, name), join(dir, name), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

function writeEnv(values: Record<string, string>) {
  writeFileSync(
    join(project, '.env'),
    Object.entries(values)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );
}

function editPackageJson(edit: (pkg: { version: string; dependencies: Record<string, string> }) => void): () => void {
  const file = join(project, 'package.json');
  const original = readFileSync(file, 'utf8');
  const pkg = JSON.parse(original) as { version: string; dependencies: Record<string, string> };
  edit(pkg);
  writeFileSync(file, JSON.stringify(pkg, null, 2));
  return () => writeFileSync(file, original);
}

/** `npm run deploy` in the project copy: its stdout and stderr interleaved, and its exit status. */
function deploy(): Promise<Run> {
  return new Promise((resolve) => {
    const { SERVICE_NAME: _s, FUNCTIONS_ENV: _f, ...parentEnv } = process.env;
    const child = spawn(join(project, 'node_modules', '.bin', 'tsx'), ['scripts/deploy.ts'], {
      cwd: project,
      env: { ...parentEnv, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** The settings table's names set in .env, minus local-only ones and what Twilio provides. */
function allowList(values: Record<string, string>): string[] {
  return SETTINGS.filter((s) => !s.localOnly && !['ACCOUNT_SID', 'AUTH_TOKEN'].includes(s.name))
    .map((s) => s.name)
    .filter((name) => (values[name] ?? '').trim() !== '')
    .sort();
}

/** Every https://…twil.io URL deploy printed (routes and assets). */
function printedUrls(output: string): string[] {
  return [...output.matchAll(/^\s+(https:\/\/\S+\.twil\.io\/\S*)/gm)].map((m) => m[1]!);
}

function secretValues(values: Record<string, string>): string[] {
  const secret = new Set([
    ...SETTINGS.filter((s) => s.secret).map((s) => s.name),
    'PORTAL_API_TOKEN',
    'UNRELATED_API_TOKEN',
  ]);
  return Object.entries(values)
    .filter(([name, value]) => secret.has(name) && value !== '')
    .map(([, value]) => value);
}

const state = (): ServerlessState => sandbox.serverless.state();

async function getServed(publicUrl: string, init?: RequestInit): Promise<Response> {
  return fetch(await sandbox.serverless.served(publicUrl), init);
}

beforeAll(async () => {
  // A random auth token: the default all-zeros one is a substring of every zero-padded SID.
  sandbox = await startSandbox({ authToken: randomBytes(16).toString('hex') });
  project = copyProject();
  env = {
    ...localEnv(sandbox),
    NODE_ENV: 'development',
    UNRELATED_API_TOKEN: randomBytes(20).toString('hex'),
  };
  writeEnv(env);
});
afterAll(async () => {
  await sandbox?.close();
  if (project) rmSync(project, { recursive: true, force: true });
});
afterEach(() => expect(sandbox.violations()).toEqual([]));

let domain = '';
let firstBuild = '';
let secondBuild = '';

test(
  'a first deploy creates the service; what was uploaded, not dist/, answers at the printed URLs',
  async () => {
    const run = await deploy();
    expect({ code: run.code, output: run.output }).toMatchObject({ code: 0 });
    const s = state();
    expect(s.services).toEqual([expect.objectContaining({ uniqueName: 'aamcare-messaging' })]);
    expect(s.environments).toHaveLength(1);
    domain = s.environments[0]!.domainName;
    firstBuild = s.environments[0]!.buildSid!;
    expect(s.builds).toEqual([expect.objectContaining({ sid: firstBuild, status: 'completed' })]);
    expect(s.deployments).toHaveLength(1);

    // Visibility: Twilio-called webhooks protected, the tips file private, the rest public.
    const visibility = Object.fromEntries(s.versions.map((v) => [v.path, v.visibility]));
    expect(visibility).toMatchObject({
      '/incoming': 'protected',
      '/status-callback': 'protected',
      '/register': 'public',
      '/health': 'public',
      '/admin/stats': 'public',
      '/tips.json': 'private',
      '/admin/index.html': 'public',
    });
    // Every built route, and nothing else, is uploaded as a function.
    expect(
      s.versions
        .filter((v) => v.kind === 'function')
        .map((v) => v.path)
        .sort(),
    ).toEqual(builtRoutePaths(root));
    expect(s.builds[0]!.dependencies.map((d) => d.name).sort()).toEqual(
      Object.keys(
        (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: object }).dependencies,
      ).sort(),
    );

    // Variables: exactly the settings table's names, never NODE_ENV or an unrelated token.
    expect(Object.keys(s.environments[0]!.variables).sort()).toEqual(allowList(env));

    // The sandbox's portal URL is local: refused for Twilio, accepted (with a note) for the stand-in.
    expect(run.output).toMatch(/note: PORTAL_API_URL .*: accepted only because this deploy goes to the local stand-in/);

    // What deploy printed: the URLs and the next commands, no secret.
    expect(run.output).toContain(`npm run setup -- --url https://${domain}`);
    expect(run.output).toContain(`npm run doctor -- --url https://${domain}`);
    for (const secret of secretValues(env)) expect(run.output).not.toContain(secret);
    const urls = printedUrls(run.output);
    expect(urls).toEqual(expect.arrayContaining([`https://${domain}/health`, `https://${domain}/admin/index.html`]));
    expect(urls).not.toContain(`https://${domain}/tips.json`);

    // From here on only the build can answer: the project's dist/ is gone.
    rmSync(join(project, 'dist'), { recursive: true, force: true });
    // A printed URL answers when its route does: not the runtime's "no such route", not a 5xx
    // (/u answers 404 itself, with its own page, to a link without a valid token).
    const unknown = await getServed(`https://${domain}/no-such-route`);
    const notFound = `${unknown.status} ${await unknown.text()}`;
    const broken: string[] = [];
    for (const url of urls) {
      const res = await getServed(url);
      const answer = `${res.status} ${await res.text()}`;
      if (answer === notFound || res.status >= 500) broken.push(`${url} answered ${res.status}`);
    }
    expect({ broken, logs: broken.length > 0 ? sandbox.serverless.logs(domain) : '' }).toEqual({
      broken: [],
      logs: '',
    });
    const health = await getServed(`https://${domain}/health`);
    expect(await health.json()).toMatchObject({ status: 'ok', missing: {} });

    // A signed /register through the deployed service reaches the sandbox (Twilio) and sends the welcome.
    const url = `https://${domain}/register`;
    const params = { user_id: 'deploy-1', phone: '9807969278', timestamp: String(Math.floor(Date.now() / 1000)) };
    const res = await getServed(url, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/x-www-form-urlencoded',
        'X-Portal-Signature': twilio.getExpectedTwilioSignature(env.PORTAL_WEBHOOK_SECRET!, url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
    expect(await res.json()).toMatchObject({ status: 'registered' });
    expect(sandbox.messages().map((m) => m.to)).toContain('+9779807969278');
  },
  DEPLOY_TIMEOUT_MS,
);

test(
  'a second deploy updates the same service in place: new build, no duplicates, variables follow .env',
  async () => {
    const before = state();
    const restore = editPackageJson((pkg) => (pkg.version = '0.2.0'));
    const { TIP_CONTENT_SID: _dropped, ...next } = env;
    env = { ...next, PUBLIC_BASE_URL: `https://${domain}` };
    writeEnv(env);
    try {
      const run = await deploy();
      expect({ code: run.code, output: run.output }).toMatchObject({ code: 0 });
      expect(run.output).toContain('removed settings no longer uploaded: TIP_CONTENT_SID');
      const s = state();
      expect(s.services.map((x) => x.sid)).toEqual(before.services.map((x) => x.sid));
      expect(s.environments.map((e) => e.domainName)).toEqual([domain]);
      expect(s.functions.map((f) => f.sid).sort()).toEqual(before.functions.map((f) => f.sid).sort());
      expect(s.assets.map((a) => a.sid).sort()).toEqual(before.assets.map((a) => a.sid).sort());
      expect(s.builds.map((b) => b.status)).toEqual(['completed', 'completed']);
      secondBuild = s.builds[1]!.sid;
      expect(s.environments[0]!.buildSid).toBe(secondBuild);
      expect(s.deployments.map((d) => d.buildSid)).toEqual([firstBuild, secondBuild]);
      expect(Object.keys(s.environments[0]!.variables).sort()).toEqual(allowList(env));
      const health = await getServed(`https://${domain}/health`);
      expect(await health.json()).toMatchObject({ version: expect.stringMatching(/^0\.2\.0\+/) });
    } finally {
      restore();
    }
  },
  DEPLOY_TIMEOUT_MS,
);

test('to Twilio (no TWILIO_API_BASE_URL), a local or http URL setting stops the deploy before anything else', async () => {
  const { TWILIO_API_BASE_URL: _local, ...toTwilio } = env;
  const lines: string[] = [];
  await expect(
    runDeploy({
      env: { ...toTwilio, PUBLIC_BASE_URL: 'http://localhost:3000' },
      distDir: join(project, 'no-dist'),
      dependencies: {},
      serviceName: 'aamcare-messaging',
      functionsEnv: 'dev',
      print: (line) => lines.push(line),
    }),
  ).rejects.toMatchObject({
    step: 'checking settings',
    message: expect.stringMatching(/PUBLIC_BASE_URL must be an https:\/\/ URL.*PORTAL_API_URL/),
  });
  expect(lines.join('\n')).toContain('not uploaded: ACCOUNT_SID, AUTH_TOKEN (provided by Twilio)');
});

test(
  'a function requiring a package missing from "dependencies" stops the deploy before any upload',
  async () => {
    const before = state();
    const restore = editPackageJson((pkg) => delete pkg.dependencies['libphonenumber-js']);
    try {
      const run = await deploy();
      expect(run.code).toBe(1);
      expect(run.output).toContain('deploy failed at "checking dependencies"');
      expect(run.output).toMatch(/lacks what the built functions require: "libphonenumber-js" \(functions\/\S+\.js, /);
      expect(run.output).toContain('npm install --save libphonenumber-js');
      expect(state().versions).toHaveLength(before.versions.length);
      expect(state().builds).toHaveLength(before.builds.length);
    } finally {
      restore();
    }
  },
  DEPLOY_TIMEOUT_MS,
);

test(
  'a build that fails is reported with its step and a non-zero exit; the live service keeps the previous build',
  async () => {
    const restore = editPackageJson((pkg) => (pkg.dependencies['p-limit'] = '999.0.0'));
    try {
      const run = await deploy();
      expect(run.code).toBe(1);
      const failed = state().builds.at(-1)!;
      expect(failed).toMatchObject({ status: 'failed', failure: { step: 'install' } });
      expect(failed.failure!.detail).toContain('p-limit');
      expect(run.output).toContain(`deploy failed at "build": Twilio's build ${failed.sid} failed`);
      expect(run.output).toContain(`https://${domain} still serves build ${secondBuild}`);
      expect(state().environments[0]!.buildSid).toBe(secondBuild);
      const health = await getServed(`https://${domain}/health`);
      expect(await health.json()).toMatchObject({ version: expect.stringMatching(/^0\.2\.0\+/) });
      expect(existsSync(join(project, 'dist', 'functions', 'health.js'))).toBe(true);
    } finally {
      restore();
    }
  },
  DEPLOY_TIMEOUT_MS,
);
