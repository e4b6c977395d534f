/**
 * Names of the daily counters and recent events the dashboard reads. Counters are plain
 * name -> count maps per local (Asia/Kathmandu) date.
 */
export type CounterDeltas = Record<string, number>;

export const COUNTER = {
  registrationCreated: 'registration.created',
  registrationAlready: 'registration.already_registered',
  registrationConflict: 'registration.conflict',
  registrationOptedOut: 'registration.opted_out',
  registrationInvalid: (reason: string) => `registration.invalid.${reason}`,
  registrationRejected: (code: number | string) => `registration.rejected.${code}`,
  welcomeStatus: (status: string) => `welcome.${status}`,
  tipStatus: (status: string) => `tips.${status}`,
  failure: (code: number | string) => `failure.${code}`,
  optOut: 'consent.opt_out',
  optIn: 'consent.opt_in',
} as const;

/** Running totals (not per day) of subscribers by status, kept under this pseudo-date key. */
export const ALL_TIME = 'all-time';
export const GAUGE = {
  active: 'subscribers.active',
  optedOut: 'subscribers.opted_out',
  suppressed: 'subscribers.suppressed',
  /** Active subscribers by language: the tip forecast counts segments with it. */
  activeIn: (language: string) => `subscribers.active.${language}`,
} as const;

/** Gauge deltas for a subscriber moving from one status to another. */
export function statusChange(from: string | undefined, to: string, language?: string): CounterDeltas {
  const name = (status: string | undefined) =>
    status === 'active'
      ? GAUGE.active
      : status === 'opted_out'
        ? GAUGE.optedOut
        : status === 'suppressed'
          ? GAUGE.suppressed
          : undefined;
  const deltas: CounterDeltas = {};
  const before = name(from);
  const after = name(to);
  if (before === after) return deltas;
  if (before) deltas[before] = -1;
  if (after) deltas[after] = 1;
  if (language && before === GAUGE.active) deltas[GAUGE.activeIn(language)] = -1;
  if (language && after === GAUGE.active) deltas[GAUGE.activeIn(language)] = 1;
  return deltas;
}

export function addCounters(into: CounterDeltas, deltas: CounterDeltas): CounterDeltas {
  const out = { ...into };
  for (const [name, n] of Object.entries(deltas)) out[name] = (out[name] ?? 0) + n;
  return out;
}

export interface ActivityEvent {
  time: string;
  event: string;
  /** Always a masked number (maskPhone), never the raw one. */
  masked?: string;
  detail?: string;
}
