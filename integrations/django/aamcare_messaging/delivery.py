"""Signup -> registration, off the signup's path.

``schedule_registration`` reads the user's fields and asks ``transaction.on_commit`` to hand
them over once the signup's transaction has committed (a rolled-back signup registers
nothing). The hand-over is a Celery task when Celery is configured (conf.use_celery), else
the in-process background worker. Nothing here raises into the signup: every failure is
logged (numbers masked) and recorded in MessagingRegistration. A temporary answer (202,
429, 5xx, no answer) is retried after the service's Retry-After, up to AAMCARE_MAX_ATTEMPTS.
"""
import logging
import threading

from django.db import close_old_connections, transaction

from . import conf
from .client import DONE, attempt
from .fields import registration_fields
from .values import mask_phone
from .worker import Worker

log = logging.getLogger("aamcare_messaging")

_worker = None
_worker_lock = threading.Lock()


def worker():
    """The process's background worker (started on first use)."""
    global _worker
    with _worker_lock:
        if _worker is None:
            _worker = Worker(_run_job, size=conf.queue_size(), threads=conf.worker_threads())
        return _worker


def schedule_registration(user, resubscribe=False):
    """Registers ``user`` after the current transaction commits, in the background. Never raises."""
    try:
        form = registration_fields(user, resubscribe=resubscribe)
        if form is None:
            log.info("aamcare_messaging.no_phone user=%s: nothing to register", getattr(user, "pk", "?"))
            return
        transaction.on_commit(lambda: dispatch(form))
    except Exception:
        log.exception("aamcare_messaging.schedule_failed user=%s (the signup goes on)", getattr(user, "pk", "?"))


def dispatch(form):
    """Hands ``form`` to Celery or to the worker. Never raises."""
    try:
        if conf.use_celery():
            try:
                from .tasks import register_task

                register_task.delay(form)
                return
            except Exception:
                log.exception("aamcare_messaging.celery_unavailable user=%s: using the background worker", form["user_id"])
        if not worker().submit({"form": form, "attempt": 1}):
            log.error(
                "aamcare_messaging.dropped user=%s phone=%s: the queue is full (AAMCARE_QUEUE_SIZE=%d);"
                " the next register_all_users_with_twilio run registers this user",
                form["user_id"],
                mask_phone(form["phone"], conf.default_region()),
                conf.queue_size(),
            )
            _record(form, "dropped", "queue_full", 0)
    except Exception:
        log.exception("aamcare_messaging.dispatch_failed user=%s", form.get("user_id"))


def _run_job(job):
    """The worker's handler: one attempt; (delay, job) to try again, or None."""
    try:
        delay = run_attempt(job["form"], job["attempt"])
    finally:
        close_old_connections()
    if delay is None:
        return None
    return delay, {"form": job["form"], "attempt": job["attempt"] + 1}


def run_attempt(form, number):
    """Attempt number ``number`` (1-based) for ``form``: logs, records, and returns the delay before
    the next attempt, or None when this one settled it (done, refused, failed, or out of attempts)."""
    masked = mask_phone(form["phone"], conf.default_region())
    answer = attempt(form)
    user = form["user_id"]
    if answer.status == "retry":
        if number < conf.max_attempts():
            delay = _delay(answer.retry_after, number)
            log.warning(
                "aamcare_messaging.retry user=%s phone=%s attempt=%d detail=%s: again in %.0f s",
                user, masked, number, answer.detail, delay,
            )
            _record(form, "retrying", answer.detail, number)
            return delay
        log.error(
            "aamcare_messaging.gave_up user=%s phone=%s after %d attempts (last: %s);"
            " the next register_all_users_with_twilio run registers this user",
            user, masked, number, answer.detail,
        )
        _record(form, "failed", "gave_up: " + answer.detail, number)
        return None
    if answer.status in DONE:
        log.info("aamcare_messaging.%s user=%s phone=%s", answer.status, user, masked)
    elif answer.status == "failed":
        log.error(
            "aamcare_messaging.failed user=%s phone=%s http=%d detail=%s"
            " (check AAMCARE_MESSAGING_URL, AAMCARE_PORTAL_WEBHOOK_SECRET and the server clock)",
            user, masked, answer.http_status, answer.detail,
        )
    else:
        log.warning("aamcare_messaging.%s user=%s phone=%s detail=%s", answer.status, user, masked, answer.detail)
    _record(form, answer.status, answer.detail, number)
    return None


def _delay(retry_after, number):
    """The service's Retry-After when it gave one, else 5, 10, 20... s; never above AAMCARE_MAX_RETRY_DELAY."""
    base = retry_after if retry_after is not None else 5 * 2 ** (number - 1)
    return float(min(max(base, 0.5), conf.max_retry_delay()))


def _record(form, status, detail, attempts):
    """The registration's state in MessagingRegistration; a database problem is logged, never raised."""
    try:
        from .models import MessagingRegistration

        MessagingRegistration.objects.update_or_create(
            user_id=form["user_id"],
            defaults={
                "phone_masked": mask_phone(form["phone"], conf.default_region()),
                "status": status,
                "detail": (detail or "")[:200],
                "attempts": attempts,
            },
        )
    except Exception:
        log.exception("aamcare_messaging.record_failed user=%s status=%s", form.get("user_id"), status)
