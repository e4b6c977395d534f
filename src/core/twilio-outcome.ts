/**
 * What a Twilio outcome (an error code, synchronous or from a status callback) means for a
 * subscriber: the one decision used by registration, the batch, status callbacks and tips.
 * Codes are grouped into kinds; each caller gets the action that fits what it can do (a
 * registration can refuse a new number; a status callback cannot retry anything).
 */
import { describeTwilioError } from './twilio-errors';

export type OutcomeKind =
  | 'opted_out'
  | 'unreachable'
  | 'invalid_number'
  | 'our_configuration'
  | 'temporary'
  | 'capacity'
  | 'expired'
  | 'whatsapp_marketing_limit'
  | 'whatsapp_not_joined'
  | 'not_on_whatsapp'
  | 'carrier_filtered'
  | 'unknown';

export type OutcomeCaller = 'registration' | 'batch' | 'status_callback' | 'tips';

/**
 * opt_out: consent withdrawn (at Twilio); count_unreachable / suppress: the unreachable streak;
 * reject_number: the number is refused (a new registration records nothing, a known subscriber
 * is suppressed); needs_join: WhatsApp sandbox not joined; switch_to_sms: not on WhatsApp, SMS may reach them; retry_later: nothing happened, try
 * again; hold: our configuration is wrong, the number is not to blame; keep: the subscriber is fine.
 */
export type SubscriberAction =
  | 'opt_out'
  | 'count_unreachable'
  | 'suppress'
  | 'reject_number'
  | 'needs_join'
  | 'switch_to_sms'
  | 'retry_later'
  | 'hold'
  | 'keep';

/** Who the outcome is about: the number, our setup, Twilio (passing), or nobody. */
export type Blame = 'number' | 'us' | 'twilio' | 'none';

const KINDS: Readonly<Record<number, OutcomeKind>> = {
  21610: 'opted_out',
  63032: 'opted_out',
  30003: 'unreachable',
  30005: 'unreachable',
  30006: 'unreachable',
  21211: 'invalid_number',
  21614: 'invalid_number',
  // Twilio's docs: 63003 "Channel could not find To address" (e.g. an unregistered WhatsApp number;
  // WhatsApp 1006/1013/1021) and 63024 "Invalid message recipient" (Meta: not a valid WhatsApp
  // user, terms not accepted, client too old; WhatsApp 1002/1026). The number may still take SMS.
  63003: 'not_on_whatsapp',
  63024: 'not_on_whatsapp',
  21408: 'our_configuration',
  21606: 'our_configuration',
  21703: 'our_configuration',
  63016: 'our_configuration',
  63027: 'our_configuration',
  30002: 'our_configuration',
  30034: 'our_configuration',
  20003: 'our_configuration',
  35114: 'our_configuration',
  35115: 'our_configuration',
  35118: 'our_configuration',
  20429: 'temporary',
  20500: 'temporary',
  20503: 'temporary',
  54009: 'temporary',
  21611: 'capacity',
  30001: 'capacity',
  30036: 'expired',
  63049: 'whatsapp_marketing_limit',
  63015: 'whatsapp_not_joined',
  30004: 'carrier_filtered',
  30007: 'carrier_filtered',
};

const BLAME: Readonly<Record<OutcomeKind, Blame>> = {
  opted_out: 'number',
  unreachable: 'number',
  invalid_number: 'number',
  our_configuration: 'us',
  temporary: 'twilio',
  capacity: 'us',
  expired: 'none',
  whatsapp_marketing_limit: 'none',
  whatsapp_not_joined: 'number',
  not_on_whatsapp: 'number',
  carrier_filtered: 'none',
  unknown: 'none',
};

/** Every code this decision knows, for the table test, the dashboard and docs. */
export function decidedCodes(): number[] {
  return Object.keys(KINDS).map(Number);
}

export function outcomeKind(code: number | undefined): OutcomeKind {
  return code === undefined ? 'unknown' : (KINDS[code] ?? 'unknown');
}

export interface OutcomeInput {
  code: number | undefined;
  /** Failed deliveries in a row recorded so far (before this one): the streak that pauses a subscriber. */
  consecutiveUnreachable?: number;
  /** Pause (suppress) on reaching this many in a row; 0 or less never does. */
  suppressAfter?: number;
}

/**
 * The failed-delivery streak: failures that say the number did not take the message (unreachable
 * handset, an unknown or unlisted error, a failure without a code) count; ours (configuration,
 * queue, expiry), Meta's per-user marketing limit and carrier filters (about the content) do not.
 */
function streak(input: OutcomeInput): SubscriberAction {
  const count = Math.max(0, input.consecutiveUnreachable ?? 0) + 1;
  const after = input.suppressAfter ?? 0;
  return after > 0 && count >= after ? 'suppress' : 'count_unreachable';
}

export interface OutcomeDecision {
  kind: OutcomeKind;
  action: SubscriberAction;
  blame: Blame;
  /** For admins: Twilio's meaning of the code. */
  description: string;
}

function actionFor(caller: OutcomeCaller, kind: OutcomeKind, input: OutcomeInput): SubscriberAction {
  const signup = caller === 'registration' || caller === 'batch';
  switch (kind) {
    case 'opted_out':
      return 'opt_out';
    case 'unreachable': {
      // A handset's reachability is only known from a delivery report; a synchronous answer is not one.
      return caller === 'status_callback' ? streak(input) : 'keep';
    }
    case 'not_on_whatsapp':
      // A new WhatsApp registration is refused as before; a known subscriber is moved to SMS.
      return signup ? 'reject_number' : 'switch_to_sms';
    case 'invalid_number':
      return 'reject_number';
    case 'our_configuration':
      return 'hold';
    case 'temporary':
    case 'capacity':
      // A callback reports a message already lost; there is nothing to retry from here.
      return caller === 'status_callback' ? 'keep' : 'retry_later';
    case 'whatsapp_not_joined':
      return caller === 'tips' ? 'keep' : 'needs_join';
    case 'unknown':
      // A registration refused for a reason we do not know is reported as refused (422), as before.
      return signup ? 'reject_number' : caller === 'status_callback' ? streak(input) : 'keep';
    case 'expired':
    case 'whatsapp_marketing_limit':
    case 'carrier_filtered':
      return 'keep';
  }
}

export function decideOutcome(caller: OutcomeCaller, input: OutcomeInput): OutcomeDecision {
  const kind = outcomeKind(input.code);
  return {
    kind,
    action: actionFor(caller, kind, input),
    blame: BLAME[kind],
    description: describeTwilioError(input.code)?.description ?? 'Twilio error without a known meaning',
  };
}
