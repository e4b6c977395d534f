/** Parsing of a GET /admin/events query: kind filter, page size and the cursor of the page. */
import { EVENT_KINDS, type EventKind } from './event-words';
import { parseInteger, refuse, scalarText, type Parsed } from './form-values';

export interface EventsQuery {
  kind?: EventKind;
  limit: number;
  before?: string;
}

export const MAX_EVENTS_LIMIT = 50;
const DEFAULT_LIMIT = 20;
/** A cursor is an event key: `<ISO time>_<base-36 random>`. */
const CURSOR = /^\d{4}-\d\d-\d\dT[\d:.]+Z_[0-9a-z]{1,12}$/;

export function parseEventsQuery(params: Record<string, unknown>): Parsed<EventsQuery> {
  const kind = params.kind === undefined ? '' : scalarText(params.kind);
  if (kind === undefined || (kind !== '' && kind !== 'all' && !(EVENT_KINDS as readonly string[]).includes(kind)))
    return refuse('invalid_kind', `kind must be one of ${EVENT_KINDS.join(', ')} (or all)`, { field: 'kind' });
  const limit = parseInteger(params.limit, DEFAULT_LIMIT);
  if (limit === undefined || limit < 1 || limit > MAX_EVENTS_LIMIT)
    return refuse('invalid_limit', `limit must be a whole number from 1 to ${MAX_EVENTS_LIMIT}`, { field: 'limit' });
  const before = params.before === undefined ? '' : scalarText(params.before);
  if (before === undefined || (before !== '' && !CURSOR.test(before)))
    return refuse('invalid_cursor', 'before must be the `next` of a previous page', { field: 'before' });
  return {
    ok: true,
    value: {
      limit,
      ...(kind && kind !== 'all' ? { kind: kind as EventKind } : {}),
      ...(before ? { before } : {}),
    },
  };
}
