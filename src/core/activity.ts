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
