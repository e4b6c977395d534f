"""The signup hook: a new row of the user model (post_save, created) is registered after commit."""
from django.db.models.signals import post_save

DISPATCH_UID = "aamcare_messaging.signup"


def on_user_saved(sender, instance, created, raw=False, **kwargs):
    if created and not raw:  # raw: loaddata fixtures are no signups
        from .delivery import schedule_registration

        schedule_registration(instance)


def connect(model):
    post_save.connect(on_user_saved, sender=model, dispatch_uid=DISPATCH_UID)
