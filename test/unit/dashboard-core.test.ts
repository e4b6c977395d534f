/**
 * The dashboard's pure rules: events in words and kinds, the rates and their trend, the tip's
 * audience and cost, the events query, the support view (masked numbers only).
 */
import fc from 'fast-check';
import { activeMix, addCounters, GAUGE, statusChange } from '../../src/core/activity';
import { eventKind, eventText } from '../../src/core/event-words';
import { parseEventsQuery } from '../../src/core/events-input';
import { normalizePhone } from '../../src/core/phone';
import { deliveryRate, optOutRate, periodRates, previousPeriod, trend } from '../../src/core/stats-rates';
import { newSubscriber, type Subscriber } from '../../src/core/subscriber';
import { parseSubscriberQuery } from '../../src/core/subscriber-input';
import { subscriberView } from '../../src/core/subscriber-view';
import { parsePriceList, priceFor, tipAudience, tipCost, type TipCostInput } from '../../src/core/tip-price';

describe('events in words', () => {
  const m = '+977******278';
  test.each([
    [{ event: 'consent.opt_out', detail: 'sms-keyword' }, `${m} replied STOP (SMS keyword)`, 'opt_out'],
    [{ event: 'consent.opt_out', detail: 'whatsapp-keyword' }, `${m} replied STOP (WhatsApp keyword)`, 'opt_out'],
    [{ event: 'consent.opt_out', detail: 'link' }, `${m} opted out with the unsubscribe link`, 'opt_out'],
    [{ event: 'consent.opt_out', detail: 'portal' }, `${m} opted out on the portal`, 'opt_out'],
    [
      { event: 'consent.opt_out', detail: 'twilio-21610' },
      `${m} was opted out: Twilio error 21610 The recipient replied STOP (unsubscribed)`,
      'opt_out',
    ],
    [{ event: 'consent.opt_out', detail: 'someday' }, `${m} opted out (someday)`, 'opt_out'],
    [{ event: 'consent.opt_in', detail: 'sms-keyword' }, `${m} replied START (SMS keyword)`, 'opt_in'],
    [{ event: 'consent.opt_in', detail: 'portal' }, `${m} opted in again on the portal`, 'opt_in'],
    [{ event: 'consent.opt_in', detail: 'portal-signup' }, `${m} signed up again on the portal and opted in`, 'opt_in'],
    [{ event: 'registration.created', detail: 'sms' }, `${m} registered; welcome sent by SMS`, 'registration'],
    [
      { event: 'registration.created', detail: 'whatsapp' },
      `${m} registered; welcome sent by WhatsApp`,
      'registration',
    ],
    [
      { event: 'registration.rejected', detail: '21211' },
      `${m} was refused by Twilio: 21211 Invalid 'To' phone number`,
      'registration',
    ],
    [{ event: 'registration.rejected', detail: '99999' }, `${m} was refused by Twilio: 99999`, 'registration'],
    [
      { event: 'delivery.failed', detail: 'tip:30036' },
      `The tip to ${m} expired in the queue (30036, not sent)`,
      'delivery',
    ],
    [
      { event: 'delivery.failed', detail: 'welcome:30007' },
      `The welcome to ${m} failed: 30007 Message filtered by the carrier (spam filter)`,
      'delivery',
    ],
    [{ event: 'delivery.failed', detail: 'welcome:' }, `The welcome to ${m} failed: no error code given`, 'delivery'],
    [
      { event: 'subscriber.suppress', detail: '30003' },
      `${m} is suppressed after repeated delivery failures (last: 30003 Unreachable destination handset (off or out of coverage))`,
      'delivery',
    ],
    [
      { event: 'subscriber.opt_out', detail: '21610' },
      `${m} was opted out after Twilio error 21610 The recipient replied STOP (unsubscribed)`,
      'opt_out',
    ],
    [{ event: 'batch.something', detail: 'x' }, `batch.something ${m} x`, 'other'],
    [{ event: 'batch.something' }, `batch.something ${m}`, 'other'],
    [{ event: 'consent.opt_out', detail: 'admin' }, `${m} was opted out by an admin`, 'opt_out'],
    [{ event: 'consent.opt_out', detail: '' }, `${m} opted out`, 'opt_out'],
    // Only the exact source words are read as such; anything else is shown as it came.
    [{ event: 'consent.opt_out', detail: 'xsms-keyword' }, `${m} opted out (xsms-keyword)`, 'opt_out'],
    [{ event: 'consent.opt_out', detail: 'sms-keywords' }, `${m} opted out (sms-keywords)`, 'opt_out'],
    [{ event: 'consent.opt_out', detail: 'xtwilio-21610' }, `${m} opted out (xtwilio-21610)`, 'opt_out'],
    [{ event: 'consent.opt_out', detail: 'twilio-21610x' }, `${m} opted out (twilio-21610x)`, 'opt_out'],
    [{ event: 'consent.opt_in', detail: 'whatsapp-keyword' }, `${m} replied START (WhatsApp keyword)`, 'opt_in'],
    [{ event: 'consent.opt_in', detail: 'batch' }, `${m} opted in again (batch registration)`, 'opt_in'],
    [{ event: 'consent.opt_in', detail: 'someday' }, `${m} opted in again (someday)`, 'opt_in'],
    [{ event: 'consent.opt_in' }, `${m} opted in again`, 'opt_in'],
    [{ event: 'registration.created', detail: 'rcs' }, `${m} registered; welcome sent by rcs`, 'registration'],
    [{ event: 'registration.created' }, `${m} registered; welcome sent by message`, 'registration'],
    [{ event: 'registration.rejected' }, `${m} was refused by Twilio: an unknown error`, 'registration'],
    [{ event: 'registration.rejected', detail: 'n/a' }, `${m} was refused by Twilio: an unknown error`, 'registration'],
    [
      { event: 'registration.needs_join' },
      `${m} has not joined the WhatsApp sandbox yet (63015): the portal shows the join instruction`,
      'registration',
    ],
    [
      { event: 'registration.needs_join', detail: '63016' },
      `${m} has not joined the WhatsApp sandbox yet (63016): the portal shows the join instruction`,
      'registration',
    ],
    [
      { event: 'delivery.failed', detail: 'welcome:30036' },
      `The welcome to ${m} expired in the queue (30036, not sent)`,
      'delivery',
    ],
    [{ event: 'delivery.failed', detail: 'tip:' }, `The tip to ${m} failed: no error code given`, 'delivery'],
    [
      { event: 'delivery.failed', detail: 'support:30003' },
      `A message to ${m} failed: 30003 Unreachable destination handset (off or out of coverage)`,
      'delivery',
    ],
  ])('%j', (event, text, kind) => {
    expect(eventText({ time: '2026-11-24T05:11:00.000Z', masked: m, ...event })).toBe(text);
    expect(eventKind(event.event)).toBe(kind);
  });

  test('an event without a number still reads as a sentence', () => {
    expect(eventText({ time: 't', event: 'consent.opt_out', detail: 'portal' })).toBe(
      'A subscriber opted out on the portal',
    );
  });
});

describe('rates', () => {
  test('delivery rate: delivered among the finished, null with nothing finished', () => {
    expect(deliveryRate({ 'welcome.delivered': 9, 'welcome.failed': 0, 'welcome.undelivered': 1 }, 'welcome')).toBe(
      0.9,
    );
    expect(deliveryRate({ 'welcome.queued': 5, 'welcome.sent': 5 }, 'welcome')).toBeNull();
    expect(deliveryRate({ 'tips.delivered': 3, 'tips.failed': 1 }, 'tips')).toBe(0.75);
  });

  test('opt-out rate: per delivered message, welcomes and tips', () => {
    expect(optOutRate({ 'consent.opt_out': 2, 'welcome.delivered': 30, 'tips.delivered': 70 })).toBe(0.02);
    expect(optOutRate({ 'consent.opt_out': 2 })).toBeNull();
  });

  test('trend in percentage points, one decimal', () => {
    expect(trend(0.955, 0.9)).toEqual({ value: 0.955, previous: 0.9, changePoints: 5.5 });
    expect(trend(0.5, null)).toEqual({ value: 0.5, previous: null, changePoints: null });
    expect(trend(null, 0.5).changePoints).toBeNull();
  });

  test('the previous period has the same length and ends the day before', () => {
    expect(previousPeriod('2026-11-01', '2026-11-30')).toEqual({ from: '2026-10-02', to: '2026-10-31' });
    expect(previousPeriod('2026-03-01', '2026-03-01')).toEqual({ from: '2026-02-28', to: '2026-02-28' });
  });

  test('periodRates compares the two periods', () => {
    const rates = periodRates({ 'welcome.delivered': 1 }, { 'welcome.delivered': 1, 'welcome.failed': 1 });
    expect(rates.welcomeDelivery).toEqual({ value: 1, previous: 0.5, changePoints: 50 });
    expect(rates.tipDelivery.value).toBeNull();
  });
});

describe("tomorrow's tip: audience and cost", () => {
  test('price lists', () => {
    expect(parsePriceList('NP=0.1055, US=0.0083,*=0.05')).toEqual({
      byCountry: { NP: 0.1055, US: 0.0083 },
      fallback: 0.05,
    });
    expect(parsePriceList(undefined)).toBeUndefined();
    expect(parsePriceList('NP=x')).toBeUndefined();
    const list = parsePriceList('NP=0.1')!;
    expect(priceFor(list, 'NP')).toBe(0.1);
    expect(priceFor(list, 'US')).toBeUndefined();
    expect(priceFor(parsePriceList('*=0.2'), 'US')).toBe(0.2);
  });

  const input = (over: Partial<TipCostInput> = {}): TipCostInput => ({
    active: 100,
    activeByLanguage: { en: 30, ne: 60 },
    mix: [
      { channel: 'sms', country: 'NP', language: 'ne', count: 60 },
      { channel: 'sms', country: 'US', language: 'en', count: 10 },
      { channel: 'whatsapp', country: 'NP', language: 'en', count: 20 },
    ],
    segmentsPerTip: { en: 2, ne: 3 },
    smsPrices: parsePriceList('NP=0.1,US=0.01'),
    whatsappPrices: parsePriceList('*=0.02'),
    currency: 'USD',
    defaultCountry: 'NP',
    ...over,
  });

  test('audience by language, channel and country; what the mix does not cover is "unknown"', () => {
    expect(tipAudience(input())).toEqual({
      active: 100,
      byLanguage: { en: 30, ne: 60, unknown: 10 },
      byChannel: { sms: 70, whatsapp: 20, unknown: 10 },
      byCountry: { NP: 80, US: 10, unknown: 10 },
    });
  });

  test('cost: segments x the country price; WhatsApp per message; the rest assumed SMS to the default country at the longer tip', () => {
    const cost = tipCost(input());
    expect(cost.rows).toEqual([
      { channel: 'sms', country: 'NP', subscribers: 60, units: 180, unitPrice: 0.1, cost: 18 },
      { channel: 'whatsapp', country: 'NP', subscribers: 20, units: 20, unitPrice: 0.02, cost: 0.4 },
      { channel: 'sms', country: 'US', subscribers: 10, units: 20, unitPrice: 0.01, cost: 0.2 },
      { channel: 'sms', country: 'NP', subscribers: 10, units: 30, unitPrice: 0.1, cost: 3, assumed: true },
    ]);
    expect(cost).toMatchObject({ currency: 'USD', total: 21.6, complete: true, unpriced: [] });
  });

  test('a country without a price makes the total incomplete and is named; no prices at all: no total', () => {
    const partial = tipCost(input({ smsPrices: parsePriceList('NP=0.1') }));
    expect(partial).toMatchObject({ total: 21.4, complete: false, unpriced: ['sms:US'] });
    const none = tipCost(input({ smsPrices: undefined, whatsappPrices: undefined }));
    expect(none.total).toBeNull();
    expect(none.rows.every((r) => r.cost === null)).toBe(true);
  });

  test('gauges that ran below zero or past the total never make negative counts', () => {
    const odd = input({ active: 50, activeByLanguage: { en: -3, ne: 80 } });
    const audience = tipAudience(odd);
    expect(audience.byLanguage).toEqual({ en: 0, ne: 80, unknown: 0 });
    expect(audience.byChannel.unknown).toBe(0);
    expect(tipCost(odd).rows.some((r) => r.assumed)).toBe(false);
  });
});

describe('subscriber mix gauges', () => {
  const who = { language: 'ne', channel: 'sms', country: 'NP', mixCounted: true };
  test('a status move carries the mix cell with it', () => {
    expect(statusChange(undefined, 'active', who)).toEqual({
      [GAUGE.active]: 1,
      [GAUGE.activeIn('ne')]: 1,
      [GAUGE.activeMix('sms', 'NP', 'ne')]: 1,
    });
    expect(statusChange('active', 'opted_out', who)).toEqual({
      [GAUGE.active]: -1,
      [GAUGE.optedOut]: 1,
      [GAUGE.activeIn('ne')]: -1,
      [GAUGE.activeMix('sms', 'NP', 'ne')]: -1,
    });
    // A language alone (older callers) moves the language gauge only.
    expect(statusChange(undefined, 'active', 'en')).toEqual({ [GAUGE.active]: 1, [GAUGE.activeIn('en')]: 1 });
    // A record from before the mix gauges was never counted in them: its moves leave the mix alone.
    expect(statusChange('active', 'opted_out', { ...who, mixCounted: undefined })).toEqual({
      [GAUGE.active]: -1,
      [GAUGE.optedOut]: 1,
      [GAUGE.activeIn('ne')]: -1,
    });
  });

  test('any chain of moves leaves the mix equal to the active gauge', () => {
    const statuses = fc.constantFrom('active', 'opted_out', 'suppressed');
    fc.assert(
      fc.property(fc.array(statuses, { minLength: 1, maxLength: 10 }), (path) => {
        let total = statusChange(undefined, path[0]!, who);
        for (let i = 1; i < path.length; i++) total = addCounters(total, statusChange(path[i - 1], path[i]!, who));
        const mix = activeMix(total);
        const active = total[GAUGE.active] ?? 0;
        expect(mix.reduce((sum, cell) => sum + cell.count, 0)).toBe(active);
      }),
    );
  });

  test('activeMix reads the cells back, positive ones only', () => {
    expect(
      activeMix({
        [GAUGE.activeMix('whatsapp', 'US', 'en')]: 2,
        [GAUGE.activeMix('sms', 'NP', 'ne')]: 5,
        [GAUGE.activeMix('sms', 'NP', 'en')]: 0,
        [GAUGE.active]: 7,
      }),
    ).toEqual([
      { channel: 'sms', country: 'NP', language: 'ne', count: 5 },
      { channel: 'whatsapp', country: 'US', language: 'en', count: 2 },
    ]);
  });
});

describe('GET /admin/events query', () => {
  test.each([
    [{}, { limit: 20 }],
    [
      { kind: 'opt_out', limit: '5' },
      { kind: 'opt_out', limit: 5 },
    ],
    [{ kind: 'all' }, { limit: 20 }],
    [
      { before: '2026-11-24T05:11:00.000Z_abc123', limit: 50 },
      { before: '2026-11-24T05:11:00.000Z_abc123', limit: 50 },
    ],
  ])('%j -> %j', (params, value) => expect(parseEventsQuery(params)).toEqual({ ok: true, value }));

  test.each([
    [{ kind: 'stop' }, 'invalid_kind'],
    [{ kind: ['opt_out', 'opt_in'] }, 'invalid_kind'],
    [{ limit: '0' }, 'invalid_limit'],
    [{ limit: '51' }, 'invalid_limit'],
    [{ limit: '2.5' }, 'invalid_limit'],
    [{ before: 'x' }, 'invalid_cursor'],
    [{ before: '2026-11-24T05:11:00.000Z_ABC' }, 'invalid_cursor'],
  ])('%j is refused with %s', (params, code) => {
    const parsed = parseEventsQuery(params);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.code).toBe(code);
  });

  const kind = {
    code: 'invalid_kind',
    message: 'kind must be one of registration, opt_out, opt_in, delivery (or all)',
    details: { field: 'kind' },
  };
  const limit = {
    code: 'invalid_limit',
    message: 'limit must be a whole number from 1 to 50',
    details: { field: 'limit' },
  };
  const before = {
    code: 'invalid_cursor',
    message: 'before must be the `next` of a previous page',
    details: { field: 'before' },
  };
  test.each([
    [
      { kind: '', limit: '1', before: '' },
      { ok: true, value: { limit: 1 } },
    ],
    [{ kind: ' delivery ' }, { ok: true, value: { limit: 20, kind: 'delivery' } }],
    [{ kind: 'other' }, { ok: false, error: kind }],
    [{ kind: { k: 1 } }, { ok: false, error: kind }],
    [{ limit: -1 }, { ok: false, error: limit }],
    [{ limit: 'ten' }, { ok: false, error: limit }],
    [{ before: ['2026-11-24T05:11:00.000Z_abc123'] }, { ok: false, error: before }],
    [{ before: 'x2026-11-24T05:11:00.000Z_abc123' }, { ok: false, error: before }],
    [{ before: '2026-11-24T05:11:00.000Z_abc123x!' }, { ok: false, error: before }],
  ])('%j -> exactly %j', (params, expected) => expect(parseEventsQuery(params)).toEqual(expected));
});

describe('support view of one number', () => {
  test('the admin types any format; the query keeps the E.164 for the read and the masked form for the answer', () => {
    expect(parseSubscriberQuery({ phone: '984-796-9278' }, 'NP')).toEqual({
      ok: true,
      value: { e164: '+9779847969278', masked: '+977******278' },
    });
    // Any country and line type: support may ask about numbers registration refuses.
    expect(parseSubscriberQuery({ phone: '014412345' }, 'NP').ok).toBe(true);
    expect(parseSubscriberQuery({ phone: '+447911123456' }, 'NP').ok).toBe(true);
    expect(parseSubscriberQuery({}, 'NP')).toEqual({
      ok: false,
      error: { code: 'empty', message: 'The phone number is not valid', details: { field: 'phone' } },
    });
  });

  const subscriber = (over: Partial<Subscriber> = {}): Subscriber => ({
    ...newSubscriber({
      userId: 'u1',
      channel: 'sms',
      language: 'ne',
      country: 'NP',
      source: 'portal-signup',
      now: new Date('2026-11-20T01:00:00Z'),
      timeZone: 'Asia/Kathmandu',
    }),
    welcome: { state: 'sent', attempts: 1, messageSid: 'SM1', status: 'undelivered', errorCode: 30003 },
    tips: { '2026-11-23': 'SM9', '2026-11-24': 'SM2', '2026-11-25': 'claimed:abc@2026-11-24T00:00:00Z' },
    ...over,
  });
  const message = (sid: string, status: string, errorCode: number | null = null) => ({
    sid,
    status,
    direction: 'outbound-api',
    dateCreated: '2026-11-24T01:15:00.000Z',
    dateSent: null,
    errorCode,
    segments: 2,
    price: null,
    priceUnit: 'USD',
  });

  test('welcome with its error in words, tips from today on, messages told apart', () => {
    const view = subscriberView(
      '+977******278',
      subscriber(),
      [message('SM2', 'scheduled'), message('SM1', 'undelivered', 30003), message('SM5', 'delivered')],
      '2026-11-24',
    );
    expect(view.welcome).toMatchObject({
      status: 'undelivered',
      errorCode: 30003,
      error: 'Unreachable destination handset (off or out of coverage)',
    });
    expect(view.tips).toEqual([
      { date: '2026-11-24', state: 'scheduled', messageSid: 'SM2' },
      { date: '2026-11-25', state: 'being_scheduled', messageSid: null },
    ]);
    expect(view.messages!.map((m) => [m.sid, m.kind, m.error])).toEqual([
      ['SM2', 'tip', null],
      ['SM1', 'welcome', 'Unreachable destination handset (off or out of coverage)'],
      ['SM5', 'other', null],
    ]);
    expect(subscriberView('+977******278', subscriber(), null, '2026-11-24').messages).toBeNull();
  });

  test('the record in full: absent fields are null, tips sorted by date from today on', () => {
    const view = subscriberView(
      '+977******278',
      subscriber({
        welcome: { state: 'pending', attempts: 0 },
        timeZone: undefined,
        tips: { '2026-11-26': 'SM7', '2026-11-23': 'SM9', '2026-11-25': 'claimed:x', '2026-11-24': 'SM2' },
      }),
      [message('SM7', 'scheduled', 99999)],
      '2026-11-24',
    );
    expect(view.timeZone).toBeNull();
    expect(view.welcome).toEqual({
      state: 'pending',
      status: null,
      errorCode: null,
      error: null,
      attempts: 0,
      lastAttemptAt: null,
      messageSid: null,
    });
    expect(view.tips.map((t) => [t.date, t.state, t.messageSid])).toEqual([
      ['2026-11-24', 'scheduled', 'SM2'],
      ['2026-11-25', 'being_scheduled', null],
      ['2026-11-26', 'scheduled', 'SM7'],
    ]);
    // A code Twilio's table does not know is still said to be an error.
    expect(view.messages!.map((m) => [m.kind, m.error])).toEqual([['tip', 'Unknown error']]);
    expect(view.paused).toBeNull();
    expect(view.channelSwitch).toBeNull();

    const full = subscriberView(
      '+977******278',
      subscriber({
        welcome: {
          state: 'sent',
          attempts: 2,
          messageSid: 'SM1',
          status: 'delivered',
          lastAttemptAt: '2026-11-20T01:00:05Z',
        },
      }),
      null,
      '2026-11-24',
    );
    expect(full.timeZone).toBe('Asia/Kathmandu');
    expect(full.welcome).toEqual({
      state: 'sent',
      status: 'delivered',
      errorCode: null,
      error: null,
      attempts: 2,
      lastAttemptAt: '2026-11-20T01:00:05Z',
      messageSid: 'SM1',
    });
  });

  test('why it is paused, in words, only while it is suppressed; the channel switch with its error', () => {
    const at = '2026-11-22T03:00:00Z';
    const streak = { reason: 'failed_deliveries' as const, failures: 3, errorCode: 30003, at };
    expect(
      subscriberView('m', subscriber({ status: 'suppressed', paused: streak }), null, '2026-11-24').paused,
    ).toEqual({
      reason: '3 failed deliveries in a row',
      failures: 3,
      errorCode: 30003,
      error: 'Unreachable destination handset (off or out of coverage)',
      at,
    });
    const refused = { reason: 'invalid_number' as const, failures: 1, at };
    expect(
      subscriberView('m', subscriber({ status: 'suppressed', paused: refused }), null, '2026-11-24').paused,
    ).toEqual({
      reason: 'Twilio refuses the number',
      failures: 1,
      errorCode: null,
      error: null,
      at,
    });
    // Resumed: the old pause record is history, not the current state.
    expect(subscriberView('m', subscriber({ status: 'active', paused: streak }), null, '2026-11-24').paused).toBeNull();
    expect(subscriberView('m', subscriber({ status: 'suppressed' }), null, '2026-11-24').paused).toBeNull();
    const channelSwitch = { from: 'whatsapp' as const, to: 'sms' as const, errorCode: 63024, at };
    expect(subscriberView('m', subscriber({ channelSwitch }), null, '2026-11-24').channelSwitch).toEqual({
      ...channelSwitch,
      error: 'WhatsApp: invalid message recipient',
    });
  });

  test('whatever the record holds, the view shows the number masked only', () => {
    fc.assert(
      fc.property(fc.integer({ min: 9_800_000_000, max: 9_869_999_999 }), fc.string(), (national, userId) => {
        const phone = normalizePhone(`+977${national}`, { mobileOnly: false, allowedCountries: [] });
        fc.pre(phone.ok);
        if (!phone.ok) return;
        const text = JSON.stringify(
          subscriberView(phone.masked, subscriber({ userId }), [message('SM1', 'delivered')], '2026-11-24'),
        );
        expect(text.includes(phone.e164.slice(4))).toBe(userId.includes(phone.e164.slice(4)));
      }),
    );
  });
});
