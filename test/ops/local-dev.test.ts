/**
 * `npm run dev` and `npm run dev:register` as a developer meets them: ports that fail fast,
 * secrets that survive a restart, a repeatable registration and an exit status that tells.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/system';

const root = join(__dirname, '..', '..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
let devDir: string;

beforeEach(() => {
  devDir = mkdtempSync(join(tmpdir(), 'dev-dir-'));
});
afterEach(() => rmSync(devDir, { recursive: true, force: true }));

interface Dev {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

async function startDev(env: Record<string, string>): Promise<Dev> {
  let output = '';
  // --skip-build: npm test built dist/ already, and other suites are serving it.
  const child = spawn(tsx, ['scripts/dev.ts', '--skip-build'], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', CI: 'true', DEV_DIR: devDir, ...env },
  });
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) break;
    try {
      // A bounded wait: a busy port may accept and never answer.
      const health = await fetch(`http://localhost:${env.PORT}/health`, { signal: AbortSignal.timeout(10_000) });
      if (health.status === 200) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`npm run dev did not start:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { child, output: () => output, stop };
}

function devRegister(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(tsx, ['scripts/dev-register.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DEV_DIR: devDir, ...env },
  });
  return { status: result.status, output: result.stdout + result.stderr };
}

test('dev:register finds the running port, repeats as the same user, and the secrets survive a restart', async () => {
  const ports = { PORT: String(await freePort()), SANDBOX_PORT: String(await freePort()) };
  let dev = await startDev(ports);
  try {
    const first = devRegister(['9807969278']);
    expect(first).toMatchObject({ status: 0 });
    expect(first.output).toMatch(/^201 .*"registered"/);
    const again = devRegister(['9807969278']);
    expect(again).toMatchObject({ status: 0 });
    expect(again.output).toMatch(/^200 .*already_registered/);
    // An answer that is not 2xx is a failure of the command.
    const invalid = devRegister(['12345']);
    expect(invalid.status).toBe(1);
    expect(invalid.output).toMatch(/^400 .*too_short/);
  } finally {
    await dev.stop();
  }
  const secrets = readFileSync(join(devDir, 'secrets.json'), 'utf8');
  const token = (JSON.parse(secrets) as { ADMIN_TOKEN: string }).ADMIN_TOKEN;
  dev = await startDev(ports);
  try {
    expect(readFileSync(join(devDir, '.env'), 'utf8')).toContain(`ADMIN_TOKEN=${token}`);
    const stats = await fetch(`http://localhost:${ports.PORT}/admin/stats`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(stats.status).toBe(200);
  } finally {
    await dev.stop();
  }
}, 150_000);

test('a busy PORT fails fast with a message that names the variable', async () => {
  const busy: Server = createServer((socket) => socket.destroy());
  const port = await freePort();
  await new Promise<void>((resolve) => busy.listen(port, resolve));
  try {
    const dev = await startDev({ PORT: String(port), SANDBOX_PORT: String(await freePort()) });
    await dev.stop();
    expect(dev.child.exitCode).toBe(1);
    expect(dev.output()).toContain(`port ${port} is busy: stop what uses it or choose another with PORT=<port>`);
  } finally {
    busy.close();
  }
}, 60_000);

test('dev:register without a local run says what to start', () => {
  const result = devRegister(['9807969278']);
  expect(result.status).toBe(1);
  expect(result.output).toContain('.dev/.env not found: start `npm run dev` (or `npm run sandbox`) first');
});
