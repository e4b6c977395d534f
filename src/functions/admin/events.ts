/**
 * POST /admin/events with `{ kind?, limit?, before? }` (admin token), or a plain GET for the
 * newest page: recent events in words, newest first, filtered by kind (registration,
 * opt_out, opt_in, delivery) and paged with `next`. Fields travel in the body only (issue 14).
 */
import { readEvents } from '../../app/events';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { parseEventsQuery } from '../../core/events-input';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { adminJson, scalar, text } from '../../runtime/inputs';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { statsDeps } from '../../runtime/services';

export const handler = defineRoute({
  name: 'events',
  requires: FEATURE_REQUIREMENTS.events,
  auth: { kind: 'admin' },
  input: adminJson({ kind: text(16), limit: scalar, before: text(64) }),
  async handle({ context, fields }) {
    const query = parseEventsQuery(fields);
    if (!query.ok) return errorReply(400, query.error.code, query.error.message, query.error.details);
    const deps = statsDeps(context, Date.now() + REQUEST_BUDGET_MS);
    return json(200, { ...(await readEvents(deps.reader, query.value)), timezone: deps.timeZone });
  },
});
