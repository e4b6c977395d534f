/** Content API v1: a template's WhatsApp approval status (approved unless listed in unapprovedContent). */
import { TwilioError, type Answer, type ProductContext, type TwilioCall } from './twilio-api';

export interface ContentProduct {
  handle: (call: TwilioCall) => Answer;
}

export function createContent({ options, baseUrl }: ProductContext): ContentProduct {
  return {
    // parts: ['v1','Content',HX,'ApprovalRequests']
    handle({ method, parts }) {
      if (method === 'GET' && parts[1] === 'Content' && parts[3] === 'ApprovalRequests' && parts.length === 4) {
        const contentSid = parts[2]!;
        const status = options.unapprovedContent.includes(contentSid) ? 'rejected' : 'approved';
        return [
          200,
          {
            sid: contentSid,
            account_sid: options.accountSid,
            whatsapp: {
              type: 'whatsapp',
              name: 'aamcare_template',
              category: 'UTILITY',
              content_type: 'twilio/text',
              status,
              rejection_reason: status === 'approved' ? '' : 'sandbox: rejected',
              allow_category_change: true,
            },
            url: `${baseUrl()}/content/v1/Content/${contentSid}/ApprovalRequests`,
          },
        ];
      }
      throw new TwilioError(404, 20404, 'Content not found');
    },
  };
}
