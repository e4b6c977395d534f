/**
 * Writes .env.example from the settings table (src/core/settings.ts), so the documented
 * variables can never drift from the ones the code reads. A test compares the two.
 *   npm run env-example
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATURE_REQUIREMENTS } from '../src/core/health';
import { SETTINGS } from '../src/core/settings';
import { defineCli, parseCli } from './cli';

/** Values that make `npm start` work against the local sandbox out of the box. */
const LOCAL_VALUES: Record<string, string> = {
  ACCOUNT_SID: 'AC00000000000000000000000000000000',
  AUTH_TOKEN: '00000000000000000000000000000000',
};

export function renderEnvExample(): string {
  const lines = [
    '# Aamcare Twilio registration: configuration.',
    '# Copy to .env for `npm start` (twilio-run loads it). `npm run dev` writes its own local',
    '# configuration for the sandbox, so you need this file only against a real account.',
    '# Deployed, ACCOUNT_SID and AUTH_TOKEN are provided by Twilio; `npm run deploy` uploads the rest',
    '# (never the LOCAL ONLY ones).',
    '',
  ];
  for (const s of SETTINGS) {
    const features = Object.entries(FEATURE_REQUIREMENTS)
      .filter(([, names]) => names.includes(s.name))
      .map(([feature]) => feature);
    lines.push(`# ${s.description}`);
    if (s.pattern) lines.push(`#   format: ${s.pattern.source}`);
    lines.push(`#   required: ${features.length > 0 ? `yes, for ${features.join(', ')}` : 'no'}`);
    if (s.default !== undefined) lines.push(`#   default: ${s.default}`);
    if (s.secret) lines.push('#   secret: never logged or returned');
    lines.push(`${s.name}=${LOCAL_VALUES[s.name] ?? ''}`);
    lines.push('');
  }
  return lines.join('\n');
}

if (require.main === module) {
  parseCli(
    defineCli({
      usage: 'npm run env-example',
      summary: 'Writes .env.example from the settings table (src/core/settings.ts).',
      options: {},
    }),
  );
  writeFileSync(join(__dirname, '..', '.env.example'), renderEnvExample());
  console.log('wrote .env.example');
}
