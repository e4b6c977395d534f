import fc from 'fast-check';
import {
  decideSubscriberEffect,
  isTerminalFailure,
  shouldApplyStatus,
  statusRank,
  type SubscriberEffectInput,
} from '../../src/core/delivery';

/** Folds callbacks in arrival order the way the status route does: apply only what moves forward. */
function recordedAfter(callbacks: readonly string[]): string | undefined {
  let recorded: string | undefined;
  for (const status of callbacks) if (shouldApplyStatus(recorded, status)) recorded = status;
  return recorded;
}

describe('statusRank', () => {
  test('follows the life of a message', () => {
    const order = ['queued', 'sending', 'sent', 'delivered', 'read'];
    for (let i = 1; i < order.length; i++) expect(statusRank(order[i])).toBeGreaterThan(statusRank(order[i - 1]));
    expect(statusRank('accepted')).toBe(statusRank('scheduled'));
    expect(statusRank('accepted')).toBeLessThan(statusRank('queued'));
  });

  test('unknown and missing statuses rank below everything', () => {
    expect(statusRank(undefined)).toBe(-1);
    expect(statusRank('received')).toBe(-1);
    expect(statusRank('bogus')).toBe(-1);
  });
});

describe('shouldApplyStatus', () => {
  test.each([
    [undefined, 'accepted', true],
    [undefined, 'queued', true],
    ['accepted', 'queued', true],
    ['scheduled', 'queued', true],
    ['queued', 'sending', true],
    ['sending', 'sent', true],
    ['sent', 'delivered', true],
    ['delivered', 'read', true],
    ['queued', 'delivered', true],
    ['sent', 'read', true],
    // Late or stale callbacks.
    ['delivered', 'sent', false],
    ['read', 'sent', false],
    ['read', 'delivered', false],
    ['sent', 'queued', false],
    ['queued', 'accepted', false],
    // Duplicates.
    ['delivered', 'delivered', false],
    ['sent', 'sent', false],
    ['failed', 'failed', false],
    // Failures apply until the handset confirmed delivery; nothing follows a failure.
    [undefined, 'failed', true],
    ['queued', 'undelivered', true],
    ['sent', 'failed', true],
    ['sent', 'undelivered', true],
    ['scheduled', 'canceled', true],
    ['delivered', 'failed', false],
    ['read', 'undelivered', false],
    ['failed', 'delivered', false],
    ['undelivered', 'sent', false],
    ['canceled', 'queued', false],
    ['failed', 'undelivered', false],
    // Statuses we do not know (or inbound ones) are never recorded.
    ['queued', 'bogus', false],
    [undefined, 'received', false],
    ['sent', 'receiving', false],
  ])('%s -> %s applies: %s', (previous, next, expected) => expect(shouldApplyStatus(previous, next)).toBe(expected));

  // Any arrival order of one message's callbacks, duplicates included, ends in the same state.
  test.each([
    [['accepted', 'queued', 'sending', 'sent', 'delivered', 'read'], 'read'],
    [['queued', 'sent', 'delivered'], 'delivered'],
    [['queued', 'sending', 'sent', 'undelivered'], 'undelivered'],
    [['accepted', 'queued', 'failed'], 'failed'],
    [['scheduled', 'canceled'], 'canceled'],
  ])('callbacks %j in any order, with duplicates, end as %s (property)', (lifecycle, final) => {
    const arrivals = fc
      .array(fc.constantFrom(...lifecycle), { maxLength: 10 })
      .chain((dups) => fc.shuffledSubarray([...lifecycle, ...dups], { minLength: lifecycle.length + dups.length }));
    fc.assert(fc.property(arrivals, (callbacks) => expect(recordedAfter(callbacks)).toBe(final)));
  });

  test('a status is never recorded twice in a row, and nothing follows a terminal failure (property)', () => {
    const status = fc.constantFrom(
      'accepted',
      'scheduled',
      'queued',
      'sending',
      'sent',
      'delivered',
      'read',
      'failed',
      'undelivered',
      'canceled',
      'partially_delivered',
      'received',
    );
    fc.assert(
      fc.property(fc.array(status, { maxLength: 20 }), (callbacks) => {
        let recorded: string | undefined;
        const history: string[] = [];
        for (const next of callbacks) {
          if (!shouldApplyStatus(recorded, next)) continue;
          if (recorded !== undefined) expect(isTerminalFailure(recorded)).toBe(false);
          expect(next).not.toBe(recorded);
          recorded = next;
          history.push(next);
        }
        // Forward only: apart from a final failure, the recorded ranks strictly increase.
        const ranks = history.filter((s) => !isTerminalFailure(s)).map((s) => statusRank(s));
        for (let i = 1; i < ranks.length; i++) expect(ranks[i]).toBeGreaterThan(ranks[i - 1]!);
      }),
    );
  });
});

describe('decideSubscriberEffect', () => {
  const base = { consecutiveUnreachable: 0, suppressAfter: 3 };

  test.each<[Partial<SubscriberEffectInput> & { status: string }, string, string | undefined]>([
    [{ status: 'undelivered', errorCode: 21610 }, 'opt_out', 'opted_out'],
    [{ status: 'failed', errorCode: 21610 }, 'opt_out', 'opted_out'],
    // An opt-out is honored whatever the status; other failures only count on a failure status.
    [{ status: 'sent', errorCode: 21610 }, 'opt_out', 'opted_out'],
    [{ status: 'sent', errorCode: 21211 }, 'none', 'invalid_number'],
    [{ status: 'undelivered', errorCode: 21211 }, 'suppress', 'invalid_number'],
    [{ status: 'failed', errorCode: 63032 }, 'opt_out', 'opted_out'],
    [{ status: 'undelivered', errorCode: 30003 }, 'count_unreachable', 'unreachable'],
    [{ status: 'undelivered', errorCode: 30005, consecutiveUnreachable: 1 }, 'count_unreachable', 'unreachable'],
    [{ status: 'failed', errorCode: 30006, consecutiveUnreachable: 2 }, 'suppress', 'unreachable'],
    [{ status: 'undelivered', errorCode: 30003, consecutiveUnreachable: 7 }, 'suppress', 'unreachable'],
    [{ status: 'undelivered', errorCode: 30003, suppressAfter: 1 }, 'suppress', 'unreachable'],
    [
      { status: 'undelivered', errorCode: 30003, consecutiveUnreachable: 50, suppressAfter: 0 },
      'count_unreachable',
      'unreachable',
    ],
    [{ status: 'delivered' }, 'reset_unreachable', undefined],
    [{ status: 'read', consecutiveUnreachable: 2 }, 'reset_unreachable', undefined],
    // Other failures are classified but leave the subscriber alone.
    [{ status: 'undelivered', errorCode: 30007 }, 'none', 'carrier_filtered'],
    [{ status: 'failed', errorCode: 63016 }, 'none', 'whatsapp_outside_window'],
    // Failures without a known meaning count in the failed-delivery streak (issue 21: pause after N in a row).
    [{ status: 'failed', errorCode: 21612 }, 'count_unreachable', 'unreachable'],
    [{ status: 'failed', errorCode: 99999 }, 'count_unreachable', undefined],
    [{ status: 'undelivered', errorCode: 30008 }, 'count_unreachable', 'unknown'],
    [{ status: 'failed' }, 'count_unreachable', undefined],
    [{ status: 'failed', consecutiveUnreachable: 2 }, 'suppress', undefined],
    [{ status: 'canceled' }, 'none', undefined],
    // Not on WhatsApp: moved to SMS, never counted or suppressed.
    [{ status: 'failed', errorCode: 63003 }, 'switch_to_sms', 'unreachable'],
    [{ status: 'failed', errorCode: 63024, consecutiveUnreachable: 2 }, 'switch_to_sms', 'unreachable'],
    [{ status: 'sent', errorCode: 63024 }, 'none', 'unreachable'],
    [{ status: 'sent' }, 'none', undefined],
    // An unreachable code on a non-failure status is not a failed attempt.
    [{ status: 'sent', errorCode: 30003, consecutiveUnreachable: 2 }, 'none', 'unreachable'],
  ])('%j -> %s (%s)', (input, action, category) => {
    const effect = decideSubscriberEffect({ ...base, ...input });
    expect(effect.action).toBe(action);
    expect(effect.category).toBe(category);
  });

  test('suppression comes exactly at the Nth unreachable failure in a row; a delivery resets the streak (property)', () => {
    const outcome = fc.constantFrom<[string, number | undefined]>(
      ['undelivered', 30003],
      ['failed', 30005],
      ['undelivered', 30006],
      ['delivered', undefined],
      ['undelivered', 30007],
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(outcome, { maxLength: 30 }), (suppressAfter, outcomes) => {
        let streak = 0;
        let suppressed = false;
        for (const [status, errorCode] of outcomes) {
          const { action } = decideSubscriberEffect({
            status,
            errorCode,
            consecutiveUnreachable: streak,
            suppressAfter,
          });
          if (action === 'reset_unreachable') streak = 0;
          if (action === 'count_unreachable' || action === 'suppress') streak++;
          if (action === 'suppress') {
            expect(streak).toBeGreaterThanOrEqual(suppressAfter);
            suppressed = true;
          }
          if (action === 'count_unreachable') expect(streak).toBeLessThan(suppressAfter);
        }
        // Recount independently: a suppression happened iff some run of unreachable codes reached N.
        let run = 0;
        let longest = 0;
        for (const [status, code] of outcomes) {
          if (status === 'delivered') run = 0;
          else if (code === 30003 || code === 30005 || code === 30006) longest = Math.max(longest, ++run);
        }
        expect(suppressed).toBe(longest >= suppressAfter);
      }),
    );
  });
});
