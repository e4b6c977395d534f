/**
 * POST /admin/delete-subscriber with `{ phone, confirm: "delete" }` (admin token): deletes the
 * subscriber's personal data on request (app/deletion.ts). Scheduled messages are canceled;
 * what stays is anonymous: counts, and the consent history without the number. The number
 * travels in the body, never in the URL; the answer shows it masked only.
 */
import { deleteSubscriber } from '../../app/deletion';
import { REQUEST_BUDGET_MS } from '../../core/budget';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { setting } from '../../core/settings';
import { parseSubscriberQuery } from '../../core/subscriber-input';
import { adminJson, text } from '../../runtime/inputs';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { deletionDeps } from '../../runtime/services';

export const handler = defineRoute({
  name: 'delete_subscriber',
  requires: FEATURE_REQUIREMENTS.deleteSubscriber,
  auth: { kind: 'admin' },
  input: adminJson({ phone: text(64), confirm: text(16) }),
  async handle({ context, fields, log }) {
    if (fields.confirm !== 'delete')
      return errorReply(400, 'confirm_required', 'Send confirm: "delete" to delete this subscriber\'s data', {
        field: 'confirm',
      });
    const query = parseSubscriberQuery({ phone: fields.phone }, setting(context, 'DEFAULT_COUNTRY') ?? 'NP');
    if (!query.ok) return errorReply(400, query.error.code, query.error.message, query.error.details);
    const { e164, masked } = query.value;
    const result = await deleteSubscriber(e164, 'admin', deletionDeps(context, log, Date.now() + REQUEST_BUDGET_MS));
    if (result.kind === 'not_registered')
      return errorReply(404, 'not_registered', 'This number is not registered', { masked });
    return json(200, { deleted: true, masked, record: result.id, indexEntries: result.indexEntries });
  },
});
