/**
 * Twilio uploads each function as a lone file. Copy every built function, alone, into an
 * empty directory that has only node_modules, load it, and call it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { buildAll } from '../../scripts/build';

const root = join(__dirname, '..', '..');
// Built into a private directory: dist/ may be in use by integration tests running in parallel.
const outDir = mkdtempSync(join(tmpdir(), 'build-'));
const distFunctions = join(outDir, 'functions');

function listJs(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listJs(path) : name.endsWith('.js') ? [path] : [];
  });
}

let built: string[] = [];
beforeAll(async () => {
  const routes = await buildAll(outDir);
  built = listJs(distFunctions);
  expect(built.length).toBe(routes.length);
});

afterAll(() => rmSync(outDir, { recursive: true, force: true }));

test('every route under src/functions has a built file, visibility suffix kept', () => {
  const names = built.map((f) => relative(distFunctions, f));
  expect(names).toContain('health.js');
  for (const name of names) expect(name).toMatch(/^[\w/-]+(\.protected|\.private)?\.js$/);
});

test('each built function loads alone from an empty directory and exports a handler', () => {
  for (const file of built) {
    const dir = mkdtempSync(join(tmpdir(), 'fn-alone-'));
    try {
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
      const copy = join(dir, basename(file));
      cpSync(file, copy);
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a built file at a run-time path, loaded the way Twilio loads it
      const loaded = require(copy) as { handler?: unknown };
      expect(typeof loaded.handler).toBe('function');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test('the batch and health functions load without twilio-node (it is required on first client use)', () => {
  for (const name of ['admin/batch-register.js', 'health.js']) {
    const file = join(distFunctions, name);
    const script = `require(${JSON.stringify(file)}); console.log(JSON.stringify(Object.keys(require.cache).filter((p) => p.includes('/node_modules/twilio/'))))`;
    const child = spawnSync(process.execPath, ['-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NODE_PATH: join(root, 'node_modules') },
    });
    expect(child.status).toBe(0);
    expect(JSON.parse(child.stdout)).toEqual([]);
  }
});

test('the standalone health function answers with names of missing settings, never values', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fn-alone-'));
  const globals = globalThis as unknown as { Twilio?: unknown };
  class FakeResponse {
    status = 200;
    headers: Record<string, string> = {};
    body: unknown;
    setStatusCode(code: number) {
      this.status = code;
      return this;
    }
    appendHeader(name: string, value: string) {
      this.headers[name] = value;
      return this;
    }
    setBody(body: unknown) {
      this.body = body;
      return this;
    }
  }
  // The Functions runtime provides this global; outside it we stand in with the same three methods.
  globals.Twilio = { Response: FakeResponse };
  try {
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    cpSync(join(distFunctions, 'health.js'), join(dir, 'health.js'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a built file at a run-time path, loaded the way Twilio loads it
    const { handler } = require(join(dir, 'health.js')) as {
      handler: (c: unknown, e: unknown, cb: (err: unknown, r: FakeResponse) => void) => void;
    };
    const secret = 'x'.repeat(40);
    const response = await new Promise<FakeResponse>((resolve) =>
      // The event as the runtime builds it: `request` holds the headers and cookies.
      handler(
        { ACCOUNT_SID: 'AC' + '0'.repeat(32), AUTH_TOKEN: secret },
        { request: { headers: {}, cookies: {} } },
        (_e, r) => resolve(r),
      ),
    );
    expect(response.status).toBe(200);
    const body = response.body as { status: string; version: string; missing: Record<string, string[]> };
    expect(body.status).toBe('incomplete');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+\+/);
    expect(body.missing.register).toContain('PORTAL_WEBHOOK_SECRET');
    expect(JSON.stringify(body)).not.toContain(secret);
  } finally {
    delete globals.Twilio;
    rmSync(dir, { recursive: true, force: true });
  }
});
