/**
 * /b?t=<token>: the birth-date page, linked from the message that asks once when the EDD has
 * passed by 2 weeks with no birth date (docs/programmes.md). The token is the subscriber's
 * number signed with UNSUBSCRIBE_LINK_SECRET for this purpose (a /u token does not open it).
 * Opening it (GET) only shows the form: link scanners and previews open links, so only the
 * form's POST (form-encoded body) records `baby_dob`, through the same rules as /profile.
 * The page never shows the number.
 */
import { answerBirthLink } from '../app/birth-link';
import { renderBirthPage, type BirthPageState } from '../core/birth-page';
import { REQUEST_BUDGET_MS } from '../core/budget';
import { FEATURE_REQUIREMENTS } from '../core/health';
import { setting } from '../core/settings';
import { localDateOf } from '../core/tip-time';
import { readUnsubscribeToken, unsubscribeToken } from '../core/unsubscribe-token';
import { linkPageForm, text } from '../runtime/inputs';
import { isFormPost, linkPageReply } from '../runtime/link-page';
import { defineRoute, type Reply } from '../runtime/route';
import { profileDeps, timeZoneOf } from '../runtime/services';

function page(state: BirthPageState): Reply {
  return linkPageReply(renderBirthPage(state));
}

export const handler = defineRoute({
  name: 'birth_link',
  requires: FEATURE_REQUIREMENTS.unsubscribe,
  // The signed token is the credential (checked below); the page's form posts baby_dob.
  auth: { kind: 'public' },
  input: linkPageForm({ baby_dob: text(32) }),
  async handle({ context, fields, headers, log }) {
    const token = typeof fields.t === 'string' ? fields.t : '';
    const secret = setting(context, 'UNSUBSCRIBE_LINK_SECRET') ?? '';
    const e164 = readUnsubscribeToken(secret, token, 'birth');
    if (!e164) {
      log.info('birth_link.invalid_token');
      return page({ kind: 'forbidden' });
    }
    const posted = isFormPost(headers);
    const babyDob = posted && typeof fields.baby_dob === 'string' ? fields.baby_dob : undefined;
    const shown = await answerBirthLink(
      { e164, ...(babyDob !== undefined ? { babyDob } : {}) },
      profileDeps(context, log, Date.now() + REQUEST_BUDGET_MS),
    );
    if (shown.kind !== 'form') return page(shown);
    return page({
      kind: 'form',
      token,
      unsubscribeToken: unsubscribeToken(secret, e164),
      today: localDateOf(new Date(), timeZoneOf(context)),
      ...(shown.error ? { error: shown.error } : {}),
    });
  },
});
