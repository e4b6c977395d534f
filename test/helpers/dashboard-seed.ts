/**
 * A day of activity for the dashboard's tests, through the real routes: welcomes (one
 * unreachable, one expired in the queue), invalid numbers of three kinds, a number Twilio
 * refuses, a WhatsApp number that has not joined the sandbox, opt-outs and an opt-in, and a
 * re-subscription inside the cooldown (rate limited), repeats. `expected` is what /admin/stats must count.
 */
import { portalConsent, register, startSystem, type System } from './system';

export const SEEDED = {
  created: 8,
  invalid: { too_short: 1, country_not_allowed: 1, not_mobile: 1 },
  rejected: { 21211: 1 },
  needsJoin: 1,
  rateLimited: 1,
  /** The portal sending d2 twice more: counted, nothing sent. */
  alreadyRegistered: 2,
  optOuts: 2,
  optIns: 1,
  /** First tips, scheduled at registration (TIPS_ON_REGISTER). */
  tipsScheduled: 8,
  active: 7,
  expired: 1,
  /** Events written: 8 created, 1 rejected, 1 needs_join, 2 failed deliveries, 2 opt-outs, 1 opt-in. */
  events: 15,
} as const;

/** Nepali mobile numbers of the seeded subscribers d0..d5. */
export const seededPhone = (i: number) => `+97798470000${i}0`;

export async function startSeededSystem(env: Record<string, string> = {}): Promise<System> {
  const system = await startSystem({
    env: {
      LOOKUP_MODE: 'off',
      SMS_PRICE_PER_SEGMENT: 'NP=0.1,US=0.01',
      WHATSAPP_PRICE_PER_MESSAGE: '*=0.02',
      ...env,
    },
    sandbox: {
      portal: { users: 60 },
      refuse: { '+9779847000070': 63015 },
      failLater: { '+9779847000090': 30036 },
    },
    forkPerRequest: false,
  });
  try {
    const expect = async (status: number, answer: Promise<{ status: number; text: string }>) => {
      const res = await answer;
      if (res.status !== status) throw new Error(`seeding: expected ${status}, got ${res.status}: ${res.text}`);
    };
    for (let i = 0; i < 6; i++) await expect(201, register(system, { user_id: `d${i}`, phone: `98470000${i}0` }));
    await expect(201, register(system, { user_id: 'd-unreachable', phone: '+9779800000004' }));
    await expect(201, register(system, { user_id: 'd-expired', phone: '9847000090' }));
    await expect(400, register(system, { user_id: 'd-short', phone: '12345' }));
    await expect(400, register(system, { user_id: 'd-foreign', phone: '+447911123456' }));
    await expect(400, register(system, { user_id: 'd-landline', phone: '014412345' }));
    await expect(422, register(system, { user_id: 'd-refused', phone: '+9779800000001' }));
    await expect(200, register(system, { user_id: 'd-join', phone: '9847000070', channel: 'whatsapp' }));
    for (let i = 0; i < SEEDED.alreadyRegistered; i++)
      await expect(200, register(system, { user_id: 'd2', phone: '9847000020' }));
    await system.sandbox.settle();
    // SMS to Nepal is one-way (no STOP reply can arrive): opt-outs come from the portal.
    await expect(200, portalConsent(system, { user_id: 'd0', phone: seededPhone(0), action: 'opt_out' }));
    // Back at once: inside WELCOME_COOLDOWN_SECONDS of the last welcome, so refused for now.
    await expect(429, register(system, { user_id: 'd0', phone: seededPhone(0), resubscribe: 'true' }));
    await expect(200, portalConsent(system, { user_id: 'd1', phone: seededPhone(1), action: 'opt_out' }));
    await expect(200, portalConsent(system, { user_id: 'd1', phone: seededPhone(1), action: 'opt_in' }));
    await system.sandbox.settle();
  } catch (error) {
    await system.stop();
    throw error;
  }
  return system;
}
