from django.db import models


class MessagingRegistration(models.Model):
    """Where each user's registration with the messaging service stands (the signup hook writes it).

    ``failed`` and ``dropped`` rows are the ones to look at: the next
    ``register_all_users_with_twilio`` run registers those users.
    """

    STATUSES = [
        ("retrying", "retrying (the service answered: later)"),
        ("registered", "registered, welcome sent"),
        ("already_registered", "already registered"),
        ("opted_out", "opted out (said STOP)"),
        ("needs_join", "must join the WhatsApp sandbox first"),
        ("invalid", "number refused (see detail)"),
        ("rejected", "number refused by Twilio"),
        ("conflict", "number belongs to another user"),
        ("failed", "failed (see detail)"),
        ("dropped", "not sent: the queue was full"),
    ]

    user_id = models.CharField(max_length=64, unique=True)
    phone_masked = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=32, choices=STATUSES)
    detail = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "messaging registration"

    def __str__(self):
        return "%s %s: %s" % (self.user_id, self.phone_masked, self.status)
