"""Aamcare messaging for a Django portal: a drop-in app.

Add ``"aamcare_messaging"`` to ``INSTALLED_APPS`` and the three settings its README names:
every new user's phone is then registered with the Aamcare messaging service after the
signup's transaction commits, in the background (the signup never waits for it and never
fails because of it). The app also serves the portal's users to the service's batch
(``aamcare_messaging.urls``) and brings the seed's admin command,
``python manage.py register_all_users_with_twilio [--dry-run]``.
"""

default_app_config = "aamcare_messaging.apps.AamcareMessagingConfig"


def register_user(user, *, resubscribe=False):
    """Queue the registration of ``user`` after the current transaction commits (never raises).

    The signup hook calls it for every new user; call it yourself for users created
    another way (``bulk_create`` and raw SQL send no signal) or, with ``resubscribe=True``,
    when a user who said STOP gives fresh consent on the portal.
    """
    from .delivery import schedule_registration

    schedule_registration(user, resubscribe=resubscribe)
