/**
 * Loads .env for the CLIs that talk to the real account (setup, doctor, check-number --lookup).
 * A missing file is said in one line with the fix, unless the environment already has the
 * settings (CI and hosted shells set them without a file).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { config } from 'dotenv';

const envFile = join(__dirname, '..', '.env');

export function loadEnvFile(env: NodeJS.ProcessEnv = process.env): void {
  if (existsSync(envFile)) {
    config({ path: envFile, quiet: true });
    return;
  }
  const hasCredentials = Boolean(env.ACCOUNT_SID && (env.AUTH_TOKEN || (env.TWILIO_API_KEY && env.TWILIO_API_SECRET)));
  if (!hasCredentials)
    throw new Error(
      '.env not found: cp .env.example .env and fill in your Twilio settings (or set them in the environment)',
    );
}
