import fc from 'fast-check';
import {
  isShortCodeOrAlphanumeric,
  keywordReply,
  keywordsOf,
  keywordText,
  notRegisteredReply,
  parseKeyword,
  type Keyword,
} from '../../src/core/keywords';
import { countSegments } from '../../src/core/segments';

const KINDS: Keyword[] = ['stop', 'start', 'help'];

describe('parseKeyword: whole-message keywords', () => {
  test.each([
    // Twilio's English opt-out words, any case, surrounding whitespace and punctuation.
    ['STOP', 'stop'],
    ['stop', 'stop'],
    ['Stop!', 'stop'],
    [' stop. ', 'stop'],
    ['STOP\n', 'stop'],
    ['"stop"', 'stop'],
    ['stop!!! 🙏', 'stop'],
    ['STOPALL', 'stop'],
    ['Unsubscribe', 'stop'],
    ['cancel', 'stop'],
    ['END', 'stop'],
    ['quit.', 'stop'],
    ['OPTOUT', 'stop'],
    ['opt-out', 'stop'],
    ['Opt Out', 'stop'],
    ['revoke', 'stop'],
    // Full-width Latin (NFKC) and a zero-width joiner typed inside a Devanagari word.
    ['ＳＴＯＰ', 'stop'],
    ['बन्\u200dद', 'stop'],
    ['\ufeffSTOP', 'stop'],
    // Nepali, with the danda and other punctuation.
    ['रोक', 'stop'],
    ['रोक।', 'stop'],
    ['रोक्नुहोस्', 'stop'],
    ['रोक्नुहोस', 'stop'],
    ['बन्द', 'stop'],
    ['बंद', 'stop'],
    ['बन्द गर', 'stop'],
    ['बन्द  गर्नुहोस्।', 'stop'],
    // Romanized Nepali.
    ['Band', 'stop'],
    ['banda garnus', 'stop'],
    ['ROK', 'stop'],
    ['START', 'start'],
    ['unstop', 'start'],
    ['Yes', 'start'],
    ['subscribe!', 'start'],
    ['सुरु', 'start'],
    ['सुरु गर', 'start'],
    ['शुरू', 'start'],
    ['suru', 'start'],
    ['HELP', 'help'],
    ['help?', 'help'],
    ['Info', 'help'],
    ['मद्दत', 'help'],
    ['सहायता?', 'help'],
    ['ｈｅｌｐ', 'help'],
  ])('%j -> %s', (body, kind) => expect(parseKeyword(body)).toBe(kind));

  test.each([
    'please do not stop',
    "please don't stop",
    'stop it',
    'STOP STOP',
    'stopp',
    'I want to end this',
    'yes please',
    'help me',
    'बन्द गर्दिन',
    'रोक्नु हुँदैन',
    'band baja',
    'hello',
    'thank you',
    '',
    '   ',
    '!!!',
    '🙏',
    'st op',
  ])('%j is not a keyword', (body) => expect(parseKeyword(body)).toBeNull());

  test.each(KINDS)('every %s keyword parses, whatever the case and punctuation around it', (kind) => {
    const words = keywordsOf(kind);
    expect(words.length).toBeGreaterThan(3);
    for (const word of words) {
      expect(parseKeyword(word)).toBe(kind);
      expect(parseKeyword(`  ${word.toUpperCase()}!  `)).toBe(kind);
      expect(parseKeyword(`${word}.\n`)).toBe(kind);
    }
  });

  test('no word is listed under two kinds', () => {
    const all = KINDS.flatMap((kind) => keywordsOf(kind).map((word) => keywordText(word)));
    expect(new Set(all).size).toBe(all.length);
  });

  test('a keyword inside a longer message never counts (property)', () => {
    const keyword = fc.constantFrom(...KINDS.flatMap((kind) => keywordsOf(kind)));
    // A word that is not a keyword and not itself a keyword fragment ("opt" + "out").
    const filler = fc.constantFrom('please', 'dont', 'नगर्नुहोस्', 'now', 'हजुर', 'today');
    fc.assert(
      fc.property(keyword, filler, fc.boolean(), (word, extra, before) => {
        expect(parseKeyword(before ? `${extra} ${word}` : `${word} ${extra}`)).toBeNull();
      }),
    );
  });

  test('keywordText folds case, punctuation, spacing and invisible characters', () => {
    expect(keywordText('  Opt-Out!! ')).toBe('opt out');
    expect(keywordText('बन्द\u200c गर।')).toBe('बन्द गर');
    // Decomposed input (NFD) compares equal to the composed form.
    expect(keywordText('Cafe\u0301')).toBe(keywordText('Café'));
  });
});

describe('isShortCodeOrAlphanumeric: never reply to robots', () => {
  test.each([
    ['12345', true],
    ['123', true],
    ['12345678', true],
    ['AAMCARE', true],
    ['Aamcare-Info', true],
    ['NTC', true],
    ['whatsapp:VERIFY', true],
    ['', true],
    ['   ', true],
    ['+9779807969278', false],
    ['whatsapp:+9779807969278', false],
    ['WhatsApp:+14155238886', false],
    ['sms:+9779807969278', false],
    ['tel:+14155238886', false],
    [' +9779807969278 ', false],
    // Not short codes: too long for one, or too short to be anything.
    ['123456789', false],
    ['12', false],
    // Spaces around the whole address and after the scheme.
    [' whatsapp:+9779807969278', false],
    ['whatsapp: 12345', true],
    ['+977 AAMCARE', true],
  ])('%j -> %s', (from, expected) => expect(isShortCodeOrAlphanumeric(from)).toBe(expected));
});

describe('replies', () => {
  const LANGS = ['en', 'ne'] as const;

  test.each(LANGS)('help (%s) says how to stop and how to start again', (language) => {
    expect(keywordReply('help', language)).toContain('STOP');
    expect(keywordReply('help', language)).toContain('START');
  });

  test.each(LANGS)('stop (%s) confirms and says how to come back; start (%s) says how to stop', (language) => {
    expect(keywordReply('stop', language)).toContain('START');
    expect(keywordReply('start', language)).toContain('STOP');
  });

  test('English replies are one GSM-7 segment each; Nepali replies are in Devanagari', () => {
    const english = [...KINDS.map((kind) => keywordReply(kind, 'en')), notRegisteredReply('en')];
    for (const text of english) expect(countSegments(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    const nepali = [...KINDS.map((kind) => keywordReply(kind, 'ne')), notRegisteredReply('ne')];
    for (const text of nepali) {
      expect(text).toMatch(/\p{Script=Devanagari}/u);
      expect(countSegments(text).segments).toBeLessThanOrEqual(2);
    }
  });

  test('replies that name the tip time say the setting in words, never a fixed hour', () => {
    expect(keywordReply('start', 'en', '18:00')).toContain('every day at 6 PM');
    expect(keywordReply('start', 'ne', '18:00')).toContain('बेलुका ६ बजे');
    expect(keywordReply('help', 'ne')).toContain('बिहान ७ बजे');
    for (const language of LANGS) expect(keywordReply('stop', language, '18:00')).toBe(keywordReply('stop', language));
  });

  test('each kind and language has its own text', () => {
    const texts = [
      ...KINDS.flatMap((kind) => LANGS.map((language) => keywordReply(kind, language))),
      ...LANGS.map(notRegisteredReply),
    ];
    expect(new Set(texts).size).toBe(texts.length);
  });
});
