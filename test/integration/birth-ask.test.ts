/**
 * Asking once for the birth date, through the real twilio-run and the sandbox: an EDD 15 days
 * past with no birth date gets the question exactly once across daily runs (in place of that
 * day's stage message), with a signed link to /b; the page records the birth date through the
 * rules of /profile (the question still scheduled is canceled) and the next run schedules the
 * baby set's message due; a forged or altered token is refused and changes nothing.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDays, localDateOf, nextTipDate } from '../../src/core/tip-time';
import { register, startSystem, type System, runDailyTips } from '../helpers/system';

const programmes = JSON.parse(readFileSync(join(__dirname, '../../src/assets/programmes.private.json'), 'utf8')) as {
  messages: Array<{ id: string; en: string; ne: string }>;
};
const messages = JSON.parse(readFileSync(join(__dirname, '../../src/core/content/messages.json'), 'utf8')) as Record<
  string,
  { en: string; ne: string }
>;
const text = (id: string, language: 'en' | 'ne' = 'en') => programmes.messages.find((m) => m.id === id)![language];
/** The question's words before its link, in a language. */
const askWords = (language: 'en' | 'ne') => messages.birth_ask![language].split('{link}')[0]!.trim();

const KTM = 'Asia/Kathmandu';
let system: System;
let first: string;

const runAll = (body: Record<string, unknown>) => runDailyTips(system, body);

const to = (e164: string) => system.sandbox.messages().filter((m) => m.to === e164 && m.sendAt);
const asks = (e164: string) => to(e164).filter((m) => /\/b\?t=/.test(m.body ?? ''));

/** The subscriber record as Sync holds it (the map is sharded). */
function record(e164: string): { map: string; data: Record<string, unknown> } {
  for (const map of system.sandbox.syncMaps().filter((m) => m.startsWith('subscribers'))) {
    const item = system.sandbox.syncItems(map).find((i) => i.key === e164);
    if (item) return { map, data: item.data as Record<string, unknown> };
  }
  throw new Error(`no record for ${e164}`);
}

/** Her EDD as a record registered months ago holds it (/register refuses one more than 2 weeks past). */
function setEdd(e164: string, edd: string) {
  const { map, data } = record(e164);
  system.sandbox.putItem(map, e164, { ...data, edd });
}

function tokenIn(body: string | undefined, path: 'b' | 'u'): string {
  const match = new RegExp(`/${path}\\?t=([0-9A-Za-z_-]+)`).exec(body ?? '');
  if (!match) throw new Error(`no /${path} link in ${body}`);
  return match[1]!;
}

function birthPost(t: string, babyDob: string) {
  return system.post('/b', { t, baby_dob: babyDob }, { sign: 'none' });
}

const A = '+9779846100201';
const B = '+9779846100202';

beforeAll(async () => {
  system = await startSystem({ env: { LOOKUP_MODE: 'off', TIPS_ON_REGISTER: 'false' }, forkPerRequest: false });
  first = nextTipDate(new Date(), { timeZone: KTM, localTime: '07:00', minLeadMinutes: 16 });
  const today = localDateOf(new Date(), KTM);
  for (const [userId, phone, language] of [
    ['ask-a', '9846100201', 'ne'],
    ['ask-b', '9846100202', 'en'],
  ] as const)
    expect((await register(system, { user_id: userId, phone, language, edd: addDays(today, -14) })).status).toBe(201);
  await system.sandbox.settle();
  // A: 15 days past on `first` (week 2 day 1 of the estimate: no stage message that day).
  setEdd(A, addDays(first, -15));
  // B: 14 days past on `first` (week 2 day 0: the stage message b02a would be due).
  setEdd(B, addDays(first, -14));
}, 60_000);
afterAll(async () => {
  // Every request the service made matched Twilio's published shapes.
  expect(system?.sandbox.violations() ?? []).toEqual([]);
  await system?.stop();
});

test('an EDD past by 2 weeks with no birth date: asked once, in her language, across daily runs', async () => {
  // One day first: with several days in one run, a subscriber's dates are scheduled side by side
  // and the question lands on whichever claims first (docs/programmes.md); daily runs ask on the first.
  await runAll({ date: first, days: 1 });
  for (const [e164, language] of [
    [A, 'ne'],
    [B, 'en'],
  ] as const) {
    const asked = asks(e164);
    expect(asked).toHaveLength(1);
    expect(localDateOf(new Date(asked[0]!.sendAt!), KTM)).toBe(first);
    expect(asked[0]!.body).toContain(askWords(language));
    // Like every programme message, it carries her unsubscribe link too.
    expect(asked[0]!.body).toMatch(/\/u\?t=/);
    expect(record(e164).data.birthAsk).toEqual({ date: first });
  }
  // The question took the place of B's stage message that day (one message a day at most).
  expect(to(B).filter((m) => m.body?.includes(text('b02a')))).toHaveLength(0);
  expect(to(B).filter((m) => localDateOf(new Date(m.sendAt!), KTM) === first)).toHaveLength(1);

  // The same run again, and the next days' runs: never asked again.
  const again = await runAll({ date: first, days: 1 });
  expect(again.scheduled ?? 0).toBe(0);
  await runAll({ date: first, days: 2 });
  await runAll({ date: addDays(first, 1), days: 3 });
  expect(asks(A)).toHaveLength(1);
  expect(asks(B)).toHaveLength(1);
});

test('a forged, altered or wrong-purpose token is refused and changes nothing', async () => {
  const t = tokenIn(asks(A)[0]!.body, 'b');
  const u = tokenIn(asks(A)[0]!.body, 'u');
  const altered = t.slice(0, -1) + (t.endsWith('A') ? 'B' : 'A');
  // B's number with A's MAC: a token for another number.
  const swapped = tokenIn(asks(B)[0]!.body, 'b').slice(0, -16) + t.slice(-16);
  const born = addDays(first, -2);
  for (const bad of [altered, swapped, u, '', 'x'.repeat(30)]) {
    const got = await system.get(`/b?t=${encodeURIComponent(bad)}`);
    expect(got.status).toBe(403);
    const posted = await birthPost(bad, born);
    expect(posted.status).toBe(403);
    expect(posted.text).not.toContain('baby_dob');
  }
  // A date in the query of a GET (a link scanner, a crafted link) records nothing: only the form's post does.
  const viaGet = await system.get(`/b?t=${t}&baby_dob=${born}`);
  expect(viaGet.status).toBe(200);
  // Dates the rules of /profile refuse: the form again with the reason, 400.
  for (const [date, words] of [
    [addDays(first, 2), 'future'],
    ['2083-08-16', 'Bikram Sambat'],
    ['16/08/2026', 'YYYY-MM-DD'],
    [addDays(first, -400), '12 months'],
  ] as const) {
    const res = await birthPost(t, date);
    expect([res.status, res.text.includes(words)]).toEqual([400, true]);
  }
  for (const e164 of [A, B]) expect(record(e164).data.babyDob).toBeUndefined();
  expect(asks(A).every((m) => m.status === 'scheduled')).toBe(true);
});

test('the page records the birth date; the question still scheduled is canceled; the next run schedules the baby set', async () => {
  const ask = asks(A)[0]!;
  const t = tokenIn(ask.body, 'b');
  const page = await system.get(`/b?t=${t}`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/text\/html/);
  expect(page.headers.get('referrer-policy')).toBe('no-referrer');
  expect(page.text).toContain('name="baby_dob"');
  expect(page.text).toContain('Has your baby been born?');
  // The page never shows the number, not even masked.
  expect(page.text).not.toMatch(/9846100201|\+977|\*{3}/);

  // Born 2 days before `first`: on `first` the baby is in week 0, day 2 (b00b), then b00c.
  const born = addDays(first, -2);
  const res = await birthPost(t, born);
  expect(res.status).toBe(200);
  expect(res.text).toContain('The birth date is recorded.');
  expect(res.text).not.toMatch(/9846100201|\+977/);
  expect(record(A).data.babyDob).toBe(born);
  expect(system.sandbox.messages().find((m) => m.sid === ask.sid)!.status).toBe('canceled');
  // The link again: recorded, no form (a change goes through the portal's /profile).
  const again = await system.get(`/b?t=${t}`);
  expect([again.status, again.text.includes('already recorded'), again.text.includes('name="baby_dob"')]).toEqual([
    200,
    true,
    false,
  ]);

  await runAll({ date: first, days: 2 });
  const baby = to(A)
    .filter((m) => m.status === 'scheduled')
    .sort((x, y) => x.sendAt!.localeCompare(y.sendAt!));
  expect(baby.map((m) => localDateOf(new Date(m.sendAt!), KTM))).toEqual([first, addDays(first, 1)]);
  expect(baby[0]!.body).toContain(text('b00b', 'ne'));
  expect(baby[1]!.body).toContain(text('b00c', 'ne'));
  expect(baby.every((m) => !/\/b\?t=/.test(m.body ?? ''))).toBe(true);
  // B, who did not answer, still has her one question and nothing else changed.
  expect(asks(B)).toHaveLength(1);
  expect(record(B).data.babyDob).toBeUndefined();
});
