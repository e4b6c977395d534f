/**
 * Tomorrow's tip for the admin: who gets it (active subscribers by language, channel and
 * country, from the gauges) and what it costs (SMS segments x the price per segment of the
 * subscriber's country; WhatsApp messages x the price per message). Prices are settings
 * (SMS_PRICE_PER_SEGMENT, WHATSAPP_PRICE_PER_MESSAGE: "NP=0.1055,US=0.0083,*=0.05").
 */
import type { MixCell } from './activity';
import type { Language } from './subscriber';

export interface PriceList {
  byCountry: Record<string, number>;
  /** The `*` entry: any country not listed. */
  fallback?: number;
}

export const PRICE_LIST_PATTERN = /^([A-Z]{2}|\*)=\d+(\.\d+)?(,([A-Z]{2}|\*)=\d+(\.\d+)?)*$/;

/** "NP=0.1055,US=0.0083,*=0.05" -> prices; undefined when unset or malformed. */
export function parsePriceList(text: string | undefined): PriceList | undefined {
  const value = text?.replace(/\s+/g, '');
  if (!value || !PRICE_LIST_PATTERN.test(value)) return undefined;
  const list: PriceList = { byCountry: {} };
  for (const entry of value.split(',')) {
    const [country, price] = entry.split('=') as [string, string];
    if (country === '*') list.fallback = Number(price);
    else list.byCountry[country] = Number(price);
  }
  return list;
}

export function priceFor(list: PriceList | undefined, country: string): number | undefined {
  return list?.byCountry[country] ?? list?.fallback;
}

export interface TipAudience {
  active: number;
  byLanguage: { en: number; ne: number; unknown: number };
  byChannel: { sms: number; whatsapp: number; unknown: number };
  /** Country -> active subscribers; `unknown` for those the mix gauges do not break down. */
  byCountry: Record<string, number>;
}

export interface CostRow {
  channel: 'sms' | 'whatsapp';
  country: string;
  subscribers: number;
  /** SMS segments, or WhatsApp messages. */
  units: number;
  unitPrice: number | null;
  cost: number | null;
  /** Subscribers whose channel and country the gauges do not know: priced as SMS to DEFAULT_COUNTRY at the longer tip. */
  assumed?: boolean;
}

export interface TipCost {
  currency: string;
  /** Sum of the priced rows; null when no price is configured at all. */
  total: number | null;
  /** False when some row has no price (see unpriced). */
  complete: boolean;
  rows: CostRow[];
  /** "sms:US", "whatsapp:NP": rows without a price. */
  unpriced: string[];
}

export interface TipCostInput {
  active: number;
  /** Active subscribers by language (the language gauges). */
  activeByLanguage: Partial<Record<Language, number>>;
  mix: MixCell[];
  /** SMS segments of the day's tip per language. */
  segmentsPerTip: Record<Language, number>;
  smsPrices?: PriceList;
  whatsappPrices?: PriceList;
  currency: string;
  defaultCountry: string;
}

const positive = (n: number) => Math.max(0, n);

export function tipAudience(input: TipCostInput): TipAudience {
  const active = positive(input.active);
  const en = positive(input.activeByLanguage.en ?? 0);
  const ne = positive(input.activeByLanguage.ne ?? 0);
  const byChannel = { sms: 0, whatsapp: 0, unknown: 0 };
  const byCountry: Record<string, number> = {};
  for (const cell of input.mix) {
    if (cell.channel === 'sms' || cell.channel === 'whatsapp') byChannel[cell.channel] += cell.count;
    byCountry[cell.country] = (byCountry[cell.country] ?? 0) + cell.count;
  }
  const unknown = unbrokenDown(input);
  byChannel.unknown = unknown;
  if (unknown > 0) byCountry.unknown = unknown;
  return { active, byLanguage: { en, ne, unknown: positive(active - en - ne) }, byChannel, byCountry };
}

/** Active subscribers the mix gauges do not cover (registered before them). */
function unbrokenDown(input: TipCostInput): number {
  return positive(positive(input.active) - input.mix.reduce((sum, cell) => sum + cell.count, 0));
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

export function tipCost(input: TipCostInput): TipCost {
  const longest = Math.max(input.segmentsPerTip.en, input.segmentsPerTip.ne);
  const rows = new Map<string, CostRow>();
  const add = (channel: 'sms' | 'whatsapp', country: string, subscribers: number, units: number, assumed = false) => {
    const key = `${channel}:${country}${assumed ? ':assumed' : ''}`;
    const row = rows.get(key) ?? { channel, country, subscribers: 0, units: 0, unitPrice: null, cost: null };
    row.subscribers += subscribers;
    row.units += units;
    if (assumed) row.assumed = true;
    rows.set(key, row);
  };
  for (const cell of input.mix) {
    if (cell.channel === 'whatsapp') add('whatsapp', cell.country, cell.count, cell.count);
    else
      add('sms', cell.country, cell.count, cell.count * (input.segmentsPerTip[cell.language as Language] ?? longest));
  }
  const unknown = unbrokenDown(input);
  if (unknown > 0) add('sms', input.defaultCountry, unknown, unknown * longest, true);

  const unpriced: string[] = [];
  let total = 0;
  for (const row of rows.values()) {
    const price = priceFor(row.channel === 'sms' ? input.smsPrices : input.whatsappPrices, row.country);
    if (price === undefined) {
      unpriced.push(`${row.channel}:${row.country}`);
      continue;
    }
    row.unitPrice = price;
    row.cost = round(row.units * price);
    total += row.cost;
  }
  const anyPrice = input.smsPrices !== undefined || input.whatsappPrices !== undefined;
  return {
    currency: input.currency,
    total: anyPrice ? round(total) : null,
    complete: unpriced.length === 0,
    rows: [...rows.values()].sort((a, b) => b.subscribers - a.subscribers),
    unpriced: [...new Set(unpriced)],
  };
}
