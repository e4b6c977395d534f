/**
 * Delivery status rules: statuses only move forward, and a failure's error code decides
 * what happens to the subscriber (opted out, unreachable streak, suppression).
 */
import { describeTwilioError, type ErrorCategory } from './twilio-errors';
import { decideOutcome, type OutcomeKind } from './twilio-outcome';

/**
 * Twilio's outbound Message statuses in the order a message goes through them.
 * `receiving` / `received` are inbound-only and deliberately absent (never applied).
 */
const RANK: Readonly<Record<string, number>> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  partially_delivered: 4,
  delivered: 5,
  read: 6,
  // Terminal outcomes: once one is recorded nothing else is.
  undelivered: 7,
  failed: 7,
  canceled: 7,
};

// Typed to take `undefined` (no status recorded yet), which is in neither set.
const TERMINAL_FAILURES: ReadonlySet<string | undefined> = new Set(['failed', 'undelivered', 'canceled']);
const REACHED_HANDSET: ReadonlySet<string | undefined> = new Set(['delivered', 'read']);

/** Position of a status in the order; -1 for none or a status we do not know. */
export function statusRank(status: string | undefined): number {
  return status === undefined ? -1 : (RANK[status] ?? -1);
}

export function isTerminalFailure(status: string | undefined): boolean {
  return TERMINAL_FAILURES.has(status);
}

/**
 * Should a callback's status replace the recorded one? Forward moves only: a late `sent`
 * never overwrites `delivered` or `read`; `read` after `delivered` applies; a failure after
 * `sent` applies, but not after the handset confirmed delivery; nothing follows a terminal
 * failure; a duplicate changes nothing.
 */
export function shouldApplyStatus(previous: string | undefined, next: string): boolean {
  if (isTerminalFailure(previous)) return false;
  if (isTerminalFailure(next)) return !REACHED_HANDSET.has(previous);
  // An unknown status ranks -1 and a duplicate ranks the same as itself: neither moves forward.
  return statusRank(next) > statusRank(previous);
}

export type SubscriberAction =
  'none' | 'opt_out' | 'count_unreachable' | 'suppress' | 'reset_unreachable' | 'switch_to_sms';

export interface SubscriberEffectInput {
  errorCode?: number;
  status: string;
  /** Unreachable failures in a row recorded so far (before this one). */
  consecutiveUnreachable: number;
  /** Suppress on reaching this many in a row; 0 or less never suppresses. */
  suppressAfter: number;
}

export interface SubscriberEffect {
  action: SubscriberAction;
  /** The error's category from the Twilio error table, when the code is known. */
  category?: ErrorCategory;
  /** What the code means for a subscriber (twilio-outcome.ts), when there is a code. */
  kind?: OutcomeKind;
}

/**
 * What an applied status means for the subscriber (the failed-delivery streak that pauses, a
 * move from WhatsApp to SMS), from the one outcome decision
 * (twilio-outcome.ts) as a status callback sees it. Call it once per applied status (after
 * `shouldApplyStatus`), so a duplicate failure never counts twice.
 */
export function decideSubscriberEffect(input: SubscriberEffectInput): SubscriberEffect {
  if (REACHED_HANDSET.has(input.status)) return { action: 'reset_unreachable' };
  // A failure without a code is a failed delivery all the same (canceled is ours, not one).
  if (input.errorCode === undefined && !(isTerminalFailure(input.status) && input.status !== 'canceled'))
    return { action: 'none' };
  const category = describeTwilioError(input.errorCode)?.category;
  const decision = decideOutcome('status_callback', {
    code: input.errorCode,
    consecutiveUnreachable: input.consecutiveUnreachable,
    suppressAfter: input.suppressAfter,
  });
  const effect = (action: SubscriberAction): SubscriberEffect => ({ action, category, kind: decision.kind });
  switch (decision.action) {
    case 'opt_out':
      // Twilio reports these with a failure status; we honor them whatever the status says.
      return effect('opt_out');
    case 'count_unreachable':
    case 'suppress':
      return effect(isTerminalFailure(input.status) ? decision.action : 'none');
    case 'reject_number':
      // A known subscriber whose number Twilio now refuses: never send to it again.
      return effect(isTerminalFailure(input.status) ? 'suppress' : 'none');
    case 'switch_to_sms':
      return effect(isTerminalFailure(input.status) ? 'switch_to_sms' : 'none');
    default:
      return effect('none');
  }
}
