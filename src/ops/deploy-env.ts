/**
 * Which settings go up with a deploy (issue 14): only the settings the settings table
 * names (src/core/settings.ts), minus what is local-only (TWILIO_API_BASE_URL) and what
 * Twilio provides itself (ACCOUNT_SID, AUTH_TOKEN). Anything else in .env (a developer's
 * other tokens, NODE_ENV, DEBUG, …) stays on the machine. A URL setting that points at this
 * machine or is not https would break the deployed service (every signature check is made
 * against PUBLIC_BASE_URL), so the deploy is refused.
 */
import { SETTINGS, type Env } from '../core/settings';

const PROVIDED_BY_TWILIO = new Set(['ACCOUNT_SID', 'AUTH_TOKEN']);
/** Settings holding a URL the deployed service calls or is called at. */
const URL_SETTINGS = ['PUBLIC_BASE_URL', 'PORTAL_API_URL'] as const;

export interface DeployEnvPlan {
  /** Uploaded, by name. */
  upload: Record<string, string>;
  /** Names in .env that are not uploaded, each with why (never a value). */
  skipped: Array<{ name: string; why: 'provided_by_twilio' | 'local_only' | 'not_a_setting' | 'blank' }>;
  /** Settings whose value would break the deployed service: the deploy must stop. */
  problems: string[];
}

/** A host name or address that means "this machine" or a private network, not a deployed service. */
export function isLocalHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === '0.0.0.0' ||
    h === '::' ||
    h === '::1' ||
    /^127\./.test(h) ||
    /^10\./.test(h) ||
    /^192\.168\./.test(h) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(h) ||
    /^169\.254\./.test(h) ||
    /^(fc|fd)[0-9a-f]{2}:/.test(h) ||
    /^fe80:/.test(h)
  );
}

/** Why this URL cannot serve a deployed service, or undefined when it can. */
export function deployedUrlProblem(name: string, value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${name} is not a URL`;
  }
  if (url.protocol !== 'https:') return `${name} must be an https:// URL for a deployed service`;
  if (isLocalHost(url.hostname)) return `${name} points at a local or private address (${url.hostname})`;
  return undefined;
}

export function planDeployEnv(env: Env): DeployEnvPlan {
  const known = new Map(SETTINGS.map((s) => [s.name, s]));
  const plan: DeployEnvPlan = { upload: {}, skipped: [], problems: [] };
  for (const [name, value] of Object.entries(env).sort(([a], [b]) => a.localeCompare(b))) {
    const setting = known.get(name);
    if (PROVIDED_BY_TWILIO.has(name)) plan.skipped.push({ name, why: 'provided_by_twilio' });
    else if (!setting) plan.skipped.push({ name, why: 'not_a_setting' });
    else if (setting.localOnly) plan.skipped.push({ name, why: 'local_only' });
    else if (value === undefined || value.trim() === '') plan.skipped.push({ name, why: 'blank' });
    else plan.upload[name] = value.trim();
  }
  for (const name of URL_SETTINGS) {
    const value = plan.upload[name];
    const problem = value === undefined ? undefined : deployedUrlProblem(name, value);
    if (problem) plan.problems.push(problem);
  }
  return plan;
}

/** The settings to upload (see planDeployEnv for what is left out and why). */
export function deployEnv(env: Env): Record<string, string> {
  return planDeployEnv(env).upload;
}
