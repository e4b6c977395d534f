/**
 * POST /status-callback (Twilio): delivery outcomes of the messages we send. Signature
 * checked in code (local twilio-run does not enforce `.protected`); answers 204 quickly.
 */
import { applyStatusCallback } from '../app/status';
import { FEATURE_REQUIREMENTS } from '../core/health';
import { intSetting } from '../core/settings';
import { createActivity } from '../app/activity';
import { checkTwilioSignature } from '../runtime/auth';
import { defineRoute, errorReply } from '../runtime/route';
import { createServices, REQUEST_BUDGET_MS } from '../runtime/services';

const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;

export const handler = defineRoute({
  name: 'status',
  requires: FEATURE_REQUIREMENTS.statusCallback,
  async handle({ context, event, log }) {
    const auth = checkTwilioSignature(context, event, '/status-callback');
    if (!auth.ok) {
      log.warn('status.forbidden', { code: auth.code });
      return errorReply(403, auth.code, auth.message);
    }
    const messageSid = String(event.MessageSid ?? event.SmsSid ?? '');
    const status = String(event.MessageStatus ?? event.SmsStatus ?? '').toLowerCase();
    if (!MESSAGE_SID.test(messageSid) || status === '') {
      log.warn('status.bad_request', { messageSid });
      return errorReply(400, 'bad_request', 'MessageSid and MessageStatus are required');
    }
    const errorCode = Number.parseInt(String(event.ErrorCode ?? ''), 10);
    const to = String(event.To ?? '').replace(/^whatsapp:/, '');
    const services = createServices(context, Date.now() + REQUEST_BUDGET_MS);
    await applyStatusCallback(
      {
        messageSid,
        status,
        ...(/^\+\d{6,15}$/.test(to) ? { to } : {}),
        ...(Number.isFinite(errorCode) && errorCode > 0 ? { errorCode } : {}),
      },
      {
        store: services.store,
        activity: createActivity(services.store, services.shards, log),
        log,
        shards: services.shards,
        suppressAfter: intSetting(context, 'UNREACHABLE_SUPPRESS_AFTER'),
        now: () => new Date(),
        localDate: services.localDate,
      },
    );
    return { status: 204 };
  },
});
