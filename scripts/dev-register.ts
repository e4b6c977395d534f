/**
 * Signs and sends a /register call the way the portal does, using .dev/.env (written by
 * `npm run dev`): `npm run dev:register -- <phone> [--user-id ID] [--channel sms|whatsapp]`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import twilio from 'twilio';
import { defineCli, parseCli, run, usageError } from './cli';

const CLI = defineCli({
  usage: 'npm run dev:register -- <phone> [--user-id ID] [--channel sms|whatsapp]',
  summary: 'Sends one /register call to the local `npm run dev` service, signed like the portal signs it.',
  options: {
    'user-id': { type: 'string', value: 'ID', description: 'the portal user id (default dev-<time>)' },
    channel: { type: 'string', value: 'sms|whatsapp', description: 'the channel (default sms)' },
  },
  env: { PORT: 'port of `npm run dev` (default 3000); the secret comes from .dev/.env' },
  positionals: true,
});

async function main(): Promise<number> {
  const { values, positionals } = parseCli(CLI);
  if (positionals.length !== 1) usageError(CLI, 'exactly one phone number is needed');
  const [phone] = positionals as [string];
  const env = parse(readFileSync(join(__dirname, '..', '.dev', '.env')));
  const url = `http://localhost:${process.env.PORT ?? 3000}/register`;
  const params = {
    user_id: values['user-id'] ?? `dev-${Date.now()}`,
    phone,
    channel: values.channel ?? 'sms',
    timestamp: String(Math.floor(Date.now() / 1000)),
  };
  const signature = twilio.getExpectedTwilioSignature(env.PORTAL_WEBHOOK_SECRET!, url, params);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Portal-Signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  console.log(res.status, await res.text());
  return res.ok ? 0 : 1;
}

run(main, 'dev:register failed');
