/**
 * Lookup v2: validity and (with Fields=line_type_intelligence) line type, from libphonenumber's
 * metadata, overridden by the magic numbers. Stateless.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { magicFor } from './magic-numbers';
import type { Answer, ProductContext, TwilioCall } from './twilio-api';

export interface LookupProduct {
  handle: (call: TwilioCall) => Answer;
}

export function createLookup({ baseUrl }: ProductContext): LookupProduct {
  return {
    // parts: ['v2','PhoneNumbers',number]
    handle({ parts, query }) {
      const number = decodeURIComponent(parts[2] ?? '');
      const magic = magicFor(number);
      const parsed = parsePhoneNumberFromString(number);
      const valid = magic?.note.includes('valid=false') ? false : Boolean(parsed?.isValid());
      const wantsLineType = (query.get('Fields') ?? '').includes('line_type_intelligence');
      const type = magic?.note.includes('landline')
        ? 'landline'
        : parsed?.getType() === 'FIXED_LINE'
          ? 'landline'
          : 'mobile';
      return [
        200,
        {
          calling_country_code: parsed?.countryCallingCode ?? null,
          country_code: parsed?.country ?? null,
          phone_number: valid ? parsed!.number : number,
          national_format: valid ? parsed!.formatNational() : null,
          valid,
          validation_errors: valid ? [] : ['NOT_A_NUMBER'],
          caller_name: null,
          sim_swap: null,
          call_forwarding: null,
          line_status: null,
          line_type_intelligence: wantsLineType
            ? {
                type,
                carrier_name: 'Sandbox Telecom',
                mobile_country_code: '429',
                mobile_network_code: '01',
                error_code: null,
              }
            : null,
          identity_match: null,
          reassigned_number: null,
          sms_pumping_risk: null,
          phone_number_quality_score: null,
          pre_fill: null,
          url: `${baseUrl()}/lookups/v2/PhoneNumbers/${encodeURIComponent(number)}`,
        },
      ];
    },
  };
}
