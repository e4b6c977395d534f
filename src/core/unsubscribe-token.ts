/**
 * The personal unsubscribe link's token: the subscriber's number and an HMAC-SHA256 over it
 * with UNSUBSCRIBE_LINK_SECRET (node:crypto, constant-time compare). It never expires: a
 * link in a months-old message must still work. Short on purpose (the link rides in an SMS):
 * the number's digits in base 36, then 16 base64url characters (96 bits) of the MAC.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const MAC_CHARS = 16;

/**
 * What a link is for: the MAC covers it, so a token made for one page never opens another
 * (`unsubscribe`: /u; `birth`: /b, the birth-date question of docs/programmes.md).
 */
export type LinkPurpose = 'unsubscribe' | 'birth';

function mac(secret: string, e164: string, purpose: LinkPurpose): string {
  return createHmac('sha256', secret).update(`${purpose}:${e164}`).digest('base64url').slice(0, MAC_CHARS);
}

export function unsubscribeToken(secret: string, e164: string, purpose: LinkPurpose = 'unsubscribe'): string {
  if (!/^\+[1-9]\d{5,14}$/.test(e164)) throw new RangeError('not an E.164 number');
  // BigInt reads the leading '+' as a sign.
  return BigInt(e164).toString(36) + mac(secret, e164, purpose);
}

/** The E.164 number a token was made for, or undefined when it is malformed or forged. */
export function readUnsubscribeToken(
  secret: string,
  token: string,
  purpose: LinkPurpose = 'unsubscribe',
): string | undefined {
  // Also what keeps the decoding below from throwing, and both MACs 16 bytes for timingSafeEqual.
  if (!/^[0-9a-z]{4,12}[A-Za-z0-9_-]{16}$/.test(token)) return undefined;
  const id = token.slice(0, -MAC_CHARS);
  let digits = 0n;
  for (const ch of id) digits = digits * 36n + BigInt(Number.parseInt(ch, 36));
  // No E.164 check needed: only a number unsubscribeToken accepted can carry a matching MAC.
  const e164 = `+${digits.toString()}`;
  const expected = Buffer.from(mac(secret, e164, purpose));
  return timingSafeEqual(expected, Buffer.from(token.slice(-MAC_CHARS))) ? e164 : undefined;
}

/** The link put in messages: `<public base>/u?t=<token>` (a Function cannot take path parameters). */
export function unsubscribeLink(baseUrl: string, secret: string, e164: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/u?t=${unsubscribeToken(secret, e164)}`;
}

/** The birth-date question's link: `<public base>/b?t=<token>` (same secret, its own purpose). */
export function birthLink(baseUrl: string, secret: string, e164: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/b?t=${unsubscribeToken(secret, e164, 'birth')}`;
}
