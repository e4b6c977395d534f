/**
 * Idempotent account setup: find or create the Sync service and its maps, check the
 * Messaging Service, and (with the deployed base URL) point its inbound and status webhooks
 * at this service. Returns what it created or changed; a second run changes nothing.
 */
import { allShardNames } from '../core/shard';
import { intSetting, setting, type Env } from '../core/settings';
import { createTwilioClient } from '../twilio/client';

export const SYNC_SERVICE_NAME = 'aamcare-messaging';
const SHARDED_MAPS = ['subscribers', 'messages', 'counters', 'events', 'welcome-rate', 'unknown-sender-replies'];

export interface SetupResult {
  syncServiceSid: string;
  changes: string[];
  unchanged: string[];
}

export async function runSetup(env: Env, options: { baseUrl?: string } = {}): Promise<SetupResult> {
  const client = createTwilioClient(env);
  const changes: string[] = [];
  const unchanged: string[] = [];

  let syncServiceSid = setting(env, 'SYNC_SERVICE_SID');
  if (syncServiceSid) {
    await client.sync.v1.services(syncServiceSid).fetch();
    unchanged.push(`Sync service ${syncServiceSid} exists`);
  } else {
    const existing = (await client.sync.v1.services.list({ pageSize: 100 })).find(
      (s) => s.friendlyName === SYNC_SERVICE_NAME,
    );
    if (existing) {
      syncServiceSid = existing.sid;
      unchanged.push(
        `Sync service "${SYNC_SERVICE_NAME}" found: ${existing.sid} (set SYNC_SERVICE_SID=${existing.sid} in .env)`,
      );
    } else {
      syncServiceSid = (await client.sync.v1.services.create({ friendlyName: SYNC_SERVICE_NAME })).sid;
      changes.push(
        `created Sync service "${SYNC_SERVICE_NAME}": ${syncServiceSid} (set SYNC_SERVICE_SID=${syncServiceSid} in .env)`,
      );
    }
  }

  const shards = intSetting(env, 'SYNC_SHARDS');
  const maps = ['batch-runs', 'programme-census', ...SHARDED_MAPS.flatMap((base) => allShardNames(base, shards))];
  let createdMaps = 0;
  for (const uniqueName of maps) {
    try {
      await client.sync.v1.services(syncServiceSid).syncMaps.create({ uniqueName });
      createdMaps++;
    } catch (error) {
      if ((error as { status?: number }).status !== 409) throw error;
    }
  }
  if (createdMaps > 0) changes.push(`created ${createdMaps} Sync map(s)`);
  else unchanged.push(`all ${maps.length} Sync maps exist`);

  const messagingSid = setting(env, 'MESSAGING_SERVICE_SID');
  if (!messagingSid)
    throw new Error(
      'MESSAGING_SERVICE_SID is not set: create a Messaging Service in the Twilio console and set it in .env',
    );
  const service = await client.messaging.v1.services(messagingSid).fetch();
  unchanged.push(`Messaging Service ${messagingSid} (${service.friendlyName}) exists`);
  const base = (options.baseUrl ?? setting(env, 'PUBLIC_BASE_URL'))?.replace(/\/+$/, '');
  if (base) {
    const want = { inboundRequestUrl: `${base}/incoming`, statusCallback: `${base}/status-callback` };
    if (service.inboundRequestUrl === want.inboundRequestUrl && service.statusCallback === want.statusCallback) {
      unchanged.push('Messaging Service webhooks already point here');
    } else {
      await client.messaging.v1.services(messagingSid).update({
        inboundRequestUrl: want.inboundRequestUrl,
        inboundMethod: 'POST',
        statusCallback: want.statusCallback,
      });
      changes.push(`Messaging Service webhooks set: inbound ${want.inboundRequestUrl}, status ${want.statusCallback}`);
    }
  } else {
    unchanged.push('webhooks not changed: pass --url <deployed base URL> after deploying');
  }
  return { syncServiceSid, changes, unchanged };
}
