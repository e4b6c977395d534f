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

describe('redactString: 7 to 15 digits are a phone number', () => {
  test.each([
    ['id 12-34-56 end', 'id 12-34-56 end'],
    ['call 1234567 now', 'call +1******567 now'],
    ['call 123456789012345 now', 'call +1******345 now'],
    ['ref 1234567890123456 end', 'ref 1234567890123456 end'],
    ['tel:+9779807969278', 'tel:+977******278'],
    ['x whatsapp:+14155238886', 'x whatsapp:+1******886'],
  ])('%j -> %j', (text, expected) => expect(redactString(text)).toBe(expected));
});

describe('redact: every kind of value', () => {
  test('nulls and booleans pass, errors keep name, code and status with the message masked, arrays are walked', () => {
    const error = Object.assign(new Error('Invalid To: +9779807969278'), { code: 21211, status: 400 });
    expect(
      redact({
        a: null,
        b: true,
        error,
        list: ['+9779807969278', { phone: 9807969278 }],
        phone: [9807969278],
        token: 'abc',
      }),
    ).toEqual({
      a: null,
      b: true,
      error: { name: 'Error', message: 'Invalid To: +977******278', code: 21211, status: 400 },
      list: ['+977******278', { phone: '+98******278' }],
      phone: ['+98******278'],
      token: '[redacted]',
    });
  });

  test('nesting deeper than 6 levels is cut off', () => {
    let deep: unknown = '+9779807969278';
    for (let i = 0; i < 8; i++) deep = { d: deep };
    expect(redact(deep)).toEqual({ d: { d: { d: { d: { d: { d: { d: '[deep]' } } } } } } });
  });
});

test('errors are logged at level error; by default to console.log with the current time', () => {
  const spy = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    createLogger().error('boom', { phone: '+9779807969278' });
    const record = JSON.parse(spy.mock.calls[0]![0] as string);
    expect(record).toMatchObject({ level: 'error', event: 'boom', phone: '+977******278' });
    expect(new Date(record.ts).toISOString()).toBe(record.ts);
  } finally {
    spy.mockRestore();
  }
});
