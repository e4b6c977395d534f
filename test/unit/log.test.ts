import { createLogger, redact, redactString } from '../../src/core/log';

const RAW_NUMBERS = [
  '+9779807969278',
  '9807969278',
  '09807969278',
  '+14155238886',
  'whatsapp:+9779841234567',
  '+977 980-796-9278',
];
const SECRETS = ['tok_5b3c1f0e9a8d7c6b5a4f3e2d1c0b9a8f', 'sk_live_topsecretvalue1234567890', 'Basic QUMxMjM6c2VjcmV0'];

function capture() {
  const lines: string[] = [];
  return {
    lines,
    log: createLogger(
      (line) => lines.push(line),
      () => new Date('2026-11-24T00:00:00Z'),
    ),
  };
}

test('one JSON line per event with its name and level', () => {
  const { lines, log } = capture();
  log.info('registration.created', { userId: '42' });
  log.warn('registration.rejected', { reason: 'too_short' });
  expect(lines.map((l) => JSON.parse(l))).toEqual([
    { ts: '2026-11-24T00:00:00.000Z', level: 'info', event: 'registration.created', userId: '42' },
    { ts: '2026-11-24T00:00:00.000Z', level: 'warn', event: 'registration.rejected', reason: 'too_short' },
  ]);
});

test('no raw phone number or secret survives, wherever it hides', () => {
  const { lines, log } = capture();
  for (const phone of RAW_NUMBERS) {
    log.info('x', { phone, nested: { to: phone, list: [phone] }, message: `sending to ${phone} now` });
    log.error('y', { error: new Error(`Invalid To: ${phone}`) });
  }
  for (const secret of SECRETS) {
    log.info('z', {
      token: secret,
      authToken: secret,
      headers: { authorization: secret },
      password: secret,
      body: `hello ${secret}`,
      apiKey: secret,
      signature: secret,
    });
  }
  log.info('numbers', { phone: 9807969278, to: 14155238886 });
  const output = lines.join('\n');
  for (const phone of RAW_NUMBERS) {
    const digits = phone.replace(/\D/g, '');
    expect(output).not.toContain(digits.slice(-10, -3));
  }
  expect(output).not.toContain('9807969278');
  expect(output).not.toContain('4155238886');
  for (const secret of SECRETS) expect(output).not.toContain(secret);
  expect(output).toContain('+977******278');
});

test('SIDs, dates and small numbers are left readable', () => {
  const { lines, log } = capture();
  log.info('x', { messageSid: 'SM1234567890abcdef1234567890abcdef', day: '2026-11-24', attempts: 3, durationMs: 1234 });
  expect(JSON.parse(lines[0]!)).toMatchObject({
    messageSid: 'SM1234567890abcdef1234567890abcdef',
    day: '2026-11-24',
    attempts: 3,
    durationMs: 1234,
  });
});

test.each([
  // 7 to 15 digits standing alone are a number; fewer or more are something else.
  ['1-2-3-4-5', '1-2-3-4-5'],
  ['1234567', '+1******567'],
  ['123456789012345', '+1******345'],
  ['1234567890123456', '1234567890123456'],
  ['call tel:+9779807969278 now', 'call tel:+977******278 now'],
  ['whatsapp:+9779841234567', 'whatsapp:+977******567'],
  ['2026-11-24 10:00', '2026-11-24 10:00'],
])('redactString(%j) -> %j', (text, expected) => {
  expect(redactString(text)).toBe(expected);
});

test('redact: exact shapes for errors, nulls, arrays, secrets and numbers under a phone key', () => {
  const error = Object.assign(new Error('to 9807969278'), { code: 21211, status: 400 });
  expect(
    redact({ phone: 9807969278, count: 9807969278, list: ['9807969278', 3], none: null, error, authToken: 'x' }),
  ).toEqual({
    phone: '+98******278',
    count: 9807969278,
    list: ['+98******278', 3],
    none: null,
    error: { name: 'Error', message: 'to +98******278', code: 21211, status: 400 },
    authToken: '[redacted]',
  });
  expect(redact(9807969278)).toBe(9807969278);
  expect(redact(undefined)).toBeUndefined();
});

test('redact stops 7 levels down', () => {
  const nest = (depth: number, inner: unknown): unknown => (depth === 0 ? inner : { a: nest(depth - 1, inner) });
  expect(redact(nest(6, 'leaf'))).toEqual(nest(6, 'leaf'));
  expect(redact(nest(7, 'leaf'))).toEqual(nest(7, '[deep]'));
  // Arrays count as levels too: in six the leaf is kept, in seven it is cut.
  expect(redact([[[[[['leaf']]]]]])).toEqual([[[[[['leaf']]]]]]);
  expect(redact([[[[[[['leaf']]]]]]])).toEqual([[[[[[['[deep]']]]]]]]);
});

test('error level, and console.log by default', () => {
  const { lines, log } = capture();
  log.error('boom', { n: 1 });
  expect(JSON.parse(lines[0]!)).toEqual({ ts: '2026-11-24T00:00:00.000Z', level: 'error', event: 'boom', n: 1 });
  const spy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    createLogger(undefined, () => new Date('2026-11-24T00:00:00Z')).info('hello');
    expect(spy).toHaveBeenCalledWith('{"ts":"2026-11-24T00:00:00.000Z","level":"info","event":"hello"}');
  } finally {
    spy.mockRestore();
  }
});
