/**
 * Reading single values from a request body, JSON or form-encoded (where every value is a
 * string). A value that is neither a string, a number nor a boolean (an array from a
 * repeated form key, an object from JSON) is never stringified: it reads as invalid.
 */

/** The value as trimmed text, or undefined when it is not a single scalar. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/** The one boolean reading: true/1/yes, false/0/no; absent or empty is `fallback`; anything else undefined. */
export function parseFlag(value: unknown, fallback = false): boolean | undefined {
  if (value === undefined || value === null) return fallback;
  const text = scalarText(value)?.toLowerCase();
  if (text === '') return fallback;
  if (text === 'true' || text === '1' || text === 'yes') return true;
  if (text === 'false' || text === '0' || text === 'no') return false;
  return undefined;
}

/**
 * The dry-run switch of an admin call that sends messages (issue 14): a real run only when
 * the caller says `dryRun: false`; `true` is a dry run; absent, empty or anything else is
 * no answer at all (undefined), which the route refuses, so a forgotten flag never sends.
 */
export function explicitDryRun(value: unknown): boolean | undefined {
  return isBlank(value) ? undefined : parseFlag(value);
}

/** Absent, null, or text that is empty once trimmed. */
export function isBlank(value: unknown): boolean {
  return value === undefined || value === null || scalarText(value) === '';
}

/** A whole number; absent or empty is `fallback`; anything else undefined. */
export function parseInteger(value: unknown, fallback: number): number | undefined {
  if (value === undefined || value === null) return fallback;
  const text = scalarText(value);
  if (text === '') return fallback;
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isInteger(n) ? n : undefined;
}

/** What a route's parser answers: the typed request, or a 400's code and message. */
export type Parsed<T> =
  { ok: true; value: T } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };

export const refuse = (code: string, message: string, details?: Record<string, unknown>) =>
  ({ ok: false, error: { code, message, ...(details ? { details } : {}) } }) as const;
