/**
 * Serves deployed Serverless environments: one real twilio-run process per environment,
 * started in the environment's build folder (so the build's own node_modules and its
 * @twilio/runtime-handler serve it, not the project's), with the environment's variables plus
 * what Twilio provides a deployed Function (ACCOUNT_SID, AUTH_TOKEN, DOMAIN_NAME, SERVICE_SID,
 * ENVIRONMENT_SID) and TWILIO_API_BASE_URL pointing at the sandbox, the emulated Twilio. It is
 * started like every local twilio-run, with the project's guard (127.0.0.1 only).
 *
 * Twilio applies a variable change to the next executions without a new deployment; twilio-run
 * reads its env file once, so a change restarts the environment's process (debounced) on the
 * same local port. `whenServed` waits until what is served matches the latest deployment and
 * variables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { twilioRunCommand } from '../scripts/twilio-run-command';
import { freePort } from './free-port';

export interface ServeSpec {
  /** The build folder (package.json, node_modules, functions/, assets/). */
  dir: string;
  env: Record<string, string>;
}

interface Served {
  port: number;
  envDir: string;
  child?: ChildProcess;
  desired?: ServeSpec;
  desiredRevision: number;
  servedRevision: number;
  timer?: NodeJS.Timeout;
  /** The restart chain: restarts of one environment never overlap. */
  chain: Promise<void>;
  restarting: boolean;
  error?: string;
  output: string[];
}

export interface RuntimeHost {
  /** Serve `spec` for `key` (an environment SID) after `delayMs` (later calls within it win). */
  serve(key: string, spec: ServeSpec, delayMs?: number): void;
  /** Local base URL once the latest spec is being served. */
  whenServed(key: string, timeoutMs?: number): Promise<string>;
  /** Local base URL of the environment's process (undefined before its first deployment). */
  localUrl(key: string): string | undefined;
  /** The last lines twilio-run printed for the environment. */
  logs(key: string): string;
  stop(key: string): Promise<void>;
  close(): Promise<void>;
}

const root = join(__dirname, '..');
const START_TIMEOUT_MS = 60_000;
const OUTPUT_LINES = 200;

/** One dotenv line: bare when plain, single-quoted (literal) otherwise. */
function envLine(key: string, value: string): string {
  if (/^[^\s'"#\\`$]*$/.test(value)) return `${key}=${value}`;
  if (!value.includes("'") && !value.includes('\n')) return `${key}='${value}'`;
  return `${key}=${JSON.stringify(value)}`;
}

/** Unref'd: a pending wait never keeps the process (a test run) alive. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms).unref());

async function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s); // twilio-run forks a process per request: end the group
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (child.exitCode === null && child.signalCode === null) {
    signal('SIGKILL');
    await Promise.race([exited, sleep(2000)]);
  }
}

export function createRuntimeHost(): RuntimeHost {
  const environments = new Map<string, Served>();
  let closed = false;

  function note(served: Served, text: string) {
    for (const line of text.split('\n')) if (line.trim() !== '') served.output.push(line);
    if (served.output.length > OUTPUT_LINES) served.output.splice(0, served.output.length - OUTPUT_LINES);
  }

  async function waitUp(served: Served, child: ChildProcess): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`twilio-run exited:\n${served.output.slice(-20).join('\n')}`);
      try {
        await fetch(`http://127.0.0.1:${served.port}/`, { signal: AbortSignal.timeout(2000) });
        return; // any HTTP answer: it is listening
      } catch {
        // not yet
      }
      if (Date.now() > deadline) throw new Error('twilio-run did not start in time');
      await sleep(100);
    }
  }

  async function restart(served: Served): Promise<void> {
    const spec = served.desired;
    const revision = served.desiredRevision;
    if (!spec || closed) return;
    served.restarting = true;
    try {
      await kill(served.child);
      const envFile = join(served.envDir, '.env');
      writeFileSync(
        envFile,
        Object.entries(spec.env)
          .map(([k, v]) => envLine(k, v))
          .join('\n') + '\n',
      );
      // With the project's guard preloaded, as every local twilio-run: 127.0.0.1 only, no query
      // strings in its access log (scripts/twilio-run-guard.cjs).
      const command = twilioRunCommand(root, [
        'start',
        '--functions-folder',
        'functions',
        '--assets-folder',
        'assets',
        '--env',
        envFile,
        '--port',
        String(served.port),
        // One warm process, like a reused Function container (module state survives between calls).
        '--no-fork-process',
        '--no-live',
      ]);
      const child = spawn(command.command, command.args, {
        cwd: spec.dir,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? spec.dir,
          FORCE_COLOR: '0',
          CI: 'true',
          DEV_HOST: '127.0.0.1',
        },
      });
      served.child = child;
      child.stdout?.on('data', (c: Buffer) => note(served, c.toString()));
      child.stderr?.on('data', (c: Buffer) => note(served, c.toString()));
      await waitUp(served, child);
      served.servedRevision = revision;
      served.error = undefined;
    } catch (error) {
      served.error = error instanceof Error ? error.message : String(error);
    } finally {
      served.restarting = false;
    }
  }

  const host: RuntimeHost = {
    serve(key, spec, delayMs = 0) {
      let served = environments.get(key);
      if (!served) {
        served = {
          port: 0,
          envDir: mkdtempSync(join(tmpdir(), 'aamcare-serverless-env-')),
          desiredRevision: 0,
          servedRevision: 0,
          chain: Promise.resolve(),
          restarting: false,
          output: [],
        };
        environments.set(key, served);
      }
      const target = served;
      target.desired = spec;
      target.desiredRevision++;
      if (target.timer) clearTimeout(target.timer);
      target.timer = setTimeout(() => {
        target.timer = undefined;
        target.chain = target.chain.then(async () => {
          if (target.port === 0) target.port = await freePort();
          await restart(target);
        });
      }, delayMs);
    },

    async whenServed(key, timeoutMs = START_TIMEOUT_MS) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const served = environments.get(key);
        if (!served) throw new Error(`environment ${key} has no deployment`);
        const current = !served.timer && !served.restarting && served.servedRevision === served.desiredRevision;
        if (current) return `http://127.0.0.1:${served.port}`;
        if (!served.timer && !served.restarting && served.error) throw new Error(served.error);
        if (Date.now() > deadline) throw new Error(`environment ${key} was not served in time`);
        await sleep(50);
      }
    },

    localUrl(key) {
      const served = environments.get(key);
      return served && served.port !== 0 ? `http://127.0.0.1:${served.port}` : undefined;
    },

    logs(key) {
      return (environments.get(key)?.output ?? []).join('\n');
    },

    async stop(key) {
      const served = environments.get(key);
      if (!served) return;
      environments.delete(key);
      if (served.timer) clearTimeout(served.timer);
      served.desired = undefined;
      await served.chain;
      await kill(served.child);
      rmSync(served.envDir, { recursive: true, force: true });
    },

    async close() {
      closed = true;
      await Promise.all([...environments.keys()].map((key) => host.stop(key)));
    },
  };
  return host;
}
