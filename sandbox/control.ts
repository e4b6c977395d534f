/**
 * The sandbox's own routes under /__sandbox/ (not Twilio's): inspect messages, callbacks and
 * contract violations, the sender queues and the emulated Serverless deployments (with their local
 * URLs), read or change the config, reset, advance the simulated clock or fire scheduled sends, and
 * simulate an inbound message. Also the inbound simulator itself, which posts a signed webhook as Twilio would.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import twilio from 'twilio';
import { readBody, send } from './http';
import type { ContractViolation } from './contract';
import type { SandboxMessage } from './messages';
import type { SandboxOptions } from './options';
import type { ServerlessState } from './serverless';
import { newSid } from './twilio-api';

/** What the control routes reach (the sandbox handle provides it). */
export interface ControlTarget {
  options: SandboxOptions;
  messages: () => SandboxMessage[];
  callbacks: () => unknown[];
  violations: () => ContractViolation[];
  configure: (changes: Partial<SandboxOptions>) => void;
  reset: () => void;
  fireScheduled: () => number;
  advanceClock: (ms: number) => { now: string; fired: number };
  queues: () => unknown[];
  inbound: (input: InboundInput) => Promise<InboundAnswer>;
  serverless: { state: () => ServerlessState };
}

/** The webhook's answer; `refused` (status 422) when no such message could reach Twilio. */
export interface InboundAnswer {
  status: number;
  body: string;
  refused?: string;
}

export interface InboundInput {
  from: string;
  body: string;
  to?: string;
  url?: string;
}

/**
 * Posts an inbound message to the webhook, signed with the account's auth token. An SMS "from"
 * a country where two-way SMS is not supported is refused: no such reply can reach Twilio.
 */
export async function simulateInbound(
  options: SandboxOptions,
  { from, body, to, url }: InboundInput,
): Promise<InboundAnswer> {
  const target = url ?? options.inboundWebhookUrl;
  if (!target) throw new Error('no inbound webhook URL configured');
  const whatsapp = from.startsWith('whatsapp:');
  const country = whatsapp ? undefined : parsePhoneNumberFromString(from.replace(/^(sms|tel):/, ''))?.country;
  if (country && options.oneWaySmsCountries.includes(country)) {
    const refused = `two-way SMS is not supported in ${country} (Twilio SMS guidelines): no reply from there can reach Twilio`;
    return { status: 422, body: refused, refused };
  }
  const messageSid = newSid('SM');
  const params: Record<string, string> = {
    AccountSid: options.accountSid,
    ApiVersion: '2010-04-01',
    Body: body,
    From: from,
    MessageSid: messageSid,
    MessagingServiceSid: options.messagingServiceSid,
    NumMedia: '0',
    NumSegments: '1',
    SmsMessageSid: messageSid,
    SmsSid: messageSid,
    SmsStatus: 'received',
    To: to ?? (whatsapp ? 'whatsapp:+14155238886' : '+15005550006'),
  };
  const signature = twilio.getExpectedTwilioSignature(options.authToken, target, params);
  const res = await fetch(target, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature },
    body: new URLSearchParams(params).toString(),
  });
  return { status: res.status, body: await res.text() };
}

/** /__sandbox/<route>; the auth token never leaves in a config answer. */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  parts: string[],
  sandbox: ControlTarget,
): Promise<void> {
  const body = await readBody(req);
  const input = body ? (JSON.parse(body) as Record<string, unknown>) : {};
  const config = () => ({ ...sandbox.options, authToken: undefined });
  switch (`${req.method} ${parts[0]}`) {
    case 'GET messages': {
      const to = url.searchParams.get('to');
      const status = url.searchParams.get('status');
      return send(res, 200, {
        messages: sandbox.messages().filter((m) => (!to || m.to === to) && (!status || m.status === status)),
      });
    }
    case 'GET serverless': {
      // Deployed services, their local URLs and builds; variable names only (their values are secrets).
      const state = sandbox.serverless.state();
      return send(res, 200, {
        ...state,
        environments: state.environments.map((e) => ({ ...e, variables: Object.keys(e.variables) })),
      });
    }
    case 'GET violations':
      return send(res, 200, { violations: sandbox.violations() });
    case 'GET callbacks':
      return send(res, 200, { callbacks: sandbox.callbacks() });
    case 'GET config':
      return send(res, 200, config());
    case 'POST config':
      sandbox.configure(input);
      return send(res, 200, config());
    case 'POST reset':
      sandbox.reset();
      return send(res, 200, { ok: true });
    case 'GET queues':
      return send(res, 200, { queues: sandbox.queues() });
    case 'POST clock': {
      const ms = Number(input.advanceMs);
      if (!Number.isFinite(ms) || ms < 0) return send(res, 400, { error: 'advanceMs must be a number >= 0' });
      return send(res, 200, sandbox.advanceClock(ms));
    }
    case 'POST fire-scheduled':
      return send(res, 200, { fired: sandbox.fireScheduled() });
    case 'POST inbound': {
      const answer = await sandbox.inbound(input as unknown as InboundInput);
      return send(res, answer.refused ? 422 : 200, answer);
    }
    default:
      return send(res, 404, { error: 'unknown control route' });
  }
}
