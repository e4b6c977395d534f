/**
 * Twilio's sending physics on a simulated clock (no timers): each sender drains its queue at
 * its rate in message segments per second; a message waits behind the segments queued before
 * it. Twilio's figures (docs/tips.md has the sources):
 * - a message that would wait longer than the queue limit (10 h; WhatsApp 4 h) fails: 21611 at
 *   create when sent from one number, 30001 after create through a Messaging Service;
 * - a message still queued when its ValidityPeriod (1 to 36,000 s) runs out fails with 30036
 *   and takes no throughput;
 * - a scheduled message enters the queue at its SendAt (its validity counts from there: an
 *   assumption, Twilio documents it from submission).
 * Entries must arrive in the order they enter (the caller sorts scheduled ones by SendAt);
 * the clock of a queue never goes back.
 */

export const QUEUE_LIMIT_SECONDS = { sms: 10 * 3600, whatsapp: 4 * 3600 } as const;
export const MAX_VALIDITY_SECONDS = 36_000;

export interface QueueEntry {
  /** Simulated epoch ms the message enters the queue. */
  enterAt: number;
  segments: number;
  /** Seconds, when the request set ValidityPeriod. */
  validitySeconds?: number;
}

export type QueueOutcome =
  | { kind: 'sent'; enterAt: number; leftQueueAt: number; waitMs: number }
  | { kind: 'expired'; enterAt: number; code: 30036; expiredAt: number }
  | { kind: 'overflow'; enterAt: number; code: 30001 | 21611 };

export interface SenderQueue {
  /** Puts one message in the queue; `direct`: sent from a number (21611), not a Messaging Service (30001). */
  enqueue(entry: QueueEntry, direct?: boolean): QueueOutcome;
  /** Simulated ms at which the queue is empty again. */
  busyUntil(): number;
  /** Seconds of work queued at the simulated instant. */
  backlogSeconds(at: number): number;
}

export function createSenderQueue(segmentsPerSecond: number, queueLimitSeconds: number): SenderQueue {
  if (!(segmentsPerSecond > 0)) throw new RangeError('segmentsPerSecond must be > 0');
  let freeAt = -Infinity;
  return {
    enqueue(entry, direct = false) {
      const start = Math.max(entry.enterAt, freeAt);
      const waitMs = start - entry.enterAt;
      if (waitMs > queueLimitSeconds * 1000)
        return { kind: 'overflow', enterAt: entry.enterAt, code: direct ? 21611 : 30001 };
      if (entry.validitySeconds !== undefined && waitMs > entry.validitySeconds * 1000)
        return {
          kind: 'expired',
          enterAt: entry.enterAt,
          code: 30036,
          expiredAt: entry.enterAt + entry.validitySeconds * 1000,
        };
      freeAt = start + (Math.max(1, entry.segments) / segmentsPerSecond) * 1000;
      return { kind: 'sent', enterAt: entry.enterAt, leftQueueAt: start, waitMs };
    },
    busyUntil: () => freeAt,
    backlogSeconds: (at) => Math.max(0, freeAt - at) / 1000,
  };
}
