/**
 * The ports of the application layer: what src/app needs from the outside world, as
 * interfaces. Adapters in src/twilio implement them; src/runtime/services.ts wires them;
 * tests hand in others. Nothing here does I/O.
 */
import type { PortalPage } from '../core/portal-values';
import type { SentMatcher } from '../core/send-outcome';
import type { Channel } from '../core/subscriber';
import type { MessageSummary } from '../core/subscriber-view';

// --- Key-value storage (Twilio Sync Maps: src/twilio/sync-store.ts, sync-reader.ts)

export interface StoredItem<T> {
  key: string;
  data: T;
  revision: string;
  dateUpdated?: Date;
}

export interface ListPage<T> {
  items: StoredItem<T>[];
  /** Key to pass as `after` for the next page, or undefined at the end. */
  nextAfter?: string;
}

export interface KeyValueStore {
  /** Creates the item; resolves undefined when the key already exists (someone else holds it). */
  create<T>(map: string, key: string, data: T, ttlSeconds?: number): Promise<StoredItem<T> | undefined>;
  get<T>(map: string, key: string): Promise<StoredItem<T> | undefined>;
  /** Updates only if the item is still at `revision`; resolves undefined when it moved on. */
  update<T>(
    map: string,
    key: string,
    data: T,
    revision: string,
    ttlSeconds?: number,
  ): Promise<StoredItem<T> | undefined>;
  remove(map: string, key: string): Promise<void>;
  /** Items in key order, starting after `after`. */
  list<T>(map: string, options?: { after?: string; pageSize?: number; order?: 'asc' | 'desc' }): Promise<ListPage<T>>;
}

// --- Messages (Twilio Messaging Service: src/twilio/messaging.ts)

export interface OutgoingMessage {
  channel: Channel;
  /** E.164, without channel prefix. */
  to: string;
  body?: string;
  contentSid?: string;
  contentVariables?: Record<string, string>;
  statusCallback?: string;
  /** Scheduled send (ScheduleType=fixed); must be 15 min to 35 days ahead. */
  sendAt?: Date;
  /** Epoch ms after which no attempt may start (a claim's send window; see CLAIM_SEND_WINDOW_MS). */
  notAfter?: number;
  /** Seconds the message may wait in Twilio's queue (1 to 36,000); later it fails with 30036. */
  validityPeriod?: number;
  /** Let the Messaging Service's Link Shortening domain shorten the body's links (ShortenUrls). */
  shortenUrls?: boolean;
}

export interface SentMessage {
  sid: string;
  status: string;
}

export interface MessageSender {
  send(message: OutgoingMessage): Promise<SentMessage>;
  cancel(messageSid: string): Promise<void>;
  /** The message to this address a claim was about, from Twilio's own records (Messages list, To filter). */
  findSent(channel: Channel, to: string, matcher: SentMatcher): Promise<SentMessage | undefined>;
}

/** Twilio's records of what was sent to a number (Messages list, To filter), for support. */
export interface MessageHistory {
  /** The latest messages to this address, newest first (at most `limit`). */
  recentTo(channel: Channel, to: string, limit: number): Promise<MessageSummary[]>;
}

// --- Lookup (Twilio Lookup v2: src/twilio/lookup.ts)

export type LookupMode = 'off' | 'basic' | 'line_type';

export interface LookupResult {
  valid: boolean;
  validationErrors: string[];
  /** Only with line_type: mobile, landline, fixedVoip, nonFixedVoip, tollFree, ... */
  lineType?: string;
}

export interface PhoneLookup {
  lookup(e164: string, mode: Exclude<LookupMode, 'off'>): Promise<LookupResult>;
}

// --- The portal's user list (Django REST Framework pages: src/twilio/portal.ts)

// The shapes live in core (a run's cursor carries pages between slices); re-exported here.
export type { MissingField, PortalPage, PortalUser } from '../core/portal-values';

export type PortalErrorCode =
  'portal_unauthorized' | 'portal_unavailable' | 'portal_malformed_page' | 'portal_page_not_found';

export class PortalError extends Error {
  constructor(
    readonly code: PortalErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PortalError';
  }

  /** Worth trying the same page again later (the fault is the portal's, not our data or settings). */
  get retryable(): boolean {
    return this.code === 'portal_unavailable';
  }
}

export interface PortalClient {
  firstPageUrl(pageSize: number): string;
  fetchPage(url: string): Promise<PortalPage>;
}
