/**
 * POST /status-callback (Twilio): delivery outcomes of the messages we send. Signature
 * checked in code (local twilio-run does not enforce `.protected`); answers 204 quickly.
 */
import { applyStatusCallback } from '../app/status';
import { REQUEST_BUDGET_MS } from '../core/budget';
import { FEATURE_REQUIREMENTS } from '../core/health';
import { parseStatusCallback } from '../core/webhook-input';
import { text, twilioForm } from '../runtime/inputs';
import { defineRoute, errorReply } from '../runtime/route';
import { statusDeps } from '../runtime/services';

export const handler = defineRoute({
  name: 'status',
  requires: FEATURE_REQUIREMENTS.statusCallback,
  auth: { kind: 'twilio', path: '/status-callback' },
  input: twilioForm({
    MessageSid: text(64),
    SmsSid: text(64),
    MessageStatus: text(32),
    SmsStatus: text(32),
    ErrorCode: text(16),
    To: text(64),
  }),
  async handle({ context, fields, log }) {
    const callback = parseStatusCallback(fields);
    if (!callback.ok) {
      log.warn('status.bad_request', { code: callback.error.code });
      return errorReply(400, callback.error.code, callback.error.message);
    }
    await applyStatusCallback(callback.value, statusDeps(context, log, Date.now() + REQUEST_BUDGET_MS));
    return { status: 204 };
  },
});
