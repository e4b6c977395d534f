/**
 * The service's own texts (src/core/messages.ts): the file's shape, placeholders filled in,
 * keyword lists read. The editorial rules on the texts are content-check.test.ts's.
 */
import { ContentFormatError } from '../../src/core/content';
import {
  MESSAGES,
  MESSAGE_IDS,
  keywordWords,
  message,
  messagesShapeProblems,
  parseMessages,
  placeholdersIn,
  renderMessage,
  type Messages,
} from '../../src/core/messages';

const entry = (en: string, ne: string) => ({ en, ne, note: '', reviewed_by: '', reviewed_on: '' });
/** The bundled messages as a plain JSON object, to damage one part of. */
const bundled = (): Record<string, unknown> => structuredClone(MESSAGES);

describe('messagesShapeProblems', () => {
  test('the bundled file has none', () => {
    expect(messagesShapeProblems(bundled())).toEqual([]);
  });

  test.each([[null], [[]], ['text'], [7]])('%j is not a messages file', (json) => {
    expect(messagesShapeProblems(json)).toEqual(['the file must be a JSON object of messages keyed by id']);
  });

  test('a missing message, an unknown one and an unknown field are each named', () => {
    const json = bundled();
    delete json.brand;
    json.brnad = entry('Aamcare', 'आमकेयर');
    json.help_hint = { ...(json.help_hint as object), 'ne ': 'x' };
    expect(messagesShapeProblems(json)).toEqual([
      'message brnad: unknown message (the code never sends it)',
      'message brand: missing',
      'message help_hint: unknown fields: ne ',
    ]);
  });

  test("an entry's own problems carry the message's name", () => {
    const json = bundled();
    json.stop_reply = { ...(json.stop_reply as object), ne: ' ' };
    expect(messagesShapeProblems(json)).toEqual(['message stop_reply: missing ne text']);
  });
});

describe('parseMessages', () => {
  test('every message, typed, with nothing but the entry fields', () => {
    const parsed = parseMessages({ ...bundled(), brand: { ...entry('A', 'आ'), reviewed_fingerprint: 'f' } });
    expect(Object.keys(parsed)).toEqual(MESSAGE_IDS);
    expect(parsed.brand).toEqual({ ...entry('A', 'आ'), reviewed_fingerprint: 'f' });
  });

  test('a damaged file throws, naming the file and every problem', () => {
    const json = bundled();
    delete json.brand;
    delete json.welcome;
    let thrown: unknown;
    try {
      parseMessages(json, 'edited.json');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ContentFormatError);
    expect((thrown as ContentFormatError).file).toBe('edited.json');
    expect((thrown as ContentFormatError).problems).toEqual(['message brand: missing', 'message welcome: missing']);
    expect(() => parseMessages(null)).toThrow(/Invalid messages\.json/);
  });
});

describe('renderMessage', () => {
  const messages = (en: string): Messages => ({ ...MESSAGES, welcome: entry(en, 'नमस्ते {name}') });

  test('fills each placeholder, every time it appears', () => {
    expect(
      renderMessage(messages('Hi {name}, {time}. Bye {name}.'), 'welcome', 'en', { name: 'Sita', time: '7 AM' }),
    ).toBe('Hi Sita, 7 AM. Bye Sita.');
    expect(renderMessage(messages('x'), 'welcome', 'ne', { name: 'सीता' })).toBe('नमस्ते सीता');
  });

  test('an empty value leaves no double space and no space at either end', () => {
    expect(renderMessage(messages('{help} Hi.   {stop}'), 'welcome', 'en', { help: '', stop: '' })).toBe('Hi.');
    expect(renderMessage(messages('A  B'), 'welcome', 'en')).toBe('A B');
  });

  test('a placeholder without a value is a programming error, named', () => {
    expect(() => renderMessage(messages('Hi {name}'), 'welcome', 'en', {})).toThrow(
      'message welcome: no value for {name}',
    );
  });

  test('message() renders the bundled text', () => {
    expect(message('brand', 'ne')).toBe('आमकेयर');
    expect(message('stop_link', 'en', { link: 'https://x.example/u/1' })).toBe('To stop: https://x.example/u/1');
  });
});

describe('keywordWords and placeholdersIn', () => {
  test('keywords are split on |, trimmed, blanks dropped, each with its language', () => {
    const messages: Messages = { ...MESSAGES, keywords_loss: entry(' LOSS | miscarriage||', 'गर्भ तुहियो | ') };
    expect(keywordWords(messages, 'keywords_loss')).toEqual([
      { word: 'LOSS', language: 'en' },
      { word: 'miscarriage', language: 'en' },
      { word: 'गर्भ तुहियो', language: 'ne' },
    ]);
  });

  test('placeholders in order of appearance, repeats included', () => {
    expect(placeholdersIn('{a} and {b}, {a}; {not closed')).toEqual(['a', 'b', 'a']);
    expect(placeholdersIn('none')).toEqual([]);
  });
});
