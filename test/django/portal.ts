/**
 * The Django side of the end-to-end suite: the example project (integrations/django/example)
 * with the aamcare_messaging app, on SQLite, served by Django's own `runserver` on a free
 * port, seeded with generated users whose expected outcomes come from the seeding
 * (portal/seeding.py), never from the code under test. Python is Debian's (PYTHON, default
 * /usr/bin/python3: python3-django, python3-djangorestframework, python3-twilio).
 *
 * Also a holding HTTP proxy (`startGate`): a portal process started with HTTP_PROXY pointing
 * at it sends its registrations through it, so a test can hold one in flight and see that
 * the signup answered without it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = process.env.PYTHON ?? '/usr/bin/python3';
export const ROOT = join(__dirname, '..', '..');
export const EXAMPLE = join(ROOT, 'integrations', 'django', 'example');

export interface Truth {
  id: string;
  username: string;
  category: string;
  outcome: string;
  dryRunOutcome: string;
  e164: string | null;
  language: 'en' | 'ne';
  name: string | null;
  /** The name the welcome greets with, or null (portal/seeding.py says when). */
  welcomeName: string | null;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface DjangoPortal {
  url: string;
  dir: string;
  truth: Truth[];
  /** What runserver and the app logged (request lines included). */
  logs(): string;
  /** `manage.py <args>` with the portal's environment (and `env` on top). */
  manage(args: string[], env?: Record<string, string>): Promise<Run>;
  stop(): Promise<void>;
}

export function run(command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Fails with what to install when Debian's Django packages are missing. */
export async function checkPython(): Promise<void> {
  const check = await run(PYTHON, ['-c', 'import django, rest_framework, twilio, requests'], {
    cwd: ROOT,
    env: process.env,
  });
  if (check.code !== 0)
    throw new Error(
      `${PYTHON} cannot import Django, DRF and twilio: apt-get install python3-django python3-djangorestframework python3-twilio (or set PYTHON)\n${check.stderr}`,
    );
}

export async function startPortal(options: {
  port: number;
  users: number;
  env: Record<string, string>;
  /** DRF token of the staff user aamcare-batch (the portal's own /api/users/). */
  apiToken?: string;
}): Promise<DjangoPortal> {
  const dir = mkdtempSync(join(tmpdir(), 'django-portal-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    EXAMPLE_DB: join(dir, 'portal.sqlite3'),
    PYTHONUNBUFFERED: '1',
    PYTHONDONTWRITEBYTECODE: '1',
    ...options.env,
  };
  const manage = (args: string[], extra: Record<string, string> = {}) =>
    run(PYTHON, ['manage.py', ...args], { cwd: EXAMPLE, env: { ...env, ...extra } });
  const must = async (args: string[]) => {
    const result = await manage(args);
    if (result.code !== 0) throw new Error(`manage.py ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  };
  await must(['migrate', '-v', '0']);
  const truthFile = join(dir, 'truth.json');
  await must([
    'seed_portal',
    '--users',
    String(options.users),
    '--truth',
    truthFile,
    ...(options.apiToken ? ['--api-token', options.apiToken] : []),
  ]);
  const truth = JSON.parse(readFileSync(truthFile, 'utf8')) as Truth[];

  let output = '';
  const server: ChildProcess = spawn(PYTHON, ['manage.py', 'runserver', `127.0.0.1:${options.port}`, '--noreload'], {
    cwd: EXAMPLE,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  server.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null && server.pid) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        // gone already
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000).unref())]);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const res = await fetch(`${url}/api/users/`);
      if (res.status === 401 || res.status === 403) break;
    } catch {
      // not up yet
    }
    if (server.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`runserver did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, dir, truth, logs: () => output, manage, stop };
}

export interface Gate {
  url: string;
  /** Requests held now (method and absolute URL). */
  held(): string[];
  /** Hold every request from now on until release(). */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

/** A forward HTTP proxy (plain http only) that can hold requests before passing them on. */
export async function startGate(): Promise<Gate> {
  let holding = false;
  let waiting: Array<{ label: string; go: () => void }> = [];
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const target = new URL(req.url ?? '/');
    const out = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    out.end(body);
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const go = () => forward(req, res, Buffer.concat(chunks));
      if (holding) waiting.push({ label: `${req.method} ${req.url}`, go });
      else go();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held: () => waiting.map((w) => w.label),
    hold: () => (holding = true),
    release: () => {
      holding = false;
      const now = waiting;
      waiting = [];
      for (const w of now) w.go();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of waiting) w.go();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
