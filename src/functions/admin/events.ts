/**
 * GET /admin/events?kind=&limit=&before= (admin token): recent events in words, newest first,
 * filtered by kind (registration, opt_out, opt_in, delivery) and paged with `next`.
 */
import { readEvents } from '../../app/events';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { parseEventsQuery } from '../../core/events-input';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { checkAdminToken } from '../../runtime/auth';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { statsDeps } from '../../runtime/services';

export const handler = defineRoute({
  name: 'events',
  requires: FEATURE_REQUIREMENTS.events,
  async handle({ context, event, log }) {
    const auth = checkAdminToken(context, event);
    if (!auth.ok) {
      log.warn('events.unauthorized', { code: auth.code });
      return errorReply(401, auth.code, auth.message);
    }
    const query = parseEventsQuery(event);
    if (!query.ok) return errorReply(400, query.error.code, query.error.message, query.error.details);
    const deps = statsDeps(context, Date.now() + REQUEST_BUDGET_MS);
    return json(200, { ...(await readEvents(deps.reader, query.value)), timezone: deps.timeZone });
  },
});
