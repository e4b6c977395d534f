/**
 * Structured logs: one JSON line per event. Everything passes through `redact`, so a
 * phone number is masked and a secret never leaves, whatever a caller hands in.
 */
import { maskPhone } from './phone';

export type LogLevel = 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;
export type LogSink = (line: string) => void;

export interface Logger {
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** Keys whose values are dropped whole: credentials and message bodies. */
const SECRET_KEY =
  /token|secret|password|passwd|authorization|auth|signature|api_?key|cookie|^body$|content_?variables/i;
/** Phone-like runs standing alone (not inside a SID or word): optional scheme and plus, 7-15 digits. */
const PHONE_LIKE = /(?<![\w+])(?:whatsapp:|tel:)?\+?\d[\d\s().-]{5,18}\d(?![\w])/g;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}/;
/** Keys whose numeric values may be phone numbers typed as numbers. */
const PHONE_KEY = /phone|msisdn|number|^to$|^from$/i;

export function redactString(text: string): string {
  return text.replace(PHONE_LIKE, (match) => {
    const digits = match.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15 || ISO_DATE.test(match)) return match;
    const scheme = /^(whatsapp:|tel:)/.exec(match)?.[0] ?? '';
    return maskPhone(scheme + '+' + digits);
  });
}

export function redact(value: unknown, depth = 0, key = ''): unknown {
  if (depth > 6) return '[deep]';
  if (typeof value === 'string') return redactString(value);
  if (typeof value === 'number') return PHONE_KEY.test(key) ? redactString(String(value)) : value;
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; status?: unknown };
    return { name: e.name, message: redactString(e.message), code: e.code, status: e.status };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1, key));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1, k);
  }
  return out;
}

export function createLogger(sink: LogSink = (line) => console.log(line), now: () => Date = () => new Date()): Logger {
  const write = (level: LogLevel, event: string, fields: LogFields = {}) => {
    const record = { ts: now().toISOString(), level, event, ...(redact(fields) as LogFields) };
    sink(JSON.stringify(record));
  };
  return {
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
  };
}
