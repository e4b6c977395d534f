/**
 * Stage-based programmes as data (src/assets/programmes.private.json): a message set is keyed
 * to an anchor date (the expected delivery date `edd`, or the baby's date of birth
 * `baby_dob`), its messages sit at a week and a day counted from that anchor, and each stage
 * of the set says on which days of the week a message goes (its cadence). This module holds
 * the file's schema and the pure rules: where a subscriber stands on a local date, and which
 * message (if any) is due. content-check.ts holds the editorial rules; docs/programmes.md is
 * the guide for the health team and the portal developer.
 */
import { ContentFormatError, entryOf, entryShapeProblems, isRecord, unknownFields, type ContentEntry } from './content';
import { addDays, dayNumber, isLocalDate } from './tip-time';

export const ANCHORS = ['edd', 'baby_dob'] as const;
export type Anchor = (typeof ANCHORS)[number];

export interface Stage {
  id: string;
  /** First and last week of the stage (inclusive), in the set's week numbering. */
  from_week: number;
  to_week: number;
  /** Days of the week a message goes, 0-6 counted from the anchor's own weekday. */
  days: number[];
}

export interface ProgrammeSet {
  id: string;
  anchor: Anchor;
  /**
   * The week number the anchor date starts: 40 for `edd` (the due date is 40 weeks 0 days of
   * pregnancy), 0 for `baby_dob` (the birth date is day 0 of week 0).
   */
  anchor_week: number;
  stages: Stage[];
  note: string;
}

export interface ProgrammeMessage extends ContentEntry {
  id: string;
  set: string;
  week: number;
  /** 0-6: days after the start of the week (the anchor's weekday). */
  day: number;
  source: string;
}

export interface Programmes {
  sets: ProgrammeSet[];
  messages: ProgrammeMessage[];
}

/** No programme: everyone gets the general daily tip. */
export const NO_PROGRAMMES: Programmes = { sets: [], messages: [] };

/** A pregnancy set moves on to the baby set this many days after the EDD when no birth date came. */
export const EDD_GRACE_DAYS = 14;
/** The longest a pregnancy lasts from its first day to the EDD, as /register accepts it (42 weeks). */
export const EDD_MAX_AHEAD_DAYS = 42 * 7;

const ID_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
const isWhole = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** Structural problems of a programmes file (the editorial ones are content-check.ts's). */
export function programmesShapeProblems(json: unknown): string[] {
  if (!isRecord(json) || !Array.isArray(json.sets) || !Array.isArray(json.messages))
    return ['the file must be a JSON object { "sets": [...], "messages": [...] }'];
  const extraTop = Object.keys(json).filter((key) => key !== 'sets' && key !== 'messages');
  const problems: string[] = extraTop.length > 0 ? [`programmes: unknown fields: ${extraTop.join(', ')}`] : [];
  const sets = new Map<string, Record<string, unknown>>();
  json.sets.forEach((set: unknown, index) => {
    if (!isRecord(set)) {
      problems.push(`set[${index}] must be an object { id, anchor, anchor_week, stages, note }`);
      return;
    }
    const where = typeof set.id === 'string' ? `set ${set.id}` : `set[${index}]`;
    if (typeof set.id !== 'string' || !ID_PATTERN.test(set.id)) problems.push(`${where}: id must match ${ID_PATTERN}`);
    else if (sets.has(set.id)) problems.push(`${where}: duplicate id`);
    else sets.set(set.id, set);
    if (!(ANCHORS as readonly unknown[]).includes(set.anchor))
      problems.push(`${where}: anchor must be one of ${ANCHORS.join(', ')}`);
    if (!isWhole(set.anchor_week) || set.anchor_week < 0 || set.anchor_week > 60)
      problems.push(`${where}: anchor_week must be a whole number from 0 to 60`);
    if (typeof set.note !== 'string') problems.push(`${where}: note must be a string (may be empty)`);
    if (!Array.isArray(set.stages) || set.stages.length === 0) {
      problems.push(`${where}: stages must be a non-empty array`);
    } else {
      const stageIds = new Set<string>();
      set.stages.forEach((stage: unknown, s) => {
        const at = `${where} stage[${s}]`;
        if (!isRecord(stage)) {
          problems.push(`${at} must be an object { id, from_week, to_week, days }`);
          return;
        }
        if (typeof stage.id !== 'string' || !ID_PATTERN.test(stage.id))
          problems.push(`${at}: id must match ${ID_PATTERN}`);
        else if (stageIds.has(stage.id)) problems.push(`${at}: duplicate stage id ${stage.id}`);
        else stageIds.add(stage.id);
        if (
          !isWhole(stage.from_week) ||
          !isWhole(stage.to_week) ||
          stage.from_week > stage.to_week ||
          stage.from_week < 0
        )
          problems.push(`${at}: from_week and to_week must be whole numbers, from_week <= to_week`);
        if (
          !Array.isArray(stage.days) ||
          stage.days.length === 0 ||
          !stage.days.every((d) => isWhole(d) && d >= 0 && d <= 6) ||
          new Set(stage.days).size !== stage.days.length
        )
          problems.push(`${at}: days must be distinct whole numbers 0-6 (days after the anchor's weekday)`);
        const extra = Object.keys(stage).filter((key) => !['id', 'from_week', 'to_week', 'days'].includes(key));
        if (extra.length > 0) problems.push(`${at}: unknown fields: ${extra.join(', ')}`);
      });
    }
    const extra = Object.keys(set).filter((key) => !['id', 'anchor', 'anchor_week', 'stages', 'note'].includes(key));
    if (extra.length > 0) problems.push(`${where}: unknown fields: ${extra.join(', ')}`);
  });
  const ids = new Set<string>();
  json.messages.forEach((entry: unknown, index) => {
    if (!isRecord(entry)) {
      problems.push(
        `programme message[${index}] must be an object { id, set, week, day, en, ne, source, note, reviewed_by, reviewed_on }`,
      );
      return;
    }
    const where = typeof entry.id === 'string' ? `programme message ${entry.id}` : `programme message[${index}]`;
    if (typeof entry.id !== 'string' || !ID_PATTERN.test(entry.id))
      problems.push(`${where}: id must match ${ID_PATTERN}`);
    else if (ids.has(entry.id)) problems.push(`${where}: duplicate id`);
    else ids.add(entry.id);
    if (typeof entry.set !== 'string' || !sets.has(entry.set))
      problems.push(`${where}: set must be one of ${[...sets.keys()].join(', ') || '(no sets)'}`);
    if (!isWhole(entry.week) || entry.week < 0 || entry.week > 60)
      problems.push(`${where}: week must be a whole number from 0 to 60`);
    if (!isWhole(entry.day) || entry.day < 0 || entry.day > 6)
      problems.push(`${where}: day must be a whole number from 0 to 6`);
    if (typeof entry.source !== 'string') problems.push(`${where}: source must be a string`);
    problems.push(...entryShapeProblems(where, entry));
    const extra = unknownFields(entry, ['id', 'set', 'week', 'day', 'source']);
    if (extra.length > 0) problems.push(`${where}: unknown fields: ${extra.join(', ')}`);
  });
  return problems;
}

/** A programme message with its fields in the file's order. */
export function programmeMessageOf(
  fields: Pick<ProgrammeMessage, 'id' | 'set' | 'week' | 'day' | 'source'>,
  entry: ContentEntry,
): ProgrammeMessage {
  const { en, ne, note, reviewed_by, reviewed_on, reviewed_fingerprint } = entry;
  return {
    id: fields.id,
    set: fields.set,
    week: fields.week,
    day: fields.day,
    en,
    ne,
    source: fields.source,
    note,
    reviewed_by,
    reviewed_on,
    ...(reviewed_fingerprint !== undefined ? { reviewed_fingerprint } : {}),
  };
}

/** Checks the file's structure and returns it typed; throws ContentFormatError listing every problem. */
export function parseProgrammes(json: unknown, file = 'programmes file'): Programmes {
  const problems = programmesShapeProblems(json);
  if (problems.length > 0) throw new ContentFormatError(file, problems);
  const record = json as { sets: ProgrammeSet[]; messages: Array<Record<string, unknown>> };
  return {
    sets: record.sets.map((set) => ({
      id: set.id,
      anchor: set.anchor,
      anchor_week: set.anchor_week,
      stages: set.stages.map((s) => ({ id: s.id, from_week: s.from_week, to_week: s.to_week, days: [...s.days] })),
      note: set.note,
    })),
    messages: record.messages.map((m) =>
      programmeMessageOf(
        {
          id: m.id as string,
          set: m.set as string,
          week: m.week as number,
          day: m.day as number,
          source: m.source as string,
        },
        entryOf(m),
      ),
    ),
  };
}

/** The first and last week a set covers (its stages' span). */
export function setSpan(set: ProgrammeSet): { first: number; last: number } {
  return {
    first: Math.min(...set.stages.map((s) => s.from_week)),
    last: Math.max(...set.stages.map((s) => s.to_week)),
  };
}

/** Week and day (0-6) of `localDate` in a set keyed to `anchorDate`. */
export function weekAndDay(set: Pick<ProgrammeSet, 'anchor_week'>, anchorDate: string, localDate: string) {
  const offset = dayNumber(localDate) - dayNumber(anchorDate) + set.anchor_week * 7;
  const week = Math.floor(offset / 7);
  return { week, day: offset - week * 7 };
}

/** The local date of a set's week and day for an anchor date. */
export function dateOf(set: Pick<ProgrammeSet, 'anchor_week'>, anchorDate: string, week: number, day: number): string {
  return addDays(anchorDate, (week - set.anchor_week) * 7 + day);
}

export function stageOf(set: ProgrammeSet, week: number): Stage | undefined {
  return set.stages.find((stage) => week >= stage.from_week && week <= stage.to_week);
}

/** What a subscriber's record says about the programme: its anchor dates (ISO, Gregorian). */
export interface AnchorDates {
  edd?: string;
  babyDob?: string;
}

export type Placement =
  /** No anchor date, no set for it, or the set not started or already over: the general daily tip. */
  /** `loss`: a pregnancy or baby loss was reported; no stage message ever follows it. */
  | { kind: 'general'; reason: 'no_anchor' | 'no_set' | 'not_started' | 'completed' | 'loss' }
  | {
      kind: 'set';
      set: ProgrammeSet;
      anchorDate: string;
      week: number;
      day: number;
      stage: Stage;
      /** The baby set keyed to the EDD because the EDD passed by 2 weeks with no birth date. */
      estimated: boolean;
    };

function placeIn(set: ProgrammeSet | undefined, anchorDate: string, localDate: string, estimated: boolean): Placement {
  if (!set) return { kind: 'general', reason: 'no_set' };
  const { week, day } = weekAndDay(set, anchorDate, localDate);
  const span = setSpan(set);
  if (week < span.first) return { kind: 'general', reason: 'not_started' };
  if (week > span.last) return { kind: 'general', reason: 'completed' };
  const stage = stageOf(set, week);
  // A week between two stages (a gap in the file): no message that week, still in the set.
  return stage
    ? { kind: 'set', set, anchorDate, week, day, stage, estimated }
    : {
        kind: 'set',
        set,
        anchorDate,
        week,
        day,
        stage: { id: '-', from_week: week, to_week: week, days: [] },
        estimated,
      };
}

/**
 * Where a subscriber stands on a local date: the baby set from the birth date; the pregnancy
 * set from the EDD until the EDD has passed by EDD_GRACE_DAYS, then the baby set keyed to the
 * EDD (an estimate until the portal or she gives the birth date); the general tip otherwise.
 */
export function placementOn(programmes: Programmes, dates: AnchorDates, localDate: string): Placement {
  const setFor = (anchor: Anchor) => programmes.sets.find((set) => set.anchor === anchor);
  if (dates.babyDob && isLocalDate(dates.babyDob) && localDate >= dates.babyDob)
    return placeIn(setFor('baby_dob'), dates.babyDob, localDate, false);
  if (dates.edd && isLocalDate(dates.edd)) {
    if (localDate < addDays(dates.edd, EDD_GRACE_DAYS)) return placeIn(setFor('edd'), dates.edd, localDate, false);
    return placeIn(setFor('baby_dob'), dates.edd, localDate, true);
  }
  return { kind: 'general', reason: 'no_anchor' };
}

/** True on the days the placement's stage has a message slot (its cadence). */
export function cadenceDay(placement: Placement): boolean {
  return placement.kind === 'set' && placement.stage.days.includes(placement.day);
}

/** The message the set holds for the placement's week and day, when the cadence has that day. */
export function dueMessage(programmes: Programmes, placement: Placement): ProgrammeMessage | undefined {
  if (placement.kind !== 'set' || !cadenceDay(placement)) return undefined;
  return programmes.messages.find(
    (m) => m.set === placement.set.id && m.week === placement.week && m.day === placement.day,
  );
}

/** A short label for counters and the dashboard: `general`, or `<set>/<stage>`. */
export function placementLabel(placement: Placement): string {
  return placement.kind === 'general' ? 'general' : `${placement.set.id}/${placement.stage.id}`;
}

/** Messages a week per stage of each set (the dashboard's cadence table). */
export function cadenceTable(programmes: Programmes): Array<{
  set: string;
  anchor: Anchor;
  stage: string;
  fromWeek: number;
  toWeek: number;
  perWeek: number;
  messages: number;
}> {
  return programmes.sets.flatMap((set) =>
    set.stages.map((stage) => ({
      set: set.id,
      anchor: set.anchor,
      stage: stage.id,
      fromWeek: stage.from_week,
      toWeek: stage.to_week,
      perWeek: stage.days.length,
      messages: programmes.messages.filter(
        (m) => m.set === set.id && m.week >= stage.from_week && m.week <= stage.to_week,
      ).length,
    })),
  );
}
