/**
 * Programmable Messaging (2010 API): Messages create, fetch, list and cancel, scheduled sends,
 * and each message's status progression posted to its StatusCallback with a real signature.
 * A created message is accepted, then goes through its sender's queue (throughput.ts) on the
 * sandbox's simulated clock; a scheduled one enters that queue at its SendAt, when the clock
 * is advanced past it (advanceClock) or fireScheduled() is called. Statuses are posted at once
 * (statusStepMs apart): the simulated times are recorded on the message, never waited for.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import twilio from 'twilio';
import { countSegments } from '../src/core/segments';
import { send } from './http';
import { magicFor } from './magic-numbers';
import type { SandboxOptions } from './options';
import {
  createSenderQueue,
  MAX_VALIDITY_SECONDS,
  QUEUE_LIMIT_SECONDS,
  type QueueOutcome,
  type SenderQueue,
} from './throughput';
import {
  iso,
  newSid,
  rfc2822,
  sleep,
  TwilioError,
  type Answer,
  type ProductContext,
  type TwilioCall,
} from './twilio-api';

export interface SandboxMessage {
  sid: string;
  to: string;
  from: string;
  body?: string;
  contentSid?: string;
  contentVariables?: string;
  status: string;
  errorCode: number | null;
  statusCallback?: string;
  sendAt?: string;
  dateCreated: string;
  /** Message segments as Twilio counts them (GSM-7 160/153, UCS-2 70/67; WhatsApp: 1). */
  segments: number;
  validityPeriod?: number;
  /** Simulated times (ISO): accepted by the API, entered the sender's queue, left it for the carrier. */
  acceptedAt: string;
  enteredQueueAt?: string;
  leftQueueAt?: string;
}

export interface CallbackDelivery {
  url: string;
  messageSid: string;
  status: string;
  answered: number;
}

export interface MessagesProduct {
  handle: (call: TwilioCall) => Answer;
  messages: () => SandboxMessage[];
  callbacks: () => CallbackDelivery[];
  /** Puts every scheduled message in its queue at its SendAt (as if the time came) and dispatches it; returns how many. */
  fireScheduled: () => number;
  /** Moves the simulated clock forward; scheduled messages whose SendAt has come enter their queues. */
  advanceClock: (ms: number) => { now: string; fired: number };
  /** The simulated clock (epoch ms): wall clock plus every advance. */
  clock: () => number;
  /** Per sender: rate and when its queue is empty again (simulated). */
  queues: () => Array<{ from: string; segmentsPerSecond: number; busyUntil: string | null }>;
  /** Resolves when no status step is pending. */
  settle: () => Promise<void>;
  reset: () => void;
  /** Where a shortened link leads (the original URL), or undefined. */
  expandLink: (shortUrl: string) => string | undefined;
  /** GET <sandbox>/l/<code>: a shortened link redirects to the original, as a Link Shortening domain does. */
  followShortLink: (res: ServerResponse, code: string) => void;
}

/** SendAt must lie 15 minutes to 35 days ahead, as Twilio requires. */
function checkScheduleWindow(sendAt: string | undefined, now: number): void {
  const at = Date.parse(sendAt ?? '');
  if (Number.isNaN(at)) throw new TwilioError(400, 35115, 'SendAt is not in a valid format');
  const ahead = (at - now) / 1000;
  if (ahead < 900 || ahead > 35 * 24 * 3600)
    throw new TwilioError(400, 35114, 'SendAt must be between 15 minutes and 35 days in the future');
}

/** ValidityPeriod: whole seconds from 1 to 36,000 (21624 otherwise). */
function parseValidity(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_VALIDITY_SECONDS)
    throw new TwilioError(400, 21624, 'Validity period can only be set to integers between 1 and 36,000 seconds');
  return seconds;
}

/** Segments counted against throughput: SMS bodies as carriers split them; WhatsApp and templates one message. */
function segmentsOf(to: string, body: string | undefined): number {
  if (to.startsWith('whatsapp:') || !body) return 1;
  return Math.max(1, countSegments(body).segments);
}

/**
 * The statuses a dispatched message goes through: its queue's verdict first (30001 overflow,
 * 30036 expired), then delivered, or the failure a magic number (or a WhatsApp body) earns.
 */
function statusSteps(
  m: SandboxMessage,
  outcome: QueueOutcome,
  options: SandboxOptions,
): Array<[string, number | null]> {
  if (outcome.kind !== 'sent')
    return [
      ['queued', null],
      ['failed', outcome.code],
    ];
  const magic = magicFor(m.to.replace(/^whatsapp:/, ''));
  const whatsappBody = m.to.startsWith('whatsapp:') && !m.contentSid;
  // A `whatsapp:+…` key fails only WhatsApp messages (e.g. 63024: not on WhatsApp, while SMS reaches the number).
  const failure =
    options.failLater[m.to] ??
    options.failLater[m.to.replace(/^whatsapp:/, '')] ??
    (magic?.when === 'async' ? magic.code : whatsappBody ? 63016 : undefined);
  if (failure === undefined)
    return [
      ['queued', null],
      ['sent', null],
      ['delivered', null],
    ];
  return [
    ['queued', null],
    [String(failure).startsWith('63') ? 'failed' : 'undelivered', failure],
  ];
}

export function createMessages({ options, baseUrl }: ProductContext): MessagesProduct {
  let messages = new Map<string, SandboxMessage>();
  let callbacks: CallbackDelivery[] = [];
  const pending = new Set<Promise<void>>();
  let queues = new Map<string, { queue: SenderQueue; segmentsPerSecond: number }>();
  let advancedMs = 0;
  /** The queues' clock never goes back, even after scheduled messages were fired early. */
  let queueClock = -Infinity;
  const clock = () => Date.now() + advancedMs;

  /** One queue per sender, at the rate configured when it first sends. */
  function queueOf(from: string) {
    let entry = queues.get(from);
    if (!entry) {
      const whatsapp = from.startsWith('whatsapp:');
      const segmentsPerSecond = whatsapp ? options.whatsappMps : options.senderMps;
      const limit = whatsapp ? QUEUE_LIMIT_SECONDS.whatsapp : QUEUE_LIMIT_SECONDS.sms;
      entry = { queue: createSenderQueue(segmentsPerSecond, limit), segmentsPerSecond };
      queues.set(from, entry);
    }
    return entry.queue;
  }

  /** Puts a message in its sender's queue at `enterAt` (simulated) and records what the queue decided. */
  function enqueue(m: SandboxMessage, enterAt: number, direct: boolean): QueueOutcome {
    queueClock = Math.max(queueClock, enterAt);
    const outcome = queueOf(m.from).enqueue(
      { enterAt, segments: m.segments, validitySeconds: m.validityPeriod },
      direct,
    );
    m.enteredQueueAt = iso(new Date(enterAt));
    if (outcome.kind === 'sent') m.leftQueueAt = iso(new Date(outcome.leftQueueAt));
    return outcome;
  }

  /** Scheduled messages whose SendAt is at or before `until`, in the order they enter their queues. */
  function fireDue(until: number): number {
    const due = [...messages.values()]
      .filter((m) => m.status === 'scheduled' && Date.parse(m.sendAt!) <= until)
      .sort((a, b) => Date.parse(a.sendAt!) - Date.parse(b.sendAt!));
    for (const m of due) {
      m.status = 'accepted';
      dispatch(m, enqueue(m, Math.max(queueClock, Date.parse(m.sendAt!)), false));
    }
    return due.length;
  }

  /** `justCreated` through a Messaging Service: no sender is assigned yet, so num_segments is '0' (as Twilio documents). */
  function messageJson(m: SandboxMessage, justCreated = false) {
    return {
      account_sid: options.accountSid,
      api_version: '2010-04-01',
      body: m.body ?? '',
      date_created: rfc2822(new Date(m.dateCreated)),
      date_sent: m.leftQueueAt && m.status !== 'failed' ? rfc2822(new Date(m.leftQueueAt)) : null,
      date_updated: rfc2822(),
      direction: 'outbound-api',
      error_code: m.errorCode,
      error_message: null,
      from: m.from,
      messaging_service_sid: options.messagingServiceSid,
      num_media: '0',
      num_segments: justCreated ? '0' : String(m.segments),
      price: null,
      price_unit: 'USD',
      sid: m.sid,
      status: m.status,
      subresource_uris: { media: `/2010-04-01/Accounts/${options.accountSid}/Messages/${m.sid}/Media.json` },
      to: m.to,
      uri: `/2010-04-01/Accounts/${options.accountSid}/Messages/${m.sid}.json`,
    };
  }

  async function postCallback(m: SandboxMessage) {
    if (!m.statusCallback || !options.statusCallbacks) return;
    const params: Record<string, string> = {
      AccountSid: options.accountSid,
      ApiVersion: '2010-04-01',
      From: m.from,
      MessageSid: m.sid,
      MessageStatus: m.status,
      MessagingServiceSid: options.messagingServiceSid,
      SmsSid: m.sid,
      SmsStatus: m.status,
      To: m.to,
      ...(m.errorCode ? { ErrorCode: String(m.errorCode) } : {}),
    };
    const signature = twilio.getExpectedTwilioSignature(options.authToken, m.statusCallback, params);
    let answered = 0;
    try {
      const res = await fetch(m.statusCallback, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
        body: new URLSearchParams(params).toString(),
      });
      answered = res.status;
      await res.arrayBuffer();
    } catch {
      answered = 0;
    }
    callbacks.push({ url: m.statusCallback, messageSid: m.sid, status: m.status, answered });
  }

  /** Keeps a status progression where settle() can wait for it. */
  function track(work: Promise<void>) {
    pending.add(work);
    void work.finally(() => pending.delete(work));
  }

  /**
   * Hands an accepted message to the carrier: it walks its status steps, each posted to
   * StatusCallback, and a cancel stops it. Sending physics (queues, throughput) belong here.
   */
  function dispatch(m: SandboxMessage, outcome: QueueOutcome) {
    track(
      (async () => {
        for (const [status, code] of statusSteps(m, outcome, options)) {
          await sleep(options.statusStepMs);
          if (m.status === 'canceled') return;
          m.status = status;
          m.errorCode = code;
          await postCallback(m);
        }
      })(),
    );
  }

  let shortLinks = new Map<string, string>();

  /** Link Shortening: the domain, then ten alphanumeric characters, as Twilio's shortened links look. */
  function shorten(long: string): string {
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const code = Array.from(randomBytes(10), (b) => alphabet[b % alphabet.length]).join('');
    shortLinks.set(code, long);
    return `${baseUrl()}/l/${code}`;
  }

  function create(form: Record<string, string>): Answer {
    const to = form.To ?? '';
    if (!form.MessagingServiceSid && !form.From)
      throw new TwilioError(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required");
    if (form.MessagingServiceSid && form.MessagingServiceSid !== options.messagingServiceSid)
      throw new TwilioError(404, 20404, 'Messaging Service not found');
    if (!form.Body && !form.ContentSid) throw new TwilioError(400, 21602, 'Message body is required');
    const magic = magicFor(to.replace(/^whatsapp:/, ''));
    if (magic?.when === 'sync') throw new TwilioError(400, magic.code, `Sandbox magic number: ${magic.note}`);
    const refused = options.refuse[to.replace(/^whatsapp:/, '')];
    if (refused !== undefined) throw new TwilioError(400, refused, 'Sandbox refusal configured for this number');
    let body = form.Body;
    if (form.ShortenUrls === 'true') {
      // Twilio: only through a Messaging Service that has a Link Shortening domain.
      if (!form.MessagingServiceSid) throw new TwilioError(400, 20001, 'ShortenUrls requires a MessagingServiceSid');
      if (!options.linkShortening)
        throw new TwilioError(400, 20001, 'ShortenUrls: this Messaging Service has no Link Shortening domain');
      body = body?.replace(/https?:\/\/\S+/g, (long) => shorten(long));
    }
    if (!/^(whatsapp:)?\+\d{6,15}$/.test(to)) throw new TwilioError(400, 21211, "Invalid 'To' Phone Number");
    const scheduled = form.ScheduleType === 'fixed';
    if (form.SendAt && !scheduled) throw new TwilioError(400, 35115, 'ScheduleType must be fixed when SendAt is set');
    const now = clock();
    if (scheduled) {
      if (!form.MessagingServiceSid)
        throw new TwilioError(400, 35118, 'MessagingServiceSid is required to schedule a message');
      checkScheduleWindow(form.SendAt, now);
    }
    const validityPeriod = parseValidity(form.ValidityPeriod);
    const from = form.From ?? (to.startsWith('whatsapp:') ? 'whatsapp:+14155238886' : '+15005550006');
    const m: SandboxMessage = {
      sid: newSid('SM'),
      to,
      from,
      body,
      contentSid: form.ContentSid,
      contentVariables: form.ContentVariables,
      status: scheduled ? 'scheduled' : 'accepted',
      errorCode: null,
      statusCallback: form.StatusCallback,
      sendAt: form.SendAt,
      dateCreated: iso(),
      segments: segmentsOf(to, form.Body),
      ...(validityPeriod !== undefined ? { validityPeriod } : {}),
      acceptedAt: iso(new Date(now)),
    };
    if (!scheduled) {
      fireDue(now);
      const outcome = enqueue(m, Math.max(queueClock, now), Boolean(form.From) && !form.MessagingServiceSid);
      // From one number a full queue refuses at create; through a Messaging Service it fails after.
      if (outcome.kind === 'overflow' && outcome.code === 21611)
        throw new TwilioError(400, 21611, "This 'From' number has exceeded the maximum number of queued messages");
      messages.set(m.sid, m);
      dispatch(m, outcome);
    } else messages.set(m.sid, m);
    return [201, messageJson(m, Boolean(form.MessagingServiceSid))];
  }

  /** 2010-style paging: Page + PageSize (+ PageToken, which we echo), newest first, filter by To/From. */
  function list(query: URLSearchParams): Answer {
    const pageSize = Math.min(1000, Number(query.get('PageSize') ?? 50));
    const page = Number(query.get('Page') ?? 0);
    const to = query.get('To');
    const from = query.get('From');
    const all = [...messages.values()].filter((m) => (!to || m.to === to) && (!from || m.from === from)).reverse();
    const slice = all.slice(page * pageSize, (page + 1) * pageSize);
    const base = `/2010-04-01/Accounts/${options.accountSid}/Messages.json`;
    const filters = `${to ? `&To=${encodeURIComponent(to)}` : ''}${from ? `&From=${encodeURIComponent(from)}` : ''}`;
    const uri = (p: number) => `${base}?PageSize=${pageSize}&Page=${p}${filters}${p > 0 ? `&PageToken=PA${p}` : ''}`;
    return [
      200,
      {
        messages: slice.map((m) => messageJson(m)),
        end: page * pageSize + Math.max(0, slice.length - 1),
        first_page_uri: uri(0),
        next_page_uri: (page + 1) * pageSize < all.length ? uri(page + 1) : null,
        page,
        page_size: pageSize,
        previous_page_uri: page > 0 ? uri(page - 1) : null,
        start: page * pageSize,
        uri: uri(page),
      },
    ];
  }

  /** Fetch, or cancel a scheduled message (POST Status=canceled). */
  function one(method: string, sid: string, form: Record<string, string>): Answer {
    const m = messages.get(sid);
    if (!m) throw new TwilioError(404, 20404, 'Message not found');
    if (method === 'GET') return [200, messageJson(m)];
    if (method === 'POST' && form.Status === 'canceled') {
      if (m.status !== 'scheduled') throw new TwilioError(400, 30409, 'Only scheduled messages can be canceled');
      m.status = 'canceled';
      return [200, messageJson(m)];
    }
    throw new TwilioError(404, 20404, 'Not found');
  }

  return {
    // parts: ['2010-04-01','Accounts',AC,'Messages.json'] or [..., 'Messages', 'SM….json']
    handle({ method, parts, form, query }) {
      if (parts[2] !== options.accountSid) throw new TwilioError(404, 20404, 'Account not found');
      if (parts[3] === 'Messages.json' && method === 'POST') return create(form);
      if (parts[3] === 'Messages.json' && method === 'GET') return list(query);
      if (parts[3] === 'Messages' && parts[4]) return one(method, parts[4].replace(/\.json$/, ''), form);
      throw new TwilioError(404, 20404, 'Not found');
    },
    messages: () => [...messages.values()],
    callbacks: () => [...callbacks],
    fireScheduled: () => fireDue(Infinity),
    advanceClock(ms) {
      if (!(ms >= 0)) throw new RangeError('the clock only moves forward');
      advancedMs += ms;
      const fired = fireDue(clock());
      return { now: iso(new Date(clock())), fired };
    },
    clock,
    queues: () =>
      [...queues.entries()].map(([from, { queue, segmentsPerSecond }]) => ({
        from,
        segmentsPerSecond,
        busyUntil: Number.isFinite(queue.busyUntil()) ? iso(new Date(queue.busyUntil())) : null,
      })),
    async settle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    reset() {
      messages = new Map();
      callbacks = [];
      queues = new Map();
      advancedMs = 0;
      queueClock = -Infinity;
      shortLinks = new Map();
    },
    expandLink: (shortUrl) => shortLinks.get(shortUrl.split('/l/')[1] ?? ''),
    followShortLink(res, code) {
      const target = shortLinks.get(code);
      if (!target) return send(res, 404, { error: 'unknown short link' });
      res.writeHead(302, { Location: target });
      res.end();
    },
  };
}
