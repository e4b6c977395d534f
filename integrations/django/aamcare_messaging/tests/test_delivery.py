import sys
import threading
import time
import types
from unittest import mock

from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import TestCase, override_settings

from aamcare_messaging import delivery, register_user
from aamcare_messaging.client import interpret
from aamcare_messaging.models import MessagingRegistration
from aamcare_messaging.worker import Worker

from .fake_service import FakeService

SECRET = "s" * 40


class ServiceTestCase(TestCase):
    def setUp(self):
        self.service = FakeService(SECRET)
        self.settings_override = override_settings(
            AAMCARE_MESSAGING_URL=self.service.url + "/",
            AAMCARE_PORTAL_WEBHOOK_SECRET=SECRET,
            AAMCARE_MAX_ATTEMPTS=3,
            AAMCARE_TIMEOUT=5,
        )
        self.settings_override.enable()

    def tearDown(self):
        self.settings_override.disable()
        self.service.close()

    def user(self, **fields):
        values = dict(username="u%d" % time.monotonic_ns(), phone_number="9807969278 ;", full_name="सीता शर्मा", preferred_language="Nepali")
        values.update(fields)
        return get_user_model()(**values)


class InterpretTests(TestCase):
    def test_every_answer_of_the_service(self):
        cases = [
            (201, {"status": "registered"}, {}, "registered", None),
            (200, {"status": "already_registered"}, {}, "already_registered", None),
            (200, {"status": "opted_out"}, {}, "opted_out", None),
            (200, {"status": "needs_join"}, {}, "needs_join", None),
            (202, {"retryable": True}, {"Retry-After": "7"}, "retry", 7.0),
            (429, {"error": {"code": "rate_limited"}}, {"Retry-After": "55"}, "retry", 55.0),
            (503, {"error": {"code": "twilio_configuration"}}, {"Retry-After": "30"}, "retry", 30.0),
            (502, None, {}, "retry", None),
            (400, {"error": {"code": "too_short"}}, {}, "invalid", None),
            (422, {"error": {"code": "rejected_by_twilio"}}, {}, "rejected", None),
            (409, {"error": {"code": "number_taken"}}, {}, "conflict", None),
            (401, {"error": {"code": "bad_signature", "message": "sign exactly http://x/register"}}, {}, "failed", None),
            (404, None, {}, "failed", None),
            (418, None, {}, "failed", None),
        ]
        for status, body, headers, expected, retry_after in cases:
            answer = interpret(status, body, headers)
            self.assertEqual((status, answer.status, answer.retry_after), (status, expected, retry_after))
        self.assertIn("sign exactly http://x/register", interpret(401, cases[11][1], {}).detail)


class ScheduleTests(ServiceTestCase):
    def test_nothing_is_queued_before_the_commit_and_nothing_after_a_rollback(self):
        with mock.patch.object(delivery, "dispatch") as dispatch:
            with self.captureOnCommitCallbacks(execute=True) as callbacks:
                register_user(self.user())
                self.assertEqual(dispatch.call_count, 0)
            self.assertEqual(len(callbacks), 1)
            self.assertEqual(dispatch.call_count, 1)
            form = dispatch.call_args[0][0]
            self.assertEqual(form["phone"], "9807969278")  # trimmed
            self.assertEqual(form["name"], "सीता शर्मा")
            self.assertEqual(form["language"], "ne")  # "Nepali" as the service reads it

            dispatch.reset_mock()
            try:
                with transaction.atomic():
                    register_user(self.user())
                    raise RuntimeError("the signup failed")
            except RuntimeError:
                pass
            self.assertEqual(dispatch.call_count, 0)

    def test_the_signup_hook_never_raises_into_the_signup(self):
        class Broken:
            pk = 5

            @property
            def phone_number(self):
                raise RuntimeError("a broken profile")

        with self.assertLogs("aamcare_messaging", "ERROR") as logs:
            register_user(Broken())  # no exception
        self.assertIn("schedule_failed", logs.output[0])
        with mock.patch.object(delivery, "worker", side_effect=RuntimeError("no threads")):
            with self.assertLogs("aamcare_messaging", "ERROR"):
                delivery.dispatch({"user_id": "1", "phone": "9807969278"})

    def test_a_user_without_a_phone_is_not_sent(self):
        with mock.patch.object(delivery, "dispatch") as dispatch, self.captureOnCommitCallbacks(execute=True):
            register_user(self.user(phone_number="   "))
        self.assertEqual(dispatch.call_count, 0)


class AttemptTests(ServiceTestCase):
    form = {"user_id": "42", "phone": "9807969278", "name": "Sita", "language": "ne"}

    def test_registered_on_the_first_try_signed_as_the_service_checks(self):
        self.service.script((201, {"status": "registered"}))
        with self.assertLogs("aamcare_messaging", "INFO") as logs:
            self.assertIsNone(delivery.run_attempt(self.form, 1))
        method, path, params, signature_ok, _ = self.service.requests[0]
        self.assertEqual((method, path, signature_ok), ("POST", "/register", True))
        self.assertEqual(params["user_id"], "42")
        self.assertRegex(params["timestamp"], r"^\d{10}$")
        record = MessagingRegistration.objects.get(user_id="42")
        self.assertEqual((record.status, record.attempts, record.phone_masked), ("registered", 1, "+977******278"))
        self.assertNotIn("9807969278", "\n".join(logs.output))

    def test_later_answers_are_retried_after_their_retry_after_then_give_up(self):
        self.service.script((202, {"retryable": True}, {"Retry-After": "4"}))
        self.assertEqual(delivery.run_attempt(self.form, 1), 4.0)
        self.assertEqual(MessagingRegistration.objects.get(user_id="42").status, "retrying")
        with override_settings(AAMCARE_MAX_RETRY_DELAY=2):
            self.assertEqual(delivery.run_attempt(self.form, 2), 2.0)  # capped
        with self.assertLogs("aamcare_messaging", "ERROR") as logs:
            self.assertIsNone(delivery.run_attempt(self.form, 3))  # AAMCARE_MAX_ATTEMPTS
        self.assertIn("gave_up", logs.output[0])
        record = MessagingRegistration.objects.get(user_id="42")
        self.assertEqual((record.status, record.attempts), ("failed", 3))
        # Each attempt signed anew, with its own timestamp.
        self.assertTrue(all(r[3] for r in self.service.requests))

    def test_a_wrong_secret_is_not_retried_and_says_what_to_check(self):
        self.service.secret = "t" * 40
        self.service.script((401, {"error": {"code": "bad_signature", "message": "sign exactly http://svc/register"}}))
        with self.assertLogs("aamcare_messaging", "ERROR") as logs:
            self.assertIsNone(delivery.run_attempt(self.form, 1))
        self.assertFalse(self.service.requests[0][3])
        self.assertIn("AAMCARE_PORTAL_WEBHOOK_SECRET", logs.output[0])
        self.assertIn("+977******278", logs.output[0])
        self.assertNotIn("9807969278", logs.output[0])
        self.assertNotIn(SECRET, logs.output[0])
        record = MessagingRegistration.objects.get(user_id="42")
        self.assertEqual(record.status, "failed")
        self.assertIn("bad_signature", record.detail)

    def test_no_answer_at_all_is_retried(self):
        self.service.close()
        with self.assertLogs("aamcare_messaging", "WARNING"):
            self.assertEqual(delivery.run_attempt(self.form, 1), 5.0)
        self.assertEqual(MessagingRegistration.objects.get(user_id="42").detail, "network: ConnectionError")

    def test_refusals_are_recorded_once(self):
        for status, code, expected in [(400, "too_short", "invalid"), (409, "number_taken", "conflict"), (422, "lookup_invalid", "rejected")]:
            self.service.script((status, {"error": {"code": code}}))
            self.assertIsNone(delivery.run_attempt(self.form, 1))
            record = MessagingRegistration.objects.get(user_id="42")
            self.assertEqual((record.status, record.detail), (expected, code))

    def test_a_full_queue_drops_and_records(self):
        full = Worker(lambda job: None, size=0)
        with mock.patch.object(delivery, "worker", return_value=full), self.assertLogs("aamcare_messaging", "ERROR") as logs:
            delivery.dispatch(dict(self.form))
        self.assertIn("queue is full", logs.output[0])
        self.assertEqual(MessagingRegistration.objects.get(user_id="42").status, "dropped")

    def test_with_celery_configured_the_task_is_queued(self):
        queued = []

        def shared_task(**options):
            def wrap(fn):
                fn.delay = lambda *args, **kwargs: queued.append((args, kwargs))
                return fn

            return wrap

        fake = types.ModuleType("celery")
        fake.shared_task = shared_task
        with mock.patch.dict(sys.modules, {"celery": fake}), override_settings(CELERY_BROKER_URL="memory://"):
            sys.modules.pop("aamcare_messaging.tasks", None)
            delivery.dispatch(dict(self.form))
        sys.modules.pop("aamcare_messaging.tasks", None)
        self.assertEqual(queued, [((self.form,), {})])
        self.assertEqual(self.service.requests, [])


class WorkerTests(TestCase):
    def test_jobs_run_in_the_background_and_come_back_after_their_delay(self):
        seen = []
        done = threading.Event()

        def handle(job):
            seen.append((job, time.monotonic()))
            if job == "again" and len([s for s in seen if s[0] == "again"]) == 1:
                return 0.2, "again"
            if len(seen) == 3:
                done.set()
            return None

        worker = Worker(handle, size=10, threads=2)
        started = time.monotonic()
        self.assertTrue(worker.submit("once"))
        self.assertTrue(worker.submit("again"))
        self.assertTrue(done.wait(5))
        self.assertTrue(worker.drain(5))
        again = [at for job, at in seen if job == "again"]
        self.assertEqual(len(again), 2)
        self.assertGreaterEqual(again[1] - again[0], 0.2)
        self.assertLess(started, again[0])

    def test_submit_never_blocks_and_refuses_past_the_bound(self):
        gate = threading.Event()
        worker = Worker(lambda job: gate.wait(5) and None, size=2, threads=1)
        self.assertTrue(worker.submit(1))
        self.assertTrue(worker.submit(2))
        self.assertFalse(worker.submit(3))
        gate.set()
        self.assertTrue(worker.drain(5))
        self.assertTrue(worker.submit(4))

    def test_a_failing_handler_does_not_stop_the_worker(self):
        ran = []

        def handle(job):
            ran.append(job)
            if job == "bad":
                raise RuntimeError("bug")

        worker = Worker(handle, size=5)
        worker.submit("bad")
        worker.submit("good")
        self.assertTrue(worker.drain(5))
        self.assertEqual(sorted(ran), ["bad", "good"])
