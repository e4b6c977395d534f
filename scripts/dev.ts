/**
 * `npm run dev`: the whole system offline. Builds, starts the sandbox, writes a local
 * configuration to .dev/.env, and runs the real twilio-run against it. No real message is
 * ever sent. Ctrl-C stops everything it started.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { startSandbox } from '../sandbox/server';
import { buildAll } from './build';
import { defineCli, parseCli, run } from './cli';
import { assertPortFree, devEnvFile, localPorts, root, writeLocalRun } from './local-dev';
import { serveBuiltFunctions } from './twilio-run-command';

const CLI = defineCli({
  usage: 'npm run dev',
  summary: 'The whole system offline: build, sandbox, .dev/.env and twilio-run. No real message is sent.',
  options: {
    'skip-build': {
      type: 'boolean',
      description: 'serve dist/ as it is (e.g. while `npm run build -- --watch` keeps it fresh)',
    },
  },
  env: {
    PORT: 'twilio-run port (default 3000)',
    SANDBOX_PORT: 'sandbox port (default 3001)',
    DEV_HOST:
      'address twilio-run listens on (default 127.0.0.1: this machine only; 0.0.0.0 shares it with the network)',
  },
  notes: ['Local secrets are kept in .dev/secrets.json across restarts; delete it for new ones.'],
});

async function main(): Promise<number> {
  const { values } = parseCli(CLI);
  const ports = localPorts();
  const port = ports.functions;
  await assertPortFree(ports.functions, 'PORT');
  await assertPortFree(ports.sandbox, 'SANDBOX_PORT');
  if (!values['skip-build']) console.log(`built ${(await buildAll()).length} functions`);
  const devHost = process.env.DEV_HOST || '127.0.0.1';
  const sandbox = await startSandbox({
    port: ports.sandbox,
    // A fresh "Twilio" auth token per run: nobody can forge the sandbox's signed webhooks
    // to this machine with a token known in advance (it was all zeros).
    authToken: randomBytes(16).toString('hex'),
    inboundWebhookUrl: `http://localhost:${port}/incoming`,
    portal: { users: 200 },
  });
  const env = writeLocalRun(sandbox, ports);
  const envFile = devEnvFile;

  // twilio-run with the guard preloaded: DEV_HOST only, JSON body errors, no query strings in its log.
  const twilioRun = serveBuiltFunctions(root, envFile, port);
  const child = spawn(twilioRun.command, twilioRun.args, {
    cwd: root,
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, DEV_HOST: devHost },
  });

  console.log(`
==========================================================================
 Aamcare messaging: LOCAL DEV against the offline sandbox.
 NO REAL MESSAGE IS SENT. Twilio calls go to ${sandbox.url}.
 Functions:  http://localhost:${port}   (try: curl http://localhost:${port}/health)
 Listening on ${devHost}${devHost === '127.0.0.1' ? ' only (this machine; DEV_HOST=0.0.0.0 to share it)' : ': REACHABLE FROM THE NETWORK'}
 Local secrets (kept in .dev/secrets.json across restarts; delete it for new ones):
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
  return new Promise<number>(() => undefined); // runs until Ctrl-C
}

run(main, 'dev failed');
