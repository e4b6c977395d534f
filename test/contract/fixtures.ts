/** Well-formed SIDs and paths shared by the contract tests (fake, but shaped like Twilio's). */
export const ACCOUNT_SID = 'AC' + '0'.repeat(32);
export const MESSAGING_SERVICE_SID = 'MG' + '1'.repeat(32);
export const SYNC_SERVICE_SID = 'IS' + '2'.repeat(32);
export const CONTENT_SID = 'HX' + '3'.repeat(32);
export const MESSAGE_SID = 'SM' + '4'.repeat(32);
export const MESSAGES_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
export const MESSAGE_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${MESSAGE_SID}.json`;
export const ITEMS_PATH = `/v1/Services/${SYNC_SERVICE_SID}/Maps/subscribers-0/Items`;
export const DOCUMENTS_PATH = `/v1/Services/${SYNC_SERVICE_SID}/Documents`;

/** A Message resource as Twilio answers a create through a Messaging Service. */
export function messageResource(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account_sid: ACCOUNT_SID,
    api_version: '2010-04-01',
    body: 'Welcome to Aamcare',
    date_created: 'Tue, 25 Nov 2025 01:15:00 +0000',
    date_sent: null,
    date_updated: 'Tue, 25 Nov 2025 01:15:00 +0000',
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: null,
    messaging_service_sid: MESSAGING_SERVICE_SID,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: MESSAGE_SID,
    status: 'accepted',
    subresource_uris: { media: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${MESSAGE_SID}/Media.json` },
    to: '+9779800000001',
    uri: MESSAGE_PATH,
    ...overrides,
  };
}

/** A Sync Map Item as Twilio answers it. */
export function syncItemResource(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    account_sid: ACCOUNT_SID,
    service_sid: SYNC_SERVICE_SID,
    map_sid: 'MP' + '5'.repeat(32),
    key: '+9779800000001',
    data: { status: 'active' },
    revision: '0',
    url: `https://sync.twilio.com${ITEMS_PATH}/%2B9779800000001`,
    date_expires: null,
    date_created: '2025-11-25T01:15:00Z',
    date_updated: '2025-11-25T01:15:00Z',
    created_by: 'system',
    ...overrides,
  };
}
