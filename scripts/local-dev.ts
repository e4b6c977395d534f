/**
 * What `npm run dev`, `npm run sandbox` and `npm run dev:register` share about a local run:
 * its ports (checked before anything starts), its secrets (kept in .dev/ across restarts, so an
 * open dashboard keeps its token), the .dev/.env the functions read and .dev/run.json, which
 * says where the running functions answer.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { localEnv } from '../sandbox/local-env';
import type { SandboxHandle } from '../sandbox/server';

export const root = join(__dirname, '..');
// DEV_DIR moves it (the tests use their own, leaving a developer's .dev/ alone).
export const devDir = process.env.DEV_DIR || join(root, '.dev');
export const devEnvFile = join(devDir, '.env');
const secretsFile = join(devDir, 'secrets.json');
const runFile = join(devDir, 'run.json');

const SECRET_NAMES = ['PORTAL_WEBHOOK_SECRET', 'ADMIN_TOKEN', 'UNSUBSCRIBE_LINK_SECRET'] as const;

export interface LocalPorts {
  functions: number;
  sandbox: number;
}

function portFrom(variable: 'PORT' | 'SANDBOX_PORT', fallback: number): number {
  const raw = process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${variable}=${raw} is not a port number`);
  return port;
}

export function localPorts(): LocalPorts {
  return { functions: portFrom('PORT', 3000), sandbox: portFrom('SANDBOX_PORT', 3001) };
}

/** Fails fast, naming the variable to change, instead of letting twilio-run ask for another port. */
export function assertPortFree(port: number, variable: 'PORT' | 'SANDBOX_PORT'): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === 'EADDRINUSE'
            ? `port ${port} is busy: stop what uses it or choose another with ${variable}=<port>`
            : `port ${port} cannot be used (${error.code}): choose another with ${variable}=<port>`,
        ),
      ),
    );
    server.listen(port, () => server.close(() => resolve()));
  });
}

/** The local secrets, created on first use and kept in .dev/secrets.json until that file is deleted. */
export function localSecrets(): Record<(typeof SECRET_NAMES)[number], string> {
  mkdirSync(devDir, { recursive: true });
  const kept = existsSync(secretsFile)
    ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as Partial<Record<string, string>>)
    : {};
  const secrets = Object.fromEntries(
    SECRET_NAMES.map((name) => [name, kept[name] || randomBytes(24).toString('hex')]),
  ) as Record<(typeof SECRET_NAMES)[number], string>;
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600 });
  return secrets;
}

/** Writes .dev/.env (what the functions read) and .dev/run.json (where they answer); returns the env. */
export function writeLocalRun(sandbox: SandboxHandle, ports: LocalPorts): Record<string, string> {
  const env = { ...localEnv(sandbox), ...localSecrets() };
  writeFileSync(
    devEnvFile,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );
  writeFileSync(
    runFile,
    JSON.stringify({ functionsUrl: `http://localhost:${ports.functions}`, sandboxUrl: sandbox.url }, null, 2) + '\n',
  );
  return env;
}

/** Where the local functions answer: PORT when set, else what the last `npm run dev` / `npm run sandbox` wrote. */
export function localFunctionsUrl(): string {
  if (process.env.PORT) return `http://localhost:${portFrom('PORT', 3000)}`;
  if (existsSync(runFile)) return (JSON.parse(readFileSync(runFile, 'utf8')) as { functionsUrl: string }).functionsUrl;
  return 'http://localhost:3000';
}

/** The local .env, or a one-line reason to start the local run first. */
export function readLocalEnvFile(): string {
  if (!existsSync(devEnvFile)) throw new Error('.dev/.env not found: start `npm run dev` (or `npm run sandbox`) first');
  return readFileSync(devEnvFile, 'utf8');
}
