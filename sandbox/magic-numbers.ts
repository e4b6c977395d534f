/**
 * Magic numbers the sandbox fails on purpose, like Twilio's own test numbers. All are
 * valid Nepal mobiles for libphonenumber, so they pass our own validation and reach Twilio.
 */
export interface MagicNumber {
  e164: string;
  code: number;
  /** sync: the create call fails; async: accepted, then failed/undelivered by callback; lookup: Lookup says so. */
  when: 'sync' | 'async' | 'lookup';
  note: string;
}

export const MAGIC_NUMBERS: readonly MagicNumber[] = [
  { e164: '+9779800000001', code: 21211, when: 'sync', note: "invalid 'To' number" },
  { e164: '+9779800000002', code: 21610, when: 'sync', note: 'recipient has opted out (STOP)' },
  { e164: '+9779800000003', code: 21614, when: 'sync', note: 'not a mobile number' },
  { e164: '+9779800000004', code: 30003, when: 'async', note: 'unreachable handset (undelivered)' },
  { e164: '+9779800000005', code: 30006, when: 'async', note: 'landline or unreachable carrier (undelivered)' },
  { e164: '+9779800000006', code: 63015, when: 'async', note: 'WhatsApp sandbox: recipient has not joined (failed)' },
  { e164: '+9779800000007', code: 63016, when: 'async', note: 'WhatsApp: outside the 24 h window (failed)' },
  { e164: '+9779800000008', code: 30007, when: 'async', note: 'carrier filtered (undelivered)' },
  { e164: '+9779800000009', code: 0, when: 'lookup', note: 'Lookup: valid=false' },
  { e164: '+9779800000010', code: 0, when: 'lookup', note: 'Lookup: line type landline' },
];

export function magicFor(e164: string): MagicNumber | undefined {
  return MAGIC_NUMBERS.find((m) => m.e164 === e164);
}
