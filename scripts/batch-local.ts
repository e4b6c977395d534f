/**
 * What the batch CLI keeps on disk between invocations, under --state-dir (default
 * .batch-runs/): `<runId>.json` (where the run stands, never the token) and
 * `<runId>.results.jsonl` (one row per user, with its row index in the run), and the report
 * written from them. Rows are keyed by index, so a row written twice (a resumed run, a
 * gap filled from the service) is still reported once.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BatchResult } from '../src/core/batch';

/** Where a run stands, as this machine last saw it. */
export interface LocalRun {
  runId: string;
  dryRun: boolean;
  url: string;
  next: string | null;
  done: boolean;
  total: number | null;
  processed: number;
  counts: Record<string, number>;
  /** ISO time of the last save. */
  savedAt?: string;
}

export type Row = BatchResult & { i: number };

export class LocalRuns {
  constructor(readonly dir: string) {}

  stateFile(runId: string): string {
    return join(this.dir, `${runId}.json`);
  }

  resultsFile(runId: string): string {
    return join(this.dir, `${runId}.results.jsonl`);
  }

  load(runId: string): LocalRun | undefined {
    const file = this.stateFile(runId);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LocalRun) : undefined;
  }

  save(run: LocalRun): void {
    writeFileSync(this.stateFile(run.runId), JSON.stringify({ ...run, savedAt: new Date().toISOString() }, null, 2));
  }

  /** Runs saved here that are not done, newest first. */
  unfinished(): LocalRun[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => {
        try {
          const run = JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as LocalRun;
          return typeof run.runId === 'string' && !run.done ? [run] : [];
        } catch {
          return [];
        }
      })
      .sort((a, b) => (b.savedAt ?? '').localeCompare(a.savedAt ?? ''));
  }

  append(runId: string, from: number, results: readonly BatchResult[]): void {
    if (results.length === 0) return;
    appendFileSync(
      this.resultsFile(runId),
      results.map((r, k) => JSON.stringify({ i: from + k, ...r })).join('\n') + '\n',
    );
  }

  /** Every saved row once, by index (the last write of an index wins); a torn last line is skipped. */
  rows(runId: string): Row[] {
    const file = this.resultsFile(runId);
    if (!existsSync(file)) return [];
    const byIndex = new Map<number, Row>();
    let sequential = 0;
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      let row: Partial<Row>;
      try {
        row = JSON.parse(line) as Partial<Row>;
      } catch {
        continue; // a line cut short by a crash; the service still has it (see fill in batch.ts)
      }
      // Rows of the earlier format carry no index: they were written in order.
      const i = typeof row.i === 'number' ? row.i : sequential;
      sequential = i + 1;
      byIndex.set(i, { ...(row as Row), i });
    }
    return [...byIndex.values()].sort((a, b) => a.i - b.i);
  }

  /** How many rows from index 0 on are saved without a gap: the index to fill from. */
  contiguous(runId: string): number {
    let n = 0;
    for (const row of this.rows(runId)) {
      if (row.i !== n) break;
      n++;
    }
    return n;
  }
}

function csvField(value: string | null): string {
  const text = value ?? '';
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The report: CSV `userId,masked,outcome,reason,holder` or JSON with the run's totals. Returns the rows written. */
export function writeReport(path: string, run: LocalRun, rows: readonly Row[]): number {
  const results = rows.map(({ i: _i, ...r }) => r);
  if (/\.json$/i.test(path)) {
    const { runId, dryRun, done, total, processed, counts } = run;
    writeFileSync(path, JSON.stringify({ runId, dryRun, done, total, processed, counts, results }, null, 2) + '\n');
  } else {
    const lines = results.map((r) =>
      [r.userId, r.masked, r.outcome, r.reason, r.holder ?? null].map(csvField).join(','),
    );
    writeFileSync(path, ['userId,masked,outcome,reason,holder', ...lines].join('\n') + '\n');
  }
  return results.length;
}

/** HH:MM in this machine's time zone. */
export function clockTime(iso: string): string {
  const at = new Date(iso);
  return `${String(at.getHours()).padStart(2, '0')}:${String(at.getMinutes()).padStart(2, '0')}`;
}

/** The line every client prints while the welcome rate holds the run. */
export function waitingLine(waiting: { welcomesPerMinute: number; left: number; estimatedDoneAt: string }): string {
  return `waiting for the welcome rate (${waiting.welcomesPerMinute}/min), ${waiting.left} left, done at about ${clockTime(waiting.estimatedDoneAt)}`;
}
