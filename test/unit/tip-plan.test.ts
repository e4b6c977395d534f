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
import { tipMessage, type Tip } from '../../src/core/tips';

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
