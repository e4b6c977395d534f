/**
 * The emulated Serverless API through @twilio-labs/serverless-api (the library `npm run deploy`
 * uses, aimed at the sandbox by src/ops/serverless-client.ts), in strict contract mode: the
 * build (npm install into a fresh folder, then the health check), the served environment (the
 * real twilio-run in the build's folder) and Twilio's rules on the resources.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { DeployProjectConfig } from '@twilio-labs/serverless-api';
import { createServerlessClient } from '../../src/ops/serverless-client';
import { startSandbox, type SandboxHandle } from '../../sandbox/server';

let sandbox: SandboxHandle;
const auth = () => ({ username: sandbox.options.accountSid, password: sandbox.options.authToken });
const client = () => createServerlessClient(auth(), sandbox.url);

beforeAll(async () => {
  sandbox = await startSandbox();
});
// Builds run npm and deployments start twilio-run: slow on a loaded 2-core machine.
jest.setTimeout(120_000);
afterAll(async () => sandbox.close());
afterEach(() => expect(sandbox.violations()).toEqual([]));

type Resource = DeployProjectConfig['functions'][number];
const fn = (path: string, content: string, access: Resource['access'] = 'public'): Resource => ({
  name: path,
  path,
  access,
  content,
});
const config = (
  functions: Resource[],
  assets: Resource[] = [],
  env: Record<string, string> = {},
): DeployProjectConfig => ({
  ...auth(),
  functions,
  assets,
  env,
  pkgJson: { dependencies: {} },
  serviceName: 'emulator-test',
  functionsEnv: 'dev',
  overrideExistingService: true,
  runtime: 'node22',
});

/** A raw Serverless API call, as Twilio answers it. */
async function api(method: string, path: string, form: Record<string, string> = {}) {
  const res = await fetch(`${sandbox.url}/serverless/v1${path}`, {
    method,
    headers: {
      Authorization: 'Basic ' + Buffer.from(`${auth().username}:${auth().password}`).toString('base64'),
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: method === 'GET' ? undefined : new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as { code?: number; message?: string } };
}

const HELLO = `exports.handler = (context, event, callback) => callback(null, {
  greeting: context.GREETING, domain: context.DOMAIN_NAME, service: context.SERVICE_SID,
  environment: context.ENVIRONMENT_SID, account: context.ACCOUNT_SID, dir: __dirname });`;

describe('the emulated build', () => {
  test('a function that cannot load fails the health check, naming file and reason; nothing is deployed', async () => {
    await expect(
      client().deployProject(
        config([
          fn('/needs-package', "require('aamcare-undeclared-package'); exports.handler = (c, e, cb) => cb(null, 1);"),
          fn('/no-handler', 'module.exports = {};'),
          fn('/fine', 'exports.handler = (c, e, cb) => cb(null, 1);'),
        ]),
      ),
    ).rejects.toBe('failed');
    const { builds, environments } = sandbox.serverless.state();
    expect(builds).toEqual([expect.objectContaining({ status: 'failed', dir: null })]);
    expect(builds[0]!.failure!.step).toBe('health check');
    expect(builds[0]!.failure!.detail.split('\n').sort()).toEqual([
      "functions/needs-package.js: Cannot find module 'aamcare-undeclared-package'",
      'functions/no-handler.js: exports no handler function',
    ]);
    expect(environments).toEqual([expect.objectContaining({ buildSid: null, localUrl: null })]);
  });

  test('a completed build is served by twilio-run from its own folder, with its variables and what Twilio provides', async () => {
    const result = await client().deployProject(
      config(
        [fn('/hello', HELLO), fn('/hook', "exports.handler = (c, e, cb) => cb(null, 'hook');", 'protected')],
        [
          { name: '/data.json', path: '/data.json', access: 'private', content: '{"a":1}' },
          { name: '/page.html', path: '/page.html', access: 'public', content: '<p>namaste</p>' },
        ],
        { GREETING: 'namaste' },
      ),
    );
    expect(result.domain).toMatch(/^emulator-test-\d{4}-dev\.twil\.io$/);
    const build = sandbox.serverless.state().builds.find((b) => b.sid === result.buildSid)!;
    expect(build.status).toBe('completed');
    // Visibility is in the file names, as twilio-run (and the toolkit) read them.
    expect(readdirSync(join(build.dir!, 'functions')).sort()).toEqual(['hello.js', 'hook.protected.js']);
    expect(readdirSync(join(build.dir!, 'assets')).sort()).toEqual(['data.private.json', 'page.html']);

    const hello = await fetch(await sandbox.serverless.served(`https://${result.domain}/hello`));
    expect(await hello.json()).toEqual({
      greeting: 'namaste',
      domain: result.domain,
      service: result.serviceSid,
      environment: result.environmentSid,
      account: sandbox.options.accountSid,
      dir: join(build.dir!, 'functions'),
    });
    const page = await fetch(await sandbox.serverless.served(`https://${result.domain}/page.html`));
    expect(await page.text()).toBe('<p>namaste</p>');
    const hidden = await fetch(await sandbox.serverless.served(`https://${result.domain}/data.json`));
    expect(hidden.status).not.toBe(200);
  });

  test('a variable change reaches the live environment without a new deployment, as on Twilio', async () => {
    const environment = sandbox.serverless.state().environments[0]!;
    await client().setEnvironmentVariables({
      ...auth(),
      serviceSid: environment.serviceSid,
      environment: environment.sid,
      env: { GREETING: 'sanchai' },
      append: true,
    });
    const hello = await fetch(await sandbox.serverless.served(`https://${environment.domainName}/hello`));
    expect(await hello.json()).toMatchObject({ greeting: 'sanchai' });
    expect(sandbox.serverless.state().deployments).toHaveLength(1);
  });
});

describe("Twilio's rules on the resources", () => {
  test('unique service names, builds need versions, only completed builds deploy, variable size limits', async () => {
    const { services, environments, builds } = sandbox.serverless.state();
    const service = services[0]!;
    const environment = environments[0]!;
    const failed = builds.find((b) => b.status === 'failed')!;

    expect(await api('POST', '/Services', { UniqueName: service.uniqueName, FriendlyName: 'again' })).toMatchObject({
      status: 409,
    });
    expect(await api('POST', `/Services/${service.sid}/Builds`)).toMatchObject({
      status: 400,
      body: { code: 20001, message: 'At least one Function Version or Asset Version is required for Build' },
    });
    expect(
      await api('POST', `/Services/${service.sid}/Environments/${environment.sid}/Deployments`, {
        BuildSid: failed.sid,
      }),
    ).toMatchObject({ status: 400 });
    expect(
      await api('POST', `/Services/${service.sid}/Environments/${environment.sid}/Variables`, {
        Key: 'BIG',
        Value: 'x'.repeat(451),
      }),
    ).toMatchObject({ status: 400, body: { message: 'Variable BIG: Value must be at most 450 bytes' } });
    expect(await api('GET', `/Services/${service.uniqueName}`)).toMatchObject({ status: 200 });
  });

  test('an upload the contract refuses (an unknown visibility) is a violation and changes nothing', async () => {
    const { services, functions, versions } = sandbox.serverless.state();
    const body = new FormData();
    body.append('Path', '/hello');
    body.append('Visibility', 'secret');
    body.append('Content', new Blob(['exports.handler = () => {};']), 'hello.js');
    const res = await fetch(
      `${sandbox.url}/serverless-upload/v1/Services/${services[0]!.sid}/Functions/${functions[0]!.sid}/Versions`,
      {
        method: 'POST',
        headers: { Authorization: 'Basic ' + Buffer.from(`${auth().username}:${auth().password}`).toString('base64') },
        body,
      },
    );
    expect(res.status).toBe(400);
    expect(sandbox.violations().map((v) => v.message)).toEqual([
      expect.stringContaining('CreateFunctionVersion: form parameter "Visibility" must be one of'),
    ]);
    expect(sandbox.serverless.state().versions).toHaveLength(versions.length);
    sandbox.reset();
  });
});
