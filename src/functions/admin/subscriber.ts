/**
 * POST /admin/subscriber { phone } (admin token): one number for a support call: status,
 * welcome, pending tips, consent history and the last messages Twilio holds for it. The
 * admin types the full number (in the body, not the URL); the answer shows it masked only.
 */
import { lookupSubscriber } from '../../app/subscriber-lookup';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { setting } from '../../core/settings';
import { parseSubscriberQuery } from '../../core/subscriber-input';
import { checkAdminToken } from '../../runtime/auth';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { subscriberLookupDeps } from '../../runtime/services';

export const handler = defineRoute({
  name: 'subscriber_lookup',
  requires: FEATURE_REQUIREMENTS.subscriberLookup,
  async handle({ context, event, log }) {
    const auth = checkAdminToken(context, event);
    if (!auth.ok) {
      log.warn('subscriber_lookup.unauthorized', { code: auth.code });
      return errorReply(401, auth.code, auth.message);
    }
    const query = parseSubscriberQuery(event, setting(context, 'DEFAULT_COUNTRY') ?? 'NP');
    if (!query.ok) return errorReply(400, query.error.code, query.error.message, query.error.details);
    const { e164, masked } = query.value;
    const view = await lookupSubscriber(
      e164,
      masked,
      subscriberLookupDeps(context, log, Date.now() + REQUEST_BUDGET_MS),
    );
    log.info('subscriber_lookup.read', { phone: e164, found: view !== undefined });
    if (!view) return errorReply(404, 'not_registered', 'This number is not registered', { masked });
    return json(200, view);
  },
});
