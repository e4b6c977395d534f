/**
 * The dashboard's rates (delivery, opt-out) for a period and the period before it, from the
 * summed daily counters. Pure arithmetic; a rate with nothing to divide by is null, not 0.
 */
import type { CounterDeltas } from './activity';
import { addDays, dayNumber } from './tip-time';

export interface Trend {
  /** 0..1, or null when the period has nothing to divide by. */
  value: number | null;
  /** The same rate over the period of the same length just before. */
  previous: number | null;
  /** value - previous, in percentage points (null when either is null). */
  changePoints: number | null;
}

/** The period of the same length that ends the day before `from`. */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const days = dayNumber(to) - dayNumber(from) + 1;
  return { from: addDays(from, -days), to: addDays(from, -1) };
}

export function ratio(numerator: number, denominator: number): number | null {
  return denominator > 0 ? numerator / denominator : null;
}

const get = (c: CounterDeltas, name: string) => c[name] ?? 0;

/** Delivered among the messages whose outcome is known (delivered, failed, undelivered). */
export function deliveryRate(counters: CounterDeltas, prefix: 'welcome' | 'tips'): number | null {
  const delivered = get(counters, `${prefix}.delivered`);
  const failed = get(counters, `${prefix}.failed`) + get(counters, `${prefix}.undelivered`);
  return ratio(delivered, delivered + failed);
}

/** Opt-outs per delivered message (welcomes and tips): comparable across periods of any size. */
export function optOutRate(counters: CounterDeltas): number | null {
  return ratio(get(counters, 'consent.opt_out'), get(counters, 'welcome.delivered') + get(counters, 'tips.delivered'));
}

export function trend(value: number | null, previous: number | null): Trend {
  const changePoints = value !== null && previous !== null ? Math.round((value - previous) * 1000) / 10 : null;
  return { value, previous, changePoints };
}

export function periodRates(current: CounterDeltas, previous: CounterDeltas) {
  return {
    welcomeDelivery: trend(deliveryRate(current, 'welcome'), deliveryRate(previous, 'welcome')),
    tipDelivery: trend(deliveryRate(current, 'tips'), deliveryRate(previous, 'tips')),
    optOut: trend(optOutRate(current), optOutRate(previous)),
  };
}
