/**
 * Diagnostic CLI (replaces the seed's test_auto_registration.py):
 *   npm run check-number -- "<number>" ["<number>" ...] [--lookup] [--country NP] [--json]
 * Prints, per number, the E.164 form, country, type and masked form, or the reason it is
 * rejected. With --lookup it also asks Twilio Lookup v2 (credentials from .env).
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizePhone, parseCountryList } from '../src/core/phone';
import { setting } from '../src/core/settings';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createTwilioClient, requireTwilioCredentials } from '../src/twilio/client';
import { loadEnvFile } from './env-file';
import { defineCli, parseCli, run, usageError } from './cli';

const CLI = defineCli({
  usage: 'npm run check-number -- "<number>" ["<number>" ...] [--lookup] [--country NP] [--json]',
  summary: 'Prints, per number, its E.164 form, country, type and masked form, or why it is rejected.',
  options: {
    lookup: { type: 'boolean', description: 'also ask Twilio Lookup v2 (credentials from .env)' },
    country: {
      type: 'string',
      value: 'CC',
      description: 'default country for national numbers (default DEFAULT_COUNTRY)',
    },
    json: { type: 'boolean', description: 'one JSON line per number' },
  },
  env: {
    DEFAULT_COUNTRY: 'default country (default NP)',
    ALLOWED_COUNTRIES: 'countries served (default NP,US)',
    'ACCOUNT_SID, AUTH_TOKEN': 'for --lookup (or TWILIO_API_KEY + TWILIO_API_SECRET)',
  },
  positionals: true,
  notes: ['exit status: 0 all accepted, 1 some rejected or a lookup failed (or no credentials for --lookup), 2 usage'],
});

async function lookup(e164: string): Promise<Record<string, unknown>> {
  try {
    const client = createTwilioClient(process.env);
    const result = await client.lookups.v2.phoneNumbers(e164).fetch({ fields: 'line_type_intelligence' });
    return {
      valid: result.valid,
      validationErrors: result.validationErrors,
      lineType: (result.lineTypeIntelligence as { type?: string } | null)?.type ?? null,
    };
  } catch (error) {
    const e = error as { status?: number; code?: number; message?: string };
    return { error: e.code ?? e.status ?? 'failed', message: e.message };
  }
}

async function main(): Promise<number> {
  const { values, positionals: numbers } = parseCli(CLI);
  if (numbers.length === 0) usageError(CLI, 'at least one number is needed');
  const args = { lookup: values.lookup ?? false, json: values.json ?? false, country: values.country };
  if (args.lookup) {
    loadEnvFile();
    requireTwilioCredentials(process.env); // a lookup without credentials is an error, not a quiet skip
  } else if (existsSync(join(__dirname, '..', '.env'))) loadEnvFile(); // DEFAULT_COUNTRY / ALLOWED_COUNTRIES
  const options = {
    defaultCountry: (args.country ?? setting(process.env, 'DEFAULT_COUNTRY') ?? 'NP') as CountryCode,
    allowedCountries: parseCountryList(setting(process.env, 'ALLOWED_COUNTRIES'), ['NP', 'US']),
  };
  let rejected = 0;
  let lookupsFailed = 0;
  for (const raw of numbers) {
    const result = normalizePhone(raw, options);
    const extra = args.lookup && result.ok ? { lookup: await lookup(result.e164) } : {};
    if (!result.ok) rejected++;
    if (extra.lookup && 'error' in extra.lookup) lookupsFailed++;
    if (args.json) {
      console.log(JSON.stringify({ input: raw, ...result, ...extra }));
    } else if (result.ok) {
      // The operator typed the number themselves, so showing its E.164 form here is not a leak.
      console.log(
        `ok        ${raw}  ->  ${result.e164}  country=${result.country}  type=${result.type}  masked=${result.masked}`,
      );
      if ('lookup' in extra) console.log(`          lookup: ${JSON.stringify(extra.lookup)}`);
    } else {
      console.log(`rejected  ${raw}  ->  ${result.reason}`);
    }
  }
  if (lookupsFailed > 0) console.error(`${lookupsFailed} lookup(s) failed`);
  return rejected > 0 || lookupsFailed > 0 ? 1 : 0;
}

run(main, 'check-number failed');
