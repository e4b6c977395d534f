/**
 * What the tip cycle costs in SMS segments: per tip and language for each way a body can look
 * (who can reply, whether the day carries the weekly link), per cycle, and per subscriber per
 * month. `npm run tips:report` prints it; content-check.ts enforces the per-message budget.
 */
import { LANGUAGES } from './content';
import { BUDGET_LINK_LENGTH, budgetLink } from './content-check';
import { MESSAGES, type Messages } from './messages';
import { countSegments, type SegmentCount } from './segments';
import type { Language } from './subscriber';
import { tipSmsBody, type Tip } from './tips';

/** Days in an average month (365.25 / 12). */
export const DAYS_PER_MONTH = 365.25 / 12;
/** The weekly link comes every 7th day (tipCarriesLink). */
const LINK_EVERY_DAYS = 7;

export type Audience = 'one-way' | 'two-way';

export interface TipCostRow {
  id: string;
  topic: string;
  /** Per language: the body on a day without the link and on the link day, for each audience. */
  segments: Record<Language, Record<Audience, { plain: SegmentCount; withLink: SegmentCount }>>;
}

export interface TipCostReport {
  linkLength: number;
  rows: TipCostRow[];
  /** Per language and audience. */
  summary: Record<
    Language,
    Record<
      Audience,
      {
        /** Segments of one pass through the cycle, no link on any day. */
        perCycle: number;
        /** Segments a subscriber gets in an average month (the link once a week). */
        perMonth: number;
        maxSegments: number;
        /** How many tips take 1, 2, 3... segments on a plain day. */
        bySegments: Record<number, number>;
      }
    >
  >;
}

export function tipCostReport(
  tips: readonly Tip[],
  options: { linkLength?: number; messages?: Messages } = {},
): TipCostReport {
  const linkLength = options.linkLength ?? BUDGET_LINK_LENGTH;
  const messages = options.messages ?? MESSAGES;
  const link = budgetLink(linkLength);
  const rows: TipCostRow[] = tips.map((tip) => {
    const perLanguage = (language: Language) => {
      const of = (canReply: boolean) => ({
        plain: countSegments(tipSmsBody(tip, language, { canReply }, messages)),
        withLink: countSegments(tipSmsBody(tip, language, { canReply, link }, messages)),
      });
      return { 'one-way': of(false), 'two-way': of(true) };
    };
    return { id: tip.id, topic: tip.topic, segments: { en: perLanguage('en'), ne: perLanguage('ne') } };
  });
  // Over 7N days (a multiple of lcm(N, 7)) every tip meets the link day equally often, whatever the start date.
  const period = tips.length * LINK_EVERY_DAYS;
  const summarize = (language: Language, audience: Audience) => {
    const plain = rows.map((row) => row.segments[language][audience].plain.segments);
    const withLink = rows.map((row) => row.segments[language][audience].withLink.segments);
    let total = 0;
    for (let day = 0; day < period; day++) {
      const index = day % rows.length;
      total += day % LINK_EVERY_DAYS === 0 ? withLink[index]! : plain[index]!;
    }
    const bySegments: Record<number, number> = {};
    for (const n of plain) bySegments[n] = (bySegments[n] ?? 0) + 1;
    return {
      perCycle: plain.reduce((sum, n) => sum + n, 0),
      perMonth: rows.length === 0 ? 0 : Math.round((total / period) * DAYS_PER_MONTH * 10) / 10,
      maxSegments: Math.max(0, ...plain, ...withLink),
      bySegments,
    };
  };
  const summary = Object.fromEntries(
    LANGUAGES.map((language) => [
      language,
      { 'one-way': summarize(language, 'one-way'), 'two-way': summarize(language, 'two-way') },
    ]),
  ) as TipCostReport['summary'];
  return { linkLength, rows, summary };
}
