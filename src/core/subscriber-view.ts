/**
 * What support sees of one subscriber (POST /admin/subscriber): status, welcome, pending
 * tips, consent history and the last messages Twilio holds for the number. The number
 * appears only masked: the view is built from the record and the masked form alone.
 */
import type { ConsentEntry, Subscriber } from './subscriber';
import { describeTwilioError } from './twilio-errors';

/** One message from Twilio's records (Messages list, To = the number). No body: it may carry the personal link. */
export interface MessageSummary {
  sid: string;
  status: string;
  direction: string;
  /** ISO times. */
  dateCreated: string | null;
  dateSent: string | null;
  errorCode: number | null;
  segments: number | null;
  price: string | null;
  priceUnit: string | null;
}

export interface SubscriberView {
  masked: string;
  userId: string;
  status: Subscriber['status'];
  channel: Subscriber['channel'];
  language: Subscriber['language'];
  country: string;
  timeZone: string | null;
  createdAt: string;
  updatedAt: string;
  welcome: {
    state: string;
    status: string | null;
    errorCode: number | null;
    error: string | null;
    attempts: number;
    lastAttemptAt: string | null;
    messageSid: string | null;
  };
  unreachableCount: number;
  /** Why it is paused (status suppressed), in words for support; null when it is not. */
  paused: { reason: string; failures: number; errorCode: number | null; error: string | null; at: string } | null;
  /** Moved from WhatsApp to SMS because WhatsApp did not know the number. */
  channelSwitch: { from: string; to: string; errorCode: number; error: string | null; at: string } | null;
  /** Tips from today on: scheduled (with the message SID) or being scheduled. */
  tips: Array<{ date: string; state: 'scheduled' | 'being_scheduled'; messageSid: string | null }>;
  /** Oldest first, as kept on the record. */
  consent: ConsentEntry[];
  /** Newest first; null when Twilio could not be asked just now. */
  messages: Array<MessageSummary & { kind: 'welcome' | 'tip' | 'other'; error: string | null }> | null;
}

const describe = (code: number | null | undefined) =>
  code ? (describeTwilioError(code)?.description ?? 'Unknown error') : null;

export function subscriberView(
  masked: string,
  subscriber: Subscriber,
  messages: MessageSummary[] | null,
  today: string,
): SubscriberView {
  const tipSids = new Set(Object.values(subscriber.tips ?? {}));
  const { welcome } = subscriber;
  return {
    masked,
    userId: subscriber.userId,
    status: subscriber.status,
    channel: subscriber.channel,
    language: subscriber.language,
    country: subscriber.country,
    timeZone: subscriber.timeZone ?? null,
    createdAt: subscriber.createdAt,
    updatedAt: subscriber.updatedAt,
    welcome: {
      state: welcome.state,
      status: welcome.status ?? null,
      errorCode: welcome.errorCode ?? null,
      error: describe(welcome.errorCode),
      attempts: welcome.attempts,
      lastAttemptAt: welcome.lastAttemptAt ?? null,
      messageSid: welcome.messageSid ?? null,
    },
    unreachableCount: subscriber.unreachableCount,
    paused:
      subscriber.status === 'suppressed' && subscriber.paused
        ? {
            reason:
              subscriber.paused.reason === 'invalid_number'
                ? 'Twilio refuses the number'
                : `${subscriber.paused.failures} failed deliveries in a row`,
            failures: subscriber.paused.failures,
            errorCode: subscriber.paused.errorCode ?? null,
            error: describe(subscriber.paused.errorCode),
            at: subscriber.paused.at,
          }
        : null,
    channelSwitch: subscriber.channelSwitch
      ? { ...subscriber.channelSwitch, error: describe(subscriber.channelSwitch.errorCode) }
      : null,
    tips: Object.entries(subscriber.tips ?? {})
      .filter(([date]) => date >= today)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([date, value]) =>
        value.startsWith('claimed:')
          ? { date, state: 'being_scheduled' as const, messageSid: null }
          : { date, state: 'scheduled' as const, messageSid: value },
      ),
    consent: subscriber.consent,
    messages:
      messages?.map((m) => ({
        ...m,
        kind: m.sid === welcome.messageSid ? 'welcome' : tipSids.has(m.sid) ? 'tip' : 'other',
        error: describe(m.errorCode),
      })) ?? null,
  };
}
