import { DeadlineExceededError } from '../../src/core/retry';
import {
  AmbiguousSendError,
  classifySendFailure,
  contentFingerprint,
  matchSent,
  sendOutOfTime,
  sendWindowClosed,
  type ListedMessage,
} from '../../src/core/send-outcome';

const coded = (code: unknown) => Object.assign(new Error('failed'), { code });
const deadline = (lastError: unknown) => new DeadlineExceededError(3, lastError);

describe('classifySendFailure: resend only what provably never left', () => {
  test.each([
    'ERR_SEND_WINDOW_CLOSED',
    'ECONNREFUSED',
    'ENOTFOUND',
    'EAI_AGAIN',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'ERR_TLS_CERT_ALTNAME_INVALID',
    'ERR_SSL_WRONG_VERSION_NUMBER',
    'CERT_HAS_EXPIRED',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
  ])('%s happens before a byte is written: not_sent', (code) => {
    expect(classifySendFailure(coded(code))).toBe('not_sent');
    // The retries' deadline wraps the last failure; it is that failure that counts.
    expect(classifySendFailure(deadline(coded(code)))).toBe('not_sent');
  });

  test.each([
    ['a reset after sending', coded('ECONNRESET')],
    ['a timeout', coded('ETIMEDOUT')],
    ['a code only containing a never-sent one', coded('XECONNREFUSED')],
    ['a never-sent code with a suffix', coded('ECONNREFUSEDX')],
    ['a Twilio error number', coded(20003)],
    ['a 5xx', Object.assign(new Error('x'), { status: 500 })],
    ['a 503', Object.assign(new Error('x'), { status: 503 })],
    ['a 3xx', Object.assign(new Error('x'), { status: 399 })],
    ['an ambiguous send', new AmbiguousSendError('socket hang up')],
    ['an ambiguous send at the deadline', deadline(new AmbiguousSendError('timeout'))],
    ['a deadline with nothing known', deadline(undefined)],
    ['null', null],
    ['undefined', undefined],
    ['a string', 'boom'],
  ])('%s: ambiguous', (_name, error) => {
    expect(classifySendFailure(error)).toBe('ambiguous');
  });

  test.each([400, 404, 429, 499])('Twilio answered %i: refused, nothing was created', (status) => {
    expect(classifySendFailure(Object.assign(new Error('x'), { status, code: 21211 }))).toBe('refused');
    expect(classifySendFailure({ statusCode: status })).toBe('refused');
    expect(classifySendFailure(deadline({ status }))).toBe('refused');
  });

  test('an ambiguous send stays ambiguous whatever its status or code says', () => {
    expect(classifySendFailure(Object.assign(new AmbiguousSendError('x'), { status: 400, code: 'ECONNREFUSED' }))).toBe(
      'ambiguous',
    );
  });
});

describe('sendWindowClosed and sendOutOfTime', () => {
  test('the closed window is a never-sent failure', () => {
    const error = sendWindowClosed();
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('send window closed before the request was made');
    expect((error as Error & { code?: string }).code).toBe('ERR_SEND_WINDOW_CLOSED');
    expect(classifySendFailure(error)).toBe('not_sent');
  });

  test.each([
    ['the window closed', sendWindowClosed(), true],
    ['the window closed, at the deadline', deadline(sendWindowClosed()), true],
    ['the deadline with no Twilio code', deadline(new Error('socket hang up')), true],
    ['the deadline after a network code', deadline(coded('ECONNRESET')), true],
    ['the deadline with nothing known', deadline(null), true],
    ['the deadline after a Twilio error number', deadline({ status: 429, code: 20429 }), false],
    ['the deadline after a Twilio error number as text', deadline(coded('20429')), false],
    ['a network failure without the deadline', coded('ECONNRESET'), false],
    ['a plain error', new Error('x'), false],
    ['null', null, false],
  ])('%s -> %p', (_name, error, expected) => {
    expect(sendOutOfTime(error)).toBe(expected);
  });
});

test('AmbiguousSendError carries its reason and cause', () => {
  const cause = new Error('socket hang up');
  const error = new AmbiguousSendError('reset after write', cause);
  expect(error).toBeInstanceOf(Error);
  expect(error).toMatchObject({
    name: 'AmbiguousSendError',
    message: 'message create outcome unknown (reset after write)',
    reason: 'reset after write',
    cause,
    ambiguous: true,
  });
});

test('contentFingerprint: the first 16 characters of the body SHA-256 in base64url', () => {
  // Stored on claims: a changed digest would stop in-flight claims from being recognised.
  expect(contentFingerprint({ body: 'hello' })).toBe('LPJNul-wow4m6Dsq');
  expect(contentFingerprint({ body: '' })).toBe('47DEQpj8HBSa-_TI');
});

describe('matchSent: which of Twilio records a claim was about', () => {
  const since = new Date('2026-06-01T10:00:00.000Z');
  const at = (offsetMs: number) => new Date(since.getTime() + offsetMs);
  const msg = (sid: string, over: Partial<ListedMessage> = {}): ListedMessage => ({
    sid,
    status: 'queued',
    body: 'hello',
    dateCreated: at(1000),
    direction: 'outbound-api',
    ...over,
  });
  const sids = (messages: ListedMessage[], matcher: Parameters<typeof matchSent>[1]) =>
    messages.filter((m) => matchSent([m], matcher) !== undefined).map((m) => m.sid);

  test('outbound (or unknown direction), created no earlier than the claim less 2 s of skew', () => {
    const messages = [
      msg('api'),
      msg('reply', { direction: 'outbound-reply' }),
      msg('no-direction', { direction: undefined }),
      msg('empty-direction', { direction: '' }),
      msg('inbound', { direction: 'inbound' }),
      msg('not-outbound-first', { direction: 'inbound-outbound' }),
      msg('skew-edge', { dateCreated: at(-2000) }),
      msg('too-early', { dateCreated: at(-2001) }),
      msg('no-date', { dateCreated: null }),
    ];
    expect(sids(messages, { since, scheduled: false })).toEqual([
      'api',
      'reply',
      'no-direction',
      'empty-direction',
      'skew-edge',
    ]);
  });

  test('with a fingerprint, only the same body matches, whatever its status', () => {
    const messages = [
      msg('same'),
      msg('same-scheduled', { status: 'scheduled' }),
      msg('other', { body: 'hello!' }),
      msg('no-body', { body: null }),
    ];
    const fingerprint = contentFingerprint({ body: 'hello' });
    expect(sids(messages, { since, fingerprint, scheduled: false })).toEqual(['same', 'same-scheduled']);
  });

  test('without one (templates), a scheduled claim matches scheduled or canceled tips, an immediate one the rest', () => {
    const messages = [
      msg('queued'),
      msg('sent', { status: 'sent' }),
      msg('scheduled', { status: 'scheduled' }),
      msg('canceled', { status: 'canceled' }),
    ];
    expect(sids(messages, { since, scheduled: true })).toEqual(['scheduled', 'canceled']);
    expect(sids(messages, { since, scheduled: false })).toEqual(['queued', 'sent']);
  });

  test('the earliest match wins; none is undefined', () => {
    const messages = [msg('late', { dateCreated: at(9000) }), msg('middle', { dateCreated: at(5000) }), msg('early')];
    expect(matchSent(messages, { since, scheduled: false })?.sid).toBe('early');
    expect(
      matchSent([msg('b', { dateCreated: at(3000) }), msg('a', { dateCreated: at(2000) })], { since, scheduled: false })
        ?.sid,
    ).toBe('a');
    expect(matchSent(messages, { since, scheduled: true })).toBeUndefined();
    expect(matchSent([], { since, scheduled: false })).toBeUndefined();
  });
});
