import fc from 'fast-check';
import { countSegments } from '../../src/core/segments';
import {
  cleanName,
  cutGraphemes,
  missingWelcomeSettings,
  welcomeBody,
  welcomeTemplateVariables,
} from '../../src/core/welcome';

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
  test('English: confirms, says when tips come (the setting, in words), ends with how this subscriber stops; never "free"', () => {
    const body = welcomeBody('en', undefined, stop);
    expect(body).toBe(
      `Welcome to Aamcare! Your number is registered. You will get a health tip every day at 7 AM. ${stop}`,
    );
    expect(body).not.toMatch(/free/i);
    expect(welcomeBody('en', ' Sita ', stop)).toMatch(/^Welcome to Aamcare, Sita! /);
    expect(welcomeBody('en', 'www.x', stop)).toMatch(/^Welcome to Aamcare! /);
    expect(welcomeBody('en', undefined, stop, { localTime: '18:30' })).toContain('every day at 6:30 PM.');
  });

  test('Nepali: the same, the time said the Nepali way, with the stop phrase it is given', () => {
    const body = welcomeBody('ne', undefined, 'बन्द गर्न: https://x.example/u?t=abc');
    expect(body).toMatch(/^आमकेयरमा स्वागत छ! /);
    expect(body.endsWith('बन्द गर्न: https://x.example/u?t=abc')).toBe(true);
    expect(body).toContain('बिहान ७ बजे');
    expect(welcomeBody('ne', undefined, stop, { localTime: '07:30' })).toContain('बिहान साढे ७ बजे');
    expect(welcomeBody('ne', 'सीता', stop)).toMatch(/^आमकेयरमा स्वागत छ, सीता! /);
  });

  test('HELP is mentioned only to someone who can reply, in both languages', () => {
    expect(welcomeBody('en', undefined, stop, { canReply: true })).toContain('Reply HELP for help. To stop:');
    expect(welcomeBody('ne', undefined, stop, { canReply: true })).toContain('HELP पठाउनुहोस्');
    for (const language of ['en', 'ne'] as const) expect(welcomeBody(language, undefined, stop)).not.toContain('HELP');
  });

  test('a name that would break the budget (or make English UCS-2) is left out, never the message cut', () => {
    const link = `https://aam.co/${'x'.repeat(10)}`;
    const nepaliStop = `बन्द गर्न STOP पठाउनुहोस् वा ${link}`;
    const long = 'क'.repeat(30);
    const body = welcomeBody('ne', long, nepaliStop, { canReply: true });
    expect(body).toMatch(/^आमकेयरमा स्वागत छ! /);
    expect(countSegments(body).segments).toBeLessThanOrEqual(3);
    expect(welcomeBody('en', 'सीता', stop)).toMatch(/^Welcome to Aamcare! /);
    expect(countSegments(welcomeBody('en', 'सीता', stop)).encoding).toBe('GSM-7');
    expect(welcomeBody('ne', 'सीता शर्मा', nepaliStop, { canReply: true })).toMatch(/^आमकेयरमा स्वागत छ, सीता शर्मा! /);
  });
});

test('WhatsApp template variables: {{1}} the name or a friendly fallback, {{2}} the tip time in words, {{3}} how to stop', () => {
  expect(welcomeTemplateVariables('en', 'Sita', 'S')).toEqual({ '1': 'Sita', '2': '7 AM', '3': 'S' });
  expect(welcomeTemplateVariables('en', undefined, 'S')).toEqual({ '1': 'friend', '2': '7 AM', '3': 'S' });
  expect(welcomeTemplateVariables('ne', undefined, 'S')).toEqual({ '1': 'साथी', '2': 'बिहान ७ बजे', '3': 'S' });
  expect(welcomeTemplateVariables('ne', 'https://x', 'S')).toEqual({ '1': 'साथी', '2': 'बिहान ७ बजे', '3': 'S' });
  expect(welcomeTemplateVariables('ne', 'Sita', 'S', '19:00')).toEqual({ '1': 'Sita', '2': 'राति ७ बजे', '3': 'S' });
});

test.each([
  ['e\u0301va', '\u00e9va'], // composed (NFC): one character, as counted and sent
  ['Sita <b> Rai', 'Sita b Rai'],
  ['Sita <> Rai', 'Sita Rai'],
  ['Sita\t\n Rai', 'Sita Rai'],
  // Spaces around the name do not count against its 30 characters.
  [`   ${'a'.repeat(40)}`, 'a'.repeat(30)],
])('cleanName(%j) -> %j', (name, expected) => {
  expect(cleanName(name)).toBe(expected);
});

test('cutGraphemes stops at either limit, a unit limit included exactly', () => {
  expect(cutGraphemes('abcdef', 10, 3)).toBe('abc');
  expect(cutGraphemes('abcdef', 2)).toBe('ab');
  expect(cutGraphemes('a\u{1F600}b', 10, 2)).toBe('a'); // the emoji (2 units) does not fit whole
});

test.each([
  ['whatsapp', undefined, ['WELCOME_CONTENT_SID']],
  ['whatsapp', '', ['WELCOME_CONTENT_SID']],
  ['whatsapp', 'HX123', []],
  ['sms', undefined, []],
] as const)('a %s welcome with template %p lacks %j', (channel, sid, missing) => {
  expect(missingWelcomeSettings(channel, sid)).toEqual(missing);
});
