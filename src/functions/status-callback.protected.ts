/**
 * POST /status-callback (Twilio): delivery outcomes of the messages we send. Signature
 * checked in code (local twilio-run does not enforce `.protected`); answers 204 quickly.
 */
import { applyStatusCallback } from '../app/status';
import { REQUEST_BUDGET_MS } from '../core/budget';
import { FEATURE_REQUIREMENTS } from '../core/health';
import { parseStatusCallback } from '../core/webhook-input';
import { checkTwilioSignature } from '../runtime/auth';
import { defineRoute, errorReply } from '../runtime/route';
import { statusDeps } from '../runtime/services';

export const handler = defineRoute({
  name: 'status',
  requires: FEATURE_REQUIREMENTS.statusCallback,
  async handle({ context, event, log }) {
    const auth = checkTwilioSignature(context, event, '/status-callback');
    if (!auth.ok) {
      log.warn('status.forbidden', { code: auth.code });
      return errorReply(403, auth.code, auth.message);
    }
    const callback = parseStatusCallback(event);
    if (!callback.ok) {
      log.warn('status.bad_request', { code: callback.error.code });
      return errorReply(400, callback.error.code, callback.error.message);
    }
    await applyStatusCallback(callback.value, statusDeps(context, log, Date.now() + REQUEST_BUDGET_MS));
    return { status: 204 };
  },
});
