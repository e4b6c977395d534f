/**
 * Response shapes against Twilio's OpenAPI specs: Twilio's own examples and well-formed
 * resources pass; wrong types, bad enums, wrong date formats, missing fields the project
 * reads and non-Twilio error bodies fail.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateTwilioResponse } from '../../sandbox/contract/index';
import { SPEC_FILES, specDirectory } from '../../sandbox/contract/operations';
import {
  ACCOUNT_SID,
  ITEMS_PATH,
  MESSAGE_PATH,
  MESSAGES_PATH,
  MESSAGING_SERVICE_SID,
  SYNC_SERVICE_SID,
  messageResource,
  syncItemResource,
} from './fixtures';

const answer = (method: string, product: string, path: string, status: number, body: unknown) =>
  validateTwilioResponse({ method, product, path, status, body });
const messages = (violations: { message: string }[]) => violations.map((v) => v.message);

describe("Twilio's own response examples for the operations this project uses", () => {
  // [product, method, spec template, a concrete path for it]
  const used: [string, string, string, string][] = [
    ['api', 'post', '/2010-04-01/Accounts/{AccountSid}/Messages.json', MESSAGES_PATH],
    ['api', 'get', '/2010-04-01/Accounts/{AccountSid}/Messages.json', MESSAGES_PATH],
    ['api', 'post', '/2010-04-01/Accounts/{AccountSid}/Messages/{Sid}.json', MESSAGE_PATH],
    ['sync', 'post', '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items', ITEMS_PATH],
    ['sync', 'get', '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items', ITEMS_PATH],
    ['sync', 'post', '/v1/Services/{ServiceSid}/Maps/{MapSid}/Items/{Key}', `${ITEMS_PATH}/k`],
    ['sync', 'post', '/v1/Services/{ServiceSid}/Documents', `/v1/Services/${SYNC_SERVICE_SID}/Documents`],
    ['lookups', 'get', '/v2/PhoneNumbers/{PhoneNumber}', '/v2/PhoneNumbers/%2B14155552671'],
    ['messaging', 'get', '/v1/Services/{Sid}', `/v1/Services/${MESSAGING_SERVICE_SID}`],
    // npm run deploy (@twilio-labs/serverless-api): what it creates, lists and polls
    ...(
      [
        ['post', '/v1/Services'],
        ['get', '/v1/Services'],
        ['post', '/v1/Services/{ServiceSid}/Environments'],
        ['get', '/v1/Services/{ServiceSid}/Environments'],
        ['get', '/v1/Services/{ServiceSid}/Environments/{Sid}'],
        ['post', '/v1/Services/{ServiceSid}/Functions'],
        ['get', '/v1/Services/{ServiceSid}/Functions'],
        ['post', '/v1/Services/{ServiceSid}/Assets'],
        ['post', '/v1/Services/{ServiceSid}/Builds'],
        ['get', '/v1/Services/{ServiceSid}/Builds'],
        ['get', '/v1/Services/{ServiceSid}/Builds/{Sid}/Status'],
        ['post', '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Variables'],
        ['get', '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Variables'],
        ['post', '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Variables/{Sid}'],
        ['post', '/v1/Services/{ServiceSid}/Environments/{EnvironmentSid}/Deployments'],
      ] as const
    ).map(([method, template]): [string, string, string, string] => [
      'serverless',
      method,
      template,
      template
        .replace('{ServiceSid}', 'ZS' + '1'.repeat(32))
        .replace('{EnvironmentSid}', 'ZE' + '2'.repeat(32))
        .replace('{Sid}', template.includes('Builds') ? 'ZB' + '3'.repeat(32) : 'ZV' + '4'.repeat(32)),
    ]),
  ];
  const cases = used.flatMap(([product, method, template, path]) => {
    const spec = JSON.parse(readFileSync(join(specDirectory(), SPEC_FILES[product]!), 'utf8')) as {
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, { content?: Record<string, { examples?: Record<string, { value: unknown }> }> }> }
        >
      >;
    };
    return Object.entries(spec.paths[template]![method]!.responses).flatMap(([status, response]) =>
      Object.entries(response.content?.['application/json']?.examples ?? {}).map(
        ([name, example]) =>
          [
            `${product} ${method.toUpperCase()} ${template} ${status} ${name}`,
            method,
            product,
            path,
            Number(status),
            example.value,
          ] as const,
      ),
    );
  });

  test('there are examples to check', () => expect(cases.length).toBeGreaterThan(20));
  test.each(cases)('%s passes', (_name, method, product, path, status, body) => {
    expect(answer(method, product, path, status, body)).toEqual([]);
  });
});

describe('Message resource', () => {
  test('a correct Message passes, with nullable fields null', () => {
    expect(answer('POST', 'api', MESSAGES_PATH, 201, messageResource())).toEqual([]);
  });

  test('num_segments as an object fails, naming the operation and the field', () => {
    const violations = answer('POST', 'api', MESSAGES_PATH, 201, messageResource({ num_segments: { n: 1 } }));
    expect(violations).toEqual([
      {
        where: 'response',
        operation: 'CreateMessage',
        message: expect.stringContaining('CreateMessage 201: response field "num_segments" must be string'),
      },
    ]);
  });

  test('error_code as a string fails (the spec says integer)', () => {
    expect(
      messages(answer('GET', 'api', MESSAGE_PATH, 200, messageResource({ status: 'failed', error_code: '30003' }))),
    ).toEqual([expect.stringContaining('FetchMessage 200: response field "error_code" must be integer')]);
  });

  test('an unknown status fails', () => {
    expect(messages(answer('GET', 'api', MESSAGE_PATH, 200, messageResource({ status: 'sending-ish' })))).toEqual([
      expect.stringContaining('"status" must be one of'),
    ]);
  });

  test('an ISO date in API v2010 fails: Twilio sends RFC 2822 there', () => {
    expect(
      messages(answer('GET', 'api', MESSAGE_PATH, 200, messageResource({ date_created: '2025-11-25T01:15:00Z' }))),
    ).toEqual([expect.stringContaining('"date_created" must match format "date-time-rfc-2822"')]);
  });

  test('a missing field the project reads fails; an extra field is allowed', () => {
    const { status: _dropped, ...withoutStatus } = messageResource();
    expect(messages(answer('POST', 'api', MESSAGES_PATH, 201, withoutStatus))).toEqual([
      expect.stringContaining('missing response field "status"'),
    ]);
    expect(answer('POST', 'api', MESSAGES_PATH, 201, messageResource({ something_new: 1 }))).toEqual([]);
  });

  test('a Messages page needs its records and next_page_uri (twilio-node pages with them)', () => {
    const page = {
      messages: [messageResource()],
      end: 0,
      first_page_uri: `${MESSAGES_PATH}?PageSize=20&Page=0`,
      next_page_uri: null,
      page: 0,
      page_size: 20,
      previous_page_uri: null,
      start: 0,
      uri: `${MESSAGES_PATH}?PageSize=20&Page=0`,
    };
    expect(answer('GET', 'api', MESSAGES_PATH, 200, page)).toEqual([]);
    const { next_page_uri: _dropped, ...withoutNext } = page;
    expect(messages(answer('GET', 'api', MESSAGES_PATH, 200, withoutNext))).toEqual([
      expect.stringContaining('missing response field "next_page_uri"'),
    ]);
  });
});

describe('Sync, Lookup and Messaging Service resources', () => {
  test('a Sync item passes; without revision it fails; data may be null', () => {
    expect(answer('POST', 'sync', ITEMS_PATH, 201, syncItemResource())).toEqual([]);
    expect(answer('POST', 'sync', ITEMS_PATH, 201, syncItemResource({ data: null }))).toEqual([]);
    const { revision: _dropped, ...withoutRevision } = syncItemResource();
    expect(messages(answer('POST', 'sync', ITEMS_PATH, 201, withoutRevision))).toEqual([
      'CreateSyncMapItem 201: missing response field "revision" (read by this project or twilio-node)',
    ]);
  });

  test('a Sync item with a numeric revision or an RFC 2822 date fails (Sync uses strings and ISO 8601)', () => {
    expect(
      messages(
        answer(
          'GET',
          'sync',
          `${ITEMS_PATH}/k`,
          200,
          syncItemResource({ revision: 3, date_updated: 'Tue, 25 Nov 2025 01:15:00 +0000' }),
        ),
      ),
    ).toEqual([
      expect.stringContaining('"revision" must be string'),
      expect.stringContaining('"date_updated" must match format "date-time"'),
    ]);
  });

  test('a Sync item page needs meta.key and meta.next_page_url', () => {
    const meta = {
      page: 0,
      page_size: 50,
      first_page_url: `https://sync.twilio.com${ITEMS_PATH}?PageSize=50&Page=0`,
      previous_page_url: null,
      url: `https://sync.twilio.com${ITEMS_PATH}?PageSize=50&Page=0`,
      next_page_url: null,
      key: 'items',
    };
    expect(answer('GET', 'sync', ITEMS_PATH, 200, { items: [syncItemResource()], meta })).toEqual([]);
    expect(messages(answer('GET', 'sync', ITEMS_PATH, 200, { items: [syncItemResource()] }))).toEqual([
      expect.stringContaining('missing response field "meta"'),
    ]);
    const { key: _dropped, ...metaWithoutKey } = meta;
    expect(messages(answer('GET', 'sync', ITEMS_PATH, 200, { items: [], meta: metaWithoutKey }))).toEqual([
      expect.stringContaining('missing response field "meta.key"'),
    ]);
    expect(
      messages(answer('GET', 'sync', ITEMS_PATH, 200, { items: [{ ...syncItemResource(), data: 'text' }], meta })),
    ).toEqual([expect.stringContaining('"items[0].data" must be object')]);
  });

  test('a Lookup answer with valid as a string fails', () => {
    const lookup = {
      calling_country_code: '977',
      country_code: 'NP',
      phone_number: '+9779800000001',
      national_format: '980-0000001',
      valid: true,
      validation_errors: [],
      caller_name: null,
      sim_swap: null,
      call_forwarding: null,
      line_status: null,
      line_type_intelligence: {
        type: 'mobile',
        carrier_name: 'Nepal Telecom',
        mobile_country_code: '429',
        mobile_network_code: '01',
        error_code: null,
      },
      identity_match: null,
      reassigned_number: null,
      sms_pumping_risk: null,
      phone_number_quality_score: null,
      pre_fill: null,
      url: 'https://lookups.twilio.com/v2/PhoneNumbers/+9779800000001',
    };
    const path = '/v2/PhoneNumbers/%2B9779800000001';
    expect(answer('GET', 'lookups', path, 200, lookup)).toEqual([]);
    expect(messages(answer('GET', 'lookups', path, 200, { ...lookup, valid: 'yes' }))).toEqual([
      expect.stringContaining('FetchPhoneNumber 200: response field "valid" must be boolean'),
    ]);
  });

  test('a Messaging Service: a nullable enum accepts null, not another method', () => {
    const service = {
      sid: MESSAGING_SERVICE_SID,
      account_sid: ACCOUNT_SID,
      friendly_name: 'Aamcare',
      date_created: '2025-11-25T01:15:00Z',
      date_updated: '2025-11-25T01:15:00Z',
      inbound_request_url: null,
      inbound_method: null,
      fallback_url: null,
      fallback_method: 'POST',
      status_callback: null,
      sticky_sender: true,
      mms_converter: true,
      smart_encoding: true,
      scan_message_content: 'inherit',
      fallback_to_long_code: true,
      area_code_geomatch: true,
      synchronous_validation: false,
      validity_period: 36000,
      url: `https://messaging.twilio.com/v1/Services/${MESSAGING_SERVICE_SID}`,
      links: {},
      usecase: 'notifications',
      us_app_to_person_registered: false,
      use_inbound_webhook_on_number: false,
    };
    const path = `/v1/Services/${MESSAGING_SERVICE_SID}`;
    expect(answer('GET', 'messaging', path, 200, service)).toEqual([]);
    expect(messages(answer('GET', 'messaging', path, 200, { ...service, inbound_method: 'PUT' }))).toEqual([
      expect.stringContaining('"inbound_method" must be one of "GET", "POST", null'),
    ]);
  });
});

describe('statuses and error bodies', () => {
  test('a Twilio-shaped error passes; other shapes fail', () => {
    const error = {
      code: 21211,
      message: "The 'To' number is not a valid phone number.",
      more_info: 'https://www.twilio.com/docs/errors/21211',
      status: 400,
    };
    expect(answer('POST', 'api', MESSAGES_PATH, 400, error)).toEqual([]);
    expect(messages(answer('POST', 'api', MESSAGES_PATH, 400, { error: 'bad number' }))).toEqual([
      expect.stringContaining('missing required error field "code"'),
      expect.stringContaining('missing required error field "message"'),
      expect.stringContaining('missing required error field "more_info"'),
      expect.stringContaining('missing required error field "status"'),
    ]);
    expect(messages(answer('POST', 'api', MESSAGES_PATH, 400, { ...error, code: '21211' }))).toEqual([
      expect.stringContaining('error field "code" must be integer'),
    ]);
    expect(messages(answer('POST', 'api', MESSAGES_PATH, 429, { ...error, code: 20429 }))).toEqual([
      expect.stringContaining('error field "status" is 400 but the HTTP status is 429'),
    ]);
  });

  test('an undocumented success status fails (a create answers 201, not 200)', () => {
    expect(messages(answer('POST', 'api', MESSAGES_PATH, 200, messageResource()))).toEqual([
      expect.stringContaining('status 200 is not a documented answer (spec: 201)'),
    ]);
  });

  test('a delete answers 204 with no body', () => {
    expect(answer('DELETE', 'sync', `${ITEMS_PATH}/k`, 204, undefined)).toEqual([]);
    expect(messages(answer('DELETE', 'sync', `${ITEMS_PATH}/k`, 204, { deleted: true }))).toEqual([
      expect.stringContaining('documents no body'),
    ]);
  });

  test('a success answer to an unknown operation fails; a Twilio-shaped 404 to it passes', () => {
    const unknown = `/2010-04-01/Accounts/${ACCOUNT_SID}/Texts.json`;
    expect(answer('GET', 'api', unknown, 200, {})).toEqual([
      { where: 'response', message: expect.stringContaining('is not an operation') },
    ]);
    expect(
      answer('GET', 'api', unknown, 404, {
        code: 20404,
        message: 'The requested resource was not found',
        more_info: 'https://www.twilio.com/docs/errors/20404',
        status: 404,
      }),
    ).toEqual([]);
    expect(messages(answer('GET', 'api', unknown, 404, 'Not Found'))).toEqual([
      expect.stringContaining('GET /api 404: the body must be object'),
    ]);
  });
});
