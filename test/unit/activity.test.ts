import fc from 'fast-check';
import {
  activeMix,
  addCounters,
  ALL_TIME,
  channelChange,
  COUNTER,
  GAUGE,
  registeredEvent,
  statusChange,
} from '../../src/core/activity';

test('counter names are the keys the stats reader sums (renaming one loses its history in Sync)', () => {
  expect([
    COUNTER.registrationCreated,
    COUNTER.registrationAlready,
    COUNTER.registrationConflict,
    COUNTER.registrationOptedOut,
    COUNTER.registrationInvalid('too_short'),
    COUNTER.registrationRejected(21211),
    COUNTER.welcomeStatus('delivered'),
    COUNTER.tipStatus('scheduled'),
    COUNTER.failure(30003),
    COUNTER.optOut,
    COUNTER.optIn,
    COUNTER.registrationRateLimited,
    COUNTER.registrationNeedsJoin,
    COUNTER.registrationRetryLater,
    COUNTER.registrationTwilioConfiguration,
    COUNTER.registrationSuppressed,
    COUNTER.registrationDuplicate,
    COUNTER.expired('welcome'),
    COUNTER.expired('tip'),
  ]).toEqual([
    'registration.created',
    'registration.already_registered',
    'registration.conflict',
    'registration.opted_out',
    'registration.invalid.too_short',
    'registration.rejected.21211',
    'welcome.delivered',
    'tips.scheduled',
    'failure.30003',
    'consent.opt_out',
    'consent.opt_in',
    'registration.rate_limited',
    'registration.needs_join',
    'registration.retry_later',
    'registration.twilio_configuration',
    'registration.suppressed',
    'registration.duplicate',
    'welcome.expired',
    'tips.expired',
  ]);
  expect(GAUGE.activeMix('sms', 'NP', 'ne')).toBe('subscribers.mix.sms.NP.ne');
  expect(ALL_TIME).toBe('all-time');
});

describe('statusChange: subscriber gauges follow status moves', () => {
  test.each([
    [undefined, 'active', { [GAUGE.active]: 1 }],
    ['active', 'opted_out', { [GAUGE.active]: -1, [GAUGE.optedOut]: 1 }],
    ['opted_out', 'active', { [GAUGE.optedOut]: -1, [GAUGE.active]: 1 }],
    ['active', 'suppressed', { [GAUGE.active]: -1, [GAUGE.suppressed]: 1 }],
    ['suppressed', 'opted_out', { [GAUGE.suppressed]: -1, [GAUGE.optedOut]: 1 }],
    ['active', 'active', {}],
    ['opted_out', 'opted_out', {}],
    ['active', 'unknown', { [GAUGE.active]: -1 }],
    ['unknown', 'suppressed', { [GAUGE.suppressed]: 1 }],
  ])('%s -> %s', (from, to, deltas) => expect(statusChange(from, to)).toEqual(deltas));

  test('gauge names', () => {
    expect(GAUGE).toMatchObject({
      active: 'subscribers.active',
      optedOut: 'subscribers.opted_out',
      suppressed: 'subscribers.suppressed',
    });
    expect(GAUGE.activeIn('ne')).toBe('subscribers.active.ne');
  });

  test('a chain of moves leaves exactly one subscriber in the last status', () => {
    const statuses = fc.constantFrom('active', 'opted_out', 'suppressed');
    fc.assert(
      fc.property(fc.array(statuses, { minLength: 1, maxLength: 10 }), (path) => {
        let total = statusChange(undefined, path[0]!);
        for (let i = 1; i < path.length; i++) total = addCounters(total, statusChange(path[i - 1], path[i]!));
        const nonZero = Object.fromEntries(Object.entries(total).filter(([, n]) => n !== 0));
        const last = path.at(-1)!;
        expect(nonZero).toEqual({
          [last === 'active' ? GAUGE.active : last === 'opted_out' ? GAUGE.optedOut : GAUGE.suppressed]: 1,
        });
      }),
    );
  });
});

test('addCounters adds into a copy', () => {
  const into = { a: 1, b: 2 };
  expect(addCounters(into, { b: 3, c: -1 })).toEqual({ a: 1, b: 5, c: -1 });
  expect(into).toEqual({ a: 1, b: 2 });
});

describe('the active mix (channel, country, language)', () => {
  const profile = { language: 'ne', channel: 'sms', country: 'NP', mixCounted: true };
  const cell = GAUGE.activeMix('sms', 'NP', 'ne');

  test.each([
    [undefined, 'active', profile, { [GAUGE.active]: 1, [GAUGE.activeIn('ne')]: 1, [cell]: 1 }],
    [
      'active',
      'opted_out',
      profile,
      { [GAUGE.active]: -1, [GAUGE.optedOut]: 1, [GAUGE.activeIn('ne')]: -1, [cell]: -1 },
    ],
    // Between two inactive statuses the mix does not move.
    ['suppressed', 'opted_out', profile, { [GAUGE.suppressed]: -1, [GAUGE.optedOut]: 1 }],
    // A profile missing a part, or not counted in the mix since its creation, leaves the mix alone.
    [undefined, 'active', { ...profile, channel: undefined }, { [GAUGE.active]: 1, [GAUGE.activeIn('ne')]: 1 }],
    [undefined, 'active', { ...profile, country: undefined }, { [GAUGE.active]: 1, [GAUGE.activeIn('ne')]: 1 }],
    [undefined, 'active', { ...profile, mixCounted: false }, { [GAUGE.active]: 1, [GAUGE.activeIn('ne')]: 1 }],
    [undefined, 'active', { ...profile, language: undefined }, { [GAUGE.active]: 1 }],
    [undefined, 'active', 'en', { [GAUGE.active]: 1, [GAUGE.activeIn('en')]: 1 }],
  ])('statusChange %s -> %s with %j', (from, to, who, deltas) => {
    expect(statusChange(from, to, who)).toEqual(deltas);
  });

  test('a channel change moves an active, counted subscriber between cells', () => {
    const before = { ...profile, status: 'active' };
    expect(channelChange(before, { ...before, channel: 'whatsapp' })).toEqual({
      [cell]: -1,
      [GAUGE.activeMix('whatsapp', 'NP', 'ne')]: 1,
    });
    const unchanged: Array<[Parameters<typeof channelChange>[0], Parameters<typeof channelChange>[1]]> = [
      [
        { ...before, status: 'opted_out' },
        { ...before, channel: 'whatsapp' },
      ],
      [before, { ...before, channel: 'whatsapp', status: 'suppressed' }],
      [
        { ...before, mixCounted: false },
        { ...before, channel: 'whatsapp' },
      ],
      [
        { ...before, language: undefined },
        { ...before, channel: 'whatsapp' },
      ],
      [
        { ...before, country: undefined },
        { ...before, channel: 'whatsapp' },
      ],
      [
        { ...before, channel: undefined },
        { ...before, channel: 'whatsapp' },
      ],
      [before, { ...before, channel: undefined }],
      [before, before],
    ];
    for (const [from, to] of unchanged) expect(channelChange(from, to)).toEqual({});
  });

  test('activeMix: cells sorted by channel, country, language; missing parts read as empty', () => {
    expect(
      activeMix({
        [GAUGE.activeMix('whatsapp', 'NP', 'en')]: 1,
        [GAUGE.activeMix('sms', 'US', 'en')]: 2,
        [GAUGE.activeMix('sms', 'IN', 'en')]: 3,
        [GAUGE.activeMix('sms', 'NP', 'ne')]: 4,
        'subscribers.mix.sms': 5,
        [GAUGE.active]: 10,
      }),
    ).toEqual([
      { channel: 'sms', country: '', language: '', count: 5 },
      { channel: 'sms', country: 'IN', language: 'en', count: 3 },
      { channel: 'sms', country: 'NP', language: 'ne', count: 4 },
      { channel: 'sms', country: 'US', language: 'en', count: 2 },
      { channel: 'whatsapp', country: 'NP', language: 'en', count: 1 },
    ]);
  });
});

test("a welcome's registered event is dated when it was sent, masked, with its channel", () => {
  const at = new Date('2026-12-02T10:00:05.000Z');
  expect(
    registeredEvent(
      { channel: 'whatsapp', welcome: { lastAttemptAt: '2026-12-02T10:00:00.000Z' } },
      '+977******278',
      at,
    ),
  ).toEqual({
    time: '2026-12-02T10:00:00.000Z',
    event: 'registration.created',
    masked: '+977******278',
    detail: 'whatsapp',
  });
  // A record from before attempts were dated: the moment it is indexed.
  expect(registeredEvent({ channel: 'sms', welcome: {} }, '+977******278', at).time).toBe(at.toISOString());
});
