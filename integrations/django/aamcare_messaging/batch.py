"""The seed's ``register_all_users_with_twilio``: drives the service's POST /admin/batch-register
slice after slice until the run is done, as the service's Node CLI (``npm run batch``) does,
with the same state files and the same report.

- Progress after every slice (users done/total, counts); when the welcome rate is used up,
  "waiting for the welcome rate (N/min), M left, done at about HH:MM", then it goes on: one
  command finishes the run.
- Progress is saved under the state directory (default ``.batch-runs/``; the Node CLI's
  format): ``<runId>.json`` and ``<runId>.results.jsonl``. ``--resume`` without a runId takes
  the unfinished run (or lists them). A resumed real run first fetches the rows of a slice
  whose answer was lost (POST /admin/batch-results), so the report has every user once.
- Slices are retried on network errors, 5xx, 429 and 409 run_busy (Retry-After honoured);
  not when a person must act (portal settings or data, not configured).
"""
import csv
import io
import json
import os
import time
from datetime import datetime, timezone
from urllib.parse import urlencode

import requests

PERMANENT_CODES = {"portal_malformed_page", "portal_unauthorized", "portal_page_not_found", "not_configured"}
MAX_ATTEMPTS = 6
#: Exit statuses, as the Node CLI's.
DONE, ERROR, USAGE, STOPPED, INTERRUPTED = 0, 1, 2, 3, 130


class SliceError(Exception):
    def __init__(self, message, status=0, code=None, body=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.body = body if isinstance(body, dict) else {}


def clock_time(iso):
    """HH:MM, local time, of an ISO 8601 instant."""
    at = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    return at.strftime("%H:%M")


def waiting_line(waiting):
    return "waiting for the welcome rate (%d/min), %d left, done at about %s" % (
        waiting["welcomesPerMinute"],
        waiting["left"],
        clock_time(waiting["estimatedDoneAt"]),
    )


def counts_line(counts):
    return ", ".join("%s %d" % (k, n) for k, n in counts.items() if n > 0)


class LocalRuns:
    """The state directory, in the Node CLI's format (scripts/batch-local.ts)."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)

    def state_file(self, run_id):
        return os.path.join(self.dir, run_id + ".json")

    def results_file(self, run_id):
        return os.path.join(self.dir, run_id + ".results.jsonl")

    def load(self, run_id):
        try:
            with open(self.state_file(run_id), encoding="utf-8") as f:
                return json.load(f)
        except FileNotFoundError:
            return None

    def save(self, run):
        run = dict(run, savedAt=datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"))
        with open(self.state_file(run["runId"]), "w", encoding="utf-8") as f:
            json.dump(run, f, indent=2)

    def unfinished(self):
        runs = []
        for name in os.listdir(self.dir):
            if not name.endswith(".json"):
                continue
            try:
                with open(os.path.join(self.dir, name), encoding="utf-8") as f:
                    run = json.load(f)
            except (OSError, ValueError):
                continue
            if isinstance(run.get("runId"), str) and not run.get("done"):
                runs.append(run)
        return sorted(runs, key=lambda r: r.get("savedAt", ""), reverse=True)

    def append(self, run_id, start, results):
        if not results:
            return
        with open(self.results_file(run_id), "a", encoding="utf-8") as f:
            for k, row in enumerate(results):
                f.write(json.dumps(dict({"i": start + k}, **row), ensure_ascii=False) + "\n")

    def rows(self, run_id):
        """Every saved row once, by index, in order (a torn last line is skipped)."""
        by_index = {}
        sequential = 0
        try:
            with open(self.results_file(run_id), encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue
                    i = row.get("i", sequential)
                    sequential = i + 1
                    row["i"] = i
                    by_index[i] = row
        except FileNotFoundError:
            return []
        return [by_index[i] for i in sorted(by_index)]

    def contiguous(self, run_id):
        n = 0
        for row in self.rows(run_id):
            if row["i"] != n:
                break
            n += 1
        return n


def write_report(path, run, rows):
    """CSV ``userId,masked,outcome,reason,holder`` or JSON with the run's totals; returns the rows written.

    ``holder`` is the portal user who holds the number of a conflict or duplicate row (when known)."""
    results = [{k: row.get(k) for k in ("userId", "masked", "outcome", "reason", "holder")} for row in rows]
    if path.lower().endswith(".json"):
        body = {k: run.get(k) for k in ("runId", "dryRun", "done", "total", "processed", "counts")}
        body["results"] = results
        with open(path, "w", encoding="utf-8") as f:
            f.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    else:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["userId", "masked", "outcome", "reason", "holder"])
        for r in results:
            writer.writerow([r[k] or "" for k in ("userId", "masked", "outcome", "reason", "holder")])
        with open(path, "w", encoding="utf-8") as f:
            f.write(out.getvalue())
    return len(results)


class BatchDriver:
    """One command's work. ``note`` prints a line; ``sleep`` waits (tests hand in others)."""

    def __init__(self, base_url, token, state_dir=".batch-runs", note=print, sleep=time.sleep, session=None):
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.local = LocalRuns(state_dir)
        self.state_dir = state_dir
        self.note = note
        self.sleep = sleep
        self.session = session or requests.Session()

    # --- HTTP

    def _call(self, method, path, body=None, params=None, retry_codes=()):
        url = self.base_url + path + ("?" + urlencode(params) if params else "")
        headers = {"Authorization": "Bearer " + self.token}
        last = None
        for n in range(1, MAX_ATTEMPTS + 1):
            try:
                response = self.session.request(method, url, json=body, headers=headers, timeout=30)
            except requests.RequestException as error:
                last = SliceError("the service did not answer: %s (check the service URL)" % type(error).__name__)
                delay = None
            else:
                try:
                    payload = response.json()
                except ValueError:
                    payload = None
                if response.status_code == 200:
                    return payload
                error = (payload or {}).get("error") if isinstance(payload, dict) else None
                error = error if isinstance(error, dict) else {}
                code = error.get("code")
                last = SliceError(self._explain(response.status_code, code, error.get("message")), response.status_code, code, payload)
                retryable = (
                    response.status_code == 429
                    or (response.status_code == 409 and code == "run_busy")
                    or (response.status_code >= 500 and code not in PERMANENT_CODES)
                )
                if not retryable:
                    raise last
                try:
                    delay = float(response.headers.get("Retry-After", ""))
                except ValueError:
                    delay = None
            if n == MAX_ATTEMPTS:
                break
            wait = delay if delay is not None else min(15, 2 ** (n - 1))
            self.note("%s %s failed (%s); retrying in %d s (attempt %d of %d)" % (method, path, last, round(wait), n + 1, MAX_ATTEMPTS))
            self.sleep(wait)
        raise last

    def _explain(self, status, code, message):
        if status == 401:
            return "the service refused the admin token (401): check AAMCARE_ADMIN_TOKEN against the service's ADMIN_TOKEN"
        if status == 404 and code is None:
            return "no /admin/batch-register at this URL (404): check AAMCARE_MESSAGING_URL (the service base URL)"
        if status == 503 and code == "not_configured":
            return "the service is not configured for batch registration: %s" % (message or "")
        return "HTTP %d%s: %s" % (status, " " + code if code else "", message or "no details")

    # --- the run

    def resume_command(self, run_id):
        return "python manage.py register_all_users_with_twilio --resume %s%s" % (
            run_id,
            " --state-dir %s" % self.state_dir if self.state_dir != ".batch-runs" else "",
        )

    def pick(self, resume, dry_run):
        """The run to resume, or an exit status."""
        if resume:
            saved = self.local.load(resume)
            if saved:
                return saved
            if dry_run:
                self.note("no saved state for dry run %s in %s/ (a dry run's cursor lives only there); start a new dry run" % (resume, self.state_dir))
                return ERROR
            return {"runId": resume, "dryRun": False, "url": self.base_url, "next": None, "done": False, "total": None, "processed": 0, "counts": {}}
        runs = [r for r in self.local.unfinished() if r.get("url", self.base_url).rstrip("/") == self.base_url]
        if len(runs) == 1:
            return runs[0]
        if not runs:
            self.note("no unfinished run saved in %s/ for %s" % (self.state_dir, self.base_url))
            return ERROR
        self.note("%d unfinished runs in %s/; resume one with --resume <runId>:" % (len(runs), self.state_dir))
        for r in runs:
            self.note("  %s  %s  %s/%s users  (saved %s)" % (r["runId"], "dry run " if r["dryRun"] else "real run", r.get("processed"), r.get("total") or "?", r.get("savedAt", "?")))
        return USAGE

    def fill_gap(self, run, up_to):
        """Rows the service committed that this machine never got, up to row ``up_to`` (real runs)."""
        start = self.local.contiguous(run["runId"])
        missing = up_to - start
        if missing <= 0 or run["dryRun"]:
            return
        at = start
        while at < up_to:
            page = self._call("POST", "/admin/batch-results", body={"runId": run["runId"], "from": at, "limit": min(5000, up_to - at)})
            rows = page["results"][: up_to - at]
            self.local.append(run["runId"], at, rows)
            at += len(rows)
            if not rows or page.get("next") is None:
                break
        got = at - start
        if got == missing:
            self.note("recovered %d users' results from the service (a slice whose answer this machine never got)" % got)
        else:
            self.note("the service had %d of %d missing users' results; rows %d to %d stay out of the report (the counts include them)" % (got, missing, at, up_to - 1))

    def run(self, dry_run=False, resume=None, report=None, page_size=None, budget_ms=None, max_slices=None):
        """Drives the run to its end (or to max_slices); returns the exit status."""
        run = None
        if resume is not None:
            picked = self.pick(resume, dry_run)
            if isinstance(picked, int):
                return picked
            run = picked
            dry_run = run["dryRun"]
        slices = 0
        status = DONE
        warned = set()
        try:
            if run and not run["dryRun"] and run["processed"] > self.local.contiguous(run["runId"]):
                self.fill_gap(run, run["processed"])
            while not (run or {}).get("done"):
                if max_slices is not None and slices >= max_slices:
                    status = STOPPED
                    break
                request = {"dryRun": dry_run}
                if run:
                    request["runId"] = run["runId"]
                    if run.get("next"):
                        request["cursor"] = run["next"]
                if page_size:
                    request["pageSize"] = page_size
                if budget_ms:
                    request["budgetMs"] = budget_ms
                try:
                    body = self._call("POST", "/admin/batch-register", body=request)
                except SliceError as error:
                    self.note("batch: %s" % error)
                    run_id = (run or {}).get("runId") or (error.body.get("error") or {}).get("runId")
                    if run_id:
                        next_token = (error.body.get("error") or {}).get("next")
                        if next_token:
                            saved = run or {"runId": run_id, "dryRun": dry_run, "url": self.base_url, "done": False, "total": None, "processed": 0, "counts": {}}
                            self.local.save(dict(saved, next=next_token))
                        self.note("resume with: %s" % self.resume_command(run_id))
                    status = ERROR
                    break
                slices += 1
                if run is None:
                    self.note("run %s (%s); progress is saved in %s/, resume with: python manage.py register_all_users_with_twilio --resume" % (body["runId"], "dry run: nothing is sent or stored" if body["dryRun"] else "real run", self.state_dir))
                previous = run
                run = {
                    "runId": body["runId"],
                    "dryRun": body["dryRun"],
                    "url": self.base_url,
                    "next": body.get("next"),
                    "done": body["done"],
                    "total": body.get("total"),
                    "processed": body["processed"],
                    "counts": body["counts"],
                }
                start = body.get("from", body["processed"] - len(body["results"]))
                if previous and start > self.local.contiguous(run["runId"]):
                    self.fill_gap(run, start)
                self.local.append(run["runId"], start, body["results"])
                self.local.save(run)
                for warning in body.get("warnings") or []:
                    if warning["setting"] not in warned:
                        warned.add(warning["setting"])
                        self.note("warning: %s" % warning["message"])
                self.note("%d/%s users | %s" % (body["processed"], body.get("total") or "?", counts_line(body["counts"])))
                if body.get("waiting") and not body["done"]:
                    self.note(waiting_line(body["waiting"]))
                    self.sleep(body["waiting"]["retryAfterSeconds"])
        except KeyboardInterrupt:
            status = INTERRUPTED
        rows = self.local.rows(run["runId"]) if run else []
        if run and report:
            written = write_report(report, run, rows)
            self.note("report: %s (%d users)" % (report, written))
        if run and run.get("done"):
            self.note("done: run %s, %d users: %s" % (run["runId"], run["processed"], counts_line(run["counts"])))
            later = run["counts"].get("retry_later", 0)
            if later:
                reasons = {}
                for r in rows:
                    if r.get("outcome") == "retry_later":
                        key = r.get("reason") or "twilio_temporary"
                        reasons[key] = reasons.get(key, 0) + 1
                self.note(
                    "%d users met a temporary Twilio failure (%s): run a new batch later to finish them"
                    " (registered users are skipped, no second welcome)" % (later, counts_line(reasons) or "retry_later")
                )
        elif run and status != ERROR:
            self.note(
                "%s at %d/%s users. Resume with:\n  %s"
                % ("stopped" if status == INTERRUPTED else "stopped after %d slice(s)" % slices, run["processed"], run.get("total") or "?", self.resume_command(run["runId"]))
            )
        return status
