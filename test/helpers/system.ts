/**
 * Integration harness: the sandbox in-process and the REAL twilio-run process (spawned from
 * node_modules/.bin on a free port, serving dist/) pointed at it, with helpers that sign
 * requests like the portal and like Twilio. `npm test` builds dist/ before jest runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import { localEnv } from '../../sandbox/local-env';
import { startFaultProxy, type FaultProxy } from '../../sandbox/fault-proxy';
import { freePort } from '../../sandbox/free-port';
import { startSandbox, type SandboxHandle, type SandboxOptions } from '../../sandbox/server';
import { twilioCli } from '../../scripts/twilio-cli';
import { serveBuiltFunctions } from '../../scripts/twilio-run-command';

export { freePort };

const root = join(__dirname, '..', '..');

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test convenience
}

export interface System {
  baseUrl: string;
  sandbox: SandboxHandle;
  env: Record<string, string>;
  /** Everything twilio-run printed (function logs included). */
  logs(): string;
  post(
    path: string,
    params: Record<string, string>,
    options?: { sign?: 'portal' | 'twilio' | 'none'; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  postJson(path: string, body: unknown, headers?: Record<string, string>): Promise<HttpAnswer>;
  get(path: string, headers?: Record<string, string>): Promise<HttpAnswer>;
  /** With `faults`: the proxy between twilio-run and the sandbox. */
  proxy?: FaultProxy;
  /** Kills twilio-run (SIGKILL: as a dead instance) and starts it again on the same port. */
  restart(signal?: NodeJS.Signals): Promise<void>;
  stop(): Promise<void>;
}

/** Signs like the portal: Twilio's algorithm with PORTAL_WEBHOOK_SECRET over URL + params (which include `timestamp`). */
export function signPortal(secret: string, url: string, params: Record<string, string>): string {
  return twilio.getExpectedTwilioSignature(secret, url, params);
}

export function unixNow(): string {
  return String(Math.floor(Date.now() / 1000));
}

/** A fetch Response as the tests read it: status, headers, text and the JSON when it parses. */
export async function answer(res: Response): Promise<HttpAnswer> {
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

export interface SystemOptions {
  env?: Record<string, string>;
  sandbox?: Partial<SandboxOptions>;
  /**
   * By default twilio-run forks a process and reloads the function for every request
   * (~80-100 ms each). Load tests turn both off (--no-fork-process --no-live): one warm
   * process, as a deployed Function's container is reused between calls.
   */
  forkPerRequest?: boolean;
  /** Put a fault-injecting proxy (sandbox/fault-proxy.ts) between twilio-run and the sandbox. */
  faults?: boolean;
  /**
   * How the functions are served: `twilio-run start` (default), or `twilio serverless:start` of the
   * project's Twilio CLI + serverless plugin (scripts/twilio-cli.ts), reading .twilioserverlessrc
   * for the folders, as a portal developer runs it.
   */
  launcher?: 'twilio-run' | 'twilio-cli';
}

export async function startSystem(options: SystemOptions = {}): Promise<System> {
  // freePort() closes the port before twilio-run binds it: under a busy suite another process
  // can take it in between (twilio-run then asks for another port). Start again on a new one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSystemOnce(options);
    } catch (error) {
      if (attempt >= 3 || !(error instanceof Error) || !/already in use/i.test(error.message)) throw error;
    }
  }
}

async function startSystemOnce(options: SystemOptions): Promise<System> {
  if (!existsSync(join(root, 'dist', 'functions', 'health.js')))
    throw new Error('dist/ is missing: run `npm run build` (npm test does it)');
  // A fresh "Twilio" auth token per system, as `npm run dev` makes one per run.
  const sandbox = await startSandbox({ authToken: randomBytes(16).toString('hex'), ...options.sandbox });
  const proxy = options.faults ? await startFaultProxy(sandbox.url) : undefined;
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  sandbox.configure({ inboundWebhookUrl: `${baseUrl}/incoming` });
  const env: Record<string, string> = {
    ...localEnv(sandbox),
    ...(proxy ? { TWILIO_API_BASE_URL: proxy.url } : {}),
    WELCOME_COOLDOWN_SECONDS: '60',
    WELCOME_RATE_PER_MINUTE: '100000',
    ...options.env,
  };
  const dir = mkdtempSync(join(tmpdir(), 'system-'));
  const envFile = join(dir, '.env');
  writeFileSync(
    envFile,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
  );

  let output = '';
  let child: ChildProcess;
  const cli =
    options.launcher === 'twilio-cli'
      ? twilioCli(['serverless:start', '--env', envFile, '--port', String(port)], join(dir, 'twilio-cli'))
      : undefined;
  const spawnRun = () => {
    // twilio-run with the guard preloaded (127.0.0.1 only, JSON body errors, no query strings in its log).
    const twilioRun = serveBuiltFunctions(
      root,
      envFile,
      port,
      options.forkPerRequest === false ? ['--no-fork-process', '--no-live'] : [],
    );
    child = spawn(cli?.command ?? twilioRun.command, cli?.args ?? twilioRun.args, {
      cwd: root,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0', CI: 'true', DEV_HOST: '127.0.0.1', ...cli?.env },
    });
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  };
  spawnRun();

  const kill = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null && child.pid) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
      if (child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
  };
  const stop = async () => {
    await kill('SIGTERM');
    await proxy?.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  };

  const waitUp = async () => {
    const deadline = Date.now() + 45_000;
    for (;;) {
      try {
        const res = await fetch(`${baseUrl}/health`);
        if (res.status === 200) break;
      } catch {
        // not up yet
      }
      if (child.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`twilio-run did not start:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await waitUp();

  const system: System = {
    baseUrl,
    sandbox,
    env,
    logs: () => output,
    async post(path, params, opts = {}) {
      const url = baseUrl + path;
      const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', ...opts.headers };
      if (opts.sign === 'portal') headers['X-Portal-Signature'] = signPortal(env.PORTAL_WEBHOOK_SECRET!, url, params);
      if (opts.sign === 'twilio')
        headers['X-Twilio-Signature'] = twilio.getExpectedTwilioSignature(env.AUTH_TOKEN!, url, params);
      return answer(await fetch(url, { method: 'POST', headers, body: new URLSearchParams(params).toString() }));
    },
    async postJson(path, body, headers = {}) {
      return answer(
        await fetch(baseUrl + path, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify(body),
        }),
      );
    },
    async get(path, headers = {}) {
      return answer(await fetch(baseUrl + path, { headers }));
    },
    proxy,
    async restart(signal = 'SIGKILL') {
      await kill(signal);
      spawnRun();
      await waitUp();
    },
    stop,
  };
  return system;
}

/** A signed /register call as the portal makes it. */
export function register(system: System, fields: Record<string, string>, timestamp = unixNow()): Promise<HttpAnswer> {
  return system.post('/register', { ...fields, timestamp }, { sign: 'portal' });
}

/** A signed /consent call as the portal's profile page makes it (opt_out or opt_in). */
export function portalConsent(
  system: System,
  fields: { user_id: string; phone: string; action: 'opt_out' | 'opt_in'; reason?: string },
  timestamp = unixNow(),
): Promise<HttpAnswer> {
  return system.post('/consent', { ...fields, timestamp }, { sign: 'portal' });
}

export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The daily run to its end, slice after slice, as the scheduler drives it: the counts of all slices. */
export async function runDailyTips(system: System, body: Record<string, unknown>): Promise<Record<string, number>> {
  const admin = { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` };
  const totals: Record<string, number> = {};
  let cursor: string | null = null;
  do {
    const res = await system.postJson('/admin/schedule-tips', { dryRun: false, ...body, cursor }, admin);
    expect(res.status).toBe(200);
    for (const [k, v] of Object.entries(res.json.counts as Record<string, number>)) totals[k] = (totals[k] ?? 0) + v;
    cursor = res.json.done ? null : res.json.next;
  } while (cursor);
  return totals;
}
