/**
 * Signs and sends a /register call the way the portal does, using .dev/.env (written by
 * `npm run dev`): `npm run dev:register -- <phone> [--user-id ID] [--channel sms|whatsapp]`.
 */
import { parse } from 'dotenv';
import twilio from 'twilio';
import { defineCli, parseCli, run, usageError } from './cli';
import { localFunctionsUrl, readLocalEnvFile } from './local-dev';

const CLI = defineCli({
  usage: 'npm run dev:register -- <phone> [--user-id ID] [--channel sms|whatsapp]',
  summary: 'Sends one /register call to the local `npm run dev` service, signed like the portal signs it.',
  options: {
    'user-id': {
      type: 'string',
      value: 'ID',
      description: 'the portal user id (default dev-<digits of the phone>: the same number is the same user)',
    },
    channel: { type: 'string', value: 'sms|whatsapp', description: 'the channel (default sms)' },
  },
  env: {
    PORT: 'port of the local functions (default: the one the running `npm run dev` / `npm run sandbox` wrote to .dev/run.json)',
  },
  notes: ['Exits 1 on an answer that is not 2xx. The signing secret comes from .dev/.env.'],
  positionals: true,
});

async function main(): Promise<number> {
  const { values, positionals } = parseCli(CLI);
  if (positionals.length !== 1) usageError(CLI, 'exactly one phone number is needed');
  const [phone] = positionals as [string];
  const env = parse(readLocalEnvFile());
  const url = `${localFunctionsUrl()}/register`;
  const params = {
    // A stable id per number: calling twice answers already_registered, not number_taken.
    user_id: values['user-id'] ?? `dev-${phone.replace(/\D/g, '') || 'x'}`,
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
