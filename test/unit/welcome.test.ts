import fc from 'fast-check';
import { cleanName, welcomeBody, welcomeTemplateVariables } from '../../src/core/welcome';

describe('cleanName: a display name safe to put in a message', () => {
  test.each([
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    ['Sita', 'Sita'],
    ['  Sita   Devi ', 'Sita Devi'],
    ['Sita\u00a0Devi', 'Sita Devi'],
    ['Si\u0007ta\u009b', 'Sita'],
    ['<b>Sita</b>', 'bSita/b'],
    ['सीता', 'सीता'],
    ['Se\u0301', 'S\u00e9'],
    ['x'.repeat(31), 'x'.repeat(30)],
    ['a'.repeat(29) + '  b', 'a'.repeat(29) + ' '],
    ['visit https://spam.example', undefined],
    ['HTTP://x', undefined],
    ['www.spam.example', undefined],
    ['WWW.SPAM', undefined],
    ['http', 'http'],
    ['www', 'www'],
    ['\u0000\u001f', undefined],
  ])('%j -> %j', (name, expected) => expect(cleanName(name)).toBe(expected));

  test('never longer than 30 characters, never a control character or an angle bracket', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (name) => {
        const cleaned = cleanName(name);
        if (cleaned === undefined) return;
        expect(cleaned.length).toBeLessThanOrEqual(30);
        // eslint-disable-next-line no-control-regex -- control characters are what is being checked
        expect(cleaned).not.toMatch(/[\u0000-\u001f\u007f-\u009f<>]/);
      }),
    );
  });
});

describe('welcomeBody', () => {
  test('English: confirms, says what comes when, and how to stop', () => {
    expect(welcomeBody('en')).toBe(
      'Welcome to Aamcare! Your number is registered. You will get a free health tip every day at 7 AM. Reply STOP to unsubscribe, HELP for help.',
    );
    expect(welcomeBody('en', ' Sita ')).toMatch(/^Welcome to Aamcare, Sita! /);
    expect(welcomeBody('en', 'www.x')).toMatch(/^Welcome to Aamcare! /);
  });

  test('Nepali: the same, and STOP spelled as the keyword', () => {
    const body = welcomeBody('ne');
    expect(body).toMatch(/^आमकेयरमा स्वागत छ! /);
    expect(body).toContain('STOP');
    expect(body).toContain('७ बजे');
    expect(welcomeBody('ne', 'सीता')).toMatch(/^आमकेयरमा स्वागत छ, सीता! /);
  });
});

test('WhatsApp template variables: {{1}} the name or a friendly fallback, {{2}} the tip time', () => {
  expect(welcomeTemplateVariables('en', 'Sita')).toEqual({ '1': 'Sita', '2': '7 AM' });
  expect(welcomeTemplateVariables('en')).toEqual({ '1': 'friend', '2': '7 AM' });
  expect(welcomeTemplateVariables('ne')).toEqual({ '1': 'साथी', '2': 'बिहान ७ बजे' });
  expect(welcomeTemplateVariables('ne', 'https://x')).toEqual({ '1': 'साथी', '2': 'बिहान ७ बजे' });
});
