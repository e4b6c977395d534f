/**
 * POST /profile: the portal's profile page updates a subscriber's programme dates: `edd`
 * (a corrected expected delivery date) and/or `baby_dob` (the baby is born). Signed exactly
 * like /register and /consent (PORTAL_WEBHOOK_SECRET, X-Portal-Signature, `timestamp`).
 * Form fields: user_id, phone, edd, baby_dob (ISO YYYY-MM-DD, at least one).
 */
import { updateAnchorDates } from '../app/profile';
import { parseAnchorDates } from '../core/anchor-input';
import { REQUEST_BUDGET_MS } from '../core/budget';
import { FEATURE_REQUIREMENTS } from '../core/health';
import { normalizePhone, parseCountryList } from '../core/phone';
import { setting } from '../core/settings';
import { localDateOf } from '../core/tip-time';
import type { CountryCode } from 'libphonenumber-js/max';
import { FIELD_LIMITS } from '../core/registration-input';
import { portalForm, text } from '../runtime/inputs';
import { defineRoute, errorReply, json } from '../runtime/route';
import { profileDeps, timeZoneOf } from '../runtime/services';

export const handler = defineRoute({
  name: 'profile',
  requires: FEATURE_REQUIREMENTS.profile,
  auth: { kind: 'portal', path: '/profile' },
  input: portalForm({
    user_id: text(FIELD_LIMITS.user_id),
    phone: text(FIELD_LIMITS.phone),
    edd: text(32),
    baby_dob: text(32),
    timestamp: text(16),
  }),
  async handle({ context, fields, log }) {
    const started = Date.now();
    const userId = typeof fields.user_id === 'string' ? fields.user_id.trim() : '';
    if (userId === '') return errorReply(400, 'missing_user_id', 'user_id is required', { field: 'user_id' });
    const dates = parseAnchorDates(fields, localDateOf(new Date(), timeZoneOf(context)));
    if (!dates.ok) return errorReply(400, dates.error.code, dates.error.message, { field: dates.error.field });
    if (!dates.value.edd && !dates.value.babyDob)
      return errorReply(400, 'missing_dates', 'send edd, baby_dob or both', { field: 'edd' });
    const phone = normalizePhone(fields.phone, {
      defaultCountry: (setting(context, 'DEFAULT_COUNTRY') ?? 'NP') as CountryCode,
      allowedCountries: parseCountryList(setting(context, 'ALLOWED_COUNTRIES'), ['NP', 'US']),
    });
    if (!phone.ok) return errorReply(400, phone.reason, 'The phone number is not valid', { field: 'phone' });

    const result = await updateAnchorDates(
      phone.e164,
      userId,
      dates.value,
      profileDeps(context, log, started + REQUEST_BUDGET_MS),
    );
    if (result.kind === 'not_registered')
      return errorReply(404, 'not_registered', 'This number is not registered', { phone: phone.masked });
    if (result.kind === 'conflict') {
      log.warn('profile.conflict', { userId, phone: phone.e164 });
      return errorReply(409, 'number_taken', 'This number is registered to another user', { phone: phone.masked });
    }
    return json(200, {
      status: 'updated',
      changed: result.changed,
      phone: phone.masked,
      edd: result.subscriber.edd ?? null,
      baby_dob: result.subscriber.babyDob ?? null,
      canceled: result.canceled.length,
    });
  },
});
