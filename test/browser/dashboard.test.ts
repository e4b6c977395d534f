/**
 * The dashboard in a real Chromium (test/helpers/browser.ts: never a download at test time) against
 * the real twilio-run + sandbox with a seeded day (test/helpers/dashboard-seed.ts). The browser runs
 * in Los Angeles time on purpose: every time shown must still be Nepal's. Screenshots at 1280 and
 * 390 px go to test-artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser';
import { SEEDED, seededPhone, startSeededSystem } from '../helpers/dashboard-seed';
import { portalConsent, type System } from '../helpers/system';

const artifacts = join(__dirname, '..', '..', 'test-artifacts');
let system: System;
let browser: Browser;
let context: BrowserContext;
let page: Page;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON answer the page also reads
let stats: any;

beforeAll(async () => {
  // 12 welcomes a minute on one shard: the seeded 10 attempts fit, and a real run over the 60 portal users must wait.
  system = await startSeededSystem({ WELCOME_RATE_PER_MINUTE: '12', SYNC_SHARDS: '1' });
  stats = (await system.get('/admin/stats', { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` })).json;
  browser = await launchBrowser();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/Los_Angeles' });
  page = await context.newPage();
  mkdirSync(artifacts, { recursive: true });
}, 120_000);

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

const kpi = async (name: string) => page.getAttribute(`[data-kpi="${name}"]`, 'data-value');
const nepal = (iso: string) =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Asia/Kathmandu',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));

/** Waits until the events list shows a page loaded after `since` (the page stamps each load). */
async function eventsLoadedAfter(since: string | null) {
  await page.waitForFunction((before) => {
    const stamp = document.body.getAttribute('data-events-loaded');
    return stamp !== null && stamp !== before;
  }, since);
}

/** Opens (or closes) every <details>: the charts' data tables, the cost table. */
async function setDetails(open: boolean) {
  await page
    .locator('details')
    .evaluateAll((all, value) => all.forEach((d) => ((d as HTMLDetailsElement).open = value)), open);
}

/** Serious or critical axe-core violations (WCAG 2.1 A and AA rules), as "rule: target" lines. */
async function seriousViolations(): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

test('a wrong token is rejected with a clear alert', async () => {
  await signIn('not-the-token');
  await page.waitForSelector('#error:not([hidden])');
  expect(await page.textContent('#error')).toMatch(/Token rejected/);
  expect(await page.isVisible('#app')).toBe(false);
});

test('KPIs equal what /admin/stats reports, and the seeded day is all there', async () => {
  await signIn(system.env.ADMIN_TOKEN!);
  await page.waitForSelector('body[data-loaded="true"]');
  await page.waitForSelector('body[data-events-loaded]');
  const expected: Record<string, number | null> = {
    active: stats.subscribers.active,
    created: stats.registrations.created,
    alreadyRegistered: stats.registrations.alreadyRegistered,
    invalid: stats.registrations.invalidTotal,
    rejected: stats.registrations.rejectedTotal,
    delivered: stats.welcome.delivered,
    failed: stats.welcome.failed + stats.welcome.undelivered,
    welcomeDeliveryRate: stats.rates.welcomeDelivery.value,
    tipDeliveryRate: stats.rates.tipDelivery.value,
    optOutRate: stats.rates.optOut.value,
    optOuts: stats.consent.optOuts,
    optIns: stats.consent.optIns,
    tipsScheduled: stats.tips.scheduled,
    tipsDelivered: stats.tips.delivered,
  };
  for (const [name, value] of Object.entries(expected))
    expect([name, await kpi(name)]).toEqual([name, value === null ? '' : String(value)]);
  // Shown as people read them: a percentage, with the trend's words.
  expect(await page.textContent('[data-kpi="welcomeDeliveryRate"]')).toBe(
    `${(Math.round(stats.rates.welcomeDelivery.value * 1000) / 10).toFixed(1)}%`,
  );
  // The seeded day: first tips counted, every invalid reason and Twilio refusal in the outcomes table.
  expect(stats.tips.scheduled).toBe(SEEDED.tipsScheduled);
  const outcome = (name: string) => page.getAttribute(`[data-outcome="${name}"] td[data-value]`, 'data-value');
  expect(await outcome('invalid.too_short')).toBe('1');
  expect(await outcome('invalid.country_not_allowed')).toBe('1');
  expect(await outcome('invalid.not_mobile')).toBe('1');
  expect(await outcome('rejected.21211')).toBe('1');
  expect(await outcome('rateLimited')).toBe(String(SEEDED.rateLimited));
  expect(await outcome('needsJoin')).toBe(String(SEEDED.needsJoin));
  expect(await page.textContent('#outcomes')).toContain('Invalid: country not allowed');
  // What no clinician has signed: the same figures as the stats.
  expect(await page.getAttribute('#content-review', 'data-unreviewed')).toBe(
    String(stats.content.tips.total - stats.content.tips.reviewed),
  );
  expect(await page.textContent('#content-review')).toContain(
    `${stats.content.tips.reviewed} of ${stats.content.tips.total} tips reviewed`,
  );
  expect(await page.textContent('#failures')).toContain('30003');
  expect(await page.textContent('#failures')).toContain('30036');
  // The token is kept only in sessionStorage.
  expect(await page.evaluate(() => Object.keys(localStorage).length)).toBe(0);
  expect(await page.evaluate(() => sessionStorage.getItem('aamcare-admin-token'))).toBe(system.env.ADMIN_TOKEN);
});

test('charts: one point per day of the period for every series, values from /admin/stats, Nepal dates on the axis', async () => {
  const read = (id: string) =>
    page.evaluate((canvasId) => {
      const chart = (
        window as unknown as {
          Chart: {
            getChart(c: HTMLCanvasElement): {
              data: { labels: string[]; datasets: Array<{ label: string; data: number[]; stack?: string }> };
            };
          };
        }
      ).Chart.getChart(document.getElementById(canvasId) as HTMLCanvasElement);
      return {
        labels: chart.data.labels,
        datasets: chart.data.datasets.map((d) => ({ label: d.label, data: d.data })),
      };
    }, id);
  const days = stats.daily.length as number;
  const column = (name: string) => stats.daily.map((d: Record<string, number>) => d[name]);
  const dayLabel = (date: string) =>
    new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short' }).format(
      new Date(`${date}T00:00:00Z`),
    );

  const registrations = await read('chart-registrations');
  expect(registrations.labels).toEqual(stats.daily.map((d: { date: string }) => dayLabel(d.date)));
  expect(registrations.datasets.map((d) => d.label)).toEqual([
    'New',
    'Already registered',
    'Invalid: country not allowed',
    'Invalid: not a mobile number',
    'Invalid: too short',
    'Refused by Twilio',
  ]);
  for (const set of registrations.datasets) expect(set.data).toHaveLength(days);
  expect(registrations.datasets[0]!.data).toEqual(column('registrations'));
  expect(registrations.datasets[5]!.data).toEqual(column('rejected'));
  expect(registrations.datasets[0]!.data[days - 1]).toBe(SEEDED.created);

  const delivery = await read('chart-delivery');
  expect(delivery.datasets.map((d) => d.label)).toEqual([
    'Welcome delivered',
    'Welcome failed',
    'Welcome expired',
    'Tip delivered',
    'Tip failed',
    'Tip expired',
  ]);
  for (const set of delivery.datasets) expect(set.data).toHaveLength(days);
  expect(delivery.datasets[0]!.data).toEqual(column('delivered'));
  expect(delivery.datasets[2]!.data[days - 1]).toBe(SEEDED.expired);
  expect(delivery.datasets[1]!.data[days - 1]).toBe(1); // 30003; the expired one is its own series

  const consent = await read('chart-consent');
  expect(consent.datasets.map((d) => [d.label, d.data.length])).toEqual([
    ['Opt-outs', days],
    ['Opt-ins', days],
  ]);
  expect(consent.datasets[0]!.data).toEqual(column('optOuts'));
  expect(consent.datasets[1]!.data).toEqual(column('optIns'));

  // Text alternatives: a summary on the canvas and a table with a row per day.
  expect(await page.getAttribute('#chart-registrations', 'aria-label')).toContain(`New ${SEEDED.created}`);
  expect(await page.locator('#table-registrations tbody tr').count()).toBe(days);
  expect(await page.locator('#table-consent tbody tr').count()).toBe(days);

  // Values on hover: the pointer over today's bar shows that day's tooltip.
  await page.locator('#chart-registrations').scrollIntoViewIfNeeded();
  const box = (await page.locator('#chart-registrations').boundingBox())!;
  const point = await page.evaluate(() => {
    const chart = (
      window as unknown as {
        Chart: {
          getChart(c: HTMLCanvasElement): { getDatasetMeta(i: number): { data: Array<{ x: number; y: number }> } };
        };
      }
    ).Chart.getChart(document.getElementById('chart-registrations') as HTMLCanvasElement);
    const bars = chart.getDatasetMeta(0).data;
    return { x: bars[bars.length - 1]!.x, y: bars[bars.length - 1]!.y };
  });
  await page.mouse.move(box.x + point.x, box.y + point.y + 2);
  const tooltip = await page.waitForFunction(() => {
    const chart = (
      window as unknown as {
        Chart: {
          getChart(c: HTMLCanvasElement): {
            tooltip: { getActiveElements(): unknown[]; title?: string[]; body?: Array<{ lines: string[] }> };
          };
        };
      }
    ).Chart.getChart(document.getElementById('chart-registrations') as HTMLCanvasElement);
    const t = chart.tooltip;
    return t.getActiveElements().length > 0 ? { title: t.title, lines: (t.body ?? []).flatMap((b) => b.lines) } : null;
  });
  const shown = (await tooltip.jsonValue()) as { title: string[]; lines: string[] };
  const today = stats.daily[days - 1].date as string;
  expect(shown.title).toEqual([
    new Intl.DateTimeFormat('en-GB', {
      timeZone: 'UTC',
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
    }).format(new Date(`${today}T00:00:00Z`)),
  ]);
  expect(shown.lines).toContain(`New: ${SEEDED.created}`);
});

test('times are Nepal time, labelled, in a browser set to another zone', async () => {
  expect(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone)).toBe('America/Los_Angeles');
  expect(await page.textContent('#tz-label')).toBe('Times: Nepal time (Asia/Kathmandu, UTC+05:45)');
  const first = page.locator('#recent li time').first();
  const iso = (await first.getAttribute('datetime'))!;
  expect(await first.textContent()).toBe(nepal(iso));
  expect(await page.textContent('#events-page')).toContain('Nepal time');
  expect(await page.textContent('#range-note')).toContain('30 days, Nepal dates');
});

test('recent events: in words, filtered by kind, paged', async () => {
  expect(await page.inputValue('#event-kind')).toBe('');
  const items = () => page.locator('#recent li .event-text').allTextContents();
  const firstPage = await items();
  expect(firstPage).toHaveLength(10);
  expect(await page.isEnabled('#events-older')).toBe(true);
  expect(await page.isEnabled('#events-newer')).toBe(false);
  let stamp = await page.getAttribute('body', 'data-events-loaded');
  await page.click('#events-older');
  await eventsLoadedAfter(stamp);
  const secondPage = await items();
  expect(secondPage).toHaveLength(SEEDED.events - 10);
  expect(secondPage.filter((t) => firstPage.includes(t) && !/registered; welcome sent/.test(t))).toEqual([]);
  expect(await page.isEnabled('#events-older')).toBe(false);
  expect(await page.textContent('#events-page')).toMatch(/^Page 2/);
  stamp = await page.getAttribute('body', 'data-events-loaded');
  await page.click('#events-newer');
  await eventsLoadedAfter(stamp);
  expect(await items()).toEqual(firstPage);

  stamp = await page.getAttribute('body', 'data-events-loaded');
  await page.selectOption('#event-kind', 'opt_out');
  await eventsLoadedAfter(stamp);
  expect(await page.locator('#recent li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-kind')))).toEqual([
    'opt_out',
    'opt_out',
  ]);
  // Newest first: d1 opted out after d0.
  expect(await items()).toEqual(['+977******010 opted out on the portal', '+977******000 opted out on the portal']);
  stamp = await page.getAttribute('body', 'data-events-loaded');
  await page.selectOption('#event-kind', 'delivery');
  await eventsLoadedAfter(stamp);
  expect((await items()).join('\n')).toContain('The welcome to +977******090 expired in the queue (30036, not sent)');

  // Answers arriving out of order: the filter chosen last draws the list, the older answer is dropped.
  let held: (() => void) | undefined;
  await page.route('**/admin/events', async (route) => {
    if (route.request().postDataJSON()?.kind === 'registration') await new Promise<void>((go) => (held = go));
    await route.continue();
  });
  await page.selectOption('#event-kind', 'registration');
  stamp = await page.getAttribute('body', 'data-events-loaded');
  await page.selectOption('#event-kind', 'opt_in');
  await eventsLoadedAfter(stamp);
  // Poll until the route has caught the held request (a wait, not an assertion on time).
  while (!held) await page.waitForTimeout(10);
  held();
  await page.waitForSelector('body[data-events-dropped="1"]');
  expect(await items()).toEqual(['+977******010 opted in again on the portal']);
  await page.unroute('**/admin/events');
  expect(await page.textContent('#recent')).not.toMatch(/9847000\d{3}/);
});

test("tomorrow's tip: audience, segments, estimated cost and the forecast drain time", async () => {
  const f = stats.tipForecast;
  expect(await page.textContent('[data-tip="active"]')).toBe(String(f.audience.active));
  expect(await page.textContent('[data-tip="cost"]')).toBe(
    new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 2 }).format(
      f.cost.total,
    ),
  );
  expect(await page.textContent('[data-tip="drain"]')).toMatch(/^about \d+ min$/);
  const panel = (await page.textContent('#tip-panel'))!;
  expect(panel).toContain(`Segments per SMS tipEnglish ${f.segmentsPerTip.en}, Nepali ${f.segmentsPerTip.ne}`);
  expect(panel).toContain(`the last tip leaves the queue at ${f.latestLocalArrival}`);
  expect(panel).toContain(`SMS ${SEEDED.active}`);
});

test('number look-up: status, consent history and last messages, the number masked; unknown numbers say so', async () => {
  await page.fill('#lookup-phone', '9847000000');
  await page.click('#lookup-form button[type="submit"]');
  await page.waitForSelector('[data-lookup="found"]');
  const result = (await page.textContent('#lookup-result'))!;
  expect(result).toContain('+977******000');
  expect(result).toMatch(/opted out/);
  expect(result).toContain('portal profile');
  expect(result).toContain('Welcome');
  expect(await page.inputValue('#lookup-phone')).toBe('');
  expect(await page.textContent('body')).not.toContain('9847000000');
  expect(await page.locator('#lookup-result time').first().textContent()).toBe(
    nepal((await page.locator('#lookup-result time').first().getAttribute('datetime'))!),
  );

  await page.fill('#lookup-phone', '+977 984-700-9999');
  await page.click('#lookup-form button[type="submit"]');
  await page.waitForSelector('[data-lookup="not-registered"]');
  expect(await page.textContent('#lookup-result')).toBe('+977******999 is not registered.');
  await page.fill('#lookup-phone', '12');
  await page.click('#lookup-form button[type="submit"]');
  await page.waitForSelector('[data-lookup="invalid"]');
  expect(await page.isVisible('#error')).toBe(false);
  // Leave a found subscriber on screen for the accessibility check and the screenshots.
  await page.fill('#lookup-phone', '+9779800000004');
  await page.click('#lookup-form button[type="submit"]');
  await page.waitForSelector('[data-lookup="found"]');
});

test('accessibility at 1280 px: axe-core reports no serious or critical violation (tables open or closed)', async () => {
  await page.screenshot({ path: join(artifacts, 'dashboard-1280.png'), fullPage: true });
  expect(await seriousViolations()).toEqual([]);
  await setDetails(true);
  expect(await seriousViolations()).toEqual([]);
  await setDetails(false);
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
  expect(progress).toEqual({ value: 60, max: 60 });
  expect(await page.textContent('#batch-status')).toMatch(/Dry run done: 60 users/);
  expect(await page.isEnabled('#batch-download')).toBe(true);
  expect(system.sandbox.messages().length).toBe(before);
});

describe('on a phone screen (390 px)', () => {
  beforeAll(async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.waitForSelector('body[data-loaded="true"]');
    await page.waitForSelector('body[data-events-loaded]');
    await page.fill('#lookup-phone', '+9779800000004');
    await page.click('#lookup-form button[type="submit"]');
    await page.waitForSelector('[data-lookup="found"]');
    await page.mouse.move(0, 0);
  }, 30_000);

  test('no horizontal scrolling; KPIs in two columns; no label or value cut off (tables open too)', async () => {
    await setDetails(true);
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).toBeLessThanOrEqual(0);
    const cards = await page.locator('.kpis li').evaluateAll((lis) =>
      lis.map((li) => {
        const r = li.getBoundingClientRect();
        return { left: Math.round(r.left), top: Math.round(r.top), right: r.right };
      }),
    );
    expect(new Set(cards.map((c) => c.left)).size).toBe(2);
    expect(cards[0]!.top).toBe(cards[1]!.top);
    expect(cards[2]!.top).toBeGreaterThan(cards[0]!.top);
    const cut = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('#app *'))
        .filter((el) => el.offsetParent !== null && el.closest('.table-wrap') === null && el.tagName !== 'CANVAS')
        .filter((el) => {
          const r = el.getBoundingClientRect();
          return el.scrollWidth > el.clientWidth + 1 || r.right > window.innerWidth + 0.5;
        })
        .map((el) => `${el.tagName}.${el.className}#${el.id}: ${el.textContent?.slice(0, 40)}`),
    );
    expect(cut).toEqual([]);
    // Tables fit, except the charts' day-by-day tables (a column per series): those scroll inside
    // their own keyboard-reachable region.
    const tables = await page.locator('.table-wrap').evaluateAll((wraps) =>
      wraps.map((w) => ({
        chart: w.closest('figure') !== null,
        overflows: w.scrollWidth > w.clientWidth,
        focusable: w.getAttribute('tabindex') === '0' && w.getAttribute('role') === 'region',
      })),
    );
    expect(tables.filter((t) => !t.chart && t.overflows)).toEqual([]);
    expect(tables.filter((t) => t.chart && !t.focusable)).toEqual([]);
    // Chart canvases fit the screen.
    const widths = await page
      .locator('canvas')
      .evaluateAll((all) => all.map((c) => Math.round(c.getBoundingClientRect().right)));
    for (const right of widths) expect(right).toBeLessThanOrEqual(390);
    await setDetails(false);
  });

  test('no text smaller than 12 px (the page and the charts)', async () => {
    await setDetails(true);
    const small = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('body *'))
        .filter((el) => el.offsetParent !== null)
        .filter((el) =>
          Array.from(el.childNodes).some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim() !== ''),
        )
        .filter((el) => parseFloat(getComputedStyle(el).fontSize) < 12)
        .map((el) => `${el.tagName}: ${el.textContent?.slice(0, 30)} ${getComputedStyle(el).fontSize}`),
    );
    expect(small).toEqual([]);
    const chartFonts = await page.evaluate(() => {
      const chart = (
        window as unknown as {
          Chart: {
            getChart(c: HTMLCanvasElement): {
              options: {
                scales: Record<string, { ticks: { font: { size: number } } }>;
                plugins: { legend: { labels: { font: { size: number } } } };
              };
            };
          };
        }
      ).Chart.getChart(document.getElementById('chart-delivery') as HTMLCanvasElement);
      return [
        chart.options.scales.x!.ticks.font.size,
        chart.options.scales.y!.ticks.font.size,
        chart.options.plugins.legend.labels.font.size,
      ];
    });
    for (const size of chartFonts) expect(size).toBeGreaterThanOrEqual(12);
    await setDetails(false);
  });

  test('accessibility at 390 px: no serious or critical violation; screenshot kept', async () => {
    await page.screenshot({ path: join(artifacts, 'dashboard-390.png'), fullPage: true });
    expect(await seriousViolations()).toEqual([]);
    await setDetails(true);
    expect(await seriousViolations()).toEqual([]);
  });
});

test('a real run waits for the welcome rate, says so in Nepal time, and Stop ends the wait', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  page.once('dialog', (dialog) => void dialog.accept());
  await page.click('#batch-run');
  await page.waitForFunction(
    () => /Waiting for the welcome rate/.test(document.getElementById('batch-status')!.textContent ?? ''),
    undefined,
    { timeout: 90_000 },
  );
  expect(await page.textContent('#batch-status')).toMatch(
    /^Waiting for the welcome rate \(12\/min\), \d+ left, done at about \d\d:\d\d Nepal time\. /,
  );
  await page.click('#batch-stop');
  await page.waitForFunction(
    () => /^Stopped after/.test(document.getElementById('batch-status')!.textContent ?? ''),
    undefined,
    { timeout: 10_000 },
  );
  expect(await page.textContent('#batch-status')).toMatch(/Resume with run run_/);
  expect(await page.isEnabled('#batch-run')).toBe(true);
});

test('losses are counts only: a loss reported through the portal shows in the panel, never who', async () => {
  const res = await portalConsent(system, {
    user_id: 'd2',
    phone: seededPhone(2),
    action: 'opt_out',
    reason: 'stillbirth',
  });
  expect(res.status).toBe(200);
  expect(res.json.support).toBe('offered');
  // A fresh browser context (signed out, nothing left from the batch run above).
  const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 }, timezoneId: 'America/Los_Angeles' });
  try {
    const view = await fresh.newPage();
    await view.goto(`${system.baseUrl}/admin/index.html`);
    await view.getByLabel('Admin token').fill(system.env.ADMIN_TOKEN!);
    await view.getByRole('button', { name: 'Sign in' }).click();
    await view.waitForSelector('body[data-loaded="true"]');
    await view.waitForSelector('[data-loss="reported"]');
    expect(await view.textContent('[data-loss="reported"]')).toBe('1');
    expect(await view.textContent('[data-loss="reason-stillbirth"]')).toBe('1');
    expect(await view.textContent('[data-loss="reason-miscarriage"]')).toBe('0');
    expect(await view.textContent('#losses')).not.toMatch(/\+977|\*{3}/);
    expect(await view.getAttribute('[data-kpi="paused"]', 'data-value')).toBe('0');
    expect(await view.getAttribute('[data-kpi="switchedToSms"]', 'data-value')).toBe('0');
  } finally {
    await fresh.close();
  }
});

test('programmes by stage: the cadence per week from the file; after the daily run, subscribers and messages due by set', async () => {
  await page.setViewportSize({ width: 1280, height: 900 });
  // Before any run: the panel says the next tip date is not counted yet.
  expect(stats.programmes.census).toBeNull();
  expect(await page.textContent('#programmes-census')).toMatch(/^No daily run has scheduled .* yet/);
  const cadence = await page
    .locator('#programmes-cadence tr')
    .evaluateAll((rows) =>
      rows.map((r) => [r.getAttribute('data-cadence'), r.querySelector('[data-value]')!.textContent]),
    );
  expect(cadence).toEqual(
    (stats.programmes.cadence as Array<{ set: string; stage: string; perWeek: number }>).map((row) => [
      `${row.set}/${row.stage}`,
      String(row.perWeek),
    ]),
  );
  expect(cadence).toContainEqual(['pregnancy/late-pregnancy', '3']);

  // The dashboard's own "Schedule the next tip" runs the daily run, then reloads the figures.
  await page.click('#tips-schedule');
  await page.waitForFunction(
    () => /\(done\)/.test(document.getElementById('tips-status')!.textContent ?? ''),
    undefined,
    {
      timeout: 60_000,
    },
  );
  await page.waitForSelector('#programmes-stages tr[data-stage]');
  const after = (await system.get('/admin/stats', { Authorization: `Bearer ${system.env.ADMIN_TOKEN}` })).json;
  const census = after.programmes.census as { subscribers: Record<string, number>; due: Record<string, number> };
  // The seeded subscribers have no due date or birth date: all of them are on the general tip.
  expect(Object.keys(census.subscribers)).toEqual(['general']);
  expect(census.subscribers.general).toBeGreaterThan(0);
  expect(await page.getAttribute('#programmes-stages tr[data-stage="general"] [data-value]', 'data-value')).toBe(
    String(census.subscribers.general),
  );
  expect(await page.textContent('[data-programmes="due"]')).toBe(`general ${census.due.general}`);
});
