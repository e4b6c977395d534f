/** The loss path's pure rules (core/loss.ts), its keywords, and the move from WhatsApp to SMS. */
import { channelChange } from '../../src/core/activity';
import {
  answerSupport,
  decideSupport,
  isLossReason,
  pendingSupportSids,
  recordLoss,
  stopSupport,
  SUPPORT_SET,
  supportAvailable,
} from '../../src/core/loss';
import { matchKeyword, matchLossKeyword, matchSupportAnswer } from '../../src/core/keywords';
import { MESSAGES } from '../../src/core/messages';
import { newSubscriber, optOut, switchToSms, type Subscriber } from '../../src/core/subscriber';

const now = new Date('2026-12-02T10:00:00Z');
const active = newSubscriber({
  userId: 'u1',
  channel: 'sms',
  language: 'ne',
  country: 'NP',
  source: 'portal-signup',
  now,
});
const optedOut = optOut(active, 'link', now, 'miscarriage');
const withLoss = (support: Subscriber['loss'] extends infer L ? (L extends { support: infer S } ? S : never) : never) =>
  ({ ...optedOut, loss: { reason: 'miscarriage', source: 'link', at: now.toISOString(), support } }) as Subscriber;

test.each([
  ['miscarriage', true],
  ['stillbirth', true],
  ['baby_death', true],
  ['pregnancy_loss', true],
  ['too_many', false],
  ['', false],
  [undefined, false],
  [1, false],
  [['miscarriage'], false],
])('isLossReason(%j) = %s', (value, expected) => expect(isLossReason(value)).toBe(expected));

describe('recordLoss', () => {
  test('opens the offer; a second report keeps the first answer and only sharpens an unspecified reason', () => {
    const first = recordLoss(optedOut, 'pregnancy_loss', 'whatsapp-keyword', now);
    expect(first.loss).toMatchObject({ reason: 'pregnancy_loss', source: 'whatsapp-keyword', support: 'offered' });
    const declined = { ...first, loss: { ...first.loss!, support: 'declined' as const } };
    expect(recordLoss(declined, 'stillbirth', 'link', now).loss).toMatchObject({
      reason: 'stillbirth',
      support: 'declined',
    });
    expect(recordLoss(withLoss('offered'), 'baby_death', 'link', now).loss!.reason).toBe('miscarriage');
  });
});

describe('decideSupport: never sent unasked, honoured once', () => {
  test.each([
    ['no loss, active', active, 'yes', true, 'not_offered'],
    ['no loss, opted out', optedOut, 'yes', true, 'not_offered'],
    ['offered', withLoss('offered'), 'yes', true, 'accept'],
    ['offered, no template on WhatsApp', withLoss('offered'), 'yes', false, 'unavailable'],
    ['offered, no', withLoss('offered'), 'no', true, 'decline'],
    ['accepted, yes again', withLoss('accepted'), 'yes', true, 'already_accepted'],
    ['accepted, no', withLoss('accepted'), 'no', true, 'decline'],
    ['declined, a change of mind', withLoss('declined'), 'yes', true, 'accept'],
    ['declined, no again', withLoss('declined'), 'no', true, 'not_offered'],
    [
      'subscribed again after the loss',
      { ...withLoss('offered'), status: 'active' as const },
      'yes',
      true,
      'not_offered',
    ],
  ] as const)('%s: %s -> %s', (_label, subscriber, answer, available, expected) => {
    expect(decideSupport(subscriber as Subscriber, answer, available)).toBe(expected);
  });

  test('a yes is a consent entry scoped to the set; the subscriber stays opted out of everything else', () => {
    const yes = answerSupport(withLoss('offered'), 'accept', 'link', now);
    expect(yes.status).toBe('opted_out');
    expect(yes.loss).toMatchObject({ support: 'accepted', messages: {} });
    expect(yes.consent.at(-1)).toEqual({
      action: 'opt_in',
      source: 'link',
      at: now.toISOString(),
      scope: 'support_set',
    });
    const stopped = stopSupport(
      { ...yes, loss: { ...yes.loss!, messages: { support_1: 'SM1', support_2: 'claimed:x', support_3: 'x:SM3' } } },
      'link',
      now,
    );
    expect(stopped.loss!.support).toBe('stopped');
    expect(stopped.consent.at(-1)).toMatchObject({ action: 'opt_out', scope: 'support_set' });
    expect(pendingSupportSids(stopped)).toEqual(['SM1']);
    expect(stopSupport(withLoss('offered'), 'link', now)).toEqual(withLoss('offered'));
  });

  test('a no is recorded with its time and a consent entry scoped to the set; nothing is scheduled', () => {
    const no = answerSupport(withLoss('offered'), 'decline', 'sms-keyword', now);
    expect(no.status).toBe('opted_out');
    expect(no.loss).toEqual({ ...withLoss('offered').loss, support: 'declined', supportAt: now.toISOString() });
    expect(no.consent.at(-1)).toEqual({
      action: 'opt_out',
      source: 'sms-keyword',
      at: now.toISOString(),
      scope: 'support_set',
    });
  });

  test('without a loss: nothing pending, and a STOP leaves the record as it is', () => {
    expect(pendingSupportSids(optedOut)).toEqual([]);
    expect(stopSupport(optedOut, 'link', now)).toBe(optedOut);
  });
});

test("the set: 4 messages within Twilio's 35-day scheduling window, each text in messages.json", () => {
  expect(SUPPORT_SET.map((m) => m.day)).toEqual([...SUPPORT_SET.map((m) => m.day)].sort((a, b) => a - b));
  for (const { id, day } of SUPPORT_SET) {
    expect(day).toBeGreaterThanOrEqual(1);
    expect(day).toBeLessThanOrEqual(34);
    expect(MESSAGES[id].note).toMatch(/UNREVIEWED/);
  }
  // The texts that promise a number of messages say the set's size.
  expect(MESSAGES.support_reply_yes.en).toContain(`${SUPPORT_SET.length} short`);
});

test.each([
  ['sms', undefined, true],
  ['whatsapp', undefined, false],
  ['whatsapp', 'HX' + '3'.repeat(32), true],
] as const)('supportAvailable(%s, %s) = %s', (channel, sid, expected) =>
  expect(supportAvailable(channel, sid)).toBe(expected),
);

describe('loss and offer keywords (content, whole message only)', () => {
  test.each([
    ['Stillbirth.', 'en'],
    ['  LOSS ', 'en'],
    ['my baby died', 'en'],
    ['बच्चा बित्यो', 'ne'],
    ['गर्भ खेर गयो।', 'ne'],
    ['garbha kher gayo', 'ne'],
  ])('%j is a loss keyword in %s', (body, language) => expect(matchLossKeyword(body)).toBe(language));

  test.each(['I had a loss last year', 'stop', 'baby', 'died', ''])('%j is not', (body) =>
    expect(matchLossKeyword(body)).toBeUndefined(),
  );

  test.each([
    ['1', 'yes', 'en'],
    ['१', 'yes', 'ne'],
    ['Support', 'yes', 'en'],
    ['ho', 'yes', 'ne'],
    ['2', 'no', 'en'],
    ['होइन', 'no', 'ne'],
    ['No thanks!', 'no', 'en'],
  ])('%j answers the offer %s (%s)', (body, answer, language) =>
    expect(matchSupportAnswer(body)).toEqual({ answer, language }),
  );

  test('no loss or offer word is a STOP, START or HELP word (YES would subscribe again)', () => {
    for (const id of ['keywords_loss', 'keywords_support_yes', 'keywords_support_no'] as const)
      for (const language of ['en', 'ne'] as const)
        for (const word of MESSAGES[id][language].split('|')) expect([word, matchKeyword(word)]).toEqual([word, null]);
  });
});

describe('not on WhatsApp: moved to SMS', () => {
  const whatsapp = { ...active, channel: 'whatsapp' as const, unreachableCount: 2 };

  test('the record says from, to, why and when; the streak starts again', () => {
    const moved = switchToSms(whatsapp, 63024, now);
    expect(moved).toMatchObject({ channel: 'sms', unreachableCount: 0 });
    expect(moved.channelSwitch).toEqual({ from: 'whatsapp', to: 'sms', errorCode: 63024, at: now.toISOString() });
    expect(switchToSms(active, 63024, now)).toBe(active);
  });

  test('the active mix moves with it (only for an active subscriber counted in the mix)', () => {
    const moved = switchToSms(whatsapp, 63024, now);
    expect(channelChange(whatsapp, moved)).toEqual({
      'subscribers.mix.whatsapp.NP.ne': -1,
      'subscribers.mix.sms.NP.ne': 1,
    });
    expect(channelChange({ ...whatsapp, status: 'suppressed' }, { ...moved, status: 'suppressed' })).toEqual({});
    expect(channelChange({ ...whatsapp, mixCounted: undefined }, moved)).toEqual({});
  });
});
