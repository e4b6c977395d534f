/**
 * The two consent requests that arrive over HTTP, each one service call for its route:
 * the portal's POST /consent (its user opts out or back in) and the personal link's /u page.
 * The rules themselves (history, counters, tips canceled) are in consent.ts.
 */
import type { Subscriber } from '../core/subscriber';
import { giveConsent, readSubscriber, withdrawConsent, type ConsentDeps } from './consent';

export type PortalConsentResult =
  | { kind: 'changed' | 'unchanged'; subscriber: Subscriber }
  | { kind: 'not_registered' }
  /** The number belongs to another portal user: nothing changed. */
  | { kind: 'number_taken' };

/** POST /consent: the portal's user `userId` opts `e164` out (with an optional reason) or back in. */
export async function changePortalConsent(
  request: { e164: string; userId: string; action: 'opt_out' | 'opt_in'; reason?: string },
  deps: ConsentDeps,
): Promise<PortalConsentResult> {
  const { e164, userId } = request;
  const item = await readSubscriber(e164, deps);
  if (!item) return { kind: 'not_registered' };
  if (item.data.userId !== userId) {
    deps.log.warn('consent.conflict', { userId, phone: e164 });
    return { kind: 'number_taken' };
  }
  return request.action === 'opt_out'
    ? withdrawConsent(e164, { source: 'portal', ...(request.reason ? { reason: request.reason } : {}) }, deps)
    : giveConsent(e164, { source: 'portal' }, deps);
}

/** What the /u page shows after a request: the number is unknown, or its consent now. */
export type LinkConsentResult = { kind: 'invalid' } | { kind: 'unsubscribed' | 'subscribed' | 'confirm' };

/**
 * /u: `stop` or `start` (the page's form) changes consent; no action (opening the link) only
 * reads it, so link scanners change nothing.
 */
export async function answerConsentLink(
  request: { e164: string; action?: 'stop' | 'start'; reason?: string },
  deps: ConsentDeps,
): Promise<LinkConsentResult> {
  const { e164, action, reason } = request;
  if (action === 'stop') {
    const result = await withdrawConsent(e164, { source: 'link', ...(reason ? { reason } : {}) }, deps);
    return result.kind === 'not_registered' ? { kind: 'invalid' } : { kind: 'unsubscribed' };
  }
  if (action === 'start') {
    const result = await giveConsent(e164, { source: 'link' }, deps);
    return result.kind === 'not_registered' ? { kind: 'invalid' } : { kind: 'subscribed' };
  }
  const item = await readSubscriber(e164, deps);
  if (!item) return { kind: 'invalid' };
  deps.log.info('unsubscribe.viewed', { phone: e164, status: item.data.status });
  return { kind: item.data.status === 'opted_out' ? 'unsubscribed' : 'confirm' };
}
