/**
 * POST /consent: the portal's profile page opts a user out of messages or back in. Signed
 * exactly like /register (PORTAL_WEBHOOK_SECRET, X-Portal-Signature, `timestamp`). Form
 * fields: user_id, phone, action (opt_out | opt_in), reason (optional, opt_out only).
 */
import { changePortalConsent, lossView } from '../app/consent-requests';
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

const ACTIONS = ['opt_out', 'opt_in', 'support', 'no_support'] as const;

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
    const action = fields.action as (typeof ACTIONS)[number];
    if (!(ACTIONS as readonly unknown[]).includes(action))
      return errorReply(400, 'bad_action', `action must be one of ${ACTIONS.join(', ')}`, { field: 'action' });
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
    if (result.kind === 'support') {
      const answer = result.answer;
      if (answer === 'not_registered')
        return errorReply(404, 'not_registered', 'This number is not registered', { phone: phone.masked });
      if (answer === 'not_offered' || answer === 'unavailable')
        return errorReply(409, `support_${answer}`, 'The supportive messages are offered only after a loss reason', {
          phone: phone.masked,
        });
      return json(200, { support: answer === 'decline' ? 'declined' : 'accepted', phone: phone.masked });
    }
    const loss = result.subscriber.loss;
    const offer = lossView(result.subscriber, deps).offer;
    return json(200, {
      status: result.subscriber.status,
      changed: result.kind === 'changed',
      phone: phone.masked,
      // After a loss reason: what the portal may offer next (action=support or no_support), never sent unasked.
      ...(loss ? { support: loss.support === 'offered' && !offer ? 'unavailable' : loss.support } : {}),
    });
  },
});
