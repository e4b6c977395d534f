/**
 * Consent history of one number, for an auditor: GET /admin/consent-history.
 *   npm run consent-history -- --url https://<service>.twil.io --phone "+9779807969278" [--csv] [--out file.csv]
 * The admin token comes from ADMIN_TOKEN (or --token); it is never printed. Exit 1 when not found.
 */
import 'dotenv/config';
import { writeFileSync } from 'node:fs';

interface Args {
  url?: string;
  token?: string;
  phone?: string;
  csv: boolean;
  out?: string;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { csv: false, token: process.env.ADMIN_TOKEN };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--url') args.url = argv[++i];
    else if (a === '--token') args.token = argv[++i];
    else if (a === '--phone') args.phone = argv[++i];
    else if (a === '--csv') args.csv = true;
    else if (a === '--out') args.out = argv[++i];
    else throw new Error(`unknown argument ${a}`);
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (!args.url || !args.token || !args.phone) {
    console.error(
      'usage: consent-history --url <service url> --phone <number> [--csv] [--out file] (ADMIN_TOKEN in env)',
    );
    return 2;
  }
  const query = new URLSearchParams({ phone: args.phone, ...(args.csv || args.out ? { format: 'csv' } : {}) });
  const res = await fetch(`${args.url.replace(/\/+$/, '')}/admin/consent-history?${query}`, {
    headers: { Authorization: `Bearer ${args.token}` },
  });
  const text = await res.text();
  if (res.status !== 200) {
    console.error(`consent-history: HTTP ${res.status} ${text}`);
    return 1;
  }
  if (args.out) {
    writeFileSync(args.out, text);
    console.log(`consent history written to ${args.out}`);
  } else process.stdout.write(args.csv ? text : JSON.stringify(JSON.parse(text), null, 2) + '\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
