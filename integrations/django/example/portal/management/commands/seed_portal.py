"""python manage.py seed_portal --users 2000 [--truth truth.json] [--api-token KEY]

Adds generated users (portal/seeding.py) with bulk_create: like a data import, that sends no
post_save signal, so nobody is registered until the batch runs. --truth writes what the
messaging service must answer for each; --api-token gives the staff user "aamcare-batch"
that DRF token (for /api/users/)."""
import json

from django.core.management.base import BaseCommand
from rest_framework.authtoken.models import Token

from portal.models import User
from portal.seeding import generate


class Command(BaseCommand):
    help = "Seed the example portal with generated users (no signals)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=2000)
        parser.add_argument("--truth", help="write the expected outcomes to this JSON file")
        parser.add_argument("--api-token", help="DRF token of the staff user aamcare-batch")

    def handle(self, *args, **options):
        generated = generate(options["users"])
        User.objects.bulk_create([User(password="!", **fields) for fields, _ in generated], batch_size=500)
        truth = [t for _, t in generated]
        if options["api_token"]:
            service, _ = User.objects.get_or_create(username="aamcare-batch", defaults={"is_staff": True, "password": "!"})
            Token.objects.update_or_create(user=service, defaults={"key": options["api_token"]})
            # A staff user is a user too: the portal's own API lists it, with no phone.
            truth.append({"username": "aamcare-batch", "category": "blank", "outcome": "invalid", "dryRunOutcome": "invalid", "e164": None, "language": "en", "name": None, "welcomeName": None})
        if options["truth"]:
            ids = dict(User.objects.values_list("username", "id"))
            with open(options["truth"], "w", encoding="utf-8") as f:
                json.dump([dict(t, id=str(ids[t["username"]])) for t in truth], f, ensure_ascii=False)
        self.stdout.write("seeded %d users" % len(generated))
