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
import { scheduleTip, type TipDeps } from './tips';

export interface SignupDeps {
  registration: RegistrationDeps;
  /** Tip adapters, made only when needed; undefined when TIPS_ON_REGISTER is off. */
  firstTip?: () => TipDeps;
}

export async function signUp(request: RegistrationRequest, deps: SignupDeps): Promise<RegistrationOutcome> {
  const outcome = await registerNumber(request, deps.registration);
  if (outcome.kind === 'registered' && deps.firstTip)
    await scheduleFirstTip(outcome.e164, deps.firstTip, deps.registration.log);
  return outcome;
}

/** Best effort: the daily run schedules the tip otherwise (idempotently). */
async function scheduleFirstTip(e164: string, tipDeps: () => TipDeps, log: Logger): Promise<void> {
  try {
    const deps = tipDeps();
    const date = nextTipDate(deps.now(), {
      timeZone: deps.config.timeZone,
      localTime: deps.config.localTime,
      minLeadMinutes: TIP_LEAD_MINUTES,
    });
    const outcome = await scheduleTip(e164, date, deps, false);
    log.info('register.first_tip', { phone: e164, date, outcome });
  } catch (error) {
    log.warn('register.first_tip_failed', { phone: e164, error });
  }
}
