"""What the app reads on a user, through AAMCARE_USER_FIELDS: the fields of a /register call and
of a row of the users endpoint, in the service's canonical names."""

from django.core.exceptions import ObjectDoesNotExist

from . import conf
from .values import channel_of, clean_phone, language_of


try:
    from zoneinfo import ZoneInfo
except ImportError:  # Python < 3.9
    ZoneInfo = None


def read(obj, path):
    """The value at ``path`` (``"phone"``, ``"profile.phone"``, ``"get_full_name"``); None when any step is missing."""
    if not path:
        return None
    value = obj
    for part in path.split("."):
        if value is None:
            return None
        try:
            value = getattr(value, part)
        except (AttributeError, ObjectDoesNotExist):  # no such field, or no related row (user.profile)
            return None
        if callable(value):
            value = value()
    return value


def _text(value, limit):
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:limit] or None


def _time_zone(value):
    if not value:
        return None
    text = str(value).strip()
    if ZoneInfo is None:
        return text
    try:
        ZoneInfo(text)
    except Exception:
        return None
    return text


def user_row(user):
    """The user as the service's batch reads it: id, phone, name, language (en|ne), channel, timezone."""
    fields = conf.user_fields()
    raw_language = read(user, fields["language"])
    raw_channel = read(user, fields["channel"])
    return {
        "id": str(read(user, fields["id"])),
        "phone": clean_phone(read(user, fields["phone"])),
        "name": _text(read(user, fields["name"]), 100),
        "language": language_of(raw_language) if raw_language is not None else None,
        "channel": channel_of(raw_channel) if raw_channel is not None else None,
        "timezone": _time_zone(read(user, fields["timezone"])),
    }


def registration_fields(user, resubscribe=False):
    """The form of a POST /register for ``user`` (without timestamp), or None when it has no phone."""
    row = user_row(user)
    if not row["phone"]:
        return None
    form = {"user_id": row["id"], "phone": row["phone"]}
    for key in ("name", "language", "channel", "timezone"):
        if row[key]:
            form[key] = row[key]
    if resubscribe:
        form["resubscribe"] = "true"
    return form
