/**
 * POST /admin/schedule-tips (admin token): schedules the daily tip for every active
 * subscriber, one time-boxed slice per call. Body: { date?, days?, dryRun?, cursor? }.
 */
import { decodeCursor, scheduleTipsSlice } from '../../app/tips';
import { FEATURE_REQUIREMENTS } from '../../core/health';
import { intSetting, setting } from '../../core/settings';
import { addDays, checkScheduleWindow, isLocalDate, sendAtFor, tipDates } from '../../core/tip-time';
import { checkAdminToken } from '../../runtime/auth';
import { defineRoute, errorReply, json } from '../../runtime/route';
import { createServices, tipDeps } from '../../runtime/services';

export const handler = defineRoute({
  name: 'tips',
  requires: FEATURE_REQUIREMENTS.tips,
  async handle({ context, event, log }) {
    const auth = checkAdminToken(context, event);
    if (!auth.ok) return errorReply(401, auth.code, auth.message);
    const started = Date.now();
    const budget = Math.min(intSetting(context, 'BUDGET_MS'), 8000);
    const deadline = started + budget;
    const services = createServices(context, deadline);
    const timeZone = services.timeZone;
    const localTime = setting(context, 'TIPS_LOCAL_TIME') ?? '07:00';
    const now = new Date();

    const days = event.days === undefined || event.days === '' ? 1 : Number(event.days);
    if (!Number.isInteger(days) || days < 1 || days > 35)
      return errorReply(400, 'invalid_days', 'days must be a whole number from 1 to 35');
    const date = typeof event.date === 'string' && event.date !== '' ? event.date : undefined;
    if (date !== undefined && !isLocalDate(date)) return errorReply(400, 'invalid_date', 'date must be YYYY-MM-DD');
    const dates = date
      ? Array.from({ length: days }, (_, i) => addDays(date, i))
      : tipDates(now, days, { timeZone, localTime, minLeadMinutes: 16 });
    // Twilio's window (15 min to 35 days ahead) is checked for every date before anything is sent.
    for (const d of dates) {
      const window = checkScheduleWindow(now, sendAtFor(d, localTime, timeZone));
      if (!window.ok)
        return errorReply(400, 'outside_schedule_window', `${d}: ${window.message}`, {
          twilioCode: window.code,
          date: d,
        });
    }
    const cursor = decodeCursor(typeof event.cursor === 'string' ? event.cursor : undefined);
    if (!cursor) return errorReply(400, 'invalid_cursor', 'cursor is not one this service issued');
    const dryRun = event.dryRun === true || event.dryRun === 'true';

    const slice = await scheduleTipsSlice(dates, cursor, tipDeps(context, log, deadline), { dryRun, deadline });
    log.info('tips.slice', { dates, dryRun, done: slice.done, counts: slice.counts });
    return json(200, slice);
  },
});
