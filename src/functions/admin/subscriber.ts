/**
 * POST /admin/subscriber with `{ phone }` (admin token): one number for a support call:
 * status, welcome, pending tips, consent history and the last messages Twilio holds for it.
 * The admin types the full number (in the body, never the URL); the answer shows it masked only.
 */
import { lookupSubscriber } from '../../app/subscriber-lookup';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { setting } from '../../core/settings';
import { parseSubscriberQuery } from '../../core/subscriber-input';
import { adminJson, text } from '../../runtime/inputs';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { subscriberLookupDeps } from '../../runtime/services';

export const handler = defineRoute({
  name: 'subscriber_lookup',
  requires: FEATURE_REQUIREMENTS.subscriberLookup,
  auth: { kind: 'admin' },
  input: adminJson({ phone: text(64) }),
  async handle({ context, fields, log }) {
    const query = parseSubscriberQuery(fields, setting(context, 'DEFAULT_COUNTRY') ?? 'NP');
    if (!query.ok) return errorReply(400, query.error.code, query.error.message, query.error.details);
    const { e164, masked } = query.value;
    const deps = subscriberLookupDeps(context, log, Date.now() + REQUEST_BUDGET_MS);
    const view = await lookupSubscriber(e164, masked, deps);
    log.info('subscriber_lookup.read', { phone: e164, found: view !== undefined });
    if (!view) return errorReply(404, 'not_registered', 'This number is not registered', { masked });
    return json(200, view);
  },
});
