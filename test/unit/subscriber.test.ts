import fc from 'fast-check';
import {
  appendConsent,
  CLAIM_SETTLE_MS,
  claimWelcome,
  decideForExisting,
  forgetProgrammeSent,
  forgetTips,
  holdsClaim,
  MAX_CONSENT_ENTRIES,
  MAX_PROGRAMME_SENT,
  newSubscriber,
  noteProgrammeSent,
  optOut,
  parseTipClaim,
  pendingTipSids,
  releaseClaim,
  resubscribe,
  secondsUntilSettled,
  tipClaim,
  unsettledClaims,
  welcomeFailed,
  welcomeSent,
  type ConsentEntry,
  type ExistingDecision,
  type Subscriber,
  type WelcomeRecord,
} from '../../src/core/subscriber';

const NOW = new Date('2026-11-24T05:00:00.000Z');
const COOLDOWN_S = 60;
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();

function subscriber(overrides: Partial<Subscriber> = {}, welcome: Partial<WelcomeRecord> = {}): Subscriber {
  const base = newSubscriber({
    userId: 'u1',
    channel: 'sms',
    language: 'en',
    country: 'NP',
    source: 'signup',
    now: NOW,
  });
  return { ...base, ...overrides, welcome: { ...base.welcome, ...welcome } };
}

describe('decideForExisting: what a registration means for a number we already hold', () => {
  const same = { userId: 'u1', resubscribe: false };
  const resub = { userId: 'u1', resubscribe: true };
  const cases: Array<[string, Subscriber, { userId: string; resubscribe: boolean }, ExistingDecision]> = [
    // ownership comes first, whatever the record's state
    ['another user_id', subscriber(), { userId: 'u2', resubscribe: false }, { kind: 'conflict' }],
    [
      'another user_id, opted out',
      subscriber({ status: 'opted_out' }),
      { userId: 'u2', resubscribe: true },
      { kind: 'conflict' },
    ],
    // consent
    ['opted out, no fresh consent', subscriber({ status: 'opted_out' }), same, { kind: 'opted_out' }],
    ['opted out, resubscribe, never attempted', subscriber({ status: 'opted_out' }), resub, { kind: 'resubscribe' }],
    [
      'opted out, resubscribe 10 s after the last welcome',
      subscriber({ status: 'opted_out' }, { state: 'sent', lastAttemptAt: ago(10_000) }),
      resub,
      { kind: 'cooldown', retryAfterSeconds: 50 },
    ],
    [
      'opted out, resubscribe 59.5 s after: retry in a whole second',
      subscriber({ status: 'opted_out' }, { state: 'sent', lastAttemptAt: ago(59_500) }),
      resub,
      { kind: 'cooldown', retryAfterSeconds: 1 },
    ],
    [
      'opted out, resubscribe exactly at the cooldown',
      subscriber({ status: 'opted_out' }, { state: 'sent', lastAttemptAt: ago(60_000) }),
      resub,
      { kind: 'resubscribe' },
    ],
    ['suppressed', subscriber({ status: 'suppressed' }), same, { kind: 'suppressed' }],
    ['suppressed, even with resubscribe', subscriber({ status: 'suppressed' }), resub, { kind: 'suppressed' }],
    // the welcome's progress
    ['welcome sent', subscriber({}, { state: 'sent', messageSid: 'SM1' }), same, { kind: 'already_registered' }],
    [
      'welcome sent, resubscribe while active',
      subscriber({}, { state: 'sent' }),
      resub,
      { kind: 'already_registered' },
    ],
    [
      'welcome failed permanently',
      subscriber({}, { state: 'failed', errorCode: 21211 }),
      same,
      { kind: 'already_registered' },
    ],
    ['welcome pending', subscriber(), same, { kind: 'claim' }],
    [
      'pending after a released claim, just now',
      subscriber({}, { state: 'pending', lastAttemptAt: ago(1000) }),
      same,
      { kind: 'claim' },
    ],
    [
      'claimed 1 s ago by another instance',
      subscriber({}, { state: 'claimed', claimId: 'c', claimedAt: ago(1000) }),
      same,
      { kind: 'in_progress' },
    ],
    [
      'claimed just under the stale limit',
      subscriber({}, { state: 'claimed', claimId: 'c', claimedAt: ago(CLAIM_SETTLE_MS - 1) }),
      same,
      { kind: 'in_progress' },
    ],
    [
      'claimed exactly at the stale limit: taken over',
      subscriber({}, { state: 'claimed', claimId: 'c', claimedAt: ago(CLAIM_SETTLE_MS) }),
      same,
      { kind: 'claim' },
    ],
    ['claimed with no claim time', subscriber({}, { state: 'claimed', claimId: 'c' }), same, { kind: 'claim' }],
    [
      'needs_join, tried 10 s ago',
      subscriber({ channel: 'whatsapp' }, { state: 'needs_join', lastAttemptAt: ago(10_000) }),
      same,
      { kind: 'needs_join' },
    ],
    [
      'needs_join, tried a cooldown ago: try again',
      subscriber({ channel: 'whatsapp' }, { state: 'needs_join', lastAttemptAt: ago(60_000) }),
      same,
      { kind: 'claim' },
    ],
    [
      'needs_join with no attempt time',
      subscriber({ channel: 'whatsapp' }, { state: 'needs_join' }),
      same,
      { kind: 'claim' },
    ],
  ];
  test.each(cases)('%s', (_name, record, request, expected) => {
    expect(decideForExisting(record, request, NOW, COOLDOWN_S)).toEqual(expected);
  });

  test('another user_id is always a conflict', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('active', 'opted_out', 'suppressed'),
        fc.constantFrom('pending', 'claimed', 'sent', 'failed', 'needs_join'),
        fc.string({ minLength: 1 }).filter((id) => id !== 'u1'),
        fc.boolean(),
        (status, state, userId, wantsResubscribe) => {
          const record = subscriber({ status }, { state, claimedAt: ago(0), lastAttemptAt: ago(0) });
          expect(decideForExisting(record, { userId, resubscribe: wantsResubscribe }, NOW, COOLDOWN_S)).toEqual({
            kind: 'conflict',
          });
        },
      ),
    );
  });

  test('a re-subscription cooldown always waits what is left of it, rounded up, and never less than a second', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: COOLDOWN_S * 1000 - 1 }), (waitedMs) => {
        const record = subscriber({ status: 'opted_out' }, { lastAttemptAt: ago(waitedMs) });
        const decision = decideForExisting(record, { userId: 'u1', resubscribe: true }, NOW, COOLDOWN_S);
        expect(decision).toEqual({ kind: 'cooldown', retryAfterSeconds: Math.ceil(COOLDOWN_S - waitedMs / 1000) });
        if (decision.kind === 'cooldown') expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      }),
    );
  });
});

describe('the welcome claim: exactly one instance sends', () => {
  test('newSubscriber: active, welcome pending, consent logged at signup', () => {
    expect(
      newSubscriber({ userId: 'u1', channel: 'whatsapp', language: 'ne', country: 'NP', source: 'register', now: NOW }),
    ).toEqual({
      userId: 'u1',
      channel: 'whatsapp',
      language: 'ne',
      country: 'NP',
      status: 'active',
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      welcome: { state: 'pending', attempts: 0 },
      consent: [{ action: 'opt_in', source: 'register', at: NOW.toISOString() }],
      unreachableCount: 0,
      mixCounted: true,
    });
  });

  test('newSubscriber keeps the time zone and the programme anchors it is given, and no blank ones', () => {
    const input = { userId: 'u1', channel: 'sms', language: 'ne', country: 'NP', source: 'batch', now: NOW } as const;
    expect(newSubscriber({ ...input, timeZone: 'Asia/Kathmandu', edd: '2027-03-01', babyDob: '2026-10-01' })).toEqual({
      ...newSubscriber(input),
      timeZone: 'Asia/Kathmandu',
      edd: '2027-03-01',
      babyDob: '2026-10-01',
    });
    expect(Object.keys(newSubscriber({ ...input, timeZone: '', edd: '', babyDob: '' }))).toEqual(
      Object.keys(newSubscriber(input)),
    );
  });

  test('claimWelcome records the SMS body fingerprint it is given, and drops an earlier send', () => {
    const before = subscriber({}, { fingerprint: 'old', messageSid: 'SM1', status: 'failed' });
    expect(claimWelcome(before, 'claim-a', NOW, 'f1').welcome).toEqual({
      state: 'claimed',
      claimId: 'claim-a',
      claimedAt: NOW.toISOString(),
      fingerprint: 'f1',
      attempts: 1,
      lastAttemptAt: NOW.toISOString(),
    });
    expect(claimWelcome(before, 'claim-a', NOW).welcome).not.toHaveProperty('fingerprint');
  });

  test('claimWelcome records who claims, when, and counts the attempt', () => {
    const before = subscriber({}, { attempts: 2, errorCode: 30003 });
    const claimed = claimWelcome(before, 'claim-a', NOW);
    expect(claimed).toEqual({
      ...before,
      updatedAt: NOW.toISOString(),
      welcome: {
        state: 'claimed',
        claimId: 'claim-a',
        claimedAt: NOW.toISOString(),
        attempts: 3,
        lastAttemptAt: NOW.toISOString(),
        errorCode: 30003,
      },
    });
    expect(before.welcome.state).toBe('pending');
  });

  test('holdsClaim: only the claimant, only while the welcome is claimed', () => {
    const claimed = claimWelcome(subscriber(), 'claim-a', NOW);
    expect(holdsClaim(claimed, 'claim-a')).toBe(true);
    expect(holdsClaim(claimed, 'claim-b')).toBe(false);
    expect(holdsClaim(claimWelcome(claimed, 'claim-b', NOW), 'claim-a')).toBe(false);
    expect(holdsClaim(welcomeSent(claimed, 'SM1', 'queued', NOW), 'claim-a')).toBe(false);
    expect(holdsClaim(releaseClaim(claimed, NOW), 'claim-a')).toBe(false);
    expect(holdsClaim(subscriber({}, { state: 'sent', claimId: 'claim-a' }), 'claim-a')).toBe(false);
  });

  test('a fresh claim is in progress for everyone else until it goes stale', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3 * CLAIM_SETTLE_MS }), (ageMs) => {
        const claimed = claimWelcome(subscriber(), 'claim-a', new Date(NOW.getTime() - ageMs));
        const decision = decideForExisting(claimed, { userId: 'u1', resubscribe: false }, NOW, COOLDOWN_S);
        expect(decision.kind).toBe(ageMs < CLAIM_SETTLE_MS ? 'in_progress' : 'claim');
      }),
    );
  });

  const later = new Date(NOW.getTime() + 5000);

  test('welcomeSent drops the claim and records the SID and status', () => {
    const sent = welcomeSent(claimWelcome(subscriber(), 'claim-a', NOW), 'SM1', 'queued', later);
    expect(sent.updatedAt).toBe(later.toISOString());
    expect(sent.welcome).toEqual({
      state: 'sent',
      messageSid: 'SM1',
      status: 'queued',
      attempts: 1,
      lastAttemptAt: NOW.toISOString(),
    });
  });

  test('welcomeSent keeps a later status a callback already recorded for the same SID', () => {
    // A new claim starts clean; the callback for its message may land before the send is recorded.
    const fresh = claimWelcome(subscriber({}, { messageSid: 'SM0', status: 'failed' }), 'claim-a', NOW);
    expect(fresh.welcome.messageSid).toBeUndefined();
    const claimed = { ...fresh, welcome: { ...fresh.welcome, messageSid: 'SM1', status: 'delivered' } };
    expect(welcomeSent(claimed, 'SM1', 'queued', later).welcome.status).toBe('delivered');
    // another SID's status is not ours to keep
    expect(welcomeSent(claimed, 'SM2', 'queued', later).welcome.status).toBe('queued');
    // the same SID with nothing recorded yet takes the new status
    const bare = claimWelcome(subscriber({}, { messageSid: 'SM1' }), 'claim-a', NOW);
    expect(welcomeSent(bare, 'SM1', 'accepted', later).welcome.status).toBe('accepted');
  });

  test.each(['failed', 'needs_join'] as const)('welcomeFailed(%s) drops the claim and records the code', (state) => {
    const failed = welcomeFailed(claimWelcome(subscriber(), 'claim-a', NOW), state, 63015, later);
    expect(failed.updatedAt).toBe(later.toISOString());
    expect(failed.welcome).toEqual({ state, errorCode: 63015, attempts: 1, lastAttemptAt: NOW.toISOString() });
  });

  test('releaseClaim gives the welcome back as pending, keeping the attempt count', () => {
    const released = releaseClaim(claimWelcome(subscriber(), 'claim-a', NOW), later);
    expect(released.updatedAt).toBe(later.toISOString());
    expect(released.welcome).toEqual({ state: 'pending', attempts: 1, lastAttemptAt: NOW.toISOString() });
    expect(decideForExisting(released, { userId: 'u1', resubscribe: false }, later, COOLDOWN_S)).toEqual({
      kind: 'claim',
    });
  });
});

describe('consent', () => {
  const entry = (i: number): ConsentEntry => ({ action: i % 2 ? 'opt_out' : 'opt_in', source: `s${i}`, at: ago(i) });

  test('appendConsent keeps the first entry and the most recent ones, at most MAX_CONSENT_ENTRIES', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 * MAX_CONSENT_ENTRIES }), (n) => {
        const log = Array.from({ length: n }, (_, i) => entry(i));
        const next = appendConsent(log, entry(n));
        const all = [...log, entry(n)];
        // The first consent (the signup) is what an auditor asks for first: it is never dropped.
        expect(next).toEqual(
          all.length <= MAX_CONSENT_ENTRIES ? all : [all[0], ...all.slice(-(MAX_CONSENT_ENTRIES - 1))],
        );
        expect(next[0]).toEqual(entry(0));
        expect(next.length).toBe(Math.min(n + 1, MAX_CONSENT_ENTRIES));
        expect(next.at(-1)).toEqual(entry(n));
      }),
    );
    expect(MAX_CONSENT_ENTRIES).toBe(50);
  });

  test('optOut: opted out, STOP logged; the welcome record stays', () => {
    const before = subscriber({}, { state: 'sent', messageSid: 'SM1' });
    const out = optOut(before, 'inbound:STOP', NOW);
    expect(out).toEqual({
      ...before,
      status: 'opted_out',
      updatedAt: NOW.toISOString(),
      consent: [...before.consent, { action: 'opt_out', source: 'inbound:STOP', at: NOW.toISOString() }],
    });
  });

  test('resubscribe: active again, unreachable count reset, opt-in logged, welcome pending again', () => {
    const before = optOut(
      subscriber({ unreachableCount: 2 }, { state: 'sent', messageSid: 'SM1', attempts: 1 }),
      'x',
      NOW,
    );
    const back = resubscribe(before, 'register', later(), true);
    expect(back).toEqual({
      ...before,
      status: 'active',
      updatedAt: later().toISOString(),
      unreachableCount: 0,
      consent: [...before.consent, { action: 'opt_in', source: 'register', at: later().toISOString() }],
      welcome: { state: 'pending', attempts: 1 },
    });
  });

  test('resubscribe without a new welcome keeps the welcome record', () => {
    const before = optOut(subscriber({}, { state: 'sent', messageSid: 'SM1', attempts: 1 }), 'x', NOW);
    expect(resubscribe(before, 'inbound:START', later(), false).welcome).toEqual(before.welcome);
  });

  function later(): Date {
    return new Date(NOW.getTime() + 1000);
  }
});

describe('pendingTipSids: what STOP must cancel', () => {
  test('real SIDs for today or later only', () => {
    const record = subscriber({
      tips: {
        '2026-11-23': 'SM-yesterday',
        '2026-11-24': 'SM-today',
        '2026-11-25': 'MM-tomorrow',
        '2026-11-26': 'claimed:abc',
        '2026-11-27': 'xSM-not-a-sid',
      },
    });
    expect(pendingTipSids(record, '2026-11-24')).toEqual([
      { date: '2026-11-24', sid: 'SM-today' },
      { date: '2026-11-25', sid: 'MM-tomorrow' },
    ]);
  });

  test('no tips, nothing to cancel', () => {
    expect(pendingTipSids(subscriber(), '2026-11-24')).toEqual([]);
  });
});

describe('claims of tips and settling', () => {
  test('secondsUntilSettled: what is left of CLAIM_SETTLE_MS, rounded up, at least 1', () => {
    expect(CLAIM_SETTLE_MS).toBe(15_000);
    expect(secondsUntilSettled(NOW.toISOString(), NOW)).toBe(15);
    expect(secondsUntilSettled(ago(5_500), NOW)).toBe(10);
    expect(secondsUntilSettled(ago(14_001), NOW)).toBe(1);
    expect(secondsUntilSettled(ago(60_000), NOW)).toBe(1);
    expect(secondsUntilSettled(undefined, NOW)).toBe(1);
    expect(secondsUntilSettled('not a time', NOW)).toBe(1);
  });

  test('a tip claim names its call and time; a SID is no claim; an old claim without a time is long settled', () => {
    expect(tipClaim('call-1', NOW)).toBe(`claimed:call-1@${NOW.toISOString()}`);
    expect(parseTipClaim(tipClaim('call-1', NOW))).toEqual({ id: 'call-1', claimedAt: NOW.toISOString() });
    expect(parseTipClaim('claimed:call-2')).toEqual({ id: 'call-2', claimedAt: '1970-01-01T00:00:00.000Z' });
    expect(parseTipClaim('claimed:')).toEqual({ id: '', claimedAt: '1970-01-01T00:00:00.000Z' });
    for (const value of ['SM123', 'xclaimed:a', ' claimed:a', '', undefined])
      expect(parseTipClaim(value)).toBeUndefined();
  });

  test('unsettledClaims: a claimed welcome and the tip dates still holding a claim', () => {
    const record = subscriber(
      { tips: { '2026-11-24': 'SM1', '2026-11-25': tipClaim('c', NOW), '2026-11-26': 'claimed:old' } },
      { state: 'claimed' },
    );
    expect(unsettledClaims(record)).toEqual({ welcome: true, tipDates: ['2026-11-25', '2026-11-26'] });
    for (const state of ['pending', 'sent', 'failed', 'needs_join'] as const) {
      expect(unsettledClaims(subscriber({}, { state }))).toEqual({ welcome: false, tipDates: [] });
    }
  });

  test('forgetTips drops exactly the given dates; nothing to drop returns the record itself', () => {
    const record = subscriber({ tips: { '2026-11-24': 'SM1', '2026-11-25': 'SM2', '2026-11-26': 'SM3' } });
    expect(forgetTips(record, ['2026-11-24', '2026-11-26'])).toEqual({ ...record, tips: { '2026-11-25': 'SM2' } });
    expect(forgetTips(record, [])).toBe(record);
    const none = subscriber();
    expect(forgetTips(none, ['2026-11-24'])).toBe(none);
  });
});

describe('programme messages noted as sent', () => {
  test('noteProgrammeSent adds an id once, keeps the last MAX_PROGRAMME_SENT; no id changes nothing', () => {
    const none = subscriber();
    const one = noteProgrammeSent(none, 'p1');
    expect(one).toEqual({ ...none, programmeSent: ['p1'] });
    expect(noteProgrammeSent(one, 'p1')).toBe(one);
    expect(noteProgrammeSent(one, undefined)).toBe(one);
    expect(noteProgrammeSent(one, '')).toBe(one);
    expect(MAX_PROGRAMME_SENT).toBe(200);
    const full = subscriber({ programmeSent: Array.from({ length: 200 }, (_, i) => `p${i}`) });
    expect(noteProgrammeSent(full, 'new').programmeSent).toEqual([
      ...Array.from({ length: 199 }, (_, i) => `p${i + 1}`),
      'new',
    ]);
  });

  test('forgetProgrammeSent removes that id only; an id not noted, or none, changes nothing', () => {
    const record = subscriber({ programmeSent: ['p1', 'p2', 'p3'] });
    expect(forgetProgrammeSent(record, 'p2')).toEqual({ ...record, programmeSent: ['p1', 'p3'] });
    expect(forgetProgrammeSent(record, 'p9')).toBe(record);
    expect(forgetProgrammeSent(record, undefined)).toBe(record);
    expect(forgetProgrammeSent(record, '')).toBe(record);
    const none = subscriber();
    expect(forgetProgrammeSent(none, 'p1')).toBe(none);
  });
});
