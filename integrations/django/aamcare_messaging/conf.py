"""The app's settings, with their defaults. Three are needed (README): AAMCARE_MESSAGING_URL,
AAMCARE_PORTAL_WEBHOOK_SECRET and, unless the defaults fit, AAMCARE_USER_FIELDS."""
import os

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

#: Where each registration field is read on a user: an attribute, a dotted path
#: ("profile.phone"), or a method called without arguments ("get_full_name"). None: not sent.
DEFAULT_USER_FIELDS = {
    "id": "pk",
    "phone": "phone",
    "name": "get_full_name",
    "language": None,
    "channel": None,
    "timezone": None,
}


def _get(name, default=None):
    return getattr(settings, name, default)


def messaging_url():
    """The service's base URL, e.g. https://aamcare-1234.twil.io (its PUBLIC_BASE_URL)."""
    url = _get("AAMCARE_MESSAGING_URL")
    if not url:
        raise ImproperlyConfigured("AAMCARE_MESSAGING_URL is not set (the messaging service's base URL)")
    return url


def webhook_secret():
    """PORTAL_WEBHOOK_SECRET of the service: signs /register calls."""
    secret = _get("AAMCARE_PORTAL_WEBHOOK_SECRET")
    if not secret:
        raise ImproperlyConfigured("AAMCARE_PORTAL_WEBHOOK_SECRET is not set (the service's PORTAL_WEBHOOK_SECRET)")
    return secret


def admin_token():
    """The service's ADMIN_TOKEN, for register_all_users_with_twilio: the setting, else the ADMIN_TOKEN variable."""
    return _get("AAMCARE_ADMIN_TOKEN") or os.environ.get("ADMIN_TOKEN") or ""


def user_fields():
    fields = dict(DEFAULT_USER_FIELDS)
    fields.update(_get("AAMCARE_USER_FIELDS", {}) or {})
    unknown = set(fields) - set(DEFAULT_USER_FIELDS)
    if unknown:
        raise ImproperlyConfigured(
            "AAMCARE_USER_FIELDS has unknown keys %s (known: %s)" % (sorted(unknown), sorted(DEFAULT_USER_FIELDS))
        )
    return fields


def user_model():
    """The model whose rows are the portal's users (AAMCARE_USER_MODEL, default AUTH_USER_MODEL)."""
    return apps.get_model(_get("AAMCARE_USER_MODEL") or settings.AUTH_USER_MODEL)


def signup_hook():
    """Register every new user of user_model() on post_save (default True)."""
    return bool(_get("AAMCARE_SIGNUP_HOOK", True))


def queue_size():
    """Most registrations waiting in the background worker; past it new ones are dropped (logged, recorded)."""
    return int(_get("AAMCARE_QUEUE_SIZE", 1000))


def worker_threads():
    return max(1, int(_get("AAMCARE_WORKER_THREADS", 2)))


def max_attempts():
    """Attempts per registration while the service answers "later" (202, 429, 5xx) or is unreachable."""
    return max(1, int(_get("AAMCARE_MAX_ATTEMPTS", 8)))


def max_retry_delay():
    """Longest wait between two attempts, seconds (a Retry-After above it is cut to it)."""
    return max(1, int(_get("AAMCARE_MAX_RETRY_DELAY", 300)))


def timeout():
    """Seconds one call to the service may take (a Function answers within 10 s)."""
    return float(_get("AAMCARE_TIMEOUT", 15))


def use_celery():
    """AAMCARE_USE_CELERY True/False; unset: Celery when it is installed and CELERY_BROKER_URL is set."""
    configured = _get("AAMCARE_USE_CELERY")
    if configured is not None:
        return bool(configured)
    if not _get("CELERY_BROKER_URL"):
        return False
    try:
        import celery  # noqa: F401
    except ImportError:
        return False
    return True


def api_token():
    """AAMCARE_PORTAL_API_TOKEN: the token the batch sends to the users endpoint (the service's PORTAL_API_TOKEN)."""
    return _get("AAMCARE_PORTAL_API_TOKEN") or ""


def default_region():
    """Country of numbers written without a country code, for masking them in logs (the service's DEFAULT_COUNTRY)."""
    return _get("AAMCARE_DEFAULT_COUNTRY", "NP")
