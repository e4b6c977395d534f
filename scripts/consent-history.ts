/**
 * Consent history of one number, for an auditor: POST /admin/consent-history (the number in the body).
 *   ADMIN_TOKEN=... npm run consent-history -- --url https://<service>.twil.io --phone "+9779807969278" [--csv] [--out file.csv]
 * The token comes from ADMIN_TOKEN only (npm echoes arguments); it is never printed.
 */
import 'dotenv/config';
import { writeFileSync } from 'node:fs';
import { defineCli, parseCli, run, usageError } from './cli';

const CLI = defineCli({
  usage: 'ADMIN_TOKEN=... npm run consent-history -- --url <service base URL> --phone <number> [options]',
  summary: 'Prints every opt-in and opt-out of one subscriber (source, reason, time), as JSON or CSV.',
  options: {
    url: { type: 'string', value: 'base URL', description: 'the service, e.g. https://<service>.twil.io (required)' },
    phone: { type: 'string', value: 'number', description: 'the subscriber, E.164 or national (required)' },
    csv: { type: 'boolean', description: 'print CSV instead of JSON' },
    out: { type: 'string', value: 'file', description: 'write the CSV to this file instead of printing' },
  },
  env: { ADMIN_TOKEN: "the service's admin token (required; never printed)" },
  notes: ['exit status: 0 found, 1 not found or an error, 2 usage'],
});

async function main(): Promise<number> {
  const { values } = parseCli(CLI);
  const token = process.env.ADMIN_TOKEN ?? '';
  if (!values.url) usageError(CLI, '--url <service base URL> is required');
  if (!values.phone) usageError(CLI, '--phone <number> is required');
  if (token === '') usageError(CLI, 'the admin token is required in the environment: ADMIN_TOKEN');
  const csv = Boolean(values.csv || values.out);
  const res = await fetch(`${values.url.replace(/\/+$/, '')}/admin/consent-history`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone: values.phone, format: csv ? 'csv' : 'json' }),
  });
  const text = await res.text();
  if (res.status !== 200) {
    console.error(`consent-history: HTTP ${res.status} ${text}`);
    return 1;
  }
  if (values.out) {
    writeFileSync(values.out, text);
    console.log(`consent history written to ${values.out}`);
  } else process.stdout.write(csv ? text : JSON.stringify(JSON.parse(text), null, 2) + '\n');
  return 0;
}

run(main, 'consent-history');
