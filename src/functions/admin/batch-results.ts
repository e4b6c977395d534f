/**
 * POST /admin/batch-results with `{ runId, from?, limit? }` (admin token): the rows of a real
 * batch run from a row index on, as the slices answered them. A client that lost answers (a
 * killed CLI, a closed tab) fills its report from here: every user once (docs/batch.md).
 * Fields travel in the body only (issue 14).
 */
import { runResults } from '../../app/batch';
import { parseResultsQuery } from '../../core/batch';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { adminJson, scalar, text } from '../../runtime/inputs';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { batchResultsStore } from '../../runtime/services';

export const handler = defineRoute({
  name: 'batch_results',
  requires: FEATURE_REQUIREMENTS.batchResults,
  auth: { kind: 'admin' },
  input: adminJson({ runId: text(100), from: scalar, limit: scalar }),
  async handle({ context, fields, log }) {
    const query = parseResultsQuery(fields);
    if (!query.ok) return errorReply(400, query.code, query.message, { field: query.field });
    const answer = await runResults(query.value, batchResultsStore(context, Date.now() + REQUEST_BUDGET_MS));
    if (!answer.ok) return errorReply(answer.status, answer.code, answer.message);
    log.info('batch_results.read', {
      runId: query.value.runId,
      from: query.value.from,
      rows: answer.body.results.length,
    });
    return json(200, answer.body);
  },
});
