/**
 * Asking once for the birth date (src/core/birth-ask.ts, the /b page and token, and what the
 * daily run's content is on the days around the ask): pure rules, no I/O.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { contentFor, textOf, withoutTip } from '../../src/app/tips';
import { asksForBirthDate, withoutBirthAsk } from '../../src/core/birth-ask';
import { renderBirthPage } from '../../src/core/birth-page';
import { parseProgrammes, placementOn } from '../../src/core/programmes';
import { newSubscriber, type Subscriber } from '../../src/core/subscriber';
import { addDays } from '../../src/core/tip-time';
import { parseTips } from '../../src/core/tips';
import { birthLink, readUnsubscribeToken, unsubscribeToken } from '../../src/core/unsubscribe-token';

const programmes = parseProgrammes(
  JSON.parse(readFileSync(join(__dirname, '../../src/assets/programmes.private.json'), 'utf8')),
);
const tips = parseTips(JSON.parse(readFileSync(join(__dirname, '../../src/assets/tips.private.json'), 'utf8')));
const EDD = '2027-03-10';
const DUE = addDays(EDD, 14);

const her = (extra: Partial<Subscriber> = {}): Subscriber => ({
  ...newSubscriber({
    userId: 'u1',
    channel: 'sms',
    language: 'ne',
    country: 'NP',
    source: 'register',
    now: new Date('2027-01-01T00:00:00Z'),
    edd: EDD,
  }),
  ...extra,
});

describe('asksForBirthDate', () => {
  const at = (record: Parameters<typeof asksForBirthDate>[0], date: string) =>
    asksForBirthDate(record, placementOn(programmes, { edd: EDD, ...record }, date), date);
  test.each<[string, Parameters<typeof asksForBirthDate>[0], string, boolean]>([
    ['13 days past the EDD: still pregnancy, no ask', {}, addDays(EDD, 13), false],
    ['14 days past the EDD, never asked: the ask', {}, DUE, true],
    ['60 days past, never asked (a run missed the day): the ask', {}, addDays(EDD, 60), true],
    [
      'asked for this very date (claimed, then sent): still this date’s message',
      { birthAsk: { date: DUE } },
      DUE,
      true,
    ],
    ['asked on another date: never again', { birthAsk: { date: DUE } }, addDays(DUE, 1), false],
    ['a birth date given: never', { babyDob: addDays(EDD, 3) }, DUE, false],
    // A birth date the placement cannot use yet (after the day, or malformed) still means she gave one.
    ['a birth date after the day: never', { babyDob: addDays(DUE, 5) }, DUE, false],
    ['a malformed birth date: never', { babyDob: '2027-3-20' }, DUE, false],
  ])('%s', (_label, record, date, expected) => {
    expect(at(record, date)).toBe(expected);
  });
  test('no EDD, or a loss (placed in the general tip): never', () => {
    expect(asksForBirthDate({}, placementOn(programmes, {}, DUE), DUE)).toBe(false);
    expect(asksForBirthDate({}, { kind: 'general', reason: 'loss' }, DUE)).toBe(false);
  });
  test('a birth date on the record is enough, whatever placement it is given', () => {
    const estimated = placementOn(programmes, { edd: EDD }, DUE);
    expect(asksForBirthDate({}, estimated, DUE)).toBe(true);
    expect(asksForBirthDate({ babyDob: addDays(EDD, 3) }, estimated, DUE)).toBe(false);
  });
  test('an ask let go for its date is forgotten; for another date it stays', () => {
    expect(withoutBirthAsk({ birthAsk: { date: DUE } }, [DUE])).toEqual({});
    expect(withoutBirthAsk({ birthAsk: { date: DUE } }, [addDays(DUE, 1)])).toEqual({ birthAsk: { date: DUE } });
  });
});

describe('the daily content around the ask', () => {
  const deps = { tips, programmes, birthLink: (e164: string) => `https://svc.example/b?t=${e164.slice(1)}` };
  test('the first estimated day’s message is the ask, with her /b link and no programme id', () => {
    const content = contentFor(her(), DUE, deps)!;
    expect(content).toMatchObject({ asksBirthDate: true, set: 'baby', withLink: true });
    expect(content.programmeId).toBeUndefined();
    const text = textOf(content, '+9779800000001', deps);
    expect(text.ne).toContain('https://svc.example/b?t=9779800000001');
    expect(text.en).toContain('https://svc.example/b?t=9779800000001');
  });
  test('once asked, later days get the baby set keyed to the EDD (or nothing on a day without a slot)', () => {
    const asked = her({ birthAsk: { date: DUE } });
    for (let d = 1; d <= 14; d++) expect(contentFor(asked, addDays(DUE, d), deps)?.asksBirthDate).toBeUndefined();
  });
  test('a claim let go (nothing sent) lets the ask go with it', () => {
    const claimed = her({ tips: { [DUE]: 'claimed:x@2027-03-24T00:00:00.000Z' }, birthAsk: { date: DUE } });
    const released = withoutTip(claimed, DUE, 'claimed:x@2027-03-24T00:00:00.000Z')!;
    expect(released.birthAsk).toBeUndefined();
    expect(contentFor(released, addDays(DUE, 1), deps)?.asksBirthDate).toBe(true);
  });
});

describe('the /b token and page', () => {
  const secret = 's'.repeat(32);
  const e164 = '+9779841234567';
  test('a birth token opens /b only; an unsubscribe token does not open it, nor the reverse', () => {
    const birth = unsubscribeToken(secret, e164, 'birth');
    expect(readUnsubscribeToken(secret, birth, 'birth')).toBe(e164);
    expect(readUnsubscribeToken(secret, birth)).toBeUndefined();
    expect(readUnsubscribeToken(secret, unsubscribeToken(secret, e164), 'birth')).toBeUndefined();
    expect(birthLink('https://svc.example/', secret, e164)).toBe(`https://svc.example/b?t=${birth}`);
    // One character changed in the MAC, or another number's digits with this MAC: refused.
    const altered = birth.slice(0, -1) + (birth.endsWith('A') ? 'B' : 'A');
    expect(readUnsubscribeToken(secret, altered, 'birth')).toBeUndefined();
    const other = unsubscribeToken(secret, '+9779841234568', 'birth');
    expect(readUnsubscribeToken(secret, other.slice(0, -16) + birth.slice(-16), 'birth')).toBeUndefined();
  });
  test('the form, its refusals, and the answers: bilingual, never the number', () => {
    const form = renderBirthPage({ kind: 'form', token: 'tok', unsubscribeToken: 'utok', today: '2027-04-01' });
    expect(form.status).toBe(200);
    expect(form.html).toContain('name="baby_dob"');
    expect(form.html).toContain('action="b"');
    expect(form.html).toContain('href="u?t=utok"');
    expect(form.html).toContain('Has your baby been born?');
    expect(form.html).toContain('बच्चा जन्मिसक्यो?');
    const refused = renderBirthPage({
      kind: 'form',
      token: 'tok',
      unsubscribeToken: 'utok',
      today: '2027-04-01',
      error: 'bikram_sambat_date',
    });
    expect(refused.status).toBe(400);
    expect(refused.html).toContain('Bikram Sambat');
    expect(renderBirthPage({ kind: 'forbidden' }).status).toBe(403);
    expect(renderBirthPage({ kind: 'recorded', now: true }).html).toContain('The birth date is recorded.');
    for (const html of [form.html, refused.html]) expect(html).not.toMatch(/\+?977|\d{7,}/);
  });
  test('the token in the page is escaped', () => {
    const page = renderBirthPage({ kind: 'form', token: '"><x', unsubscribeToken: 'u', today: '2027-04-01' });
    expect(page.html).not.toContain('"><x');
  });
});
