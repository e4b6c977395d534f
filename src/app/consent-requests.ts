/**
 * The two consent requests that arrive over HTTP, each one service call for its route:
 * the portal's POST /consent (its user opts out or back in) and the personal link's /u page.
 * The rules themselves (history, counters, tips canceled) are in consent.ts.
 */
import { supportAvailable, type SupportDecision } from '../core/loss';
import type { Subscriber } from '../core/subscriber';
import { giveConsent, readSubscriber, withdrawConsent, type ConsentDeps } from './consent';
import { answerSupportOffer } from './loss';

export type PortalConsentResult =
  | { kind: 'changed' | 'unchanged'; subscriber: Subscriber }
  | { kind: 'not_registered' }
  /** The number belongs to another portal user: nothing changed. */
  | { kind: 'number_taken' }
  /** The answer to the supportive set's offer (docs/loss.md). */
  | { kind: 'support'; answer: SupportDecision | 'not_registered' };

/** POST /consent: the portal's user `userId` opts `e164` out (with an optional reason) or back in. */
export async function changePortalConsent(
  request: { e164: string; userId: string; action: 'opt_out' | 'opt_in' | 'support' | 'no_support'; reason?: string },
  deps: ConsentDeps,
): Promise<PortalConsentResult> {
  const { e164, userId } = request;
  const item = await readSubscriber(e164, deps);
  if (!item) return { kind: 'not_registered' };
  if (item.data.userId !== userId) {
    deps.log.warn('consent.conflict', { userId, phone: e164 });
    return { kind: 'number_taken' };
  }
  if (request.action === 'support' || request.action === 'no_support')
    return { kind: 'support', answer: await supportAnswer(e164, request.action, 'portal', deps) };
  return request.action === 'opt_out'
    ? withdrawConsent(e164, { source: 'portal', ...(request.reason ? { reason: request.reason } : {}) }, deps)
    : giveConsent(e164, { source: 'portal' }, deps);
}

/** What the /u page shows after a request: the number is unknown, or its consent now. */
export type LinkConsentResult =
  | { kind: 'invalid' }
  /** loss / offer: a loss was reported; the supportive set is offered while it is open and can be kept. */
  | { kind: 'unsubscribed' | 'subscribed' | 'confirm'; loss?: boolean; offer?: boolean }
  | { kind: 'support'; accepted: boolean };

/** After a loss: condolences, and the offer while it is open and can be kept on this channel. */
export function lossView(subscriber: Subscriber, deps: ConsentDeps): { loss?: boolean; offer?: boolean } {
  if (!subscriber.loss) return {};
  const offer =
    subscriber.loss.support === 'offered' &&
    deps.support !== undefined &&
    supportAvailable(subscriber.channel, deps.support.contentSid);
  return { loss: true, offer };
}

function supportAnswer(
  e164: string,
  action: 'support' | 'no_support',
  source: string,
  deps: ConsentDeps,
): Promise<SupportDecision | 'not_registered'> | SupportDecision {
  if (!deps.support) return 'unavailable';
  return answerSupportOffer(e164, action === 'support' ? 'yes' : 'no', source, { ...deps, support: deps.support });
}

/**
 * /u: `stop` or `start` (the page's form) changes consent; no action (opening the link) only
 * reads it, so link scanners change nothing.
 */
export async function answerConsentLink(
  request: { e164: string; action?: 'stop' | 'start' | 'support' | 'no_support'; reason?: string },
  deps: ConsentDeps,
): Promise<LinkConsentResult> {
  const { e164, action, reason } = request;
  if (action === 'stop') {
    const result = await withdrawConsent(e164, { source: 'link', ...(reason ? { reason } : {}) }, deps);
    return result.kind === 'not_registered'
      ? { kind: 'invalid' }
      : { kind: 'unsubscribed', ...lossView(result.subscriber, deps) };
  }
  if (action === 'support' || action === 'no_support') {
    const answer = await supportAnswer(e164, action, 'link', deps);
    if (answer === 'not_registered') return { kind: 'invalid' };
    if (answer === 'accept' || answer === 'already_accepted') return { kind: 'support', accepted: true };
    if (answer === 'decline') return { kind: 'support', accepted: false };
    // Not offered (no loss reported, or subscribed again): the page as it is.
  }
  if (action === 'start') {
    const result = await giveConsent(e164, { source: 'link' }, deps);
    return result.kind === 'not_registered' ? { kind: 'invalid' } : { kind: 'subscribed' };
  }
  const item = await readSubscriber(e164, deps);
  if (!item) return { kind: 'invalid' };
  deps.log.info('unsubscribe.viewed', { phone: e164, status: item.data.status });
  return item.data.status === 'opted_out'
    ? { kind: 'unsubscribed', ...lossView(item.data, deps) }
    : { kind: 'confirm' };
}
