"""One signed POST /register and what its answer means (the service's README has the table).

Only ``attempt`` does I/O; ``interpret`` is the decision, so it is tested on its own."""
from dataclasses import dataclass
from typing import Optional

import requests

from . import conf
from .signing import endpoint, signed_form


#: Final states of a registration (stored in MessagingRegistration.status).
DONE = ("registered", "already_registered", "opted_out", "needs_join")
REFUSED = ("invalid", "rejected", "conflict")


@dataclass
class Answer:
    """What one attempt ended in: ``status`` is a DONE or REFUSED state, "retry" or "failed"."""

    status: str
    detail: str = ""
    retry_after: Optional[float] = None
    http_status: int = 0


def _retry_after(headers):
    try:
        value = float(headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def interpret(http_status, body, headers):
    """The service's answer -> Answer. Never raises."""
    body = body if isinstance(body, dict) else {}
    error = body.get("error") if isinstance(body.get("error"), dict) else {}
    code = str(error.get("code") or "")
    if http_status in (200, 201):
        status = str(body.get("status") or "registered")
        return Answer(status if status in DONE else "registered", status, http_status=http_status)
    if http_status in (202, 429) or http_status >= 500:
        # Temporary: Twilio failing, another call sending the welcome, the welcome rate or a cooldown.
        return Answer("retry", code or "http_%d" % http_status, _retry_after(headers), http_status)
    if http_status == 400:
        return Answer("invalid", code or "bad_request", http_status=http_status)
    if http_status == 422:
        return Answer("rejected", code or "rejected", http_status=http_status)
    if http_status == 409:
        return Answer("conflict", code or "number_taken", http_status=http_status)
    if http_status == 401:
        # Our configuration, not the user: the secret, the URL signed, or the clock. The
        # service's message names the URL it checks.
        message = str(error.get("message") or "")
        return Answer("failed", "%s: %s" % (code or "unauthorized", message)[:200], http_status=http_status)
    if http_status == 404:
        return Answer("failed", "not_found: no /register at AAMCARE_MESSAGING_URL", http_status=http_status)
    return Answer("failed", "http_%d" % http_status, http_status=http_status)


def attempt(form, session=None):
    """POST ``form`` to /register, signed now; network failures answer "retry"."""
    url = endpoint(conf.messaging_url(), "register")
    params, headers = signed_form(url, form, conf.webhook_secret())
    try:
        response = (session or requests).post(url, data=params, headers=headers, timeout=conf.timeout())
    except requests.RequestException as error:
        return Answer("retry", "network: %s" % type(error).__name__)
    try:
        body = response.json()
    except ValueError:
        body = None
    return interpret(response.status_code, body, response.headers)
