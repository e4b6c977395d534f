/**
 * POST /admin/schedule-tips (admin token): schedules the daily tip for every active
 * subscriber, one time-boxed slice per call. Body: { date?, days?, dryRun?, cursor? }.
 */
import { scheduleTipsSlice } from '../../app/tips';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { intSetting } from '../../core/settings';
import { parseTipsRequest } from '../../core/tips-input';
import { checkAdminToken } from '../../runtime/auth';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { tipDeps } from '../../runtime/services';

export const handler = defineRoute({
  name: 'tips',
  requires: FEATURE_REQUIREMENTS.tips,
  async handle({ context, event, log }) {
    const auth = checkAdminToken(context, event);
    if (!auth.ok) return errorReply(401, auth.code, auth.message);
    const deadline = Date.now() + Math.min(intSetting(context, 'BUDGET_MS'), REQUEST_BUDGET_MS);
    const deps = tipDeps(context, log, deadline);
    const request = parseTipsRequest(event, deps.now(), deps.config);
    if (!request.ok) return errorReply(400, request.error.code, request.error.message, request.error.details);
    const { dates, dryRun, cursor } = request.value;
    const slice = await scheduleTipsSlice(dates, cursor, deps, { dryRun, deadline });
    log.info('tips.slice', { dates, dryRun, done: slice.done, counts: slice.counts });
    return json(200, slice);
  },
});
