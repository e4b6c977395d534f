/**
 * Recent events for the dashboard, in words, filterable by kind and paged (GET /admin/events).
 * Events carry masked numbers only; they expire after a week (activity.ts).
 */
import { eventKind, eventText } from '../core/event-words';
import type { EventsQuery } from '../core/events-input';
import type { ActivityReader } from './activity';

export async function readEvents(reader: Pick<ActivityReader, 'eventsPage'>, query: EventsQuery) {
  const page = await reader.eventsPage({
    limit: query.limit,
    ...(query.before ? { before: query.before } : {}),
    ...(query.kind ? { match: (event) => eventKind(event.event) === query.kind } : {}),
  });
  return {
    events: page.events.map(({ key: _key, ...event }) => ({
      time: event.time,
      kind: eventKind(event.event),
      event: event.event,
      masked: event.masked ?? null,
      detail: event.detail ?? null,
      text: eventText(event),
    })),
    next: page.next,
  };
}
