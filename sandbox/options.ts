/** The sandbox's settings: one mutable object shared by every product module, so `configure` takes effect at once. */
import type { PortalOptions } from './portal';

export interface SandboxOptions {
  port: number;
  accountSid: string;
  authToken: string;
  messagingServiceSid: string;
  syncServiceSid: string;
  /** Added to every Twilio API call. */
  latencyMs: number;
  /** Twilio API calls in flight beyond this answer 429 / 20429 (0 = unlimited). */
  concurrencyLimit: number;
  /** Writes per second per Sync object (a Map is one object); beyond: 429 (0 = unlimited). */
  syncWritesPerSecond: number;
  /** Fraction of Twilio API calls answered 503 (seeded randomness). */
  errorRate: number;
  /** Throughput of each SMS sender in message segments per second (Twilio: US long code 1, toll-free 3, short code 100). */
  senderMps: number;
  /** Throughput of each WhatsApp sender in messages per second (Twilio: 10 by default, up to 50 on request). */
  whatsappMps: number;
  /** Delay between status steps (queued -> sent -> delivered) in ms. */
  statusStepMs: number;
  /** Friendly name of the seeded Sync service (setup finds it by this name). */
  syncServiceName: string;
  /** Content SIDs whose WhatsApp approval is pending/rejected (all others are approved). */
  unapprovedContent: string[];
  /** POST status callbacks (off in benchmarks that measure one route alone). */
  statusCallbacks: boolean;
  /** Where injected inbound messages are posted. */
  inboundWebhookUrl?: string;
  seed: number;
  portal: Partial<PortalOptions>;
  /** Keep a log of every Twilio API request (method, path, form, If-Match) for replay in benchmarks. */
  recordRequests: boolean;
  /** strict: every request and response is checked against Twilio's OpenAPI specs; a bad request is refused. */
  contract: 'strict' | 'off';
  /**
   * Countries where two-way SMS is not supported (Twilio's SMS guidelines: Nepal "Two-way SMS
   * supported: No"): a simulated inbound SMS from there is refused, since none could arrive.
   */
  oneWaySmsCountries: string[];
  /** The Messaging Service has a Link Shortening domain (ShortenUrls works); its links are served at <sandbox>/l/. */
  linkShortening: boolean;
  /** Numbers (E.164) whose Messages create fails synchronously with this Twilio code, beyond the magic numbers. */
  refuse: Record<string, number>;
  /**
   * Numbers (E.164) whose messages fail after creation with this Twilio code (failed/undelivered
   * callback); a `whatsapp:+…` key fails only the WhatsApp messages to that number.
   */
  failLater: Record<string, number>;
}

export const DEFAULT_SANDBOX: SandboxOptions = {
  port: 0,
  accountSid: 'AC00000000000000000000000000000000',
  authToken: '00000000000000000000000000000000',
  messagingServiceSid: 'MG00000000000000000000000000000000',
  syncServiceSid: 'IS00000000000000000000000000000000',
  latencyMs: 0,
  concurrencyLimit: 0,
  syncWritesPerSecond: 0,
  errorRate: 0,
  senderMps: 10,
  whatsappMps: 10,
  statusStepMs: 20,
  syncServiceName: 'aamcare-messaging',
  unapprovedContent: [],
  statusCallbacks: true,
  seed: 1,
  portal: {},
  recordRequests: false,
  contract: 'strict',
  oneWaySmsCountries: ['NP'],
  linkShortening: false,
  refuse: {},
  failLater: {},
};
