// Admin dashboard: plain JS, no build step, no third-party code. The token lives only in
// sessionStorage and is sent as a Bearer header to this service's own admin routes.
(function () {
  'use strict';
  var TOKEN_KEY = 'aamcare-admin-token';
  var base = location.pathname.replace(/\/admin(\/.*)?$/, '');
  var $ = function (id) {
    return document.getElementById(id);
  };
  var batch = { running: false, stop: false, results: [] };

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  function showError(message, retry) {
    var box = $('error');
    box.textContent = message + ' ';
    if (retry) {
      var button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Retry';
      button.addEventListener('click', function () {
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
    $('sign-in').hidden = false;
    if (message) showError(message);
  }

  /** Calls an admin route; maps 401, 503 not_configured and outages to clear messages. */
  function api(path, body, retry) {
    var init = { headers: { Authorization: 'Bearer ' + token() } };
    if (body !== undefined) {
      init.method = 'POST';
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return fetch(base + path, init).then(
      function (res) {
        return res
          .json()
          .catch(function () {
            return {};
          })
          .then(function (json) {
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
            if (!res.ok) {
              showError((json.error && json.error.message) || 'Request failed (HTTP ' + res.status + ').');
              throw new Error('failed');
            }
            return json;
          });
      },
      function (error) {
        showError('Service unavailable: the network request failed.', retry);
        throw error;
      },
    );
  }

  function svg(width, height, label, inner) {
    return (
      '<svg viewBox="0 0 ' +
      width +
      ' ' +
      height +
      '" role="img" aria-label="' +
      label +
      '"><title>' +
      label +
      '</title>' +
      inner +
      '</svg>'
    );
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c];
    });
  }

  function drawDaily(daily) {
    var max = Math.max(
      1,
      Math.max.apply(
        null,
        daily.map(function (d) {
          return d.registrations;
        }),
      ),
    );
    var w = Math.max(300, daily.length * 14);
    var bars = daily
      .map(function (d, i) {
        var h = Math.round((d.registrations / max) * 120);
        return (
          '<rect x="' +
          (i * 14 + 2) +
          '" y="' +
          (130 - h) +
          '" width="10" height="' +
          h +
          '" fill="#0b5cad"><title>' +
          d.date +
          ': ' +
          d.registrations +
          '</title></rect>'
        );
      })
      .join('');
    var table =
      '<table class="visually-hidden"><caption>Daily registrations</caption><tbody>' +
      daily
        .map(function (d) {
          return '<tr><th scope="row">' + d.date + '</th><td>' + d.registrations + '</td></tr>';
        })
        .join('') +
      '</tbody></table>';
    var total = daily.reduce(function (a, d) {
      return a + d.registrations;
    }, 0);
    $('daily-chart').innerHTML = svg(w, 135, 'Registrations per day, ' + total + ' in total', bars) + table;
  }

  function drawFunnel(welcome) {
    var steps = ['queued', 'sent', 'delivered', 'read', 'failed', 'undelivered'];
    var max = Math.max(1, welcome.queued || 0);
    var rows = steps
      .map(function (s, i) {
        var n = welcome[s] || 0;
        var w = Math.round((n / max) * 260);
        var colour = s === 'failed' || s === 'undelivered' ? '#a4121d' : '#0b5cad';
        return (
          '<text x="0" y="' +
          (i * 24 + 16) +
          '" font-size="12" fill="#1b1f23">' +
          s +
          '</text><rect x="90" y="' +
          (i * 24 + 4) +
          '" width="' +
          w +
          '" height="16" fill="' +
          colour +
          '"></rect><text x="' +
          (96 + w) +
          '" y="' +
          (i * 24 + 16) +
          '" font-size="12" fill="#1b1f23">' +
          n +
          '</text>'
        );
      })
      .join('');
    var label =
      'Welcome funnel: ' +
      steps
        .map(function (s) {
          return s + ' ' + (welcome[s] || 0);
        })
        .join(', ');
    $('funnel-chart').innerHTML = svg(420, steps.length * 24 + 4, label, rows);
  }

  function reviewLine(label, status) {
    var pending = status.unreviewed.concat(status.changedSinceReview);
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
    var el = $('content-review');
    if (!content) {
      el.textContent = 'Not reported by this service version.';
      return;
    }
    el.innerHTML = reviewLine('tips', content.tips) + '<br>' + reviewLine('messages', content.messages);
    el.setAttribute('data-unreviewed', String(content.tips.total - content.tips.reviewed));
  }

  function render(stats) {
    var kpi = {
      active: stats.subscribers.active,
      created: stats.registrations.created,
      alreadyRegistered: stats.registrations.alreadyRegistered,
      delivered: stats.welcome.delivered,
      failed: (stats.welcome.failed || 0) + (stats.welcome.undelivered || 0),
      optOuts: stats.consent.optOuts,
      tipsScheduled: stats.tips.scheduled,
      tipsDelivered: stats.tips.delivered,
    };
    Object.keys(kpi).forEach(function (name) {
      document.querySelector('[data-kpi="' + name + '"]').textContent = String(kpi[name]);
    });
    drawContentReview(stats.content);
    drawDaily(stats.daily);
    drawFunnel(stats.welcome);
    $('failures').innerHTML = stats.failures.length
      ? stats.failures
          .map(function (f) {
            return '<tr><td>' + f.code + '</td><td>' + escapeHtml(f.description) + '</td><td>' + f.count + '</td></tr>';
          })
          .join('')
      : '<tr><td colspan="3">No failures in this period.</td></tr>';
    $('recent').innerHTML = stats.recent.length
      ? stats.recent
          .map(function (e) {
            return (
              '<li><time datetime="' +
              e.time +
              '">' +
              new Date(e.time).toLocaleString() +
              '</time> ' +
              escapeHtml(e.event) +
              ' ' +
              escapeHtml(e.masked || '') +
              ' ' +
              escapeHtml(e.detail || '') +
              '</li>'
            );
          })
          .join('')
      : '<li>No recent events.</li>';
    $('from').value = stats.range.from;
    $('to').value = stats.range.to;
  }

  function loadStats() {
    // Dates go in a POST body: admin routes refuse query strings (docs/security.md).
    var range = $('from').value && $('to').value ? { from: $('from').value, to: $('to').value } : undefined;
    return api('/admin/stats', range, loadStats).then(function (stats) {
      $('sign-in').hidden = true;
      $('app').hidden = false;
      $('sign-out').hidden = false;
      $('error').hidden = true;
      render(stats);
      document.body.setAttribute('data-loaded', 'true');
    });
  }

  function setProgress(done, total) {
    var bar = $('batch-progress');
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
    var runId;
    var next;
    function slice() {
      var body = { dryRun: dryRun };
      if (runId) body.runId = runId;
      if (next) body.cursor = next;
      return api('/admin/batch-register', body, slice)
        .then(function (answer) {
          // Rows of a slice whose answer never arrived (a real run keeps them): fetched first.
          return fillGap(answer).then(function () {
            return answer;
          });
        })
        .then(function (answer) {
          runId = answer.runId;
          next = answer.next;
          batch.results = batch.results.concat(answer.results || []);
          setProgress(answer.processed, answer.total || answer.processed);
          var counts = Object.keys(answer.counts || {})
            .map(function (k) {
              return k + ' ' + answer.counts[k];
            })
            .join(', ');
          if (answer.done) {
            $('batch-status').textContent =
              (dryRun ? 'Dry run' : 'Run') + ' done: ' + answer.processed + ' users. ' + counts;
            return finish();
          }
          if (batch.stop) {
            $('batch-status').textContent =
              'Stopped after ' + answer.processed + ' users. Resume with run ' + runId + '. ' + counts;
            return finish();
          }
          if (answer.waiting) {
            // The welcome rate is used up this minute: wait for it and go on (Stop still works).
            var w = answer.waiting;
            $('batch-status').textContent =
              'Waiting for the welcome rate (' +
              w.welcomesPerMinute +
              '/min), ' +
              w.left +
              ' left, done at about ' +
              clockTime(w.estimatedDoneAt) +
              '. ' +
              counts;
            return pause(w.retryAfterSeconds * 1000).then(function () {
              if (!batch.stop) return slice();
              $('batch-status').textContent =
                'Stopped after ' + answer.processed + ' users. Resume with run ' + runId + '. ' + counts;
              return finish();
            });
          }
          $('batch-status').textContent =
            'Working: ' + answer.processed + ' of ' + (answer.total || '?') + '. ' + counts;
          return slice();
        });
    }
    function fillGap(answer) {
      var from = batch.results.length;
      if (answer.dryRun || typeof answer.from !== 'number' || answer.from <= from) return Promise.resolve();
      var body = { runId: answer.runId, from: from, limit: Math.min(5000, answer.from - from) };
      return api('/admin/batch-results', body).then(function (page) {
        batch.results = batch.results.concat(page.results || []);
      });
    }
    /** Resolves after ms, or early when Stop is pressed. */
    function pause(ms) {
      var until = Date.now() + ms;
      return new Promise(function (resolve) {
        (function tick() {
          if (batch.stop || Date.now() >= until) return resolve();
          setTimeout(tick, Math.min(250, until - Date.now()));
        })();
      });
    }
    function finish() {
      batch.running = false;
      $('batch-stop').disabled = true;
      $('batch-dry-run').disabled = $('batch-run').disabled = false;
      $('batch-download').disabled = batch.results.length === 0;
    }
    slice().catch(finish);
  }

  function clockTime(iso) {
    var at = new Date(iso);
    return String(at.getHours()).padStart(2, '0') + ':' + String(at.getMinutes()).padStart(2, '0');
  }

  function downloadReport() {
    var lines = ['userId,masked,outcome,reason'].concat(
      batch.results.map(function (r) {
        return [r.userId, r.masked, r.outcome, r.reason || '']
          .map(function (v) {
            return '"' + String(v == null ? '' : v).replace(/"/g, '""') + '"';
          })
          .join(',');
      }),
    );
    var url = URL.createObjectURL(new Blob([lines.join('\n') + '\n'], { type: 'text/csv' }));
    var a = document.createElement('a');
    a.href = url;
    a.download = 'batch-report.csv';
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () {
      URL.revokeObjectURL(url);
    }, 1000);
  }

  function scheduleTips() {
    $('tips-schedule').disabled = true;
    var totals = {};
    function slice(cursor) {
      // A real run is asked for explicitly: a missing dryRun is refused (docs/security.md).
      return api('/admin/schedule-tips', { dryRun: false, cursor: cursor || null }, function () {
        slice(cursor);
      }).then(function (answer) {
        Object.keys(answer.counts).forEach(function (k) {
          totals[k] = (totals[k] || 0) + answer.counts[k];
        });
        $('tips-status').textContent =
          'Tips for ' +
          answer.dates.join(', ') +
          ': ' +
          Object.keys(totals)
            .map(function (k) {
              return k + ' ' + totals[k];
            })
            .join(', ') +
          (answer.done ? ' (done)' : '');
        return answer.done ? undefined : slice(answer.next);
      });
    }
    slice(null).then(
      function () {
        $('tips-schedule').disabled = false;
      },
      function () {
        $('tips-schedule').disabled = false;
      },
    );
  }

  $('token-form').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value.trim());
    $('token').value = '';
    $('error').hidden = true;
    loadStats().catch(function () {});
  });
  $('sign-out').addEventListener('click', function () {
    signedOut();
  });
  $('range-form').addEventListener('submit', function (event) {
    event.preventDefault();
    loadStats().catch(function () {});
  });
  $('batch-dry-run').addEventListener('click', function () {
    runBatch(true);
  });
  $('batch-run').addEventListener('click', function () {
    runBatch(false);
  });
  $('batch-stop').addEventListener('click', function () {
    batch.stop = true;
  });
  $('batch-download').addEventListener('click', downloadReport);
  $('tips-schedule').addEventListener('click', scheduleTips);
  if (token()) loadStats().catch(function () {});
})();
