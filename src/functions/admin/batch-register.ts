/**
 * POST /admin/batch-register (admin token): one time-boxed slice of registering existing
 * portal users. Callers loop while `done` is false, sending the same runId and
 * `cursor: next` (see docs/admin-api.md and docs/batch.md).
 */
import { runSlice, workDeadline } from '../../app/batch';
import { MAX_CURSOR_LENGTH, parseSliceOptions } from '../../core/batch';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { intSetting } from '../../core/settings';
import { adminJson, scalar, text } from '../../runtime/inputs';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { batchDeps } from '../../runtime/services';

export const handler = defineRoute({
  name: 'batch',
  requires: FEATURE_REQUIREMENTS.batch,
  auth: { kind: 'admin' },
  // A dry run's cursor carries the numbers seen so far (up to MAX_CURSOR_LENGTH characters).
  input: adminJson(
    { dryRun: scalar, runId: text(100), cursor: text(MAX_CURSOR_LENGTH), pageSize: scalar, budgetMs: scalar },
    MAX_CURSOR_LENGTH + 4 * 1024,
  ),
  async handle({ context, fields, log }) {
    const startedAt = Date.now();
    const parsed = parseSliceOptions(fields, intSetting(context, 'BUDGET_MS'));
    if (!parsed.ok) return errorReply(400, parsed.code, parsed.message, { field: parsed.field });
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
