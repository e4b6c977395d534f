/** GET /admin/stats?from=YYYY-MM-DD&to=YYYY-MM-DD (admin token): metrics for the dashboard. */
import { datesBetween, readStats, shiftDate } from '../../app/stats';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { createActivityReader } from '../../app/activity';
import { checkAdminToken } from '../../runtime/auth';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { createServices, REQUEST_BUDGET_MS } from '../../runtime/services';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_DAYS = 366;

export const handler = defineRoute({
  name: 'stats',
  requires: FEATURE_REQUIREMENTS.stats,
  async handle({ context, event, log }) {
    const auth = checkAdminToken(context, event);
    if (!auth.ok) {
      log.warn('stats.unauthorized', { code: auth.code });
      return errorReply(401, auth.code, auth.message);
    }
    const services = createServices(context, Date.now() + REQUEST_BUDGET_MS);
    const today = services.localDate(new Date());
    const to = typeof event.to === 'string' && event.to !== '' ? event.to : today;
    const from = typeof event.from === 'string' && event.from !== '' ? event.from : shiftDate(to, -29);
    if (!DATE.test(from) || !DATE.test(to) || Number.isNaN(Date.parse(from)) || Number.isNaN(Date.parse(to))) {
      return errorReply(400, 'invalid_date', 'from and to must be dates as YYYY-MM-DD');
    }
    if (from > to) return errorReply(400, 'invalid_range', 'from must not be after to');
    if (datesBetween(from, to).length > MAX_DAYS) return errorReply(400, 'range_too_long', `at most ${MAX_DAYS} days`);
    const stats = await readStats(
      createActivityReader(services.store, services.shards),
      { from, to, timezone: services.timeZone },
      new Date(),
    );
    return json(200, stats);
  },
});
