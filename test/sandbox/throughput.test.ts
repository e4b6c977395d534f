/** The sender queue on its simulated clock: drain rate by segments, queue limit, validity. */
import { createSenderQueue, QUEUE_LIMIT_SECONDS } from '../../sandbox/throughput';

const T0 = Date.parse('2026-12-03T01:15:00Z');

test('drains at its rate in segments: a 3-segment message holds the sender three times as long', () => {
  const queue = createSenderQueue(2, QUEUE_LIMIT_SECONDS.sms);
  const left = [3, 1, 1, 2].map((segments) => queue.enqueue({ enterAt: T0, segments }));
  expect(left.map((o) => (o.kind === 'sent' ? (o.leftQueueAt - T0) / 1000 : o.kind))).toEqual([0, 1.5, 2, 2.5]);
  expect((queue.busyUntil() - T0) / 1000).toBe(3.5);
  expect(queue.backlogSeconds(T0 + 1000)).toBe(2.5);
});

test('an idle sender sends at once; the queue empties between bursts', () => {
  const queue = createSenderQueue(10, QUEUE_LIMIT_SECONDS.sms);
  queue.enqueue({ enterAt: T0, segments: 10 });
  const later = queue.enqueue({ enterAt: T0 + 5000, segments: 1 });
  expect(later).toMatchObject({ kind: 'sent', leftQueueAt: T0 + 5000, waitMs: 0 });
});

test('a message that would wait past the queue limit overflows: 30001 through a Messaging Service, 21611 from a number', () => {
  // 1 segment/s and a 10 h limit: the 36,001st message would wait 36,000 s + 1 s.
  const queue = createSenderQueue(1, QUEUE_LIMIT_SECONDS.sms);
  for (let i = 0; i <= 36_000; i++) expect(queue.enqueue({ enterAt: T0, segments: 1 }).kind).toBe('sent');
  expect(queue.enqueue({ enterAt: T0, segments: 1 })).toMatchObject({ kind: 'overflow', code: 30001 });
  expect(queue.enqueue({ enterAt: T0, segments: 1 }, true)).toMatchObject({ kind: 'overflow', code: 21611 });
  // The refused ones took no throughput: a second later one more fits.
  expect(queue.enqueue({ enterAt: T0 + 1000, segments: 1 }).kind).toBe('sent');
});

test('WhatsApp queues hold 4 hours, not 10', () => {
  const queue = createSenderQueue(1, QUEUE_LIMIT_SECONDS.whatsapp);
  for (let i = 0; i <= 4 * 3600; i++) queue.enqueue({ enterAt: T0, segments: 1 });
  expect(queue.enqueue({ enterAt: T0, segments: 1 })).toMatchObject({ kind: 'overflow', code: 30001 });
});

test('ValidityPeriod: a message still queued when it expires fails with 30036 and takes no throughput', () => {
  const queue = createSenderQueue(1, QUEUE_LIMIT_SECONDS.sms);
  for (let i = 0; i < 60; i++) queue.enqueue({ enterAt: T0, segments: 1 });
  // 60 s of work ahead: a 60 s validity still leaves at 60 s; 59 s does not.
  expect(queue.enqueue({ enterAt: T0, segments: 1, validitySeconds: 59 })).toMatchObject({
    kind: 'expired',
    code: 30036,
    expiredAt: T0 + 59_000,
  });
  expect(queue.enqueue({ enterAt: T0, segments: 1, validitySeconds: 60 })).toMatchObject({
    kind: 'sent',
    leftQueueAt: T0 + 60_000,
  });
});
