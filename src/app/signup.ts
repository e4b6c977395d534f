/**
 * A signup from the portal (POST /register): the registration and, for a new subscriber,
 * the next daily tip right away so nobody waits for the next daily run. The tip is claimed
 * in the write that claims the welcome, scheduled beside the welcome's send and recorded in
 * the same write as the welcome: it adds no round trip the portal waits for.
 */
import type { Logger } from '../core/log';
import type { Subscriber } from '../core/subscriber';
import { nextTipDate, TIP_LEAD_MINUTES } from '../core/tip-time';
import {
  registerNumber,
  type FirstTip,
  type RegistrationDeps,
  type RegistrationOutcome,
  type RegistrationRequest,
} from './registration';
import { scheduleTip, sendTipMessage, type TipDeps } from './tips';

export interface SignupDeps {
  registration: RegistrationDeps;
  /** Tip adapters, made only when needed; undefined when TIPS_ON_REGISTER is off. */
  firstTip?: () => TipDeps;
}

export async function signUp(request: RegistrationRequest, deps: SignupDeps): Promise<RegistrationOutcome> {
  const tips = deps.firstTip?.();
  const firstTipDate = tips
    ? nextTipDate(tips.now(), {
        timeZone: tips.config.timeZone,
        localTime: tips.config.localTime,
        minLeadMinutes: TIP_LEAD_MINUTES,
      })
    : undefined;
  const firstTip: FirstTip | undefined =
    tips && firstTipDate
      ? {
          date: firstTipDate,
          // Planned as for a welcomed subscriber: the welcome goes out beside it.
          send: (e164, subscriber, claimId) => sendTipMessage(e164, firstTipDate, claimId, welcomed(subscriber), tips),
        }
      : undefined;
  const outcome = await registerNumber(request, deps.registration, { firstTip });
  const log = deps.registration.log;
  if (outcome.kind === 'registered' && outcome.firstTip) {
    log.info('register.first_tip', {
      phone: outcome.e164,
      date: outcome.firstTip.date,
      outcome: outcome.firstTip.outcome,
    });
  } else if (tips && firstTipDate && outcome.kind === 'already_registered' && outcome.adopted) {
    // A welcome adopted from Twilio's records: the call that sent it never recorded its tip.
    await schedule(log, outcome.e164, firstTipDate, () =>
      scheduleTip(outcome.e164, firstTipDate, tips, false, undefined, { countScheduled: true }),
    );
  }
  return outcome;
}

function welcomed(subscriber: Subscriber): Subscriber {
  return { ...subscriber, welcome: { ...subscriber.welcome, state: 'sent' } };
}

/**
 * Best effort, before the answer (a Function's pending work dies with its callback): the
 * daily run schedules the tip otherwise (idempotently), and settles a claim left behind.
 */
async function schedule(log: Logger, e164: string, date: string, run: () => Promise<string>): Promise<void> {
  try {
    const outcome = await run();
    log.info('register.first_tip', { phone: e164, date, outcome });
  } catch (error) {
    log.warn('register.first_tip_failed', { phone: e164, error });
  }
}
