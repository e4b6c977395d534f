/**
 * Delivery status rules: statuses only move forward, and a failure's error code decides
 * what happens to the subscriber (opted out, unreachable streak, suppression).
 */
import { describeTwilioError, UNREACHABLE_CODES, type ErrorCategory } from './twilio-errors';

const RANK: Record<string, number> = {
  accepted: 0,
  scheduled: 0,
  queued: 1,
  sending: 2,
  sent: 3,
  delivered: 4,
  read: 5,
  // Terminal outcomes outrank everything but each other.
  undelivered: 6,
  failed: 6,
  canceled: 6,
};

export function statusRank(status: string | undefined): number {
  return status === undefined ? -1 : (RANK[status] ?? -1);
}

const TERMINAL_FAILURES = new Set(['failed', 'undelivered', 'canceled']);

/** A late `sent` never overwrites `delivered`; a duplicate changes nothing; failures after `sent` apply. */
export function shouldApplyStatus(previous: string | undefined, next: string): boolean {
  if (!(next in RANK)) return false;
  if (previous === next) return false;
  if (previous !== undefined && TERMINAL_FAILURES.has(previous)) return false;
  if (TERMINAL_FAILURES.has(next)) return previous !== 'delivered' && previous !== 'read';
  return statusRank(next) > statusRank(previous);
}

export type SubscriberAction = 'none' | 'opt_out' | 'count_unreachable' | 'suppress' | 'reset_unreachable';

export function decideSubscriberEffect(input: {
  errorCode?: number;
  status: string;
  consecutiveUnreachable: number;
  suppressAfter: number;
}): { action: SubscriberAction; category?: ErrorCategory } {
  if (input.status === 'delivered' || input.status === 'read') return { action: 'reset_unreachable' };
  const info = describeTwilioError(input.errorCode);
  if (!info) return { action: 'none' };
  if (info.category === 'opted_out') return { action: 'opt_out', category: info.category };
  if (input.errorCode !== undefined && UNREACHABLE_CODES.has(input.errorCode)) {
    const streak = input.consecutiveUnreachable + 1;
    return { action: input.suppressAfter > 0 && streak >= input.suppressAfter ? 'suppress' : 'count_unreachable', category: info.category };
  }
  return { action: 'none', category: info.category };
}
