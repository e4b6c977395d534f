from django.apps import AppConfig


class AamcareMessagingConfig(AppConfig):
    name = "aamcare_messaging"
    verbose_name = "Aamcare messaging"
    default_auto_field = "django.db.models.AutoField"

    def ready(self):
        from . import conf, signals

        if conf.signup_hook():
            signals.connect(conf.user_model())
