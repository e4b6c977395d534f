/**
 * POST /incoming (Twilio, inbound SMS and WhatsApp): STOP / START / HELP in English and
 * Nepali. Signature checked in code; answers TwiML (empty when nothing should be said).
 */
import { handleInbound } from '../app/consent';
import { REQUEST_BUDGET_MS } from '../core/budget';
import { FEATURE_REQUIREMENTS } from '../core/health';
import { parseInboundMessage } from '../core/webhook-input';
import { text, twilioForm } from '../runtime/inputs';
import { defineRoute, errorReply } from '../runtime/route';
import { consentDeps } from '../runtime/services';
import twilio from 'twilio';

export const handler = defineRoute({
  name: 'inbound',
  requires: FEATURE_REQUIREMENTS.incoming,
  auth: { kind: 'twilio', path: '/incoming' },
  // A WhatsApp message holds up to 4,096 characters, an SMS 1,600; line breaks are normal text there.
  input: twilioForm({ From: text(64), Body: { maxLength: 4096, controls: true } }),
  async handle({ context, fields, log }) {
    const message = parseInboundMessage(fields);
    if (!message.ok) return errorReply(400, message.error.code, message.error.message);
    const result = await handleInbound(message.value, consentDeps(context, log, Date.now() + REQUEST_BUDGET_MS));
    const twiml = new twilio.twiml.MessagingResponse();
    if (result.reply) twiml.message(result.reply);
    return { status: 200, contentType: 'text/xml', body: twiml.toString() };
  },
});
