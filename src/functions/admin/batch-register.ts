/**
 * POST /admin/batch-register (admin token): one time-boxed slice of registering existing
 * portal users. Callers loop while `done` is false, sending the same runId and
 * `cursor: next` (see docs/admin-api.md and docs/batch.md).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { runSlice, workDeadline } from '../../app/batch';
import { newRunId, parseSliceOptions } from '../../core/batch';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { intSetting, setting } from '../../core/settings';
import type { Channel } from '../../core/subscriber';
import { checkAdminToken } from '../../runtime/auth';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { dryRunRegistrationDeps, registrationDeps } from '../../runtime/services';
import { createPortalClient } from '../../twilio/portal';

/** More parallel registrations than this would only meet Twilio's concurrency limit. */
const MAX_CONCURRENCY = 50;

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
    const channel = (setting(context, 'DEFAULT_CHANNEL') ?? 'sms') as Channel;
    if (channel === 'whatsapp' && !setting(context, 'WELCOME_CONTENT_SID')) {
      return errorReply(503, 'not_configured', 'The WhatsApp welcome needs its template', {
        missing: ['WELCOME_CONTENT_SID'],
      });
    }

    const deadline = workDeadline(startedAt, parsed.value.budgetMs);
    // A dry run only reads subscribers (lean read-only store, no Twilio client): see services.ts.
    const registration = parsed.value.dryRun
      ? dryRunRegistrationDeps(context, log, deadline)
      : registrationDeps(context, log, deadline);
    const portal = createPortalClient(
      {
        url: setting(context, 'PORTAL_API_URL')!,
        token: setting(context, 'PORTAL_API_TOKEN')!,
        scheme: setting(context, 'PORTAL_AUTH_SCHEME') ?? 'Token',
        idField: setting(context, 'PORTAL_ID_FIELD') ?? 'id',
        phoneField: setting(context, 'PORTAL_PHONE_FIELD') ?? 'phone',
      },
      { deadline: () => deadline },
    );
    const answer = await runSlice(
      { ...parsed.value, startedAt },
      {
        registration,
        portal,
        store: registration.store,
        log,
        clock: () => Date.now(),
        newRunId: () => newRunId(new Date(), randomBytes(3).toString('hex')),
        newLeaseId: () => randomUUID(),
        cursorSecret: setting(context, 'ADMIN_TOKEN')!,
        concurrency: Math.min(MAX_CONCURRENCY, Math.max(1, intSetting(context, 'BATCH_CONCURRENCY'))),
        channel,
      },
    );
    if (answer.ok) return json(200, answer.body);
    const reply = errorReply(answer.status, answer.code, answer.message, answer.extra);
    if (answer.retryAfterSeconds !== undefined) reply.headers = { 'Retry-After': String(answer.retryAfterSeconds) };
    return reply;
  },
});
