/**
 * Recent events in words for the dashboard ("+977******278 replied STOP (SMS keyword)") and
 * the kinds an admin filters them by. Events only ever carry masked numbers (see activity.ts).
 */
import type { ActivityEvent } from './activity';
import { describeTwilioError } from './twilio-errors';

export const EVENT_KINDS = ['registration', 'opt_out', 'opt_in', 'delivery'] as const;
export type EventKind = (typeof EVENT_KINDS)[number] | 'other';

const KIND_OF: Record<string, EventKind> = {
  'registration.created': 'registration',
  'registration.rejected': 'registration',
  'registration.needs_join': 'registration',
  'consent.opt_out': 'opt_out',
  'subscriber.opt_out': 'opt_out',
  'consent.opt_in': 'opt_in',
  'delivery.failed': 'delivery',
  'subscriber.suppress': 'delivery',
};

export function eventKind(event: string): EventKind {
  return KIND_OF[event] ?? 'other';
}

/** "30003 Unreachable destination handset", or the bare code when the table does not know it. */
export function describeCode(detail: string | undefined): string {
  const code = Number.parseInt(detail ?? '', 10);
  if (!Number.isFinite(code)) return 'an unknown error';
  const info = describeTwilioError(code);
  return info ? `${code} ${info.description}` : String(code);
}

const CHANNEL: Record<string, string> = { sms: 'SMS', whatsapp: 'WhatsApp' };

function keywordChannel(source: string): string | undefined {
  const match = /^(sms|whatsapp)-keyword$/.exec(source);
  return match ? CHANNEL[match[1]!] : undefined;
}

function optOutWords(who: string, source: string): string {
  const channel = keywordChannel(source);
  if (channel) return `${who} replied STOP (${channel} keyword)`;
  if (source === 'link') return `${who} opted out with the unsubscribe link`;
  if (source === 'portal') return `${who} opted out on the portal`;
  if (source === 'admin') return `${who} was opted out by an admin`;
  const twilio = /^twilio-(\d+)$/.exec(source);
  if (twilio) return `${who} was opted out: Twilio error ${describeCode(twilio[1])}`;
  return `${who} opted out${source ? ` (${source})` : ''}`;
}

function optInWords(who: string, source: string): string {
  const channel = keywordChannel(source);
  if (channel) return `${who} replied START (${channel} keyword)`;
  if (source === 'portal') return `${who} opted in again on the portal`;
  if (source === 'portal-signup') return `${who} signed up again on the portal and opted in`;
  if (source === 'batch') return `${who} opted in again (batch registration)`;
  return `${who} opted in again${source ? ` (${source})` : ''}`;
}

function deliveryWords(who: string, detail: string): string {
  const [kind, code] = detail.split(':');
  const what = kind === 'tip' ? 'The tip' : kind === 'welcome' ? 'The welcome' : 'A message';
  if (code === '30036') return `${what} to ${who} expired in the queue (30036, not sent)`;
  return `${what} to ${who} failed: ${code ? describeCode(code) : 'no error code given'}`;
}

/** One sentence for an event (the masked number, never the raw one). */
export function eventText(event: ActivityEvent): string {
  const who = event.masked || 'A subscriber';
  const detail = event.detail ?? '';
  switch (event.event) {
    case 'registration.created':
      return `${who} registered; welcome sent by ${CHANNEL[detail] ?? (detail || 'message')}`;
    case 'registration.rejected':
      return `${who} was refused by Twilio: ${describeCode(detail)}`;
    case 'registration.needs_join':
      return `${who} has not joined the WhatsApp sandbox yet (${detail || '63015'}): the portal shows the join instruction`;
    case 'consent.opt_out':
      return optOutWords(who, detail);
    case 'consent.opt_in':
      return optInWords(who, detail);
    case 'subscriber.opt_out':
      return `${who} was opted out after Twilio error ${describeCode(detail)}`;
    case 'subscriber.suppress':
      return `${who} is suppressed after repeated delivery failures (last: ${describeCode(detail)})`;
    case 'delivery.failed':
      return deliveryWords(who, detail);
    default:
      return [event.event, event.masked, event.detail].filter(Boolean).join(' ');
  }
}
