/**
 * Read-only preflight: every required setting present and well formed, credentials valid,
 * Messaging Service and senders present, WhatsApp templates approved, webhooks wired, Sync
 * reachable, and the next daily tip's capacity forecast (fits TIP_VALIDITY_MINUTES at
 * SENDER_MPS). One line per check; used by `npm run doctor`.
 */
import { readTipForecast } from '../app/tip-forecast';
import { FEATURE_REQUIREMENTS } from '../core/health';
import { intSetting, missingSettings, setting, SETTINGS, type Env } from '../core/settings';
import type { TipForecast } from '../core/tip-plan';
import type { Tip } from '../core/tips';
import { createActivityReader } from '../app/activity';
import { stopSettings } from '../runtime/services';
import { nextTipDate } from '../core/tip-time';
import { createTwilioClient } from '../twilio/client';
import { createSyncStore } from '../twilio/sync-store';

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
  /** How to fix it, when not ok. */
  fix?: string;
}

const describe = (error: unknown) => {
  const e = error as { status?: number; code?: number; message?: string };
  return `HTTP ${e.status ?? '?'}${e.code ? ` / ${e.code}` : ''}: ${e.message ?? String(error)}`;
};

/** One line of the forecast: the figures an admin needs to judge tomorrow morning. */
export function describeForecast(f: TipForecast & { date: string }): string {
  return (
    `${f.date} (${f.tipId}): ${f.activeSubscribers} active, ${f.segmentsPerTip.en} segments EN / ${f.segmentsPerTip.ne} NE, ` +
    `${f.totalSegments} segments, drain ${Math.ceil(f.drainSeconds / 60)} min at ${f.segmentsPerSecond}/s, ` +
    `last tip ${f.latestLocalArrival} local (validity ${f.validityMinutes} min)`
  );
}

export async function runDoctor(env: Env, options: { baseUrl?: string; tips?: readonly Tip[] } = {}): Promise<Check[]> {
  const checks: Check[] = [];
  const required = [...new Set(Object.values(FEATURE_REQUIREMENTS).flat())];
  for (const name of required) {
    const missing = missingSettings(env, [name]).length > 0;
    const present = setting(env, name) !== undefined;
    const pattern = SETTINGS.find((s) => s.name === name)?.pattern;
    checks.push({
      name: `setting ${name}`,
      ok: !missing,
      detail: missing ? (present ? `malformed (expected ${pattern?.source ?? 'a value'})` : 'not set') : 'ok',
      ...(missing ? { fix: `set ${name} in .env (see .env.example)` } : {}),
    });
  }
  for (const name of [
    'TWILIO_API_KEY',
    'TWILIO_API_SECRET',
    'WELCOME_CONTENT_SID',
    'TIP_CONTENT_SID',
    'PUBLIC_BASE_URL',
  ]) {
    if (setting(env, name) !== undefined && missingSettings(env, [name]).length > 0) {
      checks.push({
        name: `setting ${name}`,
        ok: false,
        detail: 'malformed',
        fix: `fix ${name} in .env (see .env.example)`,
      });
    }
  }
  if (missingSettings(env, ['ACCOUNT_SID', 'AUTH_TOKEN']).length > 0) return checks;

  const client = createTwilioClient(env);
  const messagingSid = setting(env, 'MESSAGING_SERVICE_SID');
  let credentialsOk = true;
  if (messagingSid && missingSettings(env, ['MESSAGING_SERVICE_SID']).length === 0) {
    try {
      const service = await client.messaging.v1.services(messagingSid).fetch();
      checks.push({ name: 'credentials', ok: true, detail: 'accepted by Twilio' });
      checks.push({ name: 'messaging service', ok: true, detail: `${service.friendlyName} exists` });
      const senders = await client.messaging.v1.services(messagingSid).phoneNumbers.list({ limit: 20 });
      checks.push({
        name: 'messaging senders',
        ok: senders.length > 0,
        detail: `${senders.length} phone number(s) in the sender pool`,
        ...(senders.length === 0 ? { fix: 'add a phone number (or WhatsApp sender) to the Messaging Service' } : {}),
      });
      const base = options.baseUrl ?? setting(env, 'PUBLIC_BASE_URL');
      if (base) {
        const wantInbound = `${base.replace(/\/+$/, '')}/incoming`;
        const wantStatus = `${base.replace(/\/+$/, '')}/status-callback`;
        const inboundOk = service.inboundRequestUrl === wantInbound;
        const statusOk = service.statusCallback === wantStatus;
        checks.push({
          name: 'inbound webhook',
          ok: inboundOk,
          detail: inboundOk ? wantInbound : `is ${service.inboundRequestUrl ?? 'unset'}, want ${wantInbound}`,
          ...(inboundOk ? {} : { fix: 'run npm run setup -- --url <deployed base URL>' }),
        });
        checks.push({
          name: 'status callback',
          ok: statusOk,
          detail: statusOk ? wantStatus : `is ${service.statusCallback ?? 'unset'}, want ${wantStatus}`,
          ...(statusOk ? {} : { fix: 'run npm run setup -- --url <deployed base URL>' }),
        });
      } else {
        checks.push({
          name: 'webhooks',
          ok: true,
          detail: 'not checked: pass --url <deployed base URL> or set PUBLIC_BASE_URL',
        });
      }
    } catch (error) {
      const status = (error as { status?: number }).status;
      credentialsOk = status !== 401;
      checks.push({
        name: status === 401 ? 'credentials' : 'messaging service',
        ok: false,
        detail: describe(error),
        fix: status === 401 ? 'check ACCOUNT_SID and AUTH_TOKEN (or the API key pair)' : 'check MESSAGING_SERVICE_SID',
      });
    }
  }
  if (!credentialsOk) return checks;

  const whatsappInUse =
    setting(env, 'DEFAULT_CHANNEL') === 'whatsapp' || setting(env, 'WELCOME_CONTENT_SID') !== undefined;
  if (whatsappInUse) {
    for (const name of ['WELCOME_CONTENT_SID', 'TIP_CONTENT_SID']) {
      const sid = setting(env, name);
      if (!sid) {
        checks.push({
          name: `template ${name}`,
          ok: false,
          detail: 'not set, but WhatsApp is in use',
          fix: `set ${name} to an approved WhatsApp template`,
        });
        continue;
      }
      try {
        const approval = await client.content.v1.contents(sid).approvalFetch().fetch();
        const status = (approval.whatsapp as { status?: string } | null)?.status ?? 'unknown';
        checks.push({
          name: `template ${name}`,
          ok: status === 'approved',
          detail: `WhatsApp approval: ${status}`,
          ...(status === 'approved' ? {} : { fix: 'wait for approval or use an approved template' }),
        });
      } catch (error) {
        checks.push({ name: `template ${name}`, ok: false, detail: describe(error), fix: `check ${name}` });
      }
    }
  }

  const syncSid = setting(env, 'SYNC_SERVICE_SID');
  if (syncSid && missingSettings(env, ['SYNC_SERVICE_SID']).length === 0) {
    try {
      await client.sync.v1.services(syncSid).fetch();
      checks.push({ name: 'sync service', ok: true, detail: 'reachable' });
      if (options.tips) checks.push(await forecastCheck(env, client, syncSid, options.tips));
    } catch (error) {
      checks.push({
        name: 'sync service',
        ok: false,
        detail: describe(error),
        fix: 'run npm run setup, then set SYNC_SERVICE_SID',
      });
    }
  }
  return checks;
}

/** The next tip's forecast from the subscriber gauges; not ok when it runs past the validity window. */
async function forecastCheck(
  env: Env,
  client: ReturnType<typeof createTwilioClient>,
  serviceSid: string,
  tips: readonly Tip[],
): Promise<Check> {
  try {
    const store = createSyncStore({ client, serviceSid, deadline: () => Date.now() + 8000 });
    const timeZone = setting(env, 'TIMEZONE') ?? 'Asia/Kathmandu';
    const localTime = setting(env, 'TIPS_LOCAL_TIME') ?? '07:00';
    const forecast = await readTipForecast(createActivityReader(store, intSetting(env, 'SYNC_SHARDS')), {
      tips,
      date: nextTipDate(new Date(), { timeZone, localTime, minLeadMinutes: 16 }),
      throughput: {
        segmentsPerSecond: intSetting(env, 'SENDER_MPS'),
        validityMinutes: intSetting(env, 'TIP_VALIDITY_MINUTES'),
      },
      localTime,
      sampleLink: stopSettings(env).unsubscribeLink('+9779800000000'),
    });
    return {
      name: 'tip forecast',
      ok: forecast.withinValidity,
      detail: describeForecast(forecast),
      ...(forecast.warning
        ? { fix: `${forecast.warning} (raise SENDER_MPS: more senders or a faster sender type)` }
        : {}),
    };
  } catch (error) {
    return {
      name: 'tip forecast',
      ok: false,
      detail: describe(error),
      fix: 'check SYNC_SERVICE_SID and npm run setup',
    };
  }
}
