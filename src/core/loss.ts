/**
 * The loss path, as national maternal-health programmes run it (MomConnect's opt-out reasons
 * are miscarriage, stillbirth and baby loss): a loss stops every pregnancy, baby and tip
 * message at once, and the person is offered, never sent unasked, a short supportive set or
 * nothing. Pure rules: which reasons are losses, what the record says, when each supportive
 * message goes, and what a reply to the offer means.
 */
import { appendConsent, type Channel, type LossReason, type Subscriber } from './subscriber';

export type { LossReason, LossRecord, SupportState } from './subscriber';

/** `pregnancy_loss`: a loss without saying which (the first page's single choice, a keyword). */
export const LOSS_REASONS = [
  'miscarriage',
  'stillbirth',
  'baby_death',
  'pregnancy_loss',
] as const satisfies readonly LossReason[];

export function isLossReason(value: unknown): value is LossReason {
  return (LOSS_REASONS as readonly unknown[]).includes(value);
}

/**
 * The supportive set: message ids in messages.json and the day (after the person said yes) each
 * goes, at the tip time in their own zone. A month at most: Twilio schedules up to 35 days ahead,
 * so the whole set is scheduled at once and a STOP cancels what is left.
 */
export const SUPPORT_SET = [
  { id: 'support_1', day: 1 },
  { id: 'support_2', day: 4 },
  { id: 'support_3', day: 14 },
  { id: 'support_4', day: 28 },
] as const;
export type SupportMessageId = (typeof SUPPORT_SET)[number]['id'];

/**
 * The subscriber after a loss was reported (the opt-out itself is optOut's): the loss is kept
 * with the offer open. A second report keeps the first one's answer to the offer.
 */
export function recordLoss(subscriber: Subscriber, reason: LossReason, source: string, now: Date): Subscriber {
  const previous = subscriber.loss;
  return {
    ...subscriber,
    updatedAt: now.toISOString(),
    loss: previous
      ? { ...previous, reason: previous.reason === 'pregnancy_loss' ? reason : previous.reason }
      : { reason, source, at: now.toISOString(), support: 'offered' },
  };
}

export type SupportDecision = 'accept' | 'decline' | 'not_offered' | 'already_accepted' | 'unavailable';

/**
 * What a "yes" or "no" to the offer does. Only someone who reported a loss and is opted out of
 * everything else is offered the set; a yes after a no (a change of mind) is honoured once.
 */
export function decideSupport(subscriber: Subscriber, answer: 'yes' | 'no', available: boolean): SupportDecision {
  const loss = subscriber.loss;
  if (!loss || subscriber.status !== 'opted_out') return 'not_offered';
  if (answer === 'no') return loss.support === 'offered' || loss.support === 'accepted' ? 'decline' : 'not_offered';
  if (loss.support === 'accepted') return 'already_accepted';
  if (!available) return 'unavailable';
  return 'accept';
}

/** The record with the set accepted (consent entry scoped to the set) or declined. */
export function answerSupport(
  subscriber: Subscriber,
  decision: 'accept' | 'decline',
  source: string,
  now: Date,
): Subscriber {
  const at = now.toISOString();
  const loss = subscriber.loss!;
  const accepted = decision === 'accept';
  return {
    ...subscriber,
    updatedAt: at,
    loss: {
      ...loss,
      support: accepted ? 'accepted' : 'declined',
      supportAt: at,
      ...(accepted ? { messages: {} } : {}),
    },
    consent: appendConsent(subscriber.consent, {
      action: accepted ? 'opt_in' : 'opt_out',
      source,
      at,
      scope: 'support_set',
    }),
  };
}

/** Supportive messages still scheduled (real SIDs), for a STOP to cancel. */
export function pendingSupportSids(subscriber: Subscriber): string[] {
  return Object.values(subscriber.loss?.messages ?? {}).filter((sid) => /^(SM|MM)/.test(sid));
}

/** Can the set be sent on this channel? WhatsApp needs an approved template for it. */
export function supportAvailable(channel: Channel, supportContentSid: string | undefined): boolean {
  return channel === 'sms' || Boolean(supportContentSid);
}

/** A STOP after the set was accepted: the set stops (what is still scheduled is canceled by the caller). */
export function stopSupport(subscriber: Subscriber, source: string, now: Date): Subscriber {
  if (subscriber.loss?.support !== 'accepted') return subscriber;
  const at = now.toISOString();
  return {
    ...subscriber,
    updatedAt: at,
    loss: { ...subscriber.loss, support: 'stopped', supportAt: at },
    consent: appendConsent(subscriber.consent, { action: 'opt_out', source, at, scope: 'support_set' }),
  };
}
