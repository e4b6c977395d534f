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
    ['a'.repeat(29) + '  b', 'a'.repeat(29)],
    // Issue 14: cut by grapheme, never inside an emoji; bidi and zero-width characters dropped.
    ['a'.repeat(29) + '\u{1F44D}\u{1F3FD}x', 'a'.repeat(29) + '\u{1F44D}\u{1F3FD}'],
    ['a'.repeat(29) + '\u{1F1F3}\u{1F1F5}', 'a'.repeat(29) + '\u{1F1F3}\u{1F1F5}'],
    ['Evil\u202Egnp.exe', 'Evilgnp.exe'],
    ['\u2066Sita\u2069 \u200FDevi\u200E', 'Sita Devi'],
    ['Ra\u200Bm\u2060a\uFEFF', 'Rama'],
    ['Sita\u00ADDevi', 'SitaDevi'],
    ['tag\u{E0041}\u{E0042}', 'tag'],
    ['क्\u200Dष', 'क्\u200Dष'],
    ['\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'.repeat(12), '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'.repeat(7)],
    ['Line\nBreak\tTab', 'Line Break Tab'],
    ['visit https://spam.example', undefined],
    ['HTTP://x', undefined],
    ['www.spam.example', undefined],
    ['WWW.SPAM', undefined],
    ['http', 'http'],
    ['www', 'www'],
    ['\u0000\u001f', undefined],
  ])('%j -> %j', (name, expected) => expect(cleanName(name)).toBe(expected));

  test('never more than 30 graphemes or 60 units, never a control, invisible format character or angle bracket', () => {
    const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 80 })), (name) => {
        const cleaned = cleanName(name);
        if (cleaned === undefined) return;
        expect([...graphemes.segment(cleaned)].length).toBeLessThanOrEqual(30);
        expect(cleaned.length).toBeLessThanOrEqual(60);
        expect(cleaned).not.toMatch(/(?![\u200C\u200D])\p{Cf}/u);
        // The cut is whole clusters: the cleaned name starts the cleaned full name.
        expect(cleanName(name + name)?.startsWith(cleaned.trimEnd()) ?? true).toBe(true);
        // eslint-disable-next-line no-control-regex -- control characters are what is being checked
        expect(cleaned).not.toMatch(/[\u0000-\u001f\u007f-\u009f<>]/);
      }),
    );
  });
});

describe('welcomeBody', () => {
  const stop = 'To stop: https://x.example/u?t=abc';
  test('English: confirms, says what comes when, and ends with how this subscriber stops', () => {
    expect(welcomeBody('en', undefined, stop)).toBe(
      `Welcome to Aamcare! Your number is registered. You will get a free health tip every day at 7 AM. ${stop}`,
    );
    expect(welcomeBody('en', ' Sita ', stop)).toMatch(/^Welcome to Aamcare, Sita! /);
    expect(welcomeBody('en', 'www.x', stop)).toMatch(/^Welcome to Aamcare! /);
  });

  test('Nepali: the same, with the stop phrase it is given', () => {
    const body = welcomeBody('ne', undefined, 'रोक्न: https://x.example/u?t=abc');
    expect(body).toMatch(/^आमकेयरमा स्वागत छ! /);
    expect(body.endsWith('रोक्न: https://x.example/u?t=abc')).toBe(true);
    expect(body).toContain('७ बजे');
    expect(welcomeBody('ne', 'सीता', stop)).toMatch(/^आमकेयरमा स्वागत छ, सीता! /);
  });
});

test('WhatsApp template variables: {{1}} the name or a friendly fallback, {{2}} the tip time, {{3}} how to stop', () => {
  expect(welcomeTemplateVariables('en', 'Sita', 'S')).toEqual({ '1': 'Sita', '2': '7 AM', '3': 'S' });
  expect(welcomeTemplateVariables('en', undefined, 'S')).toEqual({ '1': 'friend', '2': '7 AM', '3': 'S' });
  expect(welcomeTemplateVariables('ne', undefined, 'S')).toEqual({ '1': 'साथी', '2': 'बिहान ७ बजे', '3': 'S' });
  expect(welcomeTemplateVariables('ne', 'https://x', 'S')).toEqual({ '1': 'साथी', '2': 'बिहान ७ बजे', '3': 'S' });
});
