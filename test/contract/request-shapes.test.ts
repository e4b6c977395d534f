/**
 * Request shapes against Twilio's OpenAPI specs: what the project sends passes, and each kind
 * of mistake (unknown parameter, wrong type, bad enum, missing parameter, unknown operation)
 * is reported naming the operation and the field.
 */
import { validateTwilioRequest, type TwilioRequest } from '../../sandbox/contract/index';
import {
  ACCOUNT_SID,
  CONTENT_SID,
  DOCUMENTS_PATH,
  ITEMS_PATH,
  MESSAGE_PATH,
  MESSAGES_PATH,
  MESSAGING_SERVICE_SID,
  SYNC_SERVICE_SID,
} from './fixtures';

const request = (
  method: string,
  product: string,
  path: string,
  form: TwilioRequest['form'] = {},
  query: TwilioRequest['query'] = {},
) => validateTwilioRequest({ method, product, path, query, form });
const createMessage = (form: Record<string, string | string[]>) => request('POST', 'api', MESSAGES_PATH, form);
const sms = { To: '+9779800000001', MessagingServiceSid: MESSAGING_SERVICE_SID, Body: 'Welcome to Aamcare' };
const messages = (violations: { message: string }[]) => violations.map((v) => v.message);

describe('Messages create (CreateMessage)', () => {
  test.each<[string, Record<string, string>]>([
    ['SMS with Body and StatusCallback', { ...sms, StatusCallback: 'https://example.twil.io/status-callback' }],
    ['local StatusCallback', { ...sms, StatusCallback: 'http://localhost:3000/status-callback' }],
    [
      'WhatsApp template',
      {
        To: 'whatsapp:+9779800000001',
        MessagingServiceSid: MESSAGING_SERVICE_SID,
        ContentSid: CONTENT_SID,
        ContentVariables: '{"1":"Sita"}',
      },
    ],
    ['scheduled', { ...sms, ScheduleType: 'fixed', SendAt: '2026-11-26T01:15:00Z' }],
    ['From instead of a Messaging Service', { To: '+9779800000001', From: '+15005550006', Body: 'hi' }],
  ])('%s passes', (_name, form) => {
    expect(createMessage(form)).toEqual([]);
  });

  test('an unknown parameter fails, although Twilio would ignore it', () => {
    const violations = createMessage({ ...sms, Bodyy: 'typo' });
    expect(violations).toEqual([
      {
        where: 'request',
        operation: 'CreateMessage',
        message: expect.stringContaining('unknown form parameter "Bodyy"'),
      },
    ]);
  });

  test('a non-integer ValidityPeriod fails; an integer one passes', () => {
    expect(messages(createMessage({ ...sms, ValidityPeriod: 'abc' }))).toEqual([
      expect.stringMatching(/^CreateMessage: form parameter "ValidityPeriod" must be integer/),
    ]);
    expect(createMessage({ ...sms, ValidityPeriod: '600' })).toEqual([]);
  });

  test('a boolean that is not true/false fails', () => {
    expect(messages(createMessage({ ...sms, SmartEncoded: 'yes' }))).toEqual([
      expect.stringContaining('"SmartEncoded" must be boolean'),
    ]);
    expect(createMessage({ ...sms, SmartEncoded: 'true' })).toEqual([]);
  });

  test('a bad enum value fails naming the allowed values', () => {
    expect(messages(createMessage({ ...sms, ScheduleType: 'sometimes', SendAt: '2026-11-26T01:15:00Z' }))).toEqual([
      expect.stringMatching(
        /CreateMessage: form parameter "ScheduleType" must be one of "fixed"; got string "sometimes"/,
      ),
    ]);
  });

  test('SendAt must be an ISO 8601 date-time', () => {
    expect(messages(createMessage({ ...sms, ScheduleType: 'fixed', SendAt: 'tomorrow 7am' }))).toEqual([
      expect.stringContaining('"SendAt" must match format "date-time"'),
    ]);
  });

  test('a missing required parameter fails', () => {
    expect(messages(createMessage({ MessagingServiceSid: MESSAGING_SERVICE_SID, Body: 'hi' }))).toEqual([
      'CreateMessage: missing required form parameter "To"',
    ]);
  });

  test("Twilio's conditional groups: a sender and some content are each required", () => {
    expect(messages(createMessage({ To: '+9779800000001', Body: 'hi' }))).toEqual([
      'CreateMessage: one of "From", "MessagingServiceSid" is required',
    ]);
    expect(messages(createMessage({ To: '+9779800000001', MessagingServiceSid: MESSAGING_SERVICE_SID }))).toEqual([
      'CreateMessage: one of "Body", "MediaUrl", "ContentSid" is required',
    ]);
  });

  test('a SID of the wrong kind fails its pattern', () => {
    expect(messages(createMessage({ ...sms, MessagingServiceSid: 'IS' + '1'.repeat(32) }))).toEqual([
      expect.stringContaining('"MessagingServiceSid" must match pattern'),
    ]);
  });

  test('a single-valued parameter sent twice fails; array parameters take repeats', () => {
    expect(messages(createMessage({ ...sms, Body: ['a', 'b'] }))).toEqual([
      expect.stringContaining('"Body" is sent 2 times'),
    ]);
    expect(createMessage({ ...sms, MediaUrl: ['https://example.com/a.png', 'https://example.com/b.png'] })).toEqual([]);
  });

  test('query parameters on a create fail', () => {
    expect(messages(request('POST', 'api', MESSAGES_PATH, sms, { To: '+9779800000001' }))).toEqual([
      expect.stringContaining('unknown query parameter "To"'),
    ]);
  });

  test('an account SID that is not an AC SID fails as a path parameter', () => {
    expect(messages(request('POST', 'api', '/2010-04-01/Accounts/ACxyz/Messages.json', sms))).toEqual([
      expect.stringContaining('path parameter "AccountSid"'),
      expect.stringContaining('path parameter "AccountSid"'),
    ]);
  });
});

describe('other Messages operations', () => {
  test('cancel a scheduled message (UpdateMessage Status=canceled) passes; another status fails', () => {
    expect(request('POST', 'api', MESSAGE_PATH, { Status: 'canceled' })).toEqual([]);
    expect(messages(request('POST', 'api', MESSAGE_PATH, { Status: 'deleted' }))).toEqual([
      expect.stringContaining('UpdateMessage: form parameter "Status" must be one of "canceled"'),
    ]);
  });

  test('list by recipient with a page size passes; a page size over 1000 fails', () => {
    expect(request('GET', 'api', MESSAGES_PATH, {}, { To: 'whatsapp:+9779800000001', PageSize: '20' })).toEqual([]);
    expect(messages(request('GET', 'api', MESSAGES_PATH, {}, { PageSize: '5000' }))).toEqual([
      expect.stringContaining('ListMessage: query parameter "PageSize" must be <= 1000'),
    ]);
  });

  test('a GET with a form body fails', () => {
    expect(messages(request('GET', 'api', MESSAGE_PATH, { Body: 'x' }))).toEqual([
      'FetchMessage: takes no request body, got "Body"',
    ]);
  });
});

describe('unknown operations', () => {
  test('an unknown path fails', () => {
    const violations = request('POST', 'api', `/2010-04-01/Accounts/${ACCOUNT_SID}/Texts.json`, sms);
    expect(violations).toEqual([
      { where: 'request', message: expect.stringContaining("is not an operation of Twilio's api spec") },
    ]);
  });

  test('a known path with a method the spec lacks fails, saying which methods exist', () => {
    expect(messages(request('PUT', 'api', MESSAGES_PATH, sms))).toEqual([
      expect.stringContaining('the path exists with GET, POST'),
    ]);
  });

  test('an unknown product fails', () => {
    expect(messages(request('GET', 'video', '/v1/Rooms'))).toEqual([
      expect.stringContaining('unknown product "video"'),
    ]);
  });

  test('a phone number in an unknown path is masked in the message', () => {
    const [violation] = request('GET', 'lookups', '/v1/PhoneNumbers/+9779807969278');
    expect(violation!.message).not.toContain('9807969278');
  });
});

describe('Sync', () => {
  const item = `${ITEMS_PATH}/%2B9779800000001`;

  test('map create (CreateSyncMap) with a unique name passes', () => {
    expect(request('POST', 'sync', `/v1/Services/${SYNC_SERVICE_SID}/Maps`, { UniqueName: 'subscribers-0' })).toEqual(
      [],
    );
  });

  test('item create with Key, JSON Data and Ttl passes; Data that is not a JSON object fails', () => {
    expect(
      request('POST', 'sync', ITEMS_PATH, { Key: '+9779800000001', Data: '{"status":"active"}', Ttl: '3600' }),
    ).toEqual([]);
    expect(messages(request('POST', 'sync', ITEMS_PATH, { Key: 'k', Data: 'not json' }))).toEqual([
      expect.stringContaining('CreateSyncMapItem: form parameter "Data" must be object'),
    ]);
    expect(messages(request('POST', 'sync', ITEMS_PATH, { Key: 'k', Data: '[1,2]' }))).toEqual([
      expect.stringContaining('"Data" must be object'),
    ]);
  });

  test('item create without Data fails (the spec requires Key and Data)', () => {
    expect(messages(request('POST', 'sync', ITEMS_PATH, { Key: 'k' }))).toEqual([
      'CreateSyncMapItem: missing required form parameter "Data"',
    ]);
  });

  test('item fetch, update and delete pass; a non-integer Ttl fails', () => {
    expect(request('GET', 'sync', item)).toEqual([]);
    expect(request('POST', 'sync', item, { Data: '{"status":"opted_out"}', Ttl: '60' })).toEqual([]);
    expect(request('DELETE', 'sync', item)).toEqual([]);
    expect(messages(request('POST', 'sync', item, { Data: '{}', Ttl: '1.5' }))).toEqual([
      expect.stringContaining('UpdateSyncMapItem: form parameter "Ttl" must be integer'),
    ]);
  });

  test('item list with PageSize, Order, From, Bounds passes; a bad Order or an oversized page fails', () => {
    expect(
      request(
        'GET',
        'sync',
        ITEMS_PATH,
        {},
        { PageSize: '100', Order: 'asc', From: '+9779800000001', Bounds: 'exclusive' },
      ),
    ).toEqual([]);
    expect(messages(request('GET', 'sync', ITEMS_PATH, {}, { Order: 'sideways' }))).toEqual([
      expect.stringContaining('query parameter "Order" must be one of "asc", "desc"'),
    ]);
    expect(messages(request('GET', 'sync', ITEMS_PATH, {}, { PageSize: '500' }))).toEqual([
      expect.stringContaining('"PageSize" must be <= 100'),
    ]);
  });

  test('documents: create, fetch, update pass; an unknown field fails', () => {
    expect(request('POST', 'sync', DOCUMENTS_PATH, { UniqueName: 'counters-2025-11-25', Data: '{"sent":1}' })).toEqual(
      [],
    );
    expect(request('GET', 'sync', `${DOCUMENTS_PATH}/counters-2025-11-25`)).toEqual([]);
    expect(request('POST', 'sync', `${DOCUMENTS_PATH}/counters-2025-11-25`, { Data: '{"sent":2}' })).toEqual([]);
    expect(
      messages(request('POST', 'sync', `${DOCUMENTS_PATH}/counters-2025-11-25`, { Data: '{}', Key: 'x' })),
    ).toEqual([expect.stringContaining('UpdateDocument: unknown form parameter "Key"')]);
  });
});

describe('Lookup v2 and Messaging v1', () => {
  const lookupPath = '/v2/PhoneNumbers/%2B9779800000001';

  test('Lookup fetch with Fields passes; a Lookup v1 parameter (Type) fails', () => {
    expect(request('GET', 'lookups', lookupPath, {}, { Fields: 'line_type_intelligence' })).toEqual([]);
    expect(request('GET', 'lookups', lookupPath)).toEqual([]);
    expect(messages(request('GET', 'lookups', lookupPath, {}, { Type: 'carrier' }))).toEqual([
      expect.stringContaining('FetchPhoneNumber: unknown query parameter "Type"'),
    ]);
  });

  test('Messaging Service fetch and webhook update pass; a bad InboundMethod or a non-MG SID fails', () => {
    const service = `/v1/Services/${MESSAGING_SERVICE_SID}`;
    expect(request('GET', 'messaging', service)).toEqual([]);
    expect(
      request('POST', 'messaging', service, {
        InboundRequestUrl: 'https://example.twil.io/incoming',
        InboundMethod: 'POST',
        StatusCallback: 'https://example.twil.io/status-callback',
      }),
    ).toEqual([]);
    expect(messages(request('POST', 'messaging', service, { InboundMethod: 'PUT' }))).toEqual([
      expect.stringContaining('UpdateService: form parameter "InboundMethod" must be one of "GET", "POST"'),
    ]);
    expect(messages(request('GET', 'messaging', `/v1/Services/${SYNC_SERVICE_SID}`))).toEqual([
      expect.stringContaining('path parameter "Sid" must match pattern'),
    ]);
  });

  test('sender pool list and Content approval fetch pass', () => {
    expect(
      request('GET', 'messaging', `/v1/Services/${MESSAGING_SERVICE_SID}/PhoneNumbers`, {}, { PageSize: '20' }),
    ).toEqual([]);
    expect(request('GET', 'content', `/v1/Content/${CONTENT_SID}/ApprovalRequests`)).toEqual([]);
  });
});

describe('Serverless v1 and its upload host (npm run deploy, through @twilio-labs/serverless-api)', () => {
  const ZS = 'ZS' + 'a'.repeat(32);
  const ZE = 'ZE' + 'b'.repeat(32);
  const ZH = 'ZH' + 'c'.repeat(32);
  const ZN = 'ZN' + 'd'.repeat(32);
  const ZB = 'ZB' + 'e'.repeat(32);

  test('what the library sends passes, the environment FriendlyName it adds included', () => {
    expect(
      request('POST', 'serverless', '/v1/Services', {
        UniqueName: 'aamcare-messaging',
        FriendlyName: 'aamcare-messaging',
        IncludeCredentials: 'true',
        UiEditable: 'false',
      }),
    ).toEqual([]);
    expect(
      request('POST', 'serverless', `/v1/Services/${ZS}/Environments`, {
        UniqueName: 'dev-environment',
        FriendlyName: 'dev-environment Environment (Created by CLI)',
        DomainSuffix: 'dev',
      }),
    ).toEqual([]);
    expect(request('POST', 'serverless', `/v1/Services/${ZS}/Functions`, { FriendlyName: '/register' })).toEqual([]);
    expect(
      request('POST', 'serverless', `/v1/Services/${ZS}/Builds`, {
        FunctionVersions: [ZN, 'ZN' + 'f'.repeat(32)],
        AssetVersions: ZN,
        Dependencies: '"[{"name":"twilio","version":"^6.2.0"}]"',
        Runtime: 'node22',
      }),
    ).toEqual([]);
    expect(request('GET', 'serverless', `/v1/Services/${ZS}/Builds/${ZB}/Status`)).toEqual([]);
    expect(
      request('POST', 'serverless', `/v1/Services/${ZS}/Environments/${ZE}/Variables`, { Key: 'K', Value: 'v' }),
    ).toEqual([]);
    expect(
      request('POST', 'serverless', `/v1/Services/${ZS}/Environments/${ZE}/Deployments`, { BuildSid: ZB }),
    ).toEqual([]);
  });

  test('FriendlyName is tolerated only where the library sends it; other unknown parameters fail', () => {
    expect(
      messages(request('POST', 'serverless', `/v1/Services/${ZS}/Functions`, { FriendlyName: '/x', Path: '/x' })),
    ).toEqual([expect.stringContaining('CreateFunction: unknown form parameter "Path"')]);
    expect(
      messages(request('POST', 'serverless', `/v1/Services/${ZS}/Environments/${ZE}/Variables`, { Key: 'K' })),
    ).toEqual([expect.stringContaining('CreateVariable: missing required form parameter "Value"')]);
  });

  test('uploads (not in the spec) are checked with its Version schema: Path, Visibility, Content', () => {
    const versions = `/v1/Services/${ZS}/Functions/${ZH}/Versions`;
    const file = { Path: '/register', Visibility: 'public', Content: '/register' };
    expect(request('POST', 'serverless-upload', versions, file)).toEqual([]);
    expect(
      request('POST', 'serverless-upload', `/v1/Services/${ZS}/Assets/${ZH}/Versions`, {
        ...file,
        Path: '/tips.json',
        Visibility: 'private',
      }),
    ).toEqual([]);
    expect(messages(request('POST', 'serverless-upload', versions, { ...file, Visibility: 'secret' }))).toEqual([
      expect.stringContaining(
        'CreateFunctionVersion: form parameter "Visibility" must be one of "public", "private", "protected"',
      ),
    ]);
    expect(messages(request('POST', 'serverless-upload', versions, { ...file, Path: 'register' }))).toEqual([
      expect.stringContaining('form parameter "Path" must match pattern "^/"'),
    ]);
    const { Content: _none, ...withoutContent } = file;
    expect(messages(request('POST', 'serverless-upload', versions, withoutContent))).toEqual([
      expect.stringContaining('missing required form parameter "Content"'),
    ]);
    expect(messages(request('GET', 'serverless-upload', versions))).toEqual([
      expect.stringContaining("is not an operation of Twilio's serverless-upload spec (the path exists with POST)"),
    ]);
  });
});
