/**
 * GET /admin/batch-results?runId=<id>&from=<row>&limit=<n> (admin token): the rows of a real
 * batch run from a row index on, as the slices answered them. A client that lost answers (a
 * killed CLI, a closed tab) fills its report from here: every user once (docs/batch.md).
 */
import { runResults } from '../../app/batch';
import { parseResultsQuery } from '../../core/batch';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { checkAdminToken } from '../../runtime/auth';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { batchResultsStore } from '../../runtime/services';

export const handler = defineRoute({
  name: 'batch_results',
  requires: FEATURE_REQUIREMENTS.batchResults,
  async handle({ context, event, log }) {
    const auth = checkAdminToken(context, event);
    if (!auth.ok) {
      log.warn('batch_results.unauthorized', { code: auth.code });
      return errorReply(401, auth.code, auth.message);
    }
    const query = parseResultsQuery(event);
    if (!query.ok) return errorReply(400, query.code, query.message);
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
