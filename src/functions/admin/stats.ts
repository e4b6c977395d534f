/** GET /admin/stats?from=YYYY-MM-DD&to=YYYY-MM-DD (admin token): metrics for the dashboard. */
import { readStats } from '../../app/stats';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { parseStatsDates } from '../../core/stats-input';
import { checkAdminToken } from '../../runtime/auth';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { statsDeps } from '../../runtime/services';

export const handler = defineRoute({
  name: 'stats',
  requires: FEATURE_REQUIREMENTS.stats,
  async handle({ context, event, log }) {
    const auth = checkAdminToken(context, event);
    if (!auth.ok) {
      log.warn('stats.unauthorized', { code: auth.code });
      return errorReply(401, auth.code, auth.message);
    }
    const deps = statsDeps(context, Date.now() + REQUEST_BUDGET_MS);
    const now = new Date();
    const dates = parseStatsDates(event, deps.localDate(now));
    if (!dates.ok) return errorReply(400, dates.error.code, dates.error.message);
    return json(200, await readStats(deps.reader, { ...dates.value, timezone: deps.timeZone }, now));
  },
});
