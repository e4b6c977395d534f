/**
 * `npm run dev`: the whole system offline. Builds, starts the sandbox, writes a local
 * configuration to .dev/.env, and runs the real twilio-run against it. No real message is
 * ever sent. Ctrl-C stops everything it started.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localEnv } from '../sandbox/local-env';
import { startSandbox } from '../sandbox/server';
import { buildAll } from './build';
import { defineCli, parseCli } from './cli';

const root = join(__dirname, '..');

const CLI = defineCli({
  usage: 'npm run dev',
  summary: 'The whole system offline: build, sandbox, .dev/.env and twilio-run. No real message is sent.',
  options: {},
  env: { PORT: 'twilio-run port (default 3000)', SANDBOX_PORT: 'sandbox port (default 3001)' },
});

async function main() {
  parseCli(CLI);
  const port = Number(process.env.PORT ?? 3000);
  const routes = await buildAll();
  console.log(`built ${routes.length} functions`);
  const sandbox = await startSandbox({
    port: Number(process.env.SANDBOX_PORT ?? 3001),
    inboundWebhookUrl: `http://localhost:${port}/incoming`,
    portal: { users: 200 },
  });
  const env = localEnv(sandbox);
  mkdirSync(join(root, '.dev'), { recursive: true });
  const envFile = join(root, '.dev', '.env');
  writeFileSync(
    envFile,
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n') + '\n',
    { mode: 0o600 },
  );

  const child = spawn(
    join(root, 'node_modules', '.bin', 'twilio-run'),
    [
      'start',
      '--functions-folder',
      'dist/functions',
      '--assets-folder',
      'dist/assets',
      '--env',
      envFile,
      '--port',
      String(port),
    ],
    {
      cwd: root,
      stdio: 'inherit',
      detached: true,
    },
  );

  console.log(`
==========================================================================
 Aamcare messaging: LOCAL DEV against the offline sandbox.
 NO REAL MESSAGE IS SENT. Twilio calls go to ${sandbox.url}.
 Functions:  http://localhost:${port}   (try: curl http://localhost:${port}/health)
 Local secrets (in .dev/.env, for this run only):
   PORTAL_WEBHOOK_SECRET=${env.PORTAL_WEBHOOK_SECRET}
   ADMIN_TOKEN=${env.ADMIN_TOKEN}
 Try a signed registration:  npm run dev:register -- 9807969278
 Sent messages:  curl ${sandbox.url}/__sandbox/messages
 Simulate STOP:  curl -X POST ${sandbox.url}/__sandbox/inbound -d '{"from":"+9779807969278","body":"STOP"}'
 Ctrl-C stops everything.
==========================================================================
`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    try {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
    await sandbox.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  child.on('exit', (code) => {
    if (!stopping) {
      console.error(`twilio-run exited (${code}); stopping the sandbox`);
      void stop();
    }
  });
}

void main();
