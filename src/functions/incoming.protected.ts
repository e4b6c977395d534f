/**
 * POST /incoming (Twilio, inbound SMS and WhatsApp): STOP / START / HELP in English and
 * Nepali. Signature checked in code; answers TwiML (empty when nothing should be said).
 */
import { handleInbound } from '../app/consent';
import { REQUEST_BUDGET_MS } from '../core/budget';
import { FEATURE_REQUIREMENTS } from '../core/health';
import { parseInboundMessage } from '../core/webhook-input';
import { checkTwilioSignature } from '../runtime/auth';
import { defineRoute, errorReply } from '../runtime/route';
import { consentDeps } from '../runtime/services';
import twilio from 'twilio';

export const handler = defineRoute({
  name: 'inbound',
  requires: FEATURE_REQUIREMENTS.incoming,
  async handle({ context, event, log }) {
    const auth = checkTwilioSignature(context, event, '/incoming');
    if (!auth.ok) {
      log.warn('inbound.forbidden', { code: auth.code });
      return errorReply(403, auth.code, auth.message);
    }
    const message = parseInboundMessage(event);
    if (!message.ok) return errorReply(400, message.error.code, message.error.message);
    const result = await handleInbound(message.value, consentDeps(context, log, Date.now() + REQUEST_BUDGET_MS));
    const twiml = new twilio.twiml.MessagingResponse();
    if (result.reply) twiml.message(result.reply);
    return { status: 200, contentType: 'text/xml', body: twiml.toString() };
  },
});
