/**
 * POST /admin/schedule-tips (admin token): schedules the daily tip for every active
 * subscriber, one time-boxed slice per call. Body: { date?, days?, dryRun?, cursor?,
 * allowOverrun? }. The first slice forecasts the day against SENDER_MPS and
 * TIP_VALIDITY_MINUTES and, when the window would run past the validity period, refuses
 * (409) before sending anything unless allowOverrun is true (tips past the window are then
 * not scheduled: they would only arrive stale).
 */
import { readTipForecast } from '../../app/tip-forecast';
import { scheduleTipsSlice } from '../../app/tips';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { intSetting } from '../../core/settings';
import { isFirstSlice, parseTipsRequest } from '../../core/tips-input';
import { adminJson, scalar, text } from '../../runtime/inputs';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { activityReaderOf, createServices, tipDeps, tipForecastInput } from '../../runtime/services';

export const handler = defineRoute({
  name: 'tips',
  requires: FEATURE_REQUIREMENTS.tips,
  auth: { kind: 'admin' },
  // The cursor carries the planned load per date, zone and channel (at most 500 keys of 80 characters).
  input: adminJson(
    { date: text(10), days: scalar, dryRun: scalar, cursor: text(100_000), allowOverrun: scalar },
    128 * 1024,
  ),
  async handle({ context, fields, log }) {
    const deadline = Date.now() + Math.min(intSetting(context, 'BUDGET_MS'), REQUEST_BUDGET_MS);
    const deps = tipDeps(context, log, deadline);
    const request = parseTipsRequest(fields, deps.now(), deps.config);
    if (!request.ok) return errorReply(400, request.error.code, request.error.message, request.error.details);
    const { dates, dryRun, cursor, allowOverrun } = request.value;

    // Before the first message: does the day fit the validity window at this throughput?
    let forecasts: Array<Awaited<ReturnType<typeof readTipForecast>>> | undefined;
    if (isFirstSlice(cursor)) {
      const reader = activityReaderOf(createServices(context, deadline));
      const input = tipForecastInput(context, deps.now());
      forecasts = await Promise.all(dates.map((date) => readTipForecast(reader, { ...input, date })));
      const overrun = forecasts.find((f) => !f.withinValidity);
      if (overrun) log.warn('tips.forecast_overrun', { date: overrun.date, overrunMinutes: overrun.overrunMinutes });
      if (overrun && !dryRun && !allowOverrun)
        return errorReply(409, 'window_exceeds_validity', overrun.warning ?? 'the window exceeds the validity period', {
          forecast: overrun,
        });
    }
    const slice = await scheduleTipsSlice(dates, cursor, deps, { dryRun, deadline });
    log.info('tips.slice', { dates, dryRun, done: slice.done, counts: slice.counts });
    return json(200, forecasts ? { ...slice, forecast: forecasts } : slice);
  },
});
