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

describe('the active mix (channel x country x language)', () => {
  const full = { language: 'ne', channel: 'sms', country: 'NP', mixCounted: true };

  test.each<[string, Parameters<typeof statusChange>[2], Record<string, number>]>([
    ['no profile: status gauges only', undefined, { 'subscribers.active': -1, 'subscribers.opted_out': 1 }],
    [
      'a full profile counted in the mix',
      full,
      {
        'subscribers.active': -1,
        'subscribers.opted_out': 1,
        'subscribers.active.ne': -1,
        'subscribers.mix.sms.NP.ne': -1,
      },
    ],
    ...(['channel', 'country', 'mixCounted'] as const).map(
      (missing): [string, Parameters<typeof statusChange>[2], Record<string, number>] => [
        `no ${missing}: no mix cell`,
        { ...full, [missing]: undefined },
        { 'subscribers.active': -1, 'subscribers.opted_out': 1, 'subscribers.active.ne': -1 },
      ],
    ),
    [
      'no language: no language gauge, no mix cell',
      { ...full, language: undefined },
      { 'subscribers.active': -1, 'subscribers.opted_out': 1 },
    ],
  ])('active -> opted_out, %s', (_label, who, deltas) =>
    expect(statusChange('active', 'opted_out', who)).toEqual(deltas),
  );

  test('a move between two inactive statuses leaves the language and mix gauges alone', () => {
    expect(statusChange('opted_out', 'suppressed', full)).toEqual({
      'subscribers.opted_out': -1,
      'subscribers.suppressed': 1,
    });
  });

  const active = { status: 'active', language: 'ne', country: 'NP', channel: 'whatsapp', mixCounted: true };
  test.each<[string, Parameters<typeof channelChange>[0], Parameters<typeof channelChange>[1], Record<string, number>]>(
    [
      [
        'an active subscriber moved to SMS',
        active,
        { ...active, channel: 'sms' },
        { 'subscribers.mix.whatsapp.NP.ne': -1, 'subscribers.mix.sms.NP.ne': 1 },
      ],
      ['the same channel', active, active, {}],
      ['not active before', { ...active, status: 'opted_out' }, { ...active, channel: 'sms' }, {}],
      ['not active after', active, { ...active, status: 'opted_out', channel: 'sms' }, {}],
      ['never counted in the mix', { ...active, mixCounted: false }, { ...active, channel: 'sms' }, {}],
      ['no language', { ...active, language: undefined }, { ...active, channel: 'sms' }, {}],
      ['no country', { ...active, country: undefined }, { ...active, channel: 'sms' }, {}],
      ['no channel before', { ...active, channel: undefined }, { ...active, channel: 'sms' }, {}],
      ['no channel after', active, { ...active, channel: undefined }, {}],
    ],
  )('channelChange: %s', (_label, before, after, deltas) => expect(channelChange(before, after)).toEqual(deltas));

  test('activeMix reads the positive cells back, sorted by channel, country, language', () => {
    expect(
      activeMix({
        'subscribers.mix.whatsapp.NP.ne': 3,
        'subscribers.mix.sms.NP.ne': 2,
        'subscribers.mix.sms.IN.en': 1,
        'subscribers.mix.sms.NP.en': 4,
        'subscribers.mix.sms.US.en': 0,
        'subscribers.active': 10,
        'subscribers.mix.sms': 5,
      }),
    ).toEqual([
      { channel: 'sms', country: '', language: '', count: 5 },
      { channel: 'sms', country: 'IN', language: 'en', count: 1 },
      { channel: 'sms', country: 'NP', language: 'en', count: 4 },
      { channel: 'sms', country: 'NP', language: 'ne', count: 2 },
      { channel: 'whatsapp', country: 'NP', language: 'ne', count: 3 },
    ]);
  });
});
