import { decideSubscriberEffect } from '../../src/core/delivery';
import { describeTwilioError } from '../../src/core/twilio-errors';
import {
  decideOutcome,
  decidedCodes,
  type OutcomeCaller,
  type OutcomeKind,
  type SubscriberAction,
} from '../../src/core/twilio-outcome';

const CALLERS: OutcomeCaller[] = ['registration', 'batch', 'status_callback', 'tips'];

/** Every code the decision knows: its kind, and the action for registration, batch, status callback, tips. */
const TABLE: Array<[number, OutcomeKind, [SubscriberAction, SubscriberAction, SubscriberAction, SubscriberAction]]> = [
  [21610, 'opted_out', ['opt_out', 'opt_out', 'opt_out', 'opt_out']],
  [63032, 'opted_out', ['opt_out', 'opt_out', 'opt_out', 'opt_out']],
  [30003, 'unreachable', ['keep', 'keep', 'count_unreachable', 'keep']],
  [30005, 'unreachable', ['keep', 'keep', 'count_unreachable', 'keep']],
  [30006, 'unreachable', ['keep', 'keep', 'count_unreachable', 'keep']],
  [21211, 'invalid_number', ['reject_number', 'reject_number', 'reject_number', 'reject_number']],
  [21614, 'invalid_number', ['reject_number', 'reject_number', 'reject_number', 'reject_number']],
  [63003, 'not_on_whatsapp', ['reject_number', 'reject_number', 'switch_to_sms', 'switch_to_sms']],
  [63024, 'not_on_whatsapp', ['reject_number', 'reject_number', 'switch_to_sms', 'switch_to_sms']],
  [21408, 'our_configuration', ['hold', 'hold', 'hold', 'hold']],
  [21606, 'our_configuration', ['hold', 'hold', 'hold', 'hold']],
  [21703, 'our_configuration', ['hold', 'hold', 'hold', 'hold']],
  [63016, 'our_configuration', ['hold', 'hold', 'hold', 'hold']],
  [63027, 'our_configuration', ['hold', 'hold', 'hold', 'hold']],
  [30002, 'our_configuration', ['hold', 'hold', 'hold', 'hold']],
  [30034, 'our_configuration', ['hold', 'hold', 'hold', 'hold']],
  [20003, 'our_configuration', ['hold', 'hold', 'hold', 'hold']],
  [35114, 'our_configuration', ['hold', 'hold', 'hold', 'hold']],
  [35115, 'our_configuration', ['hold', 'hold', 'hold', 'hold']],
  [35118, 'our_configuration', ['hold', 'hold', 'hold', 'hold']],
  [20429, 'temporary', ['retry_later', 'retry_later', 'keep', 'retry_later']],
  [20500, 'temporary', ['retry_later', 'retry_later', 'keep', 'retry_later']],
  [20503, 'temporary', ['retry_later', 'retry_later', 'keep', 'retry_later']],
  [54009, 'temporary', ['retry_later', 'retry_later', 'keep', 'retry_later']],
  [21611, 'capacity', ['retry_later', 'retry_later', 'keep', 'retry_later']],
  [30001, 'capacity', ['retry_later', 'retry_later', 'keep', 'retry_later']],
  [30036, 'expired', ['keep', 'keep', 'keep', 'keep']],
  [63049, 'whatsapp_marketing_limit', ['keep', 'keep', 'keep', 'keep']],
  [63015, 'whatsapp_not_joined', ['needs_join', 'needs_join', 'needs_join', 'keep']],
  [30004, 'carrier_filtered', ['keep', 'keep', 'keep', 'keep']],
  [30007, 'carrier_filtered', ['keep', 'keep', 'keep', 'keep']],
];

describe('one decision for what a Twilio outcome means for a subscriber', () => {
  test('the table covers exactly the codes the decision knows', () => {
    expect(TABLE.map(([code]) => code).sort()).toEqual(decidedCodes().sort());
  });

  describe.each(TABLE)('%i (%s)', (code, kind, actions) => {
    test.each(CALLERS.map((caller, i) => [caller, actions[i]!] as const))('%s -> %s', (caller, action) => {
      const decision = decideOutcome(caller, { code, consecutiveUnreachable: 0, suppressAfter: 3 });
      expect(decision).toMatchObject({ kind, action });
    });

    test('has a description admins can read', () => {
      expect(describeTwilioError(code)?.description.length).toBeGreaterThan(10);
      expect(decideOutcome('tips', { code }).description).toBe(describeTwilioError(code)!.description);
    });
  });

  test('the number is never blamed for our configuration or a passing failure', () => {
    for (const [code, kind] of TABLE) {
      const blame = decideOutcome('registration', { code }).blame;
      if (kind === 'our_configuration' || kind === 'capacity') expect(blame).toBe('us');
      if (kind === 'temporary') expect(blame).toBe('twilio');
      if (kind === 'expired' || kind === 'whatsapp_marketing_limit') expect(blame).toBe('none');
    }
  });

  test('unreachable: a status callback suppresses on reaching the streak; 0 never suppresses', () => {
    expect(decideOutcome('status_callback', { code: 30003, consecutiveUnreachable: 2, suppressAfter: 3 }).action).toBe(
      'suppress',
    );
    expect(decideOutcome('status_callback', { code: 30003, consecutiveUnreachable: 9, suppressAfter: 0 }).action).toBe(
      'count_unreachable',
    );
  });

  test.each(CALLERS)(
    'an unknown code (%s): a signup reports it refused, a delivery report counts it in the streak',
    (caller) => {
      const decision = decideOutcome(caller, { code: 12345, consecutiveUnreachable: 0, suppressAfter: 3 });
      expect(decision.kind).toBe('unknown');
      expect(decision.action).toBe(
        caller === 'registration' || caller === 'batch'
          ? 'reject_number'
          : caller === 'status_callback'
            ? 'count_unreachable'
            : 'keep',
      );
    },
  );

  test('the streak pauses on reaching N whatever mix of counted failures made it', () => {
    expect(decideOutcome('status_callback', { code: 30008, consecutiveUnreachable: 2, suppressAfter: 3 }).action).toBe(
      'suppress',
    );
    expect(decideOutcome('status_callback', { code: 30008, consecutiveUnreachable: 1, suppressAfter: 3 }).action).toBe(
      'count_unreachable',
    );
  });
});

describe('the status callback applies the same decision', () => {
  const effect = (errorCode: number, status = 'failed', consecutiveUnreachable = 0) =>
    decideSubscriberEffect({ errorCode, status, consecutiveUnreachable, suppressAfter: 3 }).action;

  test.each([
    [21610, 'failed', 'opt_out'],
    [63032, 'failed', 'opt_out'],
    [30003, 'undelivered', 'count_unreachable'],
    [21211, 'failed', 'suppress'],
    [63049, 'failed', 'none'],
    [30036, 'failed', 'none'],
    [63016, 'failed', 'none'],
    [30001, 'failed', 'none'],
    [30003, 'sent', 'none'],
  ] as const)('%i on %s -> %s', (code, status, action) => expect(effect(code, status)).toBe(action));

  test('the unreachable streak reaches suppression', () => expect(effect(30005, 'undelivered', 2)).toBe('suppress'));
});

describe('outcomes without a known code', () => {
  test.each([undefined, 99999])('code %s: kind unknown, blamed on nobody, with a plain description', (code) => {
    expect(decideOutcome('tips', { code })).toEqual({
      kind: 'unknown',
      action: 'keep',
      blame: 'none',
      description: 'Twilio error without a known meaning',
    });
  });
});
