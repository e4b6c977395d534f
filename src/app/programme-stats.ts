/**
 * The dashboard's programme panel: where subscribers stand (general tip, or a set and stage),
 * the messages due on the next tip date by set, as the daily run counted them when it
 * scheduled that date (tips.ts writes one census per run), and each set's cadence per week
 * from the programmes file.
 */
import { cadenceTable, type Programmes } from '../core/programmes';
import type { KeyValueStore } from './ports';
import { CENSUS_MAP, type ProgrammeCensus } from './tips';

export interface ProgrammeStats {
  /** The date the census is for (the next tip date). */
  date: string;
  /** The daily run's count for that date; null until a run has scheduled it. */
  census: ProgrammeCensus | null;
  cadence: ReturnType<typeof cadenceTable>;
}

export async function readProgrammeStats(
  store: Pick<KeyValueStore, 'get'>,
  programmes: Programmes,
  date: string,
): Promise<ProgrammeStats> {
  const item = await store.get<ProgrammeCensus>(CENSUS_MAP, date);
  return { date, census: item?.data ?? null, cadence: cadenceTable(programmes) };
}
