/**
 * Planning the daily tip against sender throughput. Twilio drains a sender's queue at its
 * rate in message segments per second, so 100,000 tips scheduled for one instant arrive over
 * hours. Instead each tip gets a SendAt inside a window that starts at the local tip time:
 * messages are put in one-minute slots holding one minute of the sender's work, so the queue
 * never holds more than about a minute. Each tip's ValidityPeriod is what is left of
 * TIP_VALIDITY_MINUTES after its slot, so a tip that could only arrive stale is dropped
 * (30036) rather than delivered. The forecast says before a run whether the window fits.
 */
import { countSegments } from './segments';
import type { Language } from './subscriber';
import { tipMessage, type Tip } from './tips';
import { stopInstruction } from './stop-instruction';
import { welcomeBody } from './welcome';

/** Width of a SendAt slot: the queue holds at most about this much work. */
export const SLOT_SECONDS = 60;
/** Twilio's ValidityPeriod range: 1 to 36,000 s. */
export const MAX_VALIDITY_SECONDS = 36_000;

export interface Throughput {
  /** Message segments per second the sender drains (SENDER_MPS). */
  segmentsPerSecond: number;
  /** A tip later than this after the local tip time is stale (TIP_VALIDITY_MINUTES). */
  validityMinutes: number;
}

/** Seconds after the local tip time of the slot for a message queued behind `segmentsBefore` segments. */
export function slotOffsetSeconds(segmentsBefore: number, segmentsPerSecond: number): number {
  const perSlot = segmentsPerSecond * SLOT_SECONDS;
  return Math.floor(segmentsBefore / perSlot) * SLOT_SECONDS;
}

/** The tip's window in seconds: validity minutes, capped at Twilio's maximum. */
export function windowSeconds(validityMinutes: number): number {
  return Math.min(Math.max(1, Math.round(validityMinutes * 60)), MAX_VALIDITY_SECONDS);
}

/** ValidityPeriod of a tip sent `offsetSeconds` into the window, or undefined when nothing is left of it. */
export function validityFor(offsetSeconds: number, validityMinutes: number): number | undefined {
  const left = windowSeconds(validityMinutes) - offsetSeconds;
  return left >= 1 ? left : undefined;
}

/** Segments one subscriber's tip costs: SMS as carriers count it, WhatsApp one message. */
export function tipSegments(tip: Tip, language: Language, channel: 'sms' | 'whatsapp', stop?: string | null): number {
  return channel === 'whatsapp' ? 1 : Math.max(1, countSegments(tipMessage(tip, language, stop)).segments);
}

export interface ForecastInput {
  /** Active subscribers (all languages). */
  active: number;
  /** Active subscribers whose language is known; the rest count at the larger tip. */
  activeByLanguage: Partial<Record<Language, number>>;
  tip: Tip;
  /** The stop phrase the day's tip carries, per language (undefined: the plain footer). */
  stop?: Partial<Record<Language, string | null>>;
  throughput: Throughput;
  /** Local tip time, 'HH:MM'. */
  localTime: string;
}

export interface TipForecast {
  tipId: string;
  activeSubscribers: number;
  segmentsPerTip: Record<Language, number>;
  totalSegments: number;
  segmentsPerSecond: number;
  /** Seconds the sender needs to send them all. */
  drainSeconds: number;
  /** Local time the last tip leaves the queue ('HH:MM', '+1d' when past midnight). */
  latestLocalArrival: string;
  validityMinutes: number;
  withinValidity: boolean;
  /** Minutes the drain runs past the validity window (0 when it fits). */
  overrunMinutes: number;
  /** Segments per second that would fit the whole day inside the validity window. */
  neededSegmentsPerSecond: number;
  warning: string | null;
}

function addMinutes(localTime: string, minutes: number): string {
  const [hh, mm] = localTime.split(':').map(Number) as [number, number];
  const total = hh * 60 + mm + minutes;
  const days = Math.floor(total / 1440);
  const inDay = total - days * 1440;
  const clock = `${String(Math.floor(inDay / 60)).padStart(2, '0')}:${String(inDay % 60).padStart(2, '0')}`;
  return days > 0 ? `${clock} +${days}d` : clock;
}

/**
 * Tomorrow's tip in figures: all active subscribers in one window at one sender rate (a
 * subscriber in another zone only makes the real window shorter: this is the upper bound).
 */
export function forecastTip(input: ForecastInput): TipForecast {
  const { throughput, tip } = input;
  const segmentsPerTip = {
    en: tipSegments(tip, 'en', 'sms', input.stop?.en),
    ne: tipSegments(tip, 'ne', 'sms', input.stop?.ne),
  };
  const en = Math.max(0, input.activeByLanguage.en ?? 0);
  const ne = Math.max(0, input.activeByLanguage.ne ?? 0);
  const unknown = Math.max(0, input.active - en - ne);
  const totalSegments =
    en * segmentsPerTip.en + ne * segmentsPerTip.ne + unknown * Math.max(segmentsPerTip.en, segmentsPerTip.ne);
  const drainSeconds = Math.ceil(totalSegments / throughput.segmentsPerSecond);
  const window = windowSeconds(throughput.validityMinutes);
  const withinValidity = drainSeconds <= window;
  const overrunMinutes = withinValidity ? 0 : Math.ceil((drainSeconds - window) / 60);
  const neededSegmentsPerSecond = Math.ceil(totalSegments / window);
  const latestLocalArrival = addMinutes(input.localTime, Math.ceil(drainSeconds / 60));
  return {
    tipId: tip.id,
    activeSubscribers: Math.max(0, input.active),
    segmentsPerTip,
    totalSegments,
    segmentsPerSecond: throughput.segmentsPerSecond,
    drainSeconds,
    latestLocalArrival,
    validityMinutes: throughput.validityMinutes,
    withinValidity,
    overrunMinutes,
    neededSegmentsPerSecond,
    warning: withinValidity
      ? null
      : `the tip needs ${Math.ceil(drainSeconds / 60)} min at ${throughput.segmentsPerSecond} segments/s, ` +
        `${overrunMinutes} min more than TIP_VALIDITY_MINUTES (${throughput.validityMinutes}): ` +
        `tips after ${addMinutes(input.localTime, Math.floor(window / 60))} would be dropped; ` +
        `${neededSegmentsPerSecond} segments/s would fit`,
  };
}

/** Welcomes per minute a sender of this rate carries, at the welcome's segment count. */
export function welcomesPerMinuteFor(segmentsPerSecond: number, welcomeSegments: number): number {
  return Math.max(1, Math.floor((segmentsPerSecond * 60) / Math.max(1, welcomeSegments)));
}

/** The most segments a welcome SMS takes (either language, with the longest name the welcome shows). */
export function welcomeSegments(): number {
  const longestName = 'M'.repeat(30);
  // The longest way to say "stop": the keyword and a personal link of the unsubscribe route's length.
  const way = { canReply: true, link: `https://aamcare.example/u?t=${'x'.repeat(26)}` };
  return Math.max(
    ...(['en', 'ne'] as const).map(
      (language) =>
        countSegments(welcomeBody(language, longestName, stopInstruction(language, way)!, { canReply: true })).segments,
    ),
  );
}
