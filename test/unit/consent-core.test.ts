import fc from 'fast-check';
import { consentCsv } from '../../src/core/consent-export';
import { matchKeyword, parseExtraKeywords } from '../../src/core/keywords';
import { canReply, DEFAULT_TWO_WAY_SMS_COUNTRIES } from '../../src/core/reachability';
import { countSegments } from '../../src/core/segments';
import { stopInstruction } from '../../src/core/stop-instruction';
import { appendConsent, MAX_CONSENT_ENTRIES, type ConsentEntry } from '../../src/core/subscriber';
import { renderUnsubscribePage } from '../../src/core/unsubscribe-page';
import { birthLink, readUnsubscribeToken, unsubscribeLink, unsubscribeToken } from '../../src/core/unsubscribe-token';
import { parseTips, tipCarriesLink, tipMessage } from '../../src/core/tips';
import { welcomeBody } from '../../src/core/welcome';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const SECRET = 'x'.repeat(40);

describe('two-way capability', () => {
  test("Twilio's guidelines: Nepal SMS one-way, US SMS two-way, WhatsApp two-way", () => {
    expect(canReply('sms', 'NP', DEFAULT_TWO_WAY_SMS_COUNTRIES)).toBe(false);
    expect(canReply('sms', 'US', DEFAULT_TWO_WAY_SMS_COUNTRIES)).toBe(true);
    expect(canReply('whatsapp', 'NP', DEFAULT_TWO_WAY_SMS_COUNTRIES)).toBe(true);
    expect(canReply('sms', 'NP', ['NP'])).toBe(true); // configurable
  });
});

describe('unsubscribe token', () => {
  test('round-trips any E.164 number; short enough for an SMS', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), fc.stringMatching(/^\d{7,14}$/), (first, rest) => {
        const e164 = `+${first}${rest}`;
        const token = unsubscribeToken(SECRET, e164);
        expect(token.length).toBeLessThanOrEqual(26);
        expect(readUnsubscribeToken(SECRET, token)).toBe(e164);
      }),
    );
  });

  test('another secret, an altered character or a swapped number is refused', () => {
    const token = unsubscribeToken(SECRET, '+9779845100001');
    expect(readUnsubscribeToken('y'.repeat(40), token)).toBeUndefined();
    for (let i = 0; i < token.length; i++) {
      const altered = token.slice(0, i) + (token[i] === 'a' ? 'b' : 'a') + token.slice(i + 1);
      expect(readUnsubscribeToken(SECRET, altered)).toBeUndefined();
    }
    const other = unsubscribeToken(SECRET, '+9779845100002');
    expect(readUnsubscribeToken(SECRET, other.slice(0, -16) + token.slice(-16))).toBeUndefined();
    expect(readUnsubscribeToken(SECRET, '')).toBeUndefined();
    expect(readUnsubscribeToken(SECRET, '<script>')).toBeUndefined();
  });

  test('the link is the page route with the token', () => {
    expect(unsubscribeLink('https://svc.twil.io/', SECRET, '+14155238811')).toMatch(
      /^https:\/\/svc\.twil\.io\/u\?t=[0-9a-z]+[A-Za-z0-9_-]{16}$/,
    );
  });

  test('the token: the digits in base 36, then 16 base64url characters of HMAC-SHA256 over purpose:number', () => {
    // Tokens live in months-old messages: the format may never change.
    const hmac16 = (text: string) => createHmac('sha256', SECRET).update(text).digest('base64url').slice(0, 16);
    expect((9779845100001).toString(36)).toBe('3gssr9iox');
    expect(unsubscribeToken(SECRET, '+9779845100001')).toBe('3gssr9ioxW6bWKr-fKizkdKXx');
    expect(unsubscribeToken(SECRET, '+9779845100001')).toBe(`3gssr9iox${hmac16('unsubscribe:+9779845100001')}`);
    expect(unsubscribeToken(SECRET, '+9779845100001', 'birth')).toBe(`3gssr9iox${hmac16('birth:+9779845100001')}`);
    // The shortest and longest E.164 numbers.
    expect(unsubscribeToken(SECRET, '+123456')).toBe('2n9cjSJRb38b1N9QeERp');
    expect(unsubscribeToken(SECRET, '+123456789012345')).toBe('17rf9km92x-Pl7KOaRJuE781_M');
    expect(readUnsubscribeToken(SECRET, '2n9cjSJRb38b1N9QeERp')).toBe('+123456');
    expect(readUnsubscribeToken(SECRET, '17rf9km92x-Pl7KOaRJuE781_M')).toBe('+123456789012345');
  });

  test.each([
    '9779845100001',
    '+0779845100001',
    '+12345',
    '+1234567890123456',
    ' +9779845100001',
    '+9779845100001 ',
    '',
  ])('a token is made only for an E.164 number: %j throws', (e164) => {
    expect(() => unsubscribeToken(SECRET, e164)).toThrow(new RangeError('not an E.164 number'));
  });

  test('a valid token with anything before or after it is refused', () => {
    const token = '3gssr9ioxW6bWKr-fKizkdKXx';
    expect(readUnsubscribeToken(SECRET, token)).toBe('+9779845100001');
    for (const padded of [`!${token}`, `${token}!`, `3gssr9iox-W6bWKr-fKizkdKXx`, `${token} `, ` ${token}`])
      expect(readUnsubscribeToken(SECRET, padded)).toBeUndefined();
    // Too short or too long an id, and a MAC of 15 characters.
    expect(readUnsubscribeToken(SECRET, `abc${'A'.repeat(16)}`)).toBeUndefined();
    expect(readUnsubscribeToken(SECRET, `${'a'.repeat(13)}${'A'.repeat(16)}`)).toBeUndefined();
    expect(readUnsubscribeToken(SECRET, token.slice(0, -1))).toBeUndefined();
  });

  test('links trim every trailing slash of the base', () => {
    const token = unsubscribeToken(SECRET, '+9779845100001');
    const birth = unsubscribeToken(SECRET, '+9779845100001', 'birth');
    expect(unsubscribeLink('https://svc.example//', SECRET, '+9779845100001')).toBe(`https://svc.example/u?t=${token}`);
    expect(unsubscribeLink('https://svc.example', SECRET, '+9779845100001')).toBe(`https://svc.example/u?t=${token}`);
    expect(birthLink('https://svc.example///', SECRET, '+9779845100001')).toBe(`https://svc.example/b?t=${birth}`);
  });
});

describe('how "to stop" is said', () => {
  const link = 'https://aam.co/AbCdEfGhIj';
  test.each(['en', 'ne'] as const)('%s: keyword only where replies arrive; the link everywhere it is given', (lang) => {
    expect(stopInstruction(lang, { canReply: true })).toMatch(/STOP/);
    expect(stopInstruction(lang, { canReply: true, link })).toContain(link);
    const oneWay = stopInstruction(lang, { canReply: false, link })!;
    expect(oneWay).toContain(link);
    expect(oneWay).not.toMatch(/STOP|[Rr]eply|पठाउनुहोस्/);
    expect(stopInstruction(lang, { canReply: false })).toBeUndefined();
  });

  test('welcomes with a shortened link stay within 2 segments (English GSM-7) and 3 (Nepali)', () => {
    for (const canReply of [true, false]) {
      const en = welcomeBody('en', 'Sita Kumari Shrestha', stopInstruction('en', { canReply, link })!);
      expect(countSegments(en)).toMatchObject({ encoding: 'GSM-7' });
      expect(countSegments(en).segments).toBeLessThanOrEqual(2);
      const ne = welcomeBody('ne', 'सीता', stopInstruction('ne', { canReply, link })!);
      expect(countSegments(ne).segments).toBeLessThanOrEqual(3);
    }
  });

  test('tips: the link once a week; with it every tip fits one segment more than without', () => {
    const dates = Array.from({ length: 14 }, (_, i) => `2026-12-${String(i + 1).padStart(2, '0')}`);
    expect(dates.filter(tipCarriesLink)).toHaveLength(2);
    const tips = parseTips(JSON.parse(readFileSync(join(__dirname, '../../src/assets/tips.private.json'), 'utf8')));
    for (const tip of tips) {
      for (const lang of ['en', 'ne'] as const) {
        const plain = countSegments(tipMessage(tip, lang)).segments;
        const oneWayPlain = tipMessage(tip, lang, stopInstruction(lang, { canReply: false }) ?? null);
        expect(oneWayPlain).not.toMatch(/STOP/);
        const withLink = tipMessage(tip, lang, stopInstruction(lang, { canReply: false, link }));
        expect(countSegments(withLink).segments).toBeLessThanOrEqual(plain + 1);
      }
    }
  });
});

describe('keywords beyond Twilio’s list', () => {
  test.each([
    ['STOP', 'stop', 'en', true],
    ['quit', 'stop', 'en', true],
    ['revoke', 'stop', 'en', false],
    ['बन्द', 'stop', 'ne', false],
    ['रद्द', 'stop', 'ne', false],
    ['स्टप', 'stop', 'ne', false],
    ['radda', 'stop', 'ne', false],
    ['roka', 'stop', 'ne', false],
    ['suru', 'start', 'ne', false],
    ['START', 'start', 'en', true],
    ['sahayog', 'help', 'ne', false],
    ['INFO', 'help', 'en', true],
  ] as const)('%s -> %s in %s (Twilio answers it itself: %s)', (body, kind, language, twilioDefault) => {
    expect(matchKeyword(body)).toEqual({ kind, language, twilioDefault });
  });

  test('configurable: EXTRA_KEYWORDS adds words', () => {
    const extra = parseExtraKeywords('stop:hatau|hataunus;help:sodhnu;nonsense:x');
    expect(extra).toEqual({ stop: ['hatau', 'hataunus'], help: ['sodhnu'] });
    expect(matchKeyword('Hatau!', extra)).toMatchObject({ kind: 'stop', twilioDefault: false });
    expect(matchKeyword('hatau')).toBeNull();
  });

  test.each([
    [undefined, {}],
    ['', {}],
    [' Stop : a | | b ;START:c;help:', { stop: ['a', 'b'], start: ['c'] }],
    ['stop:a;stop:b', { stop: ['a', 'b'] }],
    ['sodhnu:x;stop', {}],
  ])('EXTRA_KEYWORDS %j -> %j', (value, extra) => {
    expect(parseExtraKeywords(value)).toEqual(extra);
  });
});

describe('consent history', () => {
  const entry = (i: number): ConsentEntry => ({ action: i % 2 ? 'opt_out' : 'opt_in', source: `s${i}`, at: `t${i}` });

  test('bounded for the 16 KB item, always keeping the original consent', () => {
    let history: ConsentEntry[] = [entry(0)];
    for (let i = 1; i < 120; i++) history = appendConsent(history, entry(i));
    expect(history).toHaveLength(MAX_CONSENT_ENTRIES);
    expect(history[0]).toEqual(entry(0));
    expect(history.at(-1)).toEqual(entry(119));
  });

  test('CSV: quoted cells, formulas neutralized', () => {
    const csv = consentCsv({
      phone: '+9779845100001',
      userId: '=HYPERLINK("x")',
      status: 'active',
      history: [{ action: 'opt_out', source: 'link', at: '2026-12-01T00:00:00.000Z', reason: 'pregnancy_loss' }],
    });
    expect(csv).toBe(
      '"phone","user_id","time","action","source","reason"\r\n' +
        '"+9779845100001","\'=HYPERLINK(""x"")","2026-12-01T00:00:00.000Z","opt_out","link","pregnancy_loss"\r\n',
    );
  });

  test.each([
    ['+9779845100001', '"+9779845100001"'],
    ['+1x', '"\'+1x"'],
    ['=+123', '"\'=+123"'],
    ['-1', '"\'-1"'],
    ['@a', '"\'@a"'],
    ['a=b', '"a=b"'],
  ])('a CSV cell: %s -> %s (only a bare E.164 number may start with +)', (phone, cell) => {
    const csv = consentCsv({
      phone,
      userId: 'u',
      status: 'active',
      history: [{ action: 'opt_in', source: 'portal', at: 't' }],
    });
    expect(csv.split('\r\n')[1]).toBe(`${cell},"u","t","opt_in","portal",""`);
  });
});

describe('unsubscribe page', () => {
  test('escapes what it shows and only posts to itself', () => {
    const { status, html } = renderUnsubscribePage({ kind: 'confirm', masked: '+977******001', token: '"><script>' });
    expect(status).toBe(200);
    expect(html).not.toContain('<script>');
    expect(html).toContain('action="u"');
    // The losses under one heading, each a reason of its own.
    for (const reason of ['miscarriage', 'stillbirth', 'baby_death']) expect(html).toContain(`value="${reason}"`);
    expect(html).toContain('I lost my pregnancy or baby');
  });

  test('an invalid link answers 404 in both languages', () => {
    const { status, html } = renderUnsubscribePage({ kind: 'invalid' });
    expect(status).toBe(404);
    expect(html).toMatch(/\p{Script=Devanagari}/u);
    expect(html).toContain('not valid');
  });
});
