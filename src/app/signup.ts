/**
 * A signup from the portal (POST /register): the registration, then, for a new subscriber,
 * the next daily tip right away so nobody waits for the next daily run.
 */
import type { Logger } from '../core/log';
import { nextTipDate, TIP_LEAD_MINUTES } from '../core/tip-time';
import {
  registerNumber,
  type RegistrationDeps,
  type RegistrationOutcome,
  type RegistrationRequest,
} from './registration';
import { scheduleTip, sendClaimedTip, type TipDeps } from './tips';

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
  // The first tip's claim rides on the write that records the welcome; then it is sent.
  const outcome = await registerNumber(request, deps.registration, { firstTipDate });
  const log = deps.registration.log;
  if (tips && outcome.kind === 'registered' && outcome.firstTip) {
    const { date, claimId, record } = outcome.firstTip;
    await firstTip(log, outcome.e164, date, () =>
      sendClaimedTip(outcome.e164, date, claimId, record, tips, undefined, { countScheduled: true }),
    );
  } else if (
    tips &&
    firstTipDate &&
    (outcome.kind === 'registered' || (outcome.kind === 'already_registered' && outcome.adopted))
  ) {
    await firstTip(log, outcome.e164, firstTipDate, () =>
      scheduleTip(outcome.e164, firstTipDate, tips, false, undefined, { countScheduled: true }),
    );
  }
  return outcome;
}

/**
 * Best effort, before the answer (a Function's pending work dies with its callback): the
 * daily run schedules the tip otherwise (idempotently), and settles a claim left behind.
 */
async function firstTip(log: Logger, e164: string, date: string, schedule: () => Promise<string>): Promise<void> {
  try {
    const outcome = await schedule();
    log.info('register.first_tip', { phone: e164, date, outcome });
  } catch (error) {
    log.warn('register.first_tip_failed', { phone: e164, error });
  }
}
