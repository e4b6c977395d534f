/**
 * /u?t=<token>: the personal unsubscribe page (the link in welcomes and weekly tips).
 * Opening it (GET) only shows a confirm button: link scanners and previews open links, so
 * only the form's POST (form-encoded body with an `action`) changes consent. A Function's
 * event does not carry the HTTP method, hence the Content-Type check.
 */
import { answerConsentLink } from '../app/consent-requests';
import { REQUEST_BUDGET_MS } from '../core/budget';
import { FEATURE_REQUIREMENTS } from '../core/health';
import { maskPhone } from '../core/phone';
import { setting } from '../core/settings';
import { isOptOutReason, renderUnsubscribePage, type PageState } from '../core/unsubscribe-page';
import { readUnsubscribeToken } from '../core/unsubscribe-token';
import { linkPageForm, text } from '../runtime/inputs';
import { isFormPost, linkPageReply } from '../runtime/link-page';
import { defineRoute, type Reply } from '../runtime/route';
import { consentDeps } from '../runtime/services';

function page(state: PageState): Reply {
  return linkPageReply(renderUnsubscribePage(state));
}

export const handler = defineRoute({
  name: 'unsubscribe',
  requires: FEATURE_REQUIREMENTS.unsubscribe,
  // The signed token is the credential (checked below); the page's form posts action and reason.
  auth: { kind: 'public' },
  input: linkPageForm({ action: text(16), reason: text(32) }),
  async handle({ context, fields: event, headers, log }) {
    const token = typeof event.t === 'string' ? event.t : '';
    const e164 = readUnsubscribeToken(setting(context, 'UNSUBSCRIBE_LINK_SECRET') ?? '', token);
    if (!e164) {
      log.info('unsubscribe.invalid_token');
      return page({ kind: 'invalid' });
    }
    const deps = consentDeps(context, log, Date.now() + REQUEST_BUDGET_MS);
    const masked = maskPhone(e164);
    const posted = isFormPost(headers);
    const action =
      posted && ['stop', 'start', 'support', 'no_support'].includes(event.action as string)
        ? (event.action as 'stop' | 'start' | 'support' | 'no_support')
        : undefined;
    const reason = action === 'stop' && isOptOutReason(event.reason) ? event.reason : undefined;
    const shown = await answerConsentLink({ e164, ...(action ? { action } : {}), ...(reason ? { reason } : {}) }, deps);
    if (shown.kind === 'invalid') return page({ kind: 'invalid' });
    if (shown.kind === 'support') return page({ kind: 'support', masked, token, accepted: shown.accepted });
    if (shown.kind === 'unsubscribed')
      return page({
        kind: 'unsubscribed',
        masked,
        token,
        ...(reason ? { reason } : {}),
        loss: shown.loss,
        offer: shown.offer,
      });
    return page({ kind: shown.kind, masked, token });
  },
});
