/**
 * The dashboard in a real Chromium (test/helpers/browser.ts: never a download at test time) against
 * the real twilio-run + sandbox with seeded activity.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { portalConsent, register, startSystem, type System } from '../helpers/system';

const artifacts = join(__dirname, '..', '..', 'test-artifacts');
let system: System;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  system = await startSystem({
    // 10 welcomes a minute on one shard: the seeded 7 fit, and a real run over the 60 portal users must wait.
    env: { LOOKUP_MODE: 'off', WELCOME_RATE_PER_MINUTE: '10', SYNC_SHARDS: '1' },
    sandbox: { portal: { users: 60 } },
    forkPerRequest: false,
  });
  for (let i = 0; i < 6; i++) await register(system, { user_id: `d${i}`, phone: `98470000${i}0` });
  await register(system, { user_id: 'd-bad', phone: '12345' });
  await register(system, { user_id: 'd-unreachable', phone: '+9779800000004' });
  await system.sandbox.settle();
  // SMS to Nepal is one-way (no STOP reply can arrive): the opt-out comes from the portal.
  expect((await portalConsent(system, { user_id: 'd0', phone: '+9779847000000', action: 'opt_out' })).status).toBe(200);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  expect(system?.sandbox.violations() ?? []).toEqual([]);
  await system?.stop();
});

async function signIn(token: string) {
  await page.goto(`${system.baseUrl}/admin/index.html`);
  await page.getByLabel('Admin token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('a wrong token is rejected with a clear alert', async () => {
  await signIn('not-the-token');
  await page.waitForSelector('#error:not([hidden])');
  expect(await page.textContent('#error')).toMatch(/Token rejected/);
  expect(await page.isVisible('#app')).toBe(false);
});

test('KPIs equal what /admin/stats reports for the same token', async () => {
  await signIn(system.env.ADMIN_TOKEN!);
  await page.waitForSelector('body[data-loaded="true"]');
  const stats = (await system.get('/admin/stats', { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` })).json;
  const kpi = async (name: string) => Number(await page.textContent(`[data-kpi="${name}"]`));
  expect(await kpi('active')).toBe(stats.subscribers.active);
  expect(await kpi('created')).toBe(stats.registrations.created);
  expect(await kpi('delivered')).toBe(stats.welcome.delivered);
  expect(await kpi('failed')).toBe(stats.welcome.failed + stats.welcome.undelivered);
  expect(await kpi('optOuts')).toBe(stats.consent.optOuts);
  // And those match the seeded activity: 7 welcomed, 1 STOP, 1 unreachable.
  expect(stats.registrations.created).toBe(7);
  expect(stats.subscribers.active).toBe(6);
  expect(stats.consent.optOuts).toBe(1);
  expect(stats.welcome.queued).toBe(7); // each welcome counted once in the funnel
  // What no clinician has signed: the same figures as the stats.
  expect(await page.getAttribute('#content-review', 'data-unreviewed')).toBe(
    String(stats.content.tips.total - stats.content.tips.reviewed),
  );
  expect(await page.textContent('#content-review')).toContain(
    `${stats.content.tips.reviewed} of ${stats.content.tips.total} tips reviewed`,
  );
  expect(await page.textContent('#failures')).toContain('30003');
  expect(await page.textContent('#recent')).toMatch(/\+977\*{6}\d{3}/);
  expect(await page.textContent('#recent')).not.toContain('9847000000');
  // The token is kept only in sessionStorage.
  expect(await page.evaluate(() => Object.keys(localStorage).length)).toBe(0);
  expect(await page.evaluate(() => sessionStorage.getItem('aamcare-admin-token'))).toBe(system.env.ADMIN_TOKEN);
});

test('a dry-run batch runs to completion through the progress bar, sending nothing', async () => {
  const before = system.sandbox.messages().length;
  await page.click('#batch-dry-run');
  await page.waitForFunction(() => /done/.test(document.getElementById('batch-status')!.textContent ?? ''), undefined, {
    timeout: 60_000,
  });
  const progress = await page.$eval('#batch-progress', (el) => ({
    value: (el as HTMLProgressElement).value,
    max: (el as HTMLProgressElement).max,
  }));
  expect(progress.value).toBe(60);
  expect(progress.max).toBe(60);
  expect(await page.textContent('#batch-status')).toMatch(/Dry run done: 60 users/);
  expect(await page.isEnabled('#batch-download')).toBe(true);
  expect(system.sandbox.messages().length).toBe(before);
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'dashboard.png'), fullPage: true });
});

test('usable on a phone screen: no horizontal scrolling at 360 px', async () => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.reload();
  await page.waitForSelector('body[data-loaded="true"]');
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  expect(overflow).toBeLessThanOrEqual(0);
  await page.screenshot({ path: join(artifacts, 'dashboard-phone.png'), fullPage: true });
});

test('a real run waits for the welcome rate, says so, and Stop ends the wait', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  page.once('dialog', (dialog) => void dialog.accept());
  await page.click('#batch-run');
  await page.waitForFunction(
    () => /Waiting for the welcome rate/.test(document.getElementById('batch-status')!.textContent ?? ''),
    undefined,
    { timeout: 90_000 },
  );
  expect(await page.textContent('#batch-status')).toMatch(
    /^Waiting for the welcome rate \(10\/min\), \d+ left, done at about \d\d:\d\d\. /,
  );
  await page.click('#batch-stop');
  await page.waitForFunction(
    () => /^Stopped after/.test(document.getElementById('batch-status')!.textContent ?? ''),
    undefined,
    {
      timeout: 10_000,
    },
  );
  expect(await page.textContent('#batch-status')).toMatch(/Resume with run run_/);
  expect(await page.isEnabled('#batch-run')).toBe(true);
});
