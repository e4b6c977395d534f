/**
 * POST /admin/stats with `{ from?: "YYYY-MM-DD", to?: "YYYY-MM-DD" }` (admin token), or a
 * plain GET for the last 30 days: metrics for the dashboard, the capacity forecast for the
 * next daily tip (tipForecast) and what no clinician has reviewed yet (content). Fields
 * travel in the body only (issue 14).
 */
import { readStats } from '../../app/stats';
import { readTipForecast } from '../../app/tip-forecast';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { contentReviewStatus } from '../../core/content-check';
import { MESSAGES } from '../../core/messages';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { parseStatsDates } from '../../core/stats-input';
import { adminJson, text } from '../../runtime/inputs';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { loadProgrammes, statsDeps, tipForecastInput } from '../../runtime/services';
import { readProgrammeStats } from '../../app/programme-stats';

export const handler = defineRoute({
  name: 'stats',
  requires: FEATURE_REQUIREMENTS.stats,
  auth: { kind: 'admin' },
  input: adminJson({ from: text(10), to: text(10) }),
  async handle({ context, fields }) {
    const deps = statsDeps(context, Date.now() + REQUEST_BUDGET_MS);
    const now = new Date();
    const dates = parseStatsDates(fields, deps.localDate(now));
    if (!dates.ok) return errorReply(400, dates.error.code, dates.error.message, dates.error.details);
    const forecastInput = tipForecastInput(context, now);
    const [stats, tipForecast, programmes] = await Promise.all([
      readStats(deps.reader, { ...dates.value, timezone: deps.timeZone }, now),
      readTipForecast(deps.reader, forecastInput),
      readProgrammeStats(deps.store, loadProgrammes(), forecastInput.date),
    ]);
    return json(200, {
      ...stats,
      tipForecast,
      programmes,
      content: contentReviewStatus(forecastInput.tips, MESSAGES),
    });
  },
});
