/**
 * The capacity forecast for the next daily tip, from the subscriber gauges (active, and active
 * by language) and the day's tip: what `npm run doctor`, GET /admin/stats and
 * /admin/schedule-tips report before anything is sent (core/tip-plan.ts has the arithmetic).
 */
import { activeMix, GAUGE } from '../core/activity';
import { tipAudience, tipCost, type PriceList, type TipAudience, type TipCost } from '../core/tip-price';
import { forecastTip, type Throughput, type TipForecast } from '../core/tip-plan';
import { stopInstruction } from '../core/stop-instruction';
import { tipCarriesLink, tipForDate, type Tip } from '../core/tips';
import type { ActivityReader } from './activity';

export interface TipForecastInput {
  tips: readonly Tip[];
  /** Local date of the tip, 'YYYY-MM-DD'. */
  date: string;
  throughput: Throughput;
  localTime: string;
  /** A personal unsubscribe link of the real length (tips carry one some days). */
  sampleLink?: string;
  /** Prices: with them the answer has the day's estimated cost. */
  pricing?: TipPricing;
}

export interface TipPricing {
  sms?: PriceList;
  whatsapp?: PriceList;
  currency: string;
  /** Where subscribers the gauges do not break down are assumed to be (DEFAULT_COUNTRY). */
  defaultCountry: string;
}

export async function readTipForecast(
  reader: Pick<ActivityReader, 'gauges'>,
  input: TipForecastInput,
): Promise<TipForecast & { date: string; audience: TipAudience; cost?: TipCost }> {
  const gauges = await reader.gauges();
  const linkToday = tipCarriesLink(input.date) ? input.sampleLink : undefined;
  const active = gauges[GAUGE.active] ?? 0;
  const activeByLanguage = { en: gauges[GAUGE.activeIn('en')] ?? 0, ne: gauges[GAUGE.activeIn('ne')] ?? 0 };
  const forecast = forecastTip({
    active,
    activeByLanguage,
    tip: tipForDate(input.tips, input.date),
    // Sized for the default subscriber: SMS to Nepal, one-way, so the link alone says how to stop.
    stop: {
      en: stopInstruction('en', { canReply: false, link: linkToday }) ?? null,
      ne: stopInstruction('ne', { canReply: false, link: linkToday }) ?? null,
    },
    throughput: input.throughput,
    localTime: input.localTime,
  });
  const costInput = {
    active,
    activeByLanguage,
    mix: activeMix(gauges),
    segmentsPerTip: forecast.segmentsPerTip,
    smsPrices: input.pricing?.sms,
    whatsappPrices: input.pricing?.whatsapp,
    currency: input.pricing?.currency ?? 'USD',
    defaultCountry: input.pricing?.defaultCountry ?? 'NP',
  };
  return {
    date: input.date,
    ...forecast,
    audience: tipAudience(costInput),
    ...(input.pricing ? { cost: tipCost(costInput) } : {}),
  };
}
