/**
 * Twilio Lookup v2: `basic` is the free validity check; `line_type` adds line type
 * intelligence (paid) so landlines can be refused for SMS.
 */
import { withRetry } from '../core/retry';
import type { TwilioClient } from './client';

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

/** Line types that can receive SMS. Unknown (null) is given the benefit of the doubt. */
export function lineTypeCanReceiveSms(lineType: string | undefined): boolean {
  return lineType === undefined || lineType === 'mobile' || lineType === 'nonFixedVoip';
}
