/**
 * Runs the offline Twilio + portal sandbox alone, for serving the functions yourself with
 * `twilio serverless:start` (or `npm run twilio -- serverless:start`): writes .dev/.env pointing
 * at it, wires simulated inbound messages to the functions' port and prints the command to run.
 */
import { randomBytes } from 'node:crypto';
import { startSandbox } from '../sandbox/server';
import { defineCli, parseCli, run } from './cli';
import { assertPortFree, localPorts, writeLocalRun } from './local-dev';

const CLI = defineCli({
  usage: 'npm run sandbox',
  summary:
    'Runs the offline Twilio + portal sandbox alone and writes .dev/.env for `twilio serverless:start --env .dev/.env`.',
  options: {},
  env: {
    PORT: 'port the functions will be served on (default 3000): inbound messages are delivered there',
    SANDBOX_PORT: 'port of the sandbox (default 3001)',
    SANDBOX_LATENCY_MS: 'added latency per Twilio call (default 0)',
    SANDBOX_INBOUND_URL: 'where simulated inbound messages go (default http://localhost:$PORT/incoming)',
    SANDBOX_PORTAL_USERS: 'users of the demo portal API (default 200)',
  },
});

async function main(): Promise<number> {
  parseCli(CLI);
  const ports = localPorts();
  await assertPortFree(ports.sandbox, 'SANDBOX_PORT');
  const sandbox = await startSandbox({
    port: ports.sandbox,
    // A fresh "Twilio" auth token per run (docs/security.md), written to .dev/.env with the rest.
    authToken: randomBytes(16).toString('hex'),
    latencyMs: Number(process.env.SANDBOX_LATENCY_MS ?? 0),
    inboundWebhookUrl: process.env.SANDBOX_INBOUND_URL || `http://localhost:${ports.functions}/incoming`,
    portal: { users: Number(process.env.SANDBOX_PORTAL_USERS ?? 200) },
  });
  writeLocalRun(sandbox, ports);
  console.log(`sandbox listening on ${sandbox.url} (no real message is ever sent)
wrote .dev/.env; now serve the functions on port ${ports.functions} in another terminal:
  npm run build && twilio serverless:start --env .dev/.env --port ${ports.functions}
  (no Twilio CLI installed? the project's own: npm run twilio -- serverless:start --env .dev/.env --port ${ports.functions})
Ctrl-C stops the sandbox.`);
  return new Promise<number>((resolve) => {
    const stop = () => void sandbox.close().then(() => resolve(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

run(main, 'sandbox failed');
