import { decideSubscriberEffect, shouldApplyStatus } from '../../src/core/delivery';
import { isShortCodeOrAlphanumeric, parseKeyword } from '../../src/core/keywords';
import { checkScheduleWindow, localDateOf, nextTipDate, sendAtFor } from '../../src/core/tip-time';
import { shardOf } from '../../src/core/shard';

describe('keywords', () => {
  test.each([
    ['STOP', 'stop'],
    [' stop. ', 'stop'],
    ['Stop!', 'stop'],
    ['unsubscribe', 'stop'],
    ['CANCEL', 'stop'],
    ['end', 'stop'],
    ['quit', 'stop'],
    ['optout', 'stop'],
    ['revoke', 'stop'],
    ['stopall', 'stop'],
    ['रोक', 'stop'],
    ['बन्द', 'stop'],
    ['बन्द गर', 'stop'],
    ['START', 'start'],
    ['unstop', 'start'],
    ['Yes', 'start'],
    ['subscribe', 'start'],
    ['सुरु', 'start'],
    ['HELP', 'help'],
    ['info?', 'help'],
    ['मद्दत', 'help'],
    ['please do not stop', null],
    ['hello', null],
    ['', null],
  ])('%j -> %s', (body, kind) => expect(parseKeyword(body)).toBe(kind));

  test.each([
    ['12345', true],
    ['AAMCARE', true],
    ['whatsapp:VERIFY', true],
    ['+9779807969278', false],
    ['whatsapp:+9779807969278', false],
  ])('short code or alphanumeric %s -> %s', (from, expected) => expect(isShortCodeOrAlphanumeric(from)).toBe(expected));
});

describe('delivery status order', () => {
  test.each([
    [undefined, 'queued', true],
    ['queued', 'sent', true],
    ['sent', 'delivered', true],
    ['delivered', 'read', true],
    ['delivered', 'sent', false],
    ['read', 'delivered', false],
    ['delivered', 'delivered', false],
    ['sent', 'failed', true],
    ['queued', 'undelivered', true],
    ['delivered', 'failed', false],
    ['failed', 'delivered', false],
    ['queued', 'bogus', false],
  ])('%s -> %s applies: %s', (previous, next, expected) => expect(shouldApplyStatus(previous, next)).toBe(expected));

  test('subscriber effects', () => {
    expect(
      decideSubscriberEffect({ status: 'failed', errorCode: 21610, consecutiveUnreachable: 0, suppressAfter: 3 })
        .action,
    ).toBe('opt_out');
    expect(
      decideSubscriberEffect({ status: 'undelivered', errorCode: 30003, consecutiveUnreachable: 0, suppressAfter: 3 })
        .action,
    ).toBe('count_unreachable');
    expect(
      decideSubscriberEffect({ status: 'undelivered', errorCode: 30006, consecutiveUnreachable: 2, suppressAfter: 3 })
        .action,
    ).toBe('suppress');
    expect(decideSubscriberEffect({ status: 'delivered', consecutiveUnreachable: 2, suppressAfter: 3 }).action).toBe(
      'reset_unreachable',
    );
    expect(
      decideSubscriberEffect({ status: 'undelivered', errorCode: 30007, consecutiveUnreachable: 0, suppressAfter: 3 })
        .action,
    ).toBe('none');
  });
});

describe('tip time (Asia/Kathmandu, UTC+05:45)', () => {
  const options = { timeZone: 'Asia/Kathmandu', localTime: '07:00' };
  test('07:00 NPT is 01:15 UTC', () =>
    expect(sendAtFor('2026-11-25', '07:00', 'Asia/Kathmandu').toISOString()).toBe('2026-11-25T01:15:00.000Z'));
  test('local date boundary at 18:15 UTC', () => {
    expect(localDateOf(new Date('2026-11-24T18:14:59Z'), 'Asia/Kathmandu')).toBe('2026-11-24');
    expect(localDateOf(new Date('2026-11-24T18:15:00Z'), 'Asia/Kathmandu')).toBe('2026-11-25');
  });
  test('the next tip is at least 15 minutes ahead', () => {
    expect(nextTipDate(new Date('2026-11-24T01:00:00Z'), options)).toBe('2026-11-24');
    expect(nextTipDate(new Date('2026-11-24T01:00:01Z'), options)).toBe('2026-11-25');
    expect(nextTipDate(new Date('2026-11-24T20:00:00Z'), options)).toBe('2026-11-25');
  });
  test('Twilio scheduling window: 15 minutes to 35 days (35114)', () => {
    const now = new Date('2026-11-24T00:00:00Z');
    expect(checkScheduleWindow(now, new Date('2026-11-24T00:15:00Z'))).toEqual({ ok: true });
    expect(checkScheduleWindow(now, new Date('2026-11-24T00:14:59Z'))).toMatchObject({ ok: false, code: 35114 });
    expect(checkScheduleWindow(now, new Date('2026-12-29T00:00:00Z'))).toEqual({ ok: true });
    expect(checkScheduleWindow(now, new Date('2026-12-29T00:00:01Z'))).toMatchObject({ ok: false, code: 35114 });
    expect(checkScheduleWindow(now, new Date('nonsense'))).toMatchObject({ ok: false, code: 35115 });
  });
});

test('shards are stable and spread', () => {
  expect(shardOf('+9779807969278', 8)).toBe(shardOf('+9779807969278', 8));
  const counts = new Array(8).fill(0);
  for (let i = 0; i < 8000; i++) counts[shardOf(`+97798${String(i).padStart(8, '0')}`, 8)]++;
  for (const c of counts) expect(c).toBeGreaterThan(800);
});
