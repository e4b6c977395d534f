"""The Celery task, for portals that run Celery (conf.use_celery): one attempt per run, retried
by Celery after the service's Retry-After. Importable without Celery (the task is then None)."""
try:
    from celery import shared_task
except ImportError:  # no Celery: delivery.py uses the background worker
    shared_task = None

from .delivery import run_attempt

if shared_task is not None:

    @shared_task(bind=True, name="aamcare_messaging.register", max_retries=None, acks_late=True)
    def register_task(self, form, attempt=1):
        delay = run_attempt(form, attempt)
        if delay is not None:
            raise self.retry(countdown=delay, kwargs={"form": form, "attempt": attempt + 1})

else:
    register_task = None
