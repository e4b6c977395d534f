/**
 * POST /consent: the portal's profile page opts a user out of messages or back in. Signed
 * exactly like /register (PORTAL_WEBHOOK_SECRET, X-Portal-Signature, `timestamp`). Form
 * fields: user_id, phone, action (opt_out | opt_in), reason (optional, opt_out only).
 */
import { changePortalConsent } from '../app/consent-requests';
import { REQUEST_BUDGET_MS } from '../core/budget';
import { FEATURE_REQUIREMENTS } from '../core/health';
import { normalizePhone, parseCountryList } from '../core/phone';
import { setting } from '../core/settings';
import { OPT_OUT_REASONS } from '../core/unsubscribe-page';
import type { CountryCode } from 'libphonenumber-js/max';
import { FIELD_LIMITS } from '../core/registration-input';
import { portalForm, text } from '../runtime/inputs';
import { defineRoute, errorReply, json } from '../runtime/route';
import { consentDeps } from '../runtime/services';

export const handler = defineRoute({
  name: 'consent',
  requires: FEATURE_REQUIREMENTS.consent,
  auth: { kind: 'portal', path: '/consent' },
  input: portalForm({
    user_id: text(FIELD_LIMITS.user_id),
    phone: text(FIELD_LIMITS.phone),
    action: text(16),
    reason: text(32),
    timestamp: text(16),
  }),
  async handle({ context, fields, log }) {
    const started = Date.now();
    const userId = typeof fields.user_id === 'string' ? fields.user_id.trim() : '';
    if (userId === '') return errorReply(400, 'missing_user_id', 'user_id is required', { field: 'user_id' });
    const action = fields.action;
    if (action !== 'opt_out' && action !== 'opt_in')
      return errorReply(400, 'bad_action', 'action must be opt_out or opt_in', { field: 'action' });
    const reason = typeof fields.reason === 'string' && fields.reason.trim() !== '' ? fields.reason.trim() : undefined;
    if (reason !== undefined && !(OPT_OUT_REASONS as readonly string[]).includes(reason))
      return errorReply(400, 'bad_reason', `reason must be one of ${OPT_OUT_REASONS.join(', ')}`, { field: 'reason' });
    const phone = normalizePhone(fields.phone, {
      defaultCountry: (setting(context, 'DEFAULT_COUNTRY') ?? 'NP') as CountryCode,
      allowedCountries: parseCountryList(setting(context, 'ALLOWED_COUNTRIES'), ['NP', 'US']),
    });
    if (!phone.ok) return errorReply(400, phone.reason, 'The phone number is not valid', { field: 'phone' });

    const deps = consentDeps(context, log, started + REQUEST_BUDGET_MS);
    const result = await changePortalConsent({ e164: phone.e164, userId, action, ...(reason ? { reason } : {}) }, deps);
    if (result.kind === 'not_registered')
      return errorReply(404, 'not_registered', 'This number is not registered', { phone: phone.masked });
    if (result.kind === 'number_taken')
      return errorReply(409, 'number_taken', 'This number is registered to another user', { phone: phone.masked });
    return json(200, {
      status: result.subscriber.status,
      changed: result.kind === 'changed',
      phone: phone.masked,
    });
  },
});
