/**
 * Runs the offline Twilio + portal sandbox alone: `npm run sandbox` (port SANDBOX_PORT,
 * default 3001). Point TWILIO_API_BASE_URL at it.
 */
import { startSandbox } from '../sandbox/server';
import { defineCli, parseCli } from './cli';

const CLI = defineCli({
  usage: 'npm run sandbox',
  summary: 'Runs the offline Twilio + portal sandbox alone. Point TWILIO_API_BASE_URL at it.',
  options: {},
  env: {
    SANDBOX_PORT: 'port (default 3001)',
    SANDBOX_LATENCY_MS: 'added latency per Twilio call (default 0)',
    SANDBOX_INBOUND_URL: 'where POST /__sandbox/inbound delivers inbound messages',
    SANDBOX_PORTAL_USERS: 'users of the demo portal API (default 200)',
  },
});

async function main() {
  parseCli(CLI);
  const sandbox = await startSandbox({
    port: Number(process.env.SANDBOX_PORT ?? 3001),
    latencyMs: Number(process.env.SANDBOX_LATENCY_MS ?? 0),
    inboundWebhookUrl: process.env.SANDBOX_INBOUND_URL,
    portal: { users: Number(process.env.SANDBOX_PORTAL_USERS ?? 200) },
  });
  console.log(
    `sandbox listening on ${sandbox.url} (Twilio API: ${sandbox.url}/<product>/..., portal: ${sandbox.url}/portal/api/users/, control: ${sandbox.url}/__sandbox/...)`,
  );
  const stop = () => void sandbox.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
