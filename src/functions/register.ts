/**
 * POST /register: the portal backend calls this on signup, signed with
 * PORTAL_WEBHOOK_SECRET. Normalizes and validates the number, records the subscriber
 * once and sends the welcome exactly once.
 */
import type { RegistrationOutcome } from '../app/registration';
import { signUp } from '../app/signup';
import { REQUEST_BUDGET_MS } from '../core/budget';
import { FEATURE_REQUIREMENTS } from '../core/health';
import {
  FIELD_LIMITS,
  parseRegistrationInput,
  PHONE_REASON_MESSAGES,
  RAW_FIELD_LIMITS,
} from '../core/registration-input';
import { portalForm, text } from '../runtime/inputs';
import { defineRoute, errorReply, json, type Reply } from '../runtime/route';
import { defaultChannel, signupDeps, timeZoneOf } from '../runtime/services';
import { localDateOf } from '../core/tip-time';

export const handler = defineRoute({
  name: 'register',
  requires: FEATURE_REQUIREMENTS.register,
  auth: { kind: 'portal', path: '/register' },
  input: portalForm({
    user_id: text(FIELD_LIMITS.user_id),
    phone: text(RAW_FIELD_LIMITS.phone),
    name: text(RAW_FIELD_LIMITS.name),
    channel: text(16),
    language: text(8),
    resubscribe: text(8),
    timezone: text(FIELD_LIMITS.timezone),
    edd: text(32),
    baby_dob: text(32),
    timestamp: text(16),
  }),
  async handle({ context, fields, log }) {
    const started = Date.now();
    const input = parseRegistrationInput(fields, defaultChannel(context), localDateOf(new Date(), timeZoneOf(context)));
    if (!input.ok) {
      log.info('register.bad_request', { code: input.error.code, field: input.error.field });
      return errorReply(400, input.error.code, input.error.message, { field: input.error.field });
    }
    const outcome = await signUp(
      { ...input.value, source: 'portal-signup' },
      signupDeps(context, log, started + REQUEST_BUDGET_MS),
    );
    return replyFor(outcome);
  },
});

function replyFor(outcome: RegistrationOutcome): Reply {
  switch (outcome.kind) {
    case 'registered':
      return json(201, {
        status: 'registered',
        phone: outcome.masked,
        welcome: { status: outcome.welcomeStatus, messageSid: outcome.messageSid },
      });
    case 'would_register':
      return json(200, { status: 'would_register', phone: outcome.masked });
    case 'already_registered':
      return json(200, { status: 'already_registered', phone: outcome.masked, welcome: { status: outcome.welcome } });
    case 'in_progress':
      return {
        status: 202,
        body: { status: 'in_progress', phone: outcome.masked, retryable: true },
        headers: { 'Retry-After': String(outcome.retryAfterSeconds) },
      };
    case 'opted_out':
      return json(200, {
        status: 'opted_out',
        phone: outcome.masked,
        message: 'This number said STOP; register again with resubscribe=true after the user consents',
      });
    case 'suppressed':
      return json(200, {
        status: 'suppressed',
        phone: outcome.masked,
        message: 'Messages to this number keep failing; it is suppressed',
      });
    case 'conflict':
      return errorReply(409, 'number_taken', 'This number is already registered to another user', {
        phone: outcome.masked,
      });
    case 'invalid':
      return errorReply(
        outcome.reason === 'lookup_invalid' ? 422 : 400,
        outcome.reason,
        PHONE_REASON_MESSAGES[outcome.reason] ?? 'invalid phone',
        { field: 'phone' },
      );
    case 'rejected':
      return errorReply(422, 'rejected_by_twilio', outcome.description, {
        twilioCode: outcome.code,
        category: outcome.category,
        phone: outcome.masked,
      });
    case 'needs_join':
      return json(200, { status: 'needs_join', phone: outcome.masked, instruction: outcome.instruction });
    case 'retry_later':
      return {
        status: 202,
        body: { status: 'retry_later', phone: outcome.masked, retryable: true },
        headers: { 'Retry-After': String(outcome.retryAfterSeconds) },
      };
    case 'rate_limited':
      return {
        status: 429,
        body: { error: { code: 'rate_limited', message: 'Too many welcome messages right now; retry later' } },
        headers: { 'Retry-After': String(outcome.retryAfterSeconds) },
      };
    case 'not_configured':
      return errorReply(503, 'not_configured', 'This channel is not configured yet', { missing: outcome.missing });
    case 'twilio_configuration':
      // Our Twilio setup refused the message (sender, region, template): not the user's number. Retry after the fix.
      return {
        status: 503,
        body: {
          error: {
            code: 'twilio_configuration',
            message: outcome.description,
            twilioCode: outcome.code,
            phone: outcome.masked,
          },
        },
        headers: { 'Retry-After': '300' },
      };
  }
}
