/** Messaging Services v1: the one seeded service, its webhook URLs (settable) and its sender pool. */
import { iso, singlePageMeta, TwilioError, type Answer, type ProductContext, type TwilioCall } from './twilio-api';

export interface MessagingServiceWebhooks {
  inboundRequestUrl: string | null;
  statusCallback: string | null;
}

export interface MessagingServiceProduct {
  handle: (call: TwilioCall) => Answer;
  /** Webhook URLs currently set on the Messaging Service. */
  webhooks: () => MessagingServiceWebhooks;
}

export function createMessagingService({ options, baseUrl }: ProductContext): MessagingServiceProduct {
  const webhooks: MessagingServiceWebhooks = { inboundRequestUrl: null, statusCallback: null };

  function serviceJson() {
    return {
      sid: options.messagingServiceSid,
      account_sid: options.accountSid,
      friendly_name: 'Sandbox',
      inbound_request_url: webhooks.inboundRequestUrl,
      inbound_method: 'POST',
      status_callback: webhooks.statusCallback,
      use_inbound_webhook_on_number: false,
      date_created: iso(),
      date_updated: iso(),
      url: `${baseUrl()}/messaging/v1/Services/${options.messagingServiceSid}`,
      links: { phone_numbers: `${baseUrl()}/messaging/v1/Services/${options.messagingServiceSid}/PhoneNumbers` },
    };
  }

  function phoneNumbers(): Answer {
    const url = `${baseUrl()}/messaging/v1/Services/${options.messagingServiceSid}/PhoneNumbers?PageSize=50&Page=0`;
    const number = {
      sid: 'PN' + '0'.repeat(32),
      account_sid: options.accountSid,
      service_sid: options.messagingServiceSid,
      phone_number: '+15005550006',
      country_code: 'US',
      capabilities: ['SMS'],
      date_created: iso(),
      date_updated: iso(),
      url: `${url.split('?')[0]}/PN${'0'.repeat(32)}`,
    };
    return [200, { phone_numbers: [number], meta: singlePageMeta(url, 50, 'phone_numbers') }];
  }

  return {
    // parts: ['v1','Services',MG] or ['v1','Services',MG,'PhoneNumbers']
    handle({ method, parts, form }) {
      if (parts[1] !== 'Services' || parts[2] !== options.messagingServiceSid)
        throw new TwilioError(404, 20404, 'Messaging Service not found');
      if (parts.length === 3 && method === 'GET') return [200, serviceJson()];
      if (parts.length === 3 && method === 'POST') {
        if (form.InboundRequestUrl !== undefined) webhooks.inboundRequestUrl = form.InboundRequestUrl;
        if (form.StatusCallback !== undefined) webhooks.statusCallback = form.StatusCallback;
        return [200, serviceJson()];
      }
      if (parts[3] === 'PhoneNumbers' && method === 'GET') return phoneNumbers();
      throw new TwilioError(404, 20404, 'Not found');
    },
    webhooks: () => ({ ...webhooks }),
  };
}
