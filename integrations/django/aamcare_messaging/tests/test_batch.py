import csv
import json
import os
import shutil
import tempfile

from django.core.management import call_command
from django.test import SimpleTestCase, override_settings

from aamcare_messaging.batch import BatchDriver

from .fake_service import FakeService


def slice_body(run_id, processed, total, results, done=False, waiting=None, start=None, warnings=None):
    body = {
        "runId": run_id,
        "dryRun": False,
        "done": done,
        "next": None if done else "token-%d" % processed,
        "total": total,
        "processed": processed,
        "counts": {"registered": processed},
        "from": processed - len(results) if start is None else start,
        "results": results,
        "elapsedMs": 5,
    }
    if waiting:
        body["waiting"] = waiting
    if warnings:
        body["warnings"] = warnings
    return body


def rows(first, last):
    return [{"userId": str(i), "masked": "+977******%03d" % i, "outcome": "registered", "reason": None} for i in range(first, last + 1)]


class BatchDriverTests(SimpleTestCase):
    def setUp(self):
        self.service = FakeService()
        self.dir = tempfile.mkdtemp()
        self.lines = []
        self.slept = []

    def tearDown(self):
        self.service.close()
        shutil.rmtree(self.dir)

    def driver(self):
        return BatchDriver(self.service.url, "admin-token", state_dir=os.path.join(self.dir, "state"), note=self.lines.append, sleep=self.slept.append)

    def test_waits_for_the_welcome_rate_and_finishes_in_one_run(self):
        waiting = {"reason": "welcome_rate", "retryAfterSeconds": 42, "welcomesPerMinute": 600, "left": 2, "estimatedDoneAt": "2026-11-24T05:11:00Z"}
        warning = {"code": "field_missing", "setting": "PORTAL_LANGUAGE_FIELD", "field": "language", "page": "/u/", "message": "no user of portal page /u/ has the field"}
        self.service.script(
            (200, slice_body("run_1", 2, 4, rows(1, 2), waiting=waiting, warnings=[warning])),
            (200, slice_body("run_1", 4, 4, rows(3, 4), done=True, warnings=[warning])),
        )
        report = os.path.join(self.dir, "report.csv")
        self.assertEqual(self.driver().run(report=report), 0)
        self.assertEqual(self.slept, [42])
        self.assertTrue(any(l.startswith("waiting for the welcome rate (600/min), 2 left, done at about ") for l in self.lines))
        self.assertEqual(sum("warning:" in l for l in self.lines), 1)
        self.assertIn("done: run run_1, 4 users: registered 4", self.lines)
        with open(report, encoding="utf-8") as f:
            table = list(csv.reader(f))
        self.assertEqual(table[0], ["userId", "masked", "outcome", "reason", "holder"])
        self.assertEqual([r[0] for r in table[1:]], ["1", "2", "3", "4"])
        # The second request continued the run with its cursor; the admin token went as a Bearer header.
        second = self.service.requests[1]
        self.assertEqual(second[2], {"dryRun": False, "runId": "run_1", "cursor": "token-2"})
        self.assertEqual(second[4]["Authorization"], "Bearer admin-token")

    def test_a_lost_answer_is_filled_from_the_service_on_resume(self):
        state = os.path.join(self.dir, "state")
        os.makedirs(state)
        with open(os.path.join(state, "run_2.json"), "w") as f:
            json.dump({"runId": "run_2", "dryRun": False, "url": self.service.url, "next": "token-2", "done": False, "total": 6, "processed": 2, "counts": {}}, f)
        with open(os.path.join(state, "run_2.results.jsonl"), "w") as f:
            for i, row in enumerate(rows(1, 2)):
                f.write(json.dumps(dict(row, i=i)) + "\n")
        # Rows 3-4 were answered to a process that died; the service kept them.
        self.service.script(
            (200, slice_body("run_2", 6, 6, rows(5, 6), done=True)),
            (200, {"runId": "run_2", "done": True, "processed": 6, "from": 2, "results": rows(3, 4), "next": None}),
        )
        report = os.path.join(self.dir, "report.json")
        self.assertEqual(self.driver().run(resume="", report=report), 0)
        self.assertIn("recovered 2 users' results from the service (a slice whose answer this machine never got)", self.lines)
        with open(report) as f:
            body = json.load(f)
        self.assertEqual([r["userId"] for r in body["results"]], ["1", "2", "3", "4", "5", "6"])
        self.assertEqual(self.service.requests[1][1], "/admin/batch-results")
        self.assertEqual(self.service.requests[1][2], {"runId": "run_2", "from": 2, "limit": 2})

    def test_resume_without_a_run_id_lists_several(self):
        state = os.path.join(self.dir, "state")
        os.makedirs(state)
        for run_id in ("run_a", "run_b"):
            with open(os.path.join(state, run_id + ".json"), "w") as f:
                json.dump({"runId": run_id, "dryRun": True, "url": self.service.url, "next": "t", "done": False, "total": 9, "processed": 1, "counts": {}}, f)
        self.assertEqual(self.driver().run(resume=""), 2)
        self.assertIn("2 unfinished runs", self.lines[0])

    def test_retries_busy_and_server_errors_but_not_what_a_person_must_fix(self):
        self.service.script(
            (409, {"error": {"code": "run_busy"}}, {"Retry-After": "3"}),
            (503, {"error": {"code": "portal_unavailable"}}),
            (200, slice_body("run_3", 1, 1, rows(1, 1), done=True)),
        )
        self.assertEqual(self.driver().run(), 0)
        self.assertEqual(self.slept, [3.0, 2])
        self.service.requests.clear()
        self.service.script((502, {"error": {"code": "portal_unauthorized", "message": "check PORTAL_API_TOKEN", "runId": "run_4"}}))
        self.assertEqual(self.driver().run(), 1)
        self.assertEqual(len(self.service.requests), 1)
        self.assertTrue(any("check PORTAL_API_TOKEN" in l for l in self.lines))
        self.assertTrue(any("resume with: python manage.py register_all_users_with_twilio --resume run_4" in l for l in self.lines))

    def test_the_command_needs_the_admin_token(self):
        from django.core.management.base import CommandError

        with override_settings(AAMCARE_MESSAGING_URL=self.service.url, AAMCARE_ADMIN_TOKEN=""), self.assertRaises(CommandError):
            os.environ.pop("ADMIN_TOKEN", None)
            call_command("register_all_users_with_twilio", "--dry-run")
