import {
  checkFields,
  checkTransport,
  runtimeHeaders,
  signableParams,
  type InputPolicy,
} from '../../src/runtime/request-params';

/** The event as @twilio/runtime-handler 2.1.0 builds it: { request, ...query, ...body }. */
function event(
  headers: Record<string, string | string[]>,
  query: Record<string, unknown> = {},
  body: Record<string, unknown> = {},
  cookies: Record<string, unknown> = {},
) {
  return { request: { headers, cookies }, ...query, ...body };
}

const bodyPolicy: InputPolicy = {
  from: 'body',
  bodyTypes: ['form', 'json'],
  maxBodyBytes: 1000,
  fields: { a: { maxLength: 10 }, b: { maxLength: 10 }, text: { maxLength: 100, controls: true } },
  undeclared: 'refuse',
};

describe('runtimeHeaders: only the runtime builds `request`', () => {
  test('the runtime shape passes', () => {
    const e = event({ host: 'x', 'set-thing': ['1', '2'] }, {}, {}, {});
    expect(runtimeHeaders(e)).toEqual({ ok: true, value: { host: 'x', 'set-thing': ['1', '2'] } });
    expect(runtimeHeaders(event({ cookie: 'a=b' }, {}, {}, { a: 'b' })).ok).toBe(true);
  });
  test.each([
    ['missing', {}],
    ['a string (form field request=x)', { request: 'x' }],
    ['an array', { request: [] }],
    [
      'no cookies (a query ?request[headers][authorization]=…)',
      { request: { headers: { authorization: 'Bearer t' } } },
    ],
    ['an extra key', { request: { headers: {}, cookies: {}, extra: 1 } }],
    ['headers not an object', { request: { headers: 'x', cookies: {} } }],
    ['an upper-case header name', { request: { headers: { Authorization: 'x' }, cookies: {} } }],
    ['a header value that is an object', { request: { headers: { authorization: { a: 1 } }, cookies: {} } }],
    ['a one-element header array', { request: { headers: { authorization: ['x'] }, cookies: {} } }],
    ['cookies without a Cookie header', { request: { headers: {}, cookies: { a: 'b' } } }],
    ['an object with a prototype', { request: Object.create({ headers: {}, cookies: {} }) as unknown }],
  ])('%s -> 400 reserved_field', (_what, e) => {
    expect(runtimeHeaders(e as Record<string, unknown>)).toEqual({
      ok: false,
      refusal: expect.objectContaining({ status: 400, code: 'reserved_field', field: 'request' }) as unknown,
    });
  });
});

describe('checkTransport: where the fields travelled', () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  test('fields that fit the body pass, form and JSON', () => {
    const body = new URLSearchParams({ a: 'x', b: 'yy' }).toString();
    expect(
      checkTransport(event({ ...form, 'content-length': String(body.length) }, {}, { a: 'x', b: 'yy' }), bodyPolicy).ok,
    ).toBe(true);
    const json = JSON.stringify({ a: 'x', b: 'yy' });
    expect(
      checkTransport(
        event({ 'content-type': 'application/json', 'content-length': String(json.length) }, {}, { a: 'x', b: 'yy' }),
        bodyPolicy,
      ).ok,
    ).toBe(true);
  });
  test('a field in the query (no body, or a body too small for it) -> 400 query_not_allowed', () => {
    expect(checkTransport(event({}, { a: 'x' }), bodyPolicy)).toMatchObject({
      ok: false,
      refusal: { code: 'query_not_allowed' },
    });
    const body = 'a=x';
    expect(
      checkTransport(
        event({ ...form, 'content-length': String(body.length) }, { b: '9807969286' }, { a: 'x' }),
        bodyPolicy,
      ),
    ).toMatchObject({ ok: false, refusal: { code: 'query_not_allowed' } });
  });
  test('percent-encoding only adds bytes: a non-ASCII body is never mistaken for a query', () => {
    const body = new URLSearchParams({ a: 'सीता 😀' }).toString();
    expect(
      checkTransport(
        event({ ...form, 'content-length': String(Buffer.byteLength(body)) }, {}, { a: 'सीता 😀' }),
        bodyPolicy,
      ).ok,
    ).toBe(true);
  });
  test('sizes and types', () => {
    expect(checkTransport(event({ ...form, 'content-length': '1001' }), bodyPolicy)).toMatchObject({
      refusal: { status: 413 },
    });
    expect(checkTransport(event({ 'content-type': 'text/plain', 'content-length': '3' }), bodyPolicy)).toMatchObject({
      refusal: { status: 415 },
    });
    expect(checkTransport(event({ 'content-length': 'x' }), bodyPolicy)).toMatchObject({
      refusal: { code: 'bad_content_length' },
    });
  });
  test('`either` routes take the query', () => {
    expect(checkTransport(event({}, { a: 'x' }), { ...bodyPolicy, from: 'either' }).ok).toBe(true);
  });
});

describe('checkFields: declared, single, bounded, printable', () => {
  test.each([
    [{ c: 'x' }, 'unknown_field', 'c'],
    [{ a: ['x', 'y'] }, 'repeated_field', 'a'],
    [{ a: { $ne: 1 } }, 'invalid_field', 'a'],
    [{ a: 'x'.repeat(11) }, 'field_too_long', 'a'],
    [{ a: 'x\u0000' }, 'control_character', 'a'],
    [{ a: 'x\u0085' }, 'control_character', 'a'],
  ])('%j -> %s (%s)', (params, code, field) => {
    expect(checkFields(params, bodyPolicy)).toMatchObject({ ok: false, refusal: { status: 400, code, field } });
  });
  test('scalars pass; line breaks only where declared; undeclared ignored on webhooks', () => {
    expect(checkFields({ a: 'x', b: 3, text: 'two\nlines' }, bodyPolicy)).toEqual({
      ok: true,
      value: { a: 'x', b: 3, text: 'two\nlines' },
    });
    expect(checkFields({ a: 'x', ApiVersion: ['1', '2'] }, { ...bodyPolicy, undeclared: 'ignore' })).toEqual({
      ok: true,
      value: { a: 'x' },
    });
  });
  test('a field named like an Object.prototype key is undeclared, not a rule', () => {
    expect(checkFields({ constructor: 'x' }, bodyPolicy)).toMatchObject({ refusal: { code: 'unknown_field' } });
  });
});

describe('signableParams: only what a form signature can cover', () => {
  test('strings and repeated strings are kept for the signature', () => {
    expect(signableParams({ a: 'x', b: ['1', '2'] })).toEqual({ ok: true, value: { a: 'x', b: ['1', '2'] } });
  });
  test.each([[{ a: 1 }], [{ a: { b: 'c' } }], [{ a: ['x', { b: 1 }] }], [{ a: true }]])('%j -> refused', (params) => {
    expect(signableParams(params)).toMatchObject({ ok: false, refusal: { code: 'invalid_field', field: 'a' } });
  });
});
