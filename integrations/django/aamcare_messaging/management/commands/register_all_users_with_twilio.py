"""python manage.py register_all_users_with_twilio [--dry-run] [--resume [RUN_ID]] [--report FILE]

Registers every existing portal user with the Aamcare messaging service: the service pages
through the users endpoint (its PORTAL_API_URL) and registers each user as a signup would,
in time-boxed slices this command drives to the end (batch.py). A dry run sends and stores
nothing. Needs AAMCARE_MESSAGING_URL and the service's ADMIN_TOKEN (AAMCARE_ADMIN_TOKEN, or
the ADMIN_TOKEN environment variable).
"""
import sys

from django.core.management.base import BaseCommand, CommandError

from ... import conf
from ...batch import DONE, BatchDriver


class Command(BaseCommand):
    help = "Register every existing portal user with the Aamcare messaging service (--dry-run first)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="report what would happen; send and store nothing")
        parser.add_argument(
            "--resume",
            nargs="?",
            const="",
            metavar="RUN_ID",
            help="continue a run saved in the state directory; without RUN_ID: the unfinished one",
        )
        parser.add_argument("--report", metavar="FILE", help="write every user's outcome to FILE (.csv or .json)")
        parser.add_argument("--page-size", type=int, metavar="N", help="portal users per page (1-500, default 100)")
        parser.add_argument("--budget-ms", type=int, metavar="N", help="time box of one slice (500-8000 ms)")
        parser.add_argument("--max-slices", type=int, metavar="N", help="stop after N slices (resumable; exit 3)")
        parser.add_argument("--state-dir", default=".batch-runs", help="where progress is saved (default .batch-runs)")
        parser.add_argument("--url", help="the service's base URL (default AAMCARE_MESSAGING_URL)")

    def handle(self, *args, **options):
        report = options["report"]
        if report and not report.lower().endswith((".csv", ".json")):
            raise CommandError("--report must end in .csv or .json")
        token = conf.admin_token()
        if not token:
            raise CommandError("the service's admin token is needed: set AAMCARE_ADMIN_TOKEN or the ADMIN_TOKEN variable")
        driver = BatchDriver(
            options["url"] or conf.messaging_url(),
            token,
            state_dir=options["state_dir"],
            note=lambda line: (self.stdout.write(line), self.stdout.flush()),
        )
        status = driver.run(
            dry_run=options["dry_run"],
            resume=options["resume"],
            report=report,
            page_size=options["page_size"],
            budget_ms=options["budget_ms"],
            max_slices=options["max_slices"],
        )
        if status != DONE:
            sys.exit(status)
