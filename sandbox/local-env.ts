/** The configuration that points the functions at a running sandbox (used by `npm run dev` and the test harness). */
import { randomBytes } from 'node:crypto';
import type { SandboxHandle } from './server';

export function localEnv(sandbox: SandboxHandle): Record<string, string> {
  return {
    ACCOUNT_SID: sandbox.options.accountSid,
    AUTH_TOKEN: sandbox.options.authToken,
    TWILIO_API_BASE_URL: sandbox.url,
    MESSAGING_SERVICE_SID: sandbox.options.messagingServiceSid,
    SYNC_SERVICE_SID: sandbox.options.syncServiceSid,
    PORTAL_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    ADMIN_TOKEN: randomBytes(24).toString('hex'),
    UNSUBSCRIBE_LINK_SECRET: randomBytes(24).toString('hex'),
    PORTAL_API_URL: `${sandbox.url}/portal/api/users/`,
    PORTAL_API_TOKEN: 'portal-demo-token',
    WELCOME_CONTENT_SID: 'HX' + '1'.repeat(32),
    TIP_CONTENT_SID: 'HX' + '2'.repeat(32),
  };
}
