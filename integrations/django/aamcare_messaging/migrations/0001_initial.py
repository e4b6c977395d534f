from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = []

    operations = [
        migrations.CreateModel(
            name="MessagingRegistration",
            fields=[
                ("id", models.AutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("user_id", models.CharField(max_length=64, unique=True)),
                ("phone_masked", models.CharField(blank=True, max_length=32)),
                (
                    "status",
                    models.CharField(
                        choices=[
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
                        ],
                        max_length=32,
                    ),
                ),
                ("detail", models.CharField(blank=True, max_length=200)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={"ordering": ["-updated_at"], "verbose_name": "messaging registration"},
        ),
    ]
