/**
 * Signs and sends a /register call the way the portal does, using .dev/.env (written by
 * `npm run dev`): `npm run dev:register -- <phone> [user_id] [channel]`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import twilio from 'twilio';

async function main() {
  const [phone, userId = `dev-${Date.now()}`, channel = 'sms'] = process.argv.slice(2);
  if (!phone) {
    console.error('usage: npm run dev:register -- <phone> [user_id] [sms|whatsapp]');
    process.exit(2);
  }
  const env = parse(readFileSync(join(__dirname, '..', '.dev', '.env')));
  const url = `http://localhost:${process.env.PORT ?? 3000}/register`;
  const params = { user_id: userId, phone, channel, timestamp: String(Math.floor(Date.now() / 1000)) };
  const signature = twilio.getExpectedTwilioSignature(env.PORTAL_WEBHOOK_SECRET!, url, params);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Portal-Signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  console.log(res.status, await res.text());
}

void main();
