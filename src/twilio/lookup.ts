/**
 * Twilio Lookup v2: `basic` is the free validity check; `line_type` adds line type
 * intelligence (paid) so landlines can be refused for SMS.
 */
import type { PhoneLookup } from '../app/ports';
import { withRetry } from '../core/retry';
import type { TwilioClient } from './client';

export function createPhoneLookup(client: TwilioClient, deadline: () => number): PhoneLookup {
  return {
    async lookup(e164, mode) {
      const result = await withRetry(
        () =>
          client.lookups.v2.phoneNumbers(e164).fetch(mode === 'line_type' ? { fields: 'line_type_intelligence' } : {}),
        { deadline: deadline() },
      );
      const lineType = (result.lineTypeIntelligence as { type?: string | null } | null | undefined)?.type ?? undefined;
      return {
        valid: Boolean(result.valid),
        validationErrors: result.validationErrors ?? [],
        lineType,
      };
    },
  };
}
