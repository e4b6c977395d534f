/** Tip planning: slots by throughput, validity left after the slot, the forecast. */
import { countSegments } from '../../src/core/segments';
import {
  forecastTip,
  slotOffsetSeconds,
  tipSegments,
  validityFor,
  welcomeSegments,
  welcomesPerMinuteFor,
} from '../../src/core/tip-plan';
import { stopInstruction } from '../../src/core/stop-instruction';
import { tipMessage, type Tip } from '../../src/core/tips';
import { welcomeBody } from '../../src/core/welcome';

const tip: Tip = {
  id: 't01',
  topic: 'family-health',
  source: 'test',
  note: '',
  reviewed_by: '',
  reviewed_on: '',
  en: 'Drink clean water every day.',
  ne: 'हरेक दिन सफा पानी पिउनुहोस्। आमा र बच्चाको स्वास्थ्यका लागि नियमित जाँच गराउनुहोस्। पोषिलो खाना खानुहोस्।',
};

test('slots: one minute of the sender’s work each, so the queue holds at most a minute', () => {
  // 2 segments/s: 120 segments a slot.
  expect([0, 119, 120, 239, 240, 1200].map((before) => slotOffsetSeconds(before, 2))).toEqual([0, 0, 60, 60, 120, 600]);
});

test('validity: what is left of the window after the slot, capped at Twilio’s 36,000 s; none left -> undefined', () => {
  expect(validityFor(0, 240)).toBe(14_400);
  expect(validityFor(600, 240)).toBe(13_800);
  expect(validityFor(14_399, 240)).toBe(1);
  expect(validityFor(14_400, 240)).toBeUndefined();
  expect(validityFor(0, 900)).toBe(36_000);
});

test('segments per tip as carriers count them; WhatsApp counts one message', () => {
  expect(tipSegments(tip, 'en', 'sms')).toBe(countSegments(tipMessage(tip, 'en')).segments);
  expect(tipSegments(tip, 'ne', 'sms')).toBe(countSegments(tipMessage(tip, 'ne')).segments);
  expect(tipSegments(tip, 'ne', 'sms')).toBeGreaterThan(1);
  expect(tipSegments(tip, 'ne', 'whatsapp')).toBe(1);
});

test('forecast: totals, drain time, latest local arrival; unknown languages count at the larger tip', () => {
  const ne = tipSegments(tip, 'ne', 'sms');
  const en = tipSegments(tip, 'en', 'sms');
  const f = forecastTip({
    active: 1000,
    activeByLanguage: { en: 200, ne: 700 },
    tip,
    throughput: { segmentsPerSecond: 2, validityMinutes: 240 },
    localTime: '07:00',
  });
  const total = 200 * en + 800 * ne;
  expect(f).toMatchObject({
    activeSubscribers: 1000,
    segmentsPerTip: { en, ne },
    totalSegments: total,
    drainSeconds: Math.ceil(total / 2),
    withinValidity: true,
    overrunMinutes: 0,
    warning: null,
  });
  const minutes = Math.ceil(Math.ceil(total / 2) / 60);
  expect(f.latestLocalArrival).toBe(`07:${String(minutes).padStart(2, '0')}`);
});

test('forecast: a day that does not fit says by how much and what throughput would', () => {
  const f = forecastTip({
    active: 100_000,
    activeByLanguage: { en: 20_000, ne: 80_000 },
    tip,
    throughput: { segmentsPerSecond: 1, validityMinutes: 240 },
    localTime: '07:00',
  });
  expect(f.withinValidity).toBe(false);
  expect(f.overrunMinutes).toBe(Math.ceil((f.drainSeconds - 14_400) / 60));
  expect(f.neededSegmentsPerSecond).toBe(Math.ceil(f.totalSegments / 14_400));
  expect(f.warning).toContain(`${f.neededSegmentsPerSecond} segments/s would fit`);
  expect(f.latestLocalArrival).toMatch(/ \+\d+d$/);
});

test('welcomes are paced by the same throughput', () => {
  expect(welcomesPerMinuteFor(10, 3)).toBe(200);
  expect(welcomesPerMinuteFor(1, 3)).toBe(20);
  expect(welcomeSegments()).toBeGreaterThanOrEqual(1);
});

describe('forecast in exact figures', () => {
  // English 200 letters: 208 GSM-7 septets with the brand, 2 segments; Nepali 150: 157 UCS-2 units, 3.
  const sized: Tip = { ...tip, en: 'a'.repeat(200), ne: 'क'.repeat(150) };
  const throughput = { segmentsPerSecond: 1, validityMinutes: 1 };

  test('languages known, unknown (at the larger tip) and negative counts (none)', () => {
    const f = forecastTip({
      active: 10,
      activeByLanguage: { en: 3, ne: 5 },
      tip: sized,
      throughput,
      localTime: '07:45',
    });
    expect(f).toEqual({
      tipId: 't01',
      activeSubscribers: 10,
      segmentsPerTip: { en: 2, ne: 3 },
      totalSegments: 3 * 2 + 5 * 3 + 2 * 3,
      segmentsPerSecond: 1,
      drainSeconds: 27,
      latestLocalArrival: '07:46',
      validityMinutes: 1,
      withinValidity: true,
      overrunMinutes: 0,
      neededSegmentsPerSecond: 1,
      warning: null,
    });
    const unknown = forecastTip({
      active: 4,
      activeByLanguage: { en: -2 },
      tip: sized,
      throughput,
      localTime: '07:00',
    });
    expect(unknown.totalSegments).toBe(4 * 3);
    expect(
      forecastTip({ active: 4, activeByLanguage: {}, tip: sized, throughput, localTime: '07:00' }).totalSegments,
    ).toBe(12);
  });

  test('a drain that ends exactly at the window still fits', () => {
    const f = forecastTip({ active: 20, activeByLanguage: { ne: 20 }, tip: sized, throughput, localTime: '07:00' });
    expect([f.drainSeconds, f.withinValidity, f.overrunMinutes, f.warning]).toEqual([60, true, 0, null]);
  });

  test('an overrun past midnight: the warning in full', () => {
    const f = forecastTip({ active: 100, activeByLanguage: { ne: 100 }, tip: sized, throughput, localTime: '23:58' });
    expect(f).toMatchObject({
      drainSeconds: 300,
      latestLocalArrival: '00:03 +1d',
      withinValidity: false,
      overrunMinutes: 4,
      neededSegmentsPerSecond: 5,
      warning:
        'the tip needs 5 min at 1 segments/s, 4 min more than TIP_VALIDITY_MINUTES (1): ' +
        'tips after 23:59 would be dropped; 5 segments/s would fit',
    });
  });
});

test('welcomeSegments is the largest welcome: 30-character name, STOP and the personal link', () => {
  const link = `https://aamcare.example/u?t=${'x'.repeat(26)}`;
  for (const language of ['en', 'ne'] as const)
    for (const canReply of [true, false]) {
      const stop = stopInstruction(language, { canReply, link })!;
      const body = welcomeBody(language, 'M'.repeat(30), stop, { canReply });
      expect(welcomeSegments()).toBeGreaterThanOrEqual(countSegments(body).segments);
    }
});
