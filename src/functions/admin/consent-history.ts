/**
 * POST /admin/consent-history with `{ phone, format?: "json" | "csv" }` (admin token): every
 * opt-in and opt-out of one subscriber with source, reason and time, for an auditor. The
 * number travels in the body, never in the URL (access logs keep URLs).
 */
import type { CountryCode } from 'libphonenumber-js/max';
import { consentHistory } from '../../app/consent';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { consentCsv } from '../../core/consent-export';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { normalizePhone } from '../../core/phone';
import { setting } from '../../core/settings';
import { adminJson, text } from '../../runtime/inputs';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { consentHistoryDeps } from '../../runtime/services';

export const handler = defineRoute({
  name: 'consent_history',
  requires: FEATURE_REQUIREMENTS.consentHistory,
  auth: { kind: 'admin' },
  input: adminJson({ phone: text(64), format: text(8) }),
  async handle({ context, fields, log }) {
    const format = fields.format ?? 'json';
    if (format !== 'json' && format !== 'csv')
      return errorReply(400, 'invalid_format', 'format must be json or csv', { field: 'format' });
    // Any country: an auditor may ask about a number we no longer accept.
    const phone = normalizePhone(fields.phone, {
      defaultCountry: (setting(context, 'DEFAULT_COUNTRY') ?? 'NP') as CountryCode,
      allowedCountries: [],
      mobileOnly: false,
    });
    if (!phone.ok) return errorReply(400, phone.reason, 'The phone number is not valid', { field: 'phone' });
    const found = await consentHistory(phone.e164, consentHistoryDeps(context, Date.now() + REQUEST_BUDGET_MS));
    log.info('consent_history.read', { phone: phone.e164, found: found !== undefined });
    if (!found) return errorReply(404, 'not_registered', 'This number is not registered', { phone: phone.masked });
    const data = { phone: phone.e164, userId: found.userId, status: found.status, history: found.history };
    if (format === 'csv')
      return {
        status: 200,
        body: consentCsv(data),
        contentType: 'text/csv; charset=utf-8',
        headers: { 'Content-Disposition': `attachment; filename="consent-${phone.e164.slice(1)}.csv"` },
      };
    return json(200, { ...data, masked: phone.masked });
  },
});
