/**
 * Can a subscriber reply to us? Twilio's SMS guidelines say so per destination country:
 * Nepal "Two-way SMS supported: No" (pre-registered alphanumeric senders), the US yes.
 * WhatsApp is always two-way. Where replies cannot arrive, a keyword is a promise we cannot
 * keep, so messages give the personal unsubscribe link instead.
 */
import type { Channel } from './subscriber';

/** Default of TWO_WAY_SMS_COUNTRIES: destinations where Twilio's guidelines say two-way SMS works. */
export const DEFAULT_TWO_WAY_SMS_COUNTRIES: readonly string[] = ['US', 'CA'];

export function canReply(channel: Channel, country: string, twoWaySmsCountries: readonly string[]): boolean {
  return channel === 'whatsapp' || twoWaySmsCountries.includes(country.toUpperCase());
}
