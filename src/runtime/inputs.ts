/**
 * The input policies the routes declare (request-params.ts applies them): who sends what,
 * in which encoding, how big. One place, so docs/security.md and the attack suite
 * (test/security/) can name them.
 */
import type { FieldRule, InputPolicy } from './request-params';

export const text = (maxLength: number): FieldRule => ({ maxLength });

/** The portal's signed form posts (/register, /consent): declared fields only, in the body. */
export function portalForm(fields: Record<string, FieldRule>): InputPolicy {
  return { from: 'body', bodyTypes: ['form'], maxBodyBytes: 8 * 1024, fields, undeclared: 'refuse' };
}

/**
 * Twilio's webhooks: form posts whose every param is signed. Twilio adds parameters over
 * time, so undeclared ones pass (the signature covers them) but are never read.
 */
export function twilioForm(fields: Record<string, FieldRule>): InputPolicy {
  return { from: 'body', bodyTypes: ['form'], maxBodyBytes: 64 * 1024, fields, undeclared: 'ignore' };
}

/**
 * The pages a signed link in a message opens (/u, /b): the token `t` rides in the link's query,
 * the page's own form posts it back with the page's fields. Other params (a mail client's
 * tracking tags on the link) are ignored, never read.
 */
export function linkPageForm(fields: Record<string, FieldRule>): InputPolicy {
  return {
    from: 'either',
    bodyTypes: ['form'],
    maxBodyBytes: 4 * 1024,
    fields: { t: text(64), ...fields },
    undeclared: 'ignore',
  };
}

/** Admin calls: a JSON body with declared fields only; a query string is refused (tokens and numbers stay out of URLs). */
export function adminJson(fields: Record<string, FieldRule>, maxBodyBytes = 16 * 1024): InputPolicy {
  return { from: 'body', bodyTypes: ['json'], maxBodyBytes, fields, undeclared: 'refuse' };
}

/** An admin flag or number: JSON true/false/123, or its text. */
export const scalar: FieldRule = { maxLength: 16 };
