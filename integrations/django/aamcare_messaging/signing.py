"""The request signature the messaging service checks on POST /register and /consent.

Twilio's published algorithm (HMAC-SHA1 over the URL followed by every POST field, sorted
by name, as ``name + value``; base64), computed by the twilio helper library exactly as
the service's ``twilio.validateRequest`` recomputes it, keyed with PORTAL_WEBHOOK_SECRET.

The URL to sign is the service's public base URL (its PUBLIC_BASE_URL) + the path, and
nothing else: the mistakes and what each one answers are in docs/portal-integration.md.
"""
import time

from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Portal-Signature"


def endpoint(base_url, path):
    """``https://svc.twil.io`` + ``/register``: one slash between, no query string, no trailing slash."""
    base = base_url.strip()
    if "?" in base or "#" in base:
        raise ValueError("AAMCARE_MESSAGING_URL must be the service's base URL, without a query string")
    return base.rstrip("/") + "/" + path.strip("/")


def sign(url, params, secret):
    """The X-Portal-Signature value for a form POST of ``params`` (str -> str) to ``url``."""
    if not secret:
        raise ValueError("the portal webhook secret is empty")
    return RequestValidator(secret).compute_signature(url, {k: str(v) for k, v in params.items()})


def signed_form(url, fields, secret, now=None):
    """``fields`` with a fresh ``timestamp`` (the service accepts 5 minutes of skew), and the headers to send."""
    params = {k: str(v) for k, v in fields.items() if v is not None}
    params["timestamp"] = str(int(now if now is not None else time.time()))
    return params, {SIGNATURE_HEADER: sign(url, params, secret)}
