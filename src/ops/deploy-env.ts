/**
 * Which settings go up with a deploy: everything set in .env except what is local-only
 * (TWILIO_API_BASE_URL, …) and what Twilio provides itself (ACCOUNT_SID, AUTH_TOKEN).
 */
import { SETTINGS, type Env } from '../core/settings';

const PROVIDED_BY_TWILIO = new Set(['ACCOUNT_SID', 'AUTH_TOKEN']);

export function deployEnv(env: Env): Record<string, string> {
  const localOnly = new Set(SETTINGS.filter((s) => s.localOnly).map((s) => s.name));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.trim() === '' || localOnly.has(name) || PROVIDED_BY_TWILIO.has(name)) continue;
    out[name] = value;
  }
  return out;
}
