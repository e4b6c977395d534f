/**
 * What a Twilio error code is: one table used by the retry helper (retry or not) and the
 * dashboard (a human description). What it means for a subscriber is decided in
 * twilio-outcome.ts. Pure data.
 */
export type ErrorCategory =
  | 'rate_limited'
  | 'temporary'
  | 'invalid_number'
  | 'opted_out'
  | 'not_mobile'
  | 'unreachable'
  | 'carrier_filtered'
  | 'whatsapp_outside_window'
  | 'whatsapp_not_joined'
  | 'whatsapp_template'
  | 'queue_overflow'
  | 'expired'
  | 'whatsapp_marketing_limit'
  | 'schedule_window'
  | 'conflict'
  | 'not_found'
  | 'auth'
  | 'config'
  | 'unknown';

export interface ErrorInfo {
  code: number;
  category: ErrorCategory;
  /** True when the same request may succeed later (retry with backoff). */
  retryable: boolean;
  description: string;
}

const TABLE: ErrorInfo[] = [
  {
    code: 20003,
    category: 'auth',
    retryable: false,
    description: 'Authentication failed: check the Account SID and Auth Token / API key',
  },
  { code: 20404, category: 'not_found', retryable: false, description: 'Resource not found' },
  { code: 20429, category: 'rate_limited', retryable: true, description: 'Too many concurrent requests' },
  { code: 20500, category: 'temporary', retryable: true, description: 'Twilio internal error' },
  { code: 20503, category: 'temporary', retryable: true, description: 'Twilio service unavailable' },
  {
    code: 21611,
    category: 'queue_overflow',
    retryable: true,
    description: "Too many messages queued for the 'From' number (sent more than its queue holds)",
  },
  { code: 21211, category: 'invalid_number', retryable: false, description: "Invalid 'To' phone number" },
  {
    code: 21408,
    category: 'config',
    retryable: false,
    description: 'Permission to send to this region is not enabled',
  },
  { code: 21610, category: 'opted_out', retryable: false, description: 'The recipient replied STOP (unsubscribed)' },
  {
    code: 21612,
    category: 'unreachable',
    retryable: false,
    description: 'Cannot route to this number from the sender',
  },
  { code: 21614, category: 'not_mobile', retryable: false, description: "'To' number is not a mobile number" },
  {
    code: 21606,
    category: 'config',
    retryable: false,
    description: "The 'From' number is not capable of sending to this destination",
  },
  {
    code: 21703,
    category: 'config',
    retryable: false,
    description: 'The Messaging Service has no phone numbers in its sender pool',
  },
  {
    code: 30001,
    category: 'queue_overflow',
    retryable: true,
    description: 'Queue overflow: too many messages queued for the sender',
  },
  { code: 30002, category: 'config', retryable: false, description: 'Account suspended' },
  {
    code: 30003,
    category: 'unreachable',
    retryable: false,
    description: 'Unreachable destination handset (off or out of coverage)',
  },
  {
    code: 30004,
    category: 'carrier_filtered',
    retryable: false,
    description: 'Message blocked (recipient or carrier block)',
  },
  {
    code: 30005,
    category: 'unreachable',
    retryable: false,
    description: 'Unknown destination handset (number does not exist)',
  },
  { code: 30006, category: 'unreachable', retryable: false, description: 'Landline or unreachable carrier' },
  {
    code: 30007,
    category: 'carrier_filtered',
    retryable: false,
    description: 'Message filtered by the carrier (spam filter)',
  },
  { code: 30008, category: 'unknown', retryable: false, description: 'Unknown delivery error' },
  {
    code: 30034,
    category: 'carrier_filtered',
    retryable: false,
    description: 'Message from an unregistered number (A2P 10DLC)',
  },
  {
    code: 30036,
    category: 'expired',
    retryable: false,
    description: 'Validity period expired: the message waited in the queue too long (the number is fine)',
  },
  {
    code: 35114,
    category: 'schedule_window',
    retryable: false,
    description: 'Scheduling: SendAt must be between 15 minutes and 35 days ahead',
  },
  {
    code: 35115,
    category: 'schedule_window',
    retryable: false,
    description: 'Scheduling: SendAt is not in a valid format',
  },
  {
    code: 35118,
    category: 'schedule_window',
    retryable: false,
    description: 'Scheduling: MessagingServiceSid is required to schedule a message',
  },
  { code: 54208, category: 'conflict', retryable: false, description: 'Sync item with this key already exists' },
  { code: 54103, category: 'conflict', retryable: false, description: 'Sync revision mismatch (concurrent update)' },
  { code: 54009, category: 'rate_limited', retryable: true, description: 'Sync rate limit exceeded' },
  {
    code: 63003,
    category: 'unreachable',
    retryable: false,
    description: 'WhatsApp: channel could not find the destination address',
  },
  {
    code: 63015,
    category: 'whatsapp_not_joined',
    retryable: false,
    description: 'WhatsApp sandbox: the recipient has not joined the sandbox',
  },
  {
    code: 63016,
    category: 'whatsapp_outside_window',
    retryable: false,
    description: 'WhatsApp: free-form message outside the 24-hour window; use an approved template',
  },
  { code: 63024, category: 'unreachable', retryable: false, description: 'WhatsApp: invalid message recipient' },
  {
    code: 63027,
    category: 'whatsapp_template',
    retryable: false,
    description: 'WhatsApp: template does not exist for this language/locale',
  },
  {
    code: 63032,
    category: 'opted_out',
    retryable: false,
    description: 'WhatsApp: the user has stopped receiving messages',
  },
  {
    code: 63049,
    category: 'whatsapp_marketing_limit',
    retryable: false,
    description:
      'WhatsApp: marketing message not delivered to keep per-user engagement healthy (Meta limit; the number is fine)',
  },
];

const BY_CODE: ReadonlyMap<number | undefined, ErrorInfo> = new Map(TABLE.map((e) => [e.code, e]));

export function describeTwilioError(code: number | undefined): ErrorInfo | undefined {
  return BY_CODE.get(code);
}

export interface FailureLike {
  status?: number;
  code?: number | string;
  /** Set when no HTTP answer came back (connection refused, reset, timeout). */
  network?: boolean;
}

/**
 * Is this failure worth another try? HTTP 429 / 5xx / network errors and the retryable
 * codes above are; everything else (4xx with a permanent code) is not.
 */
export function isRetryable(failure: FailureLike): boolean {
  if (failure.network) return true;
  // twilio-node gives the code as a number, some answers as text; no code reads as NaN (not in the table).
  const info = describeTwilioError(Number.parseInt(String(failure.code), 10));
  if (info) return info.retryable;
  const status = failure.status ?? 0;
  return status === 429 || status >= 500;
}
