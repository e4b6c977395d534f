/**
 * Diagnostic CLI (replaces the seed's test_auto_registration.py):
 *   npm run check-number -- "<number>" ["<number>" ...] [--lookup] [--country NP] [--json]
 * Prints, per number, the E.164 form, country, type and masked form, or the reason it is
 * rejected. With --lookup it also asks Twilio Lookup v2 (credentials from .env).
 */
import 'dotenv/config';
import type { CountryCode } from 'libphonenumber-js/max';
import { normalizePhone, parseCountryList } from '../src/core/phone';
import { setting } from '../src/core/settings';
import { createTwilioClient } from '../src/twilio/client';

interface Args {
  numbers: string[];
  lookup: boolean;
  json: boolean;
  country?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { numbers: [], lookup: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--lookup') args.lookup = true;
    else if (arg === '--json') args.json = true;
    else if (arg === '--country') args.country = argv[++i];
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run check-number -- "<number>" ["<number>" ...] [--lookup] [--country NP] [--json]');
      process.exit(0);
    } else args.numbers.push(arg);
  }
  return args;
}

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
  const args = parseArgs(process.argv.slice(2));
  if (args.numbers.length === 0) {
    console.error('usage: npm run check-number -- "<number>" ["<number>" ...] [--lookup] [--country NP] [--json]');
    return 2;
  }
  const options = {
    defaultCountry: (args.country ?? setting(process.env, 'DEFAULT_COUNTRY') ?? 'NP') as CountryCode,
    allowedCountries: parseCountryList(setting(process.env, 'ALLOWED_COUNTRIES'), ['NP', 'US']),
  };
  let rejected = 0;
  for (const raw of args.numbers) {
    const result = normalizePhone(raw, options);
    const extra = args.lookup && result.ok ? { lookup: await lookup(result.e164) } : {};
    if (!result.ok) rejected++;
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
  return rejected > 0 ? 1 : 0;
}

main().then((code) => process.exit(code));
