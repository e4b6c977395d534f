// Admin dashboard: plain JS, no build step. Charts by Chart.js (vendor/chart.umd.min.js, copied
// from npm by `npm run build`, never a CDN). The token lives only in sessionStorage and is sent
// as a Bearer header to this service's own admin routes. Every date and time is shown in the
// service's zone (TIMEZONE, Asia/Kathmandu by default), never the browser's.
(function () {
  'use strict';
  const TOKEN_KEY = 'aamcare-admin-token';
  const EVENTS_PER_PAGE = 10;
  const base = location.pathname.replace(/\/admin(\/.*)?$/, '');
  const $ = (id) => document.getElementById(id);
  let batch = { running: false, stop: false, results: [] };
  let zone = 'Asia/Kathmandu';
  const charts = {};
  // `request` numbers the loads: an answer that is no longer the latest one asked for is dropped.
  const events = { kind: '', cursors: [null], page: 0, next: null, request: 0, dropped: 0 };

  // Okabe-Ito: told apart with any colour vision.
  const COLOURS = {
    blue: '#0072B2',
    orange: '#E69F00',
    green: '#009E73',
    vermillion: '#D55E00',
    purple: '#CC79A7',
    sky: '#56B4E9',
    yellow: '#F0E442',
    grey: '#6b7280',
    black: '#1b1f23',
  };
  const INVALID_COLOURS = ['#E69F00', '#F0E442', '#CC79A7', '#a16207', '#fbbf24', '#f9a8d4', '#d4a017', '#b45309'];

  const REASONS = {
    empty: 'no number given',
    not_a_number: 'not a phone number',
    too_short: 'too short',
    too_long: 'too long',
    invalid: 'not a valid number',
    not_mobile: 'not a mobile number',
    country_not_allowed: 'country not allowed',
    lookup_invalid: 'Twilio Lookup: not valid',
  };
  const SOURCES = {
    'portal-signup': 'portal sign-up',
    batch: 'batch registration',
    'sms-keyword': 'SMS keyword',
    'whatsapp-keyword': 'WhatsApp keyword',
    link: 'unsubscribe link',
    portal: 'portal profile',
    admin: 'admin',
  };

  // ---- formatting (the service's zone, labelled)

  function zoneName() {
    return zone === 'Asia/Kathmandu' ? 'Nepal time' : zone;
  }
  /** For dates: "Nepal dates". */
  function zoneDates() {
    return (zone === 'Asia/Kathmandu' ? 'Nepal' : zone) + ' dates';
  }
  function zoneOffset() {
    try {
      const part = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' })
        .formatToParts(new Date())
        .find((p) => p.type === 'timeZoneName');
      return part ? part.value.replace('GMT', 'UTC') : '';
    } catch {
      return '';
    }
  }
  function formatTime(iso) {
    if (!iso) return '–';
    return new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(iso));
  }
  /** A local date (YYYY-MM-DD, already a date in the service's zone). */
  function formatDate(date, long) {
    return new Intl.DateTimeFormat(
      'en-GB',
      long
        ? { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }
        : { timeZone: 'UTC', day: 'numeric', month: 'short' },
    ).format(new Date(date + 'T00:00:00Z'));
  }
  function timeTag(iso) {
    return '<time datetime="' + escapeHtml(iso || '') + '">' + escapeHtml(formatTime(iso)) + '</time>';
  }
  const numberFormat = new Intl.NumberFormat('en-US');
  function formatNumber(n) {
    return numberFormat.format(n || 0);
  }
  function formatPercent(rate) {
    return rate === null || rate === undefined ? '–' : (Math.round(rate * 1000) / 10).toFixed(1) + '%';
  }
  function formatMoney(amount, currency) {
    try {
      return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 2 }).format(amount);
    } catch {
      return currency + ' ' + amount.toFixed(2);
    }
  }
  function formatDuration(seconds) {
    const minutes = Math.ceil(seconds / 60);
    if (minutes < 60) return minutes + ' min';
    return Math.floor(minutes / 60) + ' h ' + (minutes % 60) + ' min';
  }
  function escapeHtml(text) {
    return String(text).replace(
      /[&<>"']/g,
      (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
    );
  }
  function reasonWords(reason) {
    return REASONS[reason] || reason.replace(/_/g, ' ');
  }
  function sourceWords(source) {
    const twilio = /^twilio-(\d+)$/.exec(source || '');
    if (twilio) return 'Twilio error ' + twilio[1];
    return SOURCES[source] || source || '–';
  }

  // ---- the admin API

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function showError(message, retry) {
    const box = $('error');
    box.textContent = message + ' ';
    if (retry) {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Retry';
      button.addEventListener('click', () => {
        box.hidden = true;
        retry();
      });
      box.appendChild(button);
    }
    box.hidden = false;
  }

  function signedOut(message) {
    sessionStorage.removeItem(TOKEN_KEY);
    $('app').hidden = true;
    $('sign-out').hidden = true;
    $('tz-label').hidden = true;
    $('sign-in').hidden = false;
    if (message) showError(message);
  }

  /**
   * Calls an admin route; maps 401, 503 not_configured and outages to clear messages. With
   * `answer4xx`, a 4xx other than 401 resolves as { status, json } for the caller to explain.
   */
  function api(path, body, retry, answer4xx) {
    const init = { headers: { Authorization: 'Bearer ' + token() } };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(base + path, init).then(
      (res) =>
        res
          .json()
          .catch(() => ({}))
          .then((json) => {
            if (res.status === 401) {
              signedOut('Token rejected: check the admin token.');
              throw new Error('unauthorized');
            }
            if (res.status === 503 && json.error && json.error.code === 'not_configured') {
              showError(
                'The service is not configured yet. Missing settings: ' + (json.error.missing || []).join(', ') + '.',
              );
              throw new Error('not_configured');
            }
            if (res.status >= 500) {
              showError('Service unavailable (HTTP ' + res.status + ').', retry);
              throw new Error('unavailable');
            }
            if (answer4xx && res.status >= 400) return { status: res.status, json };
            if (!res.ok) {
              showError((json.error && json.error.message) || 'Request failed (HTTP ' + res.status + ').');
              throw new Error('failed');
            }
            return answer4xx ? { status: res.status, json } : json;
          }),
      (error) => {
        showError('Service unavailable: the network request failed.', retry);
        throw error;
      },
    );
  }

  // ---- key figures

  function trendText(rate, higherIsBetter, days, compared) {
    if (rate.value === null) return 'nothing to measure yet';
    if (!compared) return 'not compared for periods over 92 days';
    if (rate.changePoints === null) return 'no figure for the previous ' + days + ' days';
    if (rate.changePoints === 0) return 'same as the previous ' + days + ' days';
    const up = rate.changePoints > 0;
    const good = up === higherIsBetter;
    return (
      '<span class="' +
      (good ? 'good' : 'bad') +
      '">' +
      (up ? '▲ up ' : '▼ down ') +
      Math.abs(rate.changePoints).toFixed(1) +
      ' points</span> vs the previous ' +
      days +
      ' days (' +
      formatPercent(rate.previous) +
      ')'
    );
  }

  function renderKpis(stats) {
    const days = stats.daily.length;
    const compared = stats.rates.previousRange !== null;
    const r = stats.registrations;
    const kpis = [
      { id: 'active', label: 'Active subscribers', value: stats.subscribers.active, note: 'now' },
      { id: 'created', label: 'Registered', value: r.created },
      { id: 'alreadyRegistered', label: 'Already registered', value: r.alreadyRegistered },
      { id: 'invalid', label: 'Invalid numbers', value: r.invalidTotal },
      { id: 'rejected', label: 'Refused by Twilio', value: r.rejectedTotal },
      { id: 'delivered', label: 'Welcomes delivered', value: stats.welcome.delivered },
      {
        id: 'failed',
        label: 'Welcome failures',
        value: (stats.welcome.failed || 0) + (stats.welcome.undelivered || 0),
      },
      {
        id: 'welcomeDeliveryRate',
        label: 'Welcome delivery rate',
        percent: stats.rates.welcomeDelivery,
        note: trendText(stats.rates.welcomeDelivery, true, days, compared),
      },
      {
        id: 'tipDeliveryRate',
        label: 'Tip delivery rate',
        percent: stats.rates.tipDelivery,
        note: trendText(stats.rates.tipDelivery, true, days, compared),
      },
      {
        id: 'optOutRate',
        label: 'Opt-out rate (per delivered message)',
        percent: stats.rates.optOut,
        note: trendText(stats.rates.optOut, false, days, compared),
      },
      { id: 'optOuts', label: 'Opt-outs', value: stats.consent.optOuts },
      { id: 'optIns', label: 'Opt-ins', value: stats.consent.optIns },
      { id: 'tipsScheduled', label: 'Tips scheduled', value: stats.tips.scheduled },
      { id: 'tipsDelivered', label: 'Tips delivered', value: stats.tips.delivered },
      { id: 'paused', label: 'Paused (failed deliveries)', value: stats.delivery ? stats.delivery.paused : 0 },
      {
        id: 'switchedToSms',
        label: 'Moved to SMS (not on WhatsApp)',
        value: stats.delivery ? stats.delivery.switchedToSms : 0,
      },
    ];
    renderLosses(stats.losses);
    $('kpis').innerHTML = kpis
      .map((k) => {
        const raw = k.percent ? (k.percent.value === null ? '' : String(k.percent.value)) : String(k.value || 0);
        const shown = k.percent ? formatPercent(k.percent.value) : formatNumber(k.value);
        return (
          '<li><span class="label">' +
          escapeHtml(k.label) +
          '</span><span class="value" data-kpi="' +
          k.id +
          '" data-value="' +
          raw +
          '">' +
          shown +
          '</span>' +
          (k.note ? '<span class="note">' + k.note + '</span>' : '') +
          '</li>'
        );
      })
      .join('');
  }

  /** Losses: counts only, never who (docs/loss.md). */
  function renderLosses(losses) {
    const box = $('losses');
    if (!box) return;
    if (!losses) {
      box.innerHTML = '';
      return;
    }
    const words = {
      miscarriage: 'Miscarriage',
      stillbirth: 'Stillbirth',
      baby_death: "Baby's death",
      pregnancy_loss: 'Loss (not said which)',
    };
    const rows = [['reported', 'Losses reported', losses.reported]]
      .concat(Object.keys(words).map((r) => ['reason-' + r, words[r], losses.byReason[r] || 0]))
      .concat([
        ['supportAccepted', 'Asked for the supportive messages', losses.supportAccepted],
        ['supportDeclined', 'Said no to them', losses.supportDeclined],
        ['deleted', 'Personal data deleted on request', losses.deleted],
      ]);
    box.innerHTML = rows
      .map(
        (r) =>
          '<li><span class="label">' +
          escapeHtml(r[1]) +
          '</span><span class="value" data-loss="' +
          r[0] +
          '">' +
          formatNumber(r[2] || 0) +
          '</span></li>',
      )
      .join('');
  }

  // ---- charts

  function table(caption, header, rows) {
    return (
      '<table><caption>' +
      escapeHtml(caption) +
      '</caption><thead><tr>' +
      header.map((h, i) => '<th scope="col"' + (i > 0 ? ' class="num"' : '') + '>' + escapeHtml(h) + '</th>').join('') +
      '</tr></thead><tbody>' +
      rows
        .map(
          (row) =>
            '<tr><th scope="row">' +
            escapeHtml(row[0]) +
            '</th>' +
            row
              .slice(1)
              .map((v) => '<td class="num">' + formatNumber(v) + '</td>')
              .join('') +
            '</tr>',
        )
        .join('') +
      '</tbody></table>'
    );
  }

  const sumOf = (values) => values.reduce((a, b) => a + b, 0);

  /** One Chart.js bar chart per canvas; redrawn in place when the period changes. */
  function drawChart(id, title, datasets, daily, stacked) {
    const labels = daily.map((d) => formatDate(d.date));
    const canvas = $(id);
    const summary =
      title +
      ', ' +
      formatDate(daily[0].date, true) +
      ' to ' +
      formatDate(daily[daily.length - 1].date, true) +
      ' (' +
      zoneDates() +
      '): ' +
      datasets.map((d) => d.label + ' ' + formatNumber(sumOf(d.data))).join(', ') +
      '. The table below has every day.';
    canvas.setAttribute('aria-label', summary);
    canvas.textContent = summary;
    $('table-' + id.replace('chart-', '')).innerHTML = table(
      title,
      ['Date'].concat(datasets.map((d) => d.label)),
      daily.map((d, i) => [formatDate(d.date, true)].concat(datasets.map((set) => set.data[i]))),
    );
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart(canvas, {
      type: 'bar',
      data: { labels, datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 14, font: { size: 12 } } },
          tooltip: {
            callbacks: {
              title: (items) => (items.length ? formatDate(daily[items[0].dataIndex].date, true) : ''),
            },
          },
        },
        scales: {
          x: {
            stacked,
            title: { display: true, text: 'Date (' + zoneDates() + ')', font: { size: 12 } },
            ticks: { font: { size: 12 }, autoSkip: true, maxRotation: 0 },
          },
          y: {
            stacked,
            beginAtZero: true,
            ticks: { precision: 0, font: { size: 12 } },
            title: { display: true, text: 'Count', font: { size: 12 } },
          },
        },
      },
    });
  }

  function drawCharts(stats) {
    const daily = stats.daily;
    const col = (name) => daily.map((d) => d[name] || 0);
    const reasons = [];
    daily.forEach((d) =>
      Object.keys(d.invalidByReason || {}).forEach((r) => {
        if (reasons.indexOf(r) === -1) reasons.push(r);
      }),
    );
    reasons.sort();
    const bar = (label, data, colour, stack) => ({ label, data, backgroundColor: colour, stack });
    drawChart(
      'chart-registrations',
      'Registrations per day',
      [bar('New', col('registrations'), COLOURS.blue), bar('Already registered', col('alreadyRegistered'), COLOURS.sky)]
        .concat(
          reasons.map((r, i) =>
            bar(
              'Invalid: ' + reasonWords(r),
              daily.map((d) => (d.invalidByReason || {})[r] || 0),
              INVALID_COLOURS[i % INVALID_COLOURS.length],
            ),
          ),
        )
        .concat([bar('Refused by Twilio', col('rejected'), COLOURS.vermillion)]),
      daily,
      true,
    );
    const minus = (a, b) => a.map((v, i) => Math.max(0, v - b[i]));
    drawChart(
      'chart-delivery',
      'Welcome and tip delivery per day',
      [
        bar('Welcome delivered', col('delivered'), COLOURS.green, 'welcome'),
        bar('Welcome failed', minus(col('failed'), col('expired')), COLOURS.vermillion, 'welcome'),
        bar('Welcome expired', col('expired'), COLOURS.orange, 'welcome'),
        bar('Tip delivered', col('tipsDelivered'), COLOURS.blue, 'tips'),
        bar('Tip failed', minus(col('tipsFailed'), col('tipsExpired')), COLOURS.purple, 'tips'),
        bar('Tip expired', col('tipsExpired'), COLOURS.yellow, 'tips'),
      ],
      daily,
      true,
    );
    drawChart(
      'chart-consent',
      'Opt-outs and opt-ins per day',
      [bar('Opt-outs', col('optOuts'), COLOURS.vermillion), bar('Opt-ins', col('optIns'), COLOURS.green)],
      daily,
      false,
    );
  }

  // ---- every outcome, failures

  function renderOutcomes(stats) {
    const r = stats.registrations;
    const rows = [
      ['created', 'Registered, welcome sent', r.created],
      ['alreadyRegistered', 'Already registered (no second welcome)', r.alreadyRegistered],
    ];
    const reasons = Object.keys(r.invalid || {}).sort();
    if (reasons.length === 0) rows.push(['invalid', 'Invalid numbers', 0]);
    reasons.forEach((reason) => rows.push(['invalid.' + reason, 'Invalid: ' + reasonWords(reason), r.invalid[reason]]));
    if (r.rejectedCodes.length === 0) rows.push(['rejected', 'Refused by Twilio', 0]);
    r.rejectedCodes.forEach((c) =>
      rows.push(['rejected.' + c.code, 'Refused by Twilio: ' + c.code + ' ' + c.description, c.count]),
    );
    rows.push(
      ['rateLimited', 'Rate limited (welcome cap or cooldown; the portal retries)', r.rateLimited],
      ['needsJoin', 'Waiting for the WhatsApp sandbox join', r.needsJoin],
      ['retryLater', 'Twilio busy or outcome pending (the portal retries)', r.retryLater],
      ['twilioConfiguration', 'Refused by our Twilio setup (sender, region, template)', r.twilioConfiguration],
      ['conflicts', 'Number belongs to another portal user', r.conflicts],
      ['duplicates', 'Same number twice in the portal (batch)', r.duplicates],
      ['optedOut', 'Had opted out (no welcome)', r.optedOut],
      ['suppressed', 'Suppressed number (no welcome)', r.suppressed],
    );
    $('outcomes').innerHTML = rows
      .map(
        (row) =>
          '<tr data-outcome="' +
          escapeHtml(row[0]) +
          '"><td>' +
          escapeHtml(row[1]) +
          '</td><td class="num" data-value="' +
          (row[2] || 0) +
          '">' +
          formatNumber(row[2]) +
          '</td></tr>',
      )
      .join('');
    $('failures').innerHTML = stats.failures.length
      ? stats.failures
          .map(
            (f) =>
              '<tr><td class="nowrap">' +
              f.code +
              '</td><td>' +
              escapeHtml(f.description) +
              '</td><td class="num">' +
              formatNumber(f.count) +
              '</td></tr>',
          )
          .join('')
      : '<tr><td colspan="3">No Twilio errors in this period.</td></tr>';
  }

  // ---- tomorrow's tip

  function renderTip(f) {
    if (!f) {
      $('tip-panel').innerHTML = '<p>No forecast.</p>';
      return;
    }
    const a = f.audience;
    const list = (entries) =>
      entries
        .filter((e) => e[1] > 0)
        .map((e) => escapeHtml(e[0]) + ' ' + formatNumber(e[1]))
        .join(', ') || 'none';
    const countries = Object.keys(a.byCountry)
      .sort()
      .map((c) => [c === 'unknown' ? 'not broken down' : c, a.byCountry[c]]);
    let cost;
    if (!f.cost || f.cost.total === null) {
      cost =
        'Not configured: set <code>SMS_PRICE_PER_SEGMENT</code> (and <code>WHATSAPP_PRICE_PER_MESSAGE</code>) to see it.';
    } else {
      cost =
        '<strong data-tip="cost">' +
        formatMoney(f.cost.total, f.cost.currency) +
        '</strong>' +
        (f.cost.complete ? '' : ' (incomplete: no price for ' + escapeHtml(f.cost.unpriced.join(', ')) + ')');
    }
    const rows = f.cost
      ? f.cost.rows
          .map(
            (row) =>
              '<tr><td>' +
              (row.channel === 'sms' ? 'SMS' : 'WhatsApp') +
              ' ' +
              escapeHtml(row.country) +
              (row.assumed ? ' (assumed)' : '') +
              '</td><td class="num">' +
              formatNumber(row.subscribers) +
              '</td><td class="num">' +
              formatNumber(row.units) +
              '</td><td class="num">' +
              (row.cost === null ? 'no price' : formatMoney(row.cost, f.cost.currency)) +
              '</td></tr>',
          )
          .join('')
      : '';
    const drain = f.withinValidity
      ? '<span data-tip="drain">about ' +
        formatDuration(f.drainSeconds) +
        '</span> at ' +
        f.segmentsPerSecond +
        ' segments/s: the last tip leaves the queue at ' +
        escapeHtml(f.latestLocalArrival) +
        ' (within the ' +
        f.validityMinutes +
        ' min validity)'
      : '<span class="bad" data-tip="drain">' +
        formatDuration(f.drainSeconds) +
        ' at ' +
        f.segmentsPerSecond +
        ' segments/s: ' +
        f.overrunMinutes +
        ' min past the ' +
        f.validityMinutes +
        ' min validity</span>. ' +
        escapeHtml(f.warning || '');
    $('tip-panel').innerHTML =
      '<dl class="facts">' +
      '<dt>Date</dt><dd>' +
      escapeHtml(formatDate(f.date, true)) +
      ' (tip ' +
      escapeHtml(f.tipId) +
      ')</dd>' +
      '<dt>Active subscribers</dt><dd><span data-tip="active">' +
      formatNumber(a.active) +
      '</span></dd>' +
      '<dt>By language</dt><dd>' +
      list([
        ['English', a.byLanguage.en],
        ['Nepali', a.byLanguage.ne],
        ['not known', a.byLanguage.unknown],
      ]) +
      '</dd>' +
      '<dt>By channel</dt><dd>' +
      list([
        ['SMS', a.byChannel.sms],
        ['WhatsApp', a.byChannel.whatsapp],
        ['not broken down', a.byChannel.unknown],
      ]) +
      '</dd>' +
      '<dt>By country</dt><dd>' +
      list(countries) +
      '</dd>' +
      '<dt>Segments per SMS tip</dt><dd>English ' +
      f.segmentsPerTip.en +
      ', Nepali ' +
      f.segmentsPerTip.ne +
      ' (' +
      formatNumber(f.totalSegments) +
      ' in all, at most)</dd>' +
      '<dt>Estimated cost</dt><dd>' +
      cost +
      '</dd>' +
      '<dt>Sending time</dt><dd>' +
      drain +
      '</dd></dl>' +
      (rows
        ? '<details><summary>Cost by channel and country</summary><div class="table-wrap"><table><thead><tr><th scope="col">Sent as</th><th scope="col" class="num">Subscribers</th><th scope="col" class="num">Segments / messages</th><th scope="col" class="num">Cost</th></tr></thead><tbody>' +
          rows +
          '</tbody></table></div></details>'
        : '') +
      '<p class="hint">Subscribers registered before the channel and country counts existed are "not broken down": priced as SMS to ' +
      'the default country at the longer tip. The sending time puts everyone in one window at one rate: an upper bound.</p>';
  }

  // ---- content review

  function reviewLine(label, status) {
    const pending = status.unreviewed.concat(status.changedSinceReview);
    return (
      '<strong>' +
      status.reviewed +
      ' of ' +
      status.total +
      ' ' +
      label +
      ' reviewed.</strong>' +
      (status.unreviewed.length ? ' Unreviewed: ' + escapeHtml(status.unreviewed.join(', ')) + '.' : '') +
      (status.changedSinceReview.length
        ? ' Changed since review: ' + escapeHtml(status.changedSinceReview.join(', ')) + '.'
        : '') +
      (pending.length ? '' : ' All signed.')
    );
  }

  function drawContentReview(content) {
    const el = $('content-review');
    if (!content) {
      el.textContent = 'Not reported by this service version.';
      return;
    }
    el.innerHTML = reviewLine('tips', content.tips) + '<br>' + reviewLine('messages', content.messages);
    el.setAttribute('data-unreviewed', String(content.tips.total - content.tips.reviewed));
  }

  // ---- programmes by stage

  function stageWords(label) {
    return label === 'general' ? 'General daily tip (no date, or outside a set)' : label.replace('/', ' / ');
  }

  function drawProgrammes(p) {
    const note = $('programmes-census');
    if (!p) {
      note.textContent = 'Not reported by this service version.';
      $('programmes-stages').innerHTML = '';
      $('programmes-cadence').innerHTML = '';
      return;
    }
    const census = p.census;
    if (census) {
      const due = Object.keys(census.due)
        .sort()
        .map((set) => escapeHtml(set) + ' ' + formatNumber(census.due[set]))
        .join(', ');
      note.innerHTML =
        'On ' +
        escapeHtml(formatDate(p.date, true)) +
        ', messages due by set: <span data-programmes="due">' +
        (due || 'none') +
        '</span>. Counted ' +
        timeTag(census.takenAt) +
        ' ' +
        escapeHtml(zoneName()) +
        '.';
      const labels = Object.keys(census.subscribers).sort();
      $('programmes-stages').innerHTML = labels.length
        ? labels
            .map(
              (label) =>
                '<tr data-stage="' +
                escapeHtml(label) +
                '"><td>' +
                escapeHtml(stageWords(label)) +
                '</td><td class="num" data-value="' +
                census.subscribers[label] +
                '">' +
                formatNumber(census.subscribers[label]) +
                '</td></tr>',
            )
            .join('')
        : '<tr><td colspan="2">No active subscribers.</td></tr>';
    } else {
      note.textContent = 'No daily run has scheduled ' + formatDate(p.date, true) + ' yet: no counts for it.';
      $('programmes-stages').innerHTML = '<tr><td colspan="2">Not counted yet.</td></tr>';
    }
    $('programmes-cadence').innerHTML = p.cadence
      .map(
        (row) =>
          '<tr data-cadence="' +
          escapeHtml(row.set + '/' + row.stage) +
          '"><td>' +
          escapeHtml(row.set + ' / ' + row.stage) +
          ' (' +
          row.messages +
          ')</td><td class="nowrap">' +
          row.fromWeek +
          '–' +
          row.toWeek +
          '</td><td class="num" data-value="' +
          row.perWeek +
          '">' +
          row.perWeek +
          '</td></tr>',
      )
      .join('');
  }

  // ---- load

  function render(stats) {
    zone = stats.range.timezone || zone;
    $('tz-label').textContent = 'Times: ' + zoneName() + ' (' + zone + (zoneOffset() ? ', ' + zoneOffset() : '') + ')';
    $('tz-label').hidden = false;
    $('range-note').innerHTML =
      escapeHtml(formatDate(stats.range.from, true)) +
      ' to ' +
      escapeHtml(formatDate(stats.range.to, true)) +
      ' (' +
      stats.daily.length +
      ' days, ' +
      escapeHtml(zoneDates()) +
      '). Updated ' +
      timeTag(stats.generatedAt) +
      ' ' +
      escapeHtml(zoneName()) +
      '.';
    renderKpis(stats);
    drawCharts(stats);
    renderOutcomes(stats);
    renderTip(stats.tipForecast);
    drawContentReview(stats.content);
    drawProgrammes(stats.programmes);
    $('from').value = stats.range.from;
    $('to').value = stats.range.to;
  }

  function loadStats() {
    // Dates go in a POST body: admin routes refuse query strings (docs/security.md).
    const range = $('from').value && $('to').value ? { from: $('from').value, to: $('to').value } : {};
    return api('/admin/stats', range, loadStats).then((stats) => {
      $('sign-in').hidden = true;
      $('app').hidden = false;
      $('sign-out').hidden = false;
      $('error').hidden = true;
      render(stats);
      document.body.setAttribute('data-loaded', 'true');
      return loadEvents();
    });
  }

  // ---- recent events, filtered and paged

  function loadEvents() {
    const cursor = events.cursors[events.page];
    const request = ++events.request;
    const query = { limit: EVENTS_PER_PAGE };
    if (events.kind) query.kind = events.kind;
    if (cursor) query.before = cursor;
    $('recent').setAttribute('aria-busy', 'true');
    return api('/admin/events', query, loadEvents).then((answer) => {
      // A filter or page chosen since this load started wins: its own answer draws the list.
      if (request !== events.request) {
        events.dropped++;
        document.body.setAttribute('data-events-dropped', String(events.dropped));
        return;
      }
      events.next = answer.next;
      $('recent').innerHTML = answer.events.length
        ? answer.events
            .map(
              (e) =>
                '<li data-kind="' +
                escapeHtml(e.kind) +
                '">' +
                timeTag(e.time) +
                ' <span class="event-text">' +
                escapeHtml(e.text) +
                '</span></li>',
            )
            .join('')
        : '<li>' + (events.page > 0 ? 'No older events.' : 'No events of this kind in the last 7 days.') + '</li>';
      $('recent').removeAttribute('aria-busy');
      $('events-newer').disabled = events.page === 0;
      $('events-older').disabled = !events.next;
      $('events-page').textContent = 'Page ' + (events.page + 1) + ' (' + zoneName() + ')';
      document.body.setAttribute('data-events-loaded', String(Date.now()));
    });
  }

  function filterEvents(kind) {
    events.kind = kind;
    events.cursors = [null];
    events.page = 0;
    return loadEvents().catch(() => {});
  }

  // ---- number look-up

  function renderLookup(answer) {
    const box = $('lookup-result');
    if (answer.status === 404) {
      box.innerHTML =
        '<p data-lookup="not-registered"><strong>' +
        escapeHtml(answer.json.error.masked || 'This number') +
        '</strong> is not registered.</p>';
      return;
    }
    if (answer.status === 400) {
      box.innerHTML =
        '<p data-lookup="invalid">That is not a valid phone number (' +
        escapeHtml(reasonWords(answer.json.error.code)) +
        ').</p>';
      return;
    }
    const s = answer.json;
    const w = s.welcome;
    const consent = s.consent
      .slice()
      .reverse()
      .map(
        (c) =>
          '<tr><td>' +
          timeTag(c.at) +
          '</td><td>' +
          (c.action === 'opt_out' ? 'Opted out' : 'Opted in') +
          '</td><td>' +
          escapeHtml(sourceWords(c.source)) +
          (c.reason ? ': ' + escapeHtml(c.reason) : '') +
          '</td></tr>',
      )
      .join('');
    const messages =
      s.messages === null
        ? '<p>Twilio could not be asked for the messages just now.</p>'
        : s.messages.length === 0
          ? '<p>Twilio holds no message to this number.</p>'
          : '<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Message</th><th scope="col">Status</th></tr></thead><tbody>' +
            s.messages
              .map(
                (m) =>
                  '<tr><td>' +
                  timeTag(m.dateSent || m.dateCreated) +
                  '</td><td>' +
                  (m.kind === 'welcome' ? 'Welcome' : m.kind === 'tip' ? 'Tip' : 'Message') +
                  (m.segments ? ' (' + m.segments + ' segment' + (m.segments > 1 ? 's' : '') + ')' : '') +
                  '</td><td>' +
                  escapeHtml(m.status) +
                  (m.errorCode ? ': ' + escapeHtml(m.errorCode + ' ' + (m.error || '')) : '') +
                  '</td></tr>',
              )
              .join('') +
            '</tbody></table></div>';
    const tips = s.tips.length
      ? s.tips
          .map(
            (t) => escapeHtml(formatDate(t.date, true)) + (t.state === 'scheduled' ? ' scheduled' : ' being scheduled'),
          )
          .join('; ')
      : 'none';
    box.innerHTML =
      '<h3 data-lookup="found">' +
      escapeHtml(s.masked) +
      ' <span class="badge status-' +
      escapeHtml(s.status) +
      '">' +
      escapeHtml(s.status.replace('_', ' ')) +
      '</span></h3>' +
      '<dl class="facts">' +
      '<dt>Portal user</dt><dd>' +
      escapeHtml(s.userId) +
      '</dd>' +
      '<dt>Channel, language</dt><dd>' +
      (s.channel === 'sms' ? 'SMS' : 'WhatsApp') +
      ', ' +
      (s.language === 'ne' ? 'Nepali' : 'English') +
      ' (' +
      escapeHtml(s.country) +
      (s.timeZone ? ', tips at 07:00 ' + escapeHtml(s.timeZone) : '') +
      ')</dd>' +
      '<dt>Registered</dt><dd>' +
      timeTag(s.createdAt) +
      '</dd>' +
      '<dt>Welcome</dt><dd>' +
      escapeHtml(w.status || w.state) +
      (w.errorCode ? ': ' + escapeHtml(w.errorCode + ' ' + (w.error || '')) : '') +
      '</dd>' +
      '<dt>Failed deliveries in a row</dt><dd>' +
      s.unreachableCount +
      '</dd>' +
      (s.paused
        ? '<dt>Paused</dt><dd data-lookup="paused">' +
          escapeHtml(s.paused.reason) +
          (s.paused.errorCode ? ' (last: ' + escapeHtml(s.paused.errorCode + ' ' + (s.paused.error || '')) + ')' : '') +
          ', since ' +
          timeTag(s.paused.at) +
          '</dd>'
        : '') +
      (s.channelSwitch
        ? '<dt>Moved to SMS</dt><dd data-lookup="switched">not on WhatsApp (' +
          escapeHtml(s.channelSwitch.errorCode + ' ' + (s.channelSwitch.error || '')) +
          '), ' +
          timeTag(s.channelSwitch.at) +
          '</dd>'
        : '') +
      '<dt>Pending tips</dt><dd>' +
      tips +
      '</dd></dl>' +
      '<h4>Consent history (newest first)</h4>' +
      (consent
        ? '<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Change</th><th scope="col">How</th></tr></thead><tbody>' +
          consent +
          '</tbody></table></div>'
        : '<p>None.</p>') +
      '<h4>Last messages (from Twilio)</h4>' +
      messages;
  }

  function lookUp(event) {
    event.preventDefault();
    const input = $('lookup-phone');
    const phone = input.value.trim();
    if (!phone) return;
    $('lookup-result').innerHTML = '<p>Looking up…</p>';
    api('/admin/subscriber', { phone }, undefined, true).then(
      (answer) => {
        // The full number stays on screen no longer than needed.
        input.value = '';
        renderLookup(answer);
      },
      () => {
        $('lookup-result').innerHTML = '';
      },
    );
  }

  // ---- batch runner

  function setProgress(done, total) {
    const bar = $('batch-progress');
    bar.max = Math.max(1, total);
    bar.value = done;
    bar.setAttribute('aria-valuemax', String(bar.max));
    bar.setAttribute('aria-valuenow', String(done));
  }

  function runBatch(dryRun) {
    if (batch.running) return;
    if (!dryRun && !confirm('Register every portal user and send welcome messages?')) return;
    batch = { running: true, stop: false, results: [] };
    $('batch-stop').disabled = false;
    $('batch-dry-run').disabled = $('batch-run').disabled = true;
    $('batch-download').disabled = true;
    let runId;
    let next;
    function slice() {
      const body = { dryRun };
      if (runId) body.runId = runId;
      if (next) body.cursor = next;
      return (
        api('/admin/batch-register', body, slice)
          // Rows of a slice whose answer never arrived (a real run keeps them): fetched first.
          .then((answer) => fillGap(answer).then(() => answer))
          .then((answer) => {
            runId = answer.runId;
            next = answer.next;
            batch.results = batch.results.concat(answer.results || []);
            setProgress(answer.processed, answer.total || answer.processed);
            const counts = Object.keys(answer.counts || {})
              .map((k) => k + ' ' + answer.counts[k])
              .join(', ');
            if (answer.done) {
              $('batch-status').textContent =
                (dryRun ? 'Dry run' : 'Run') + ' done: ' + answer.processed + ' users. ' + counts;
              return finish(!dryRun);
            }
            if (batch.stop) {
              $('batch-status').textContent =
                'Stopped after ' + answer.processed + ' users. Resume with run ' + runId + '. ' + counts;
              return finish(!dryRun);
            }
            if (answer.waiting) {
              // The welcome rate is used up this minute: wait for it and go on (Stop still works).
              const w = answer.waiting;
              $('batch-status').textContent =
                'Waiting for the welcome rate (' +
                w.welcomesPerMinute +
                '/min), ' +
                w.left +
                ' left, done at about ' +
                clockTime(w.estimatedDoneAt) +
                '. ' +
                counts;
              return pause(w.retryAfterSeconds * 1000).then(() => {
                if (!batch.stop) return slice();
                $('batch-status').textContent =
                  'Stopped after ' + answer.processed + ' users. Resume with run ' + runId + '. ' + counts;
                return finish(!dryRun);
              });
            }
            $('batch-status').textContent =
              'Working: ' + answer.processed + ' of ' + (answer.total || '?') + '. ' + counts;
            return slice();
          })
      );
    }
    function fillGap(answer) {
      const from = batch.results.length;
      if (answer.dryRun || typeof answer.from !== 'number' || answer.from <= from) return Promise.resolve();
      const body = { runId: answer.runId, from, limit: Math.min(5000, answer.from - from) };
      return api('/admin/batch-results', body).then((page) => {
        batch.results = batch.results.concat(page.results || []);
      });
    }
    /** Resolves after ms, or early when Stop is pressed. */
    function pause(ms) {
      const until = Date.now() + ms;
      return new Promise((resolve) => {
        (function tick() {
          if (batch.stop || Date.now() >= until) return resolve();
          setTimeout(tick, Math.min(250, until - Date.now()));
        })();
      });
    }
    function finish(refresh) {
      batch.running = false;
      $('batch-stop').disabled = true;
      $('batch-dry-run').disabled = $('batch-run').disabled = false;
      $('batch-download').disabled = batch.results.length === 0;
      if (refresh) loadStats().catch(() => {});
    }
    slice().catch(() => finish(false));
  }

  /** "14:05 Nepal time": a clock time in the service's zone, never the browser's. */
  function clockTime(iso) {
    const clock = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    }).format(new Date(iso));
    return clock + ' ' + zoneName();
  }

  function downloadReport() {
    const lines = ['userId,masked,outcome,reason,holder'].concat(
      batch.results.map((r) =>
        [r.userId, r.masked, r.outcome, r.reason || '', r.holder || '']
          .map((v) => '"' + String(v == null ? '' : v).replace(/"/g, '""') + '"')
          .join(','),
      ),
    );
    const url = URL.createObjectURL(new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = 'batch-report.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }

  function scheduleTips() {
    $('tips-schedule').disabled = true;
    const totals = {};
    function slice(cursor) {
      // A real run is asked for explicitly: a missing dryRun is refused (docs/security.md).
      return api('/admin/schedule-tips', { dryRun: false, cursor: cursor || null }, () => slice(cursor)).then(
        (answer) => {
          Object.keys(answer.counts).forEach((k) => {
            totals[k] = (totals[k] || 0) + answer.counts[k];
          });
          $('tips-status').textContent =
            'Tips for ' +
            answer.dates.map((d) => formatDate(d, true)).join(', ') +
            ': ' +
            Object.keys(totals)
              .map((k) => k.replace(/_/g, ' ') + ' ' + totals[k])
              .join(', ') +
            (answer.done ? ' (done)' : '');
          return answer.done ? undefined : slice(answer.next);
        },
      );
    }
    slice(null).then(
      () => {
        $('tips-schedule').disabled = false;
        loadStats().catch(() => {});
      },
      () => {
        $('tips-schedule').disabled = false;
      },
    );
  }

  // ---- wiring

  if (window.Chart) {
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 12;
    Chart.defaults.color = COLOURS.black;
  }
  $('token-form').addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    $('error').hidden = true;
    loadStats().catch(() => {});
  });
  $('sign-out').addEventListener('click', () => signedOut());
  $('range-form').addEventListener('submit', (event) => {
    event.preventDefault();
    loadStats().catch(() => {});
  });
  document.querySelectorAll('[data-days]').forEach((button) =>
    button.addEventListener('click', () => {
      const to = $('to').value;
      if (!to) return;
      const days = Number(button.getAttribute('data-days'));
      const from = new Date(Date.parse(to + 'T00:00:00Z') - (days - 1) * 86400000).toISOString().slice(0, 10);
      $('from').value = from;
      loadStats().catch(() => {});
    }),
  );
  $('event-kind').addEventListener('change', (event) => filterEvents(event.target.value));
  $('events-older').addEventListener('click', () => {
    if (!events.next) return;
    events.cursors[events.page + 1] = events.next;
    events.page++;
    loadEvents().catch(() => {});
  });
  $('events-newer').addEventListener('click', () => {
    if (events.page === 0) return;
    events.page--;
    loadEvents().catch(() => {});
  });
  $('lookup-form').addEventListener('submit', lookUp);
  $('batch-dry-run').addEventListener('click', () => runBatch(true));
  $('batch-run').addEventListener('click', () => runBatch(false));
  $('batch-stop').addEventListener('click', () => {
    batch.stop = true;
  });
  $('batch-download').addEventListener('click', downloadReport);
  $('tips-schedule').addEventListener('click', scheduleTips);
  if (token()) loadStats().catch(() => {});
})();
