/**
 * Runs the offline Twilio + portal sandbox alone: `npm run sandbox` (port SANDBOX_PORT,
 * default 3001). Point TWILIO_API_BASE_URL at it.
 */
import { startSandbox } from '../sandbox/server';

async function main() {
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
