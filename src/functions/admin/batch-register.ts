/**
 * POST /admin/batch-register (admin token): one time-boxed slice of registering existing
 * portal users. Callers loop while `done` is false, sending the same runId and
 * `cursor: next` (see docs/admin-api.md and docs/batch.md).
 */
import { runSlice, workDeadline } from '../../app/batch';
import { parseSliceOptions } from '../../core/batch';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { intSetting } from '../../core/settings';
import { checkAdminToken } from '../../runtime/auth';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { batchDeps } from '../../runtime/services';

export const handler = defineRoute({
  name: 'batch',
  requires: FEATURE_REQUIREMENTS.batch,
  async handle({ context, event, log }) {
    const startedAt = Date.now();
    const auth = checkAdminToken(context, event);
    if (!auth.ok) {
      log.warn('batch.unauthorized', { code: auth.code });
      return errorReply(401, auth.code, auth.message);
    }
    const parsed = parseSliceOptions(event, intSetting(context, 'BUDGET_MS'));
    if (!parsed.ok) return errorReply(400, parsed.code, parsed.message);
    const deadline = workDeadline(startedAt, parsed.value.budgetMs);
    const answer = await runSlice(
      { ...parsed.value, startedAt },
      batchDeps(context, log, deadline, parsed.value.dryRun),
    );
    if (answer.ok) return json(200, answer.body);
    const reply = errorReply(answer.status, answer.code, answer.message, answer.extra);
    if (answer.retryAfterSeconds !== undefined) reply.headers = { 'Retry-After': String(answer.retryAfterSeconds) };
    return reply;
  },
});
