"""`manage.py demo_data`: build the reference customer's demo data from a seed."""

import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.demo.build import build_demo, delete_demo_data, demo_logins
from staffrota.organisation.models import CareHome


def _whole_number(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a whole number.") from None
    return value


class Command(BaseCommand):
    help = (
        "Build the demo customer: 5 care homes x scale, 42 units, 821 staff, a year of "
        "worked shifts and four weeks of planned rota. Refuses if care homes exist "
        "unless --replace."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=_whole_number, default=42, help="Random seed (42).")
        parser.add_argument(
            "--scale", type=_whole_number, default=1, help="Multiply the homes and staff (1)."
        )
        parser.add_argument(
            "--today",
            default=None,
            help="Pretend today is YYYY-MM-DD (default: the real date in Europe/London).",
        )
        parser.add_argument(
            "--history-days", type=_whole_number, default=365, help="Days of worked shifts (365)."
        )
        parser.add_argument(
            "--future-days", type=_whole_number, default=28, help="Days of planned rota (28)."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete all care homes and demo users first (in the same transaction).",
        )

    def handle(self, *args, **options) -> None:
        scale, history, future = options["scale"], options["history_days"], options["future_days"]
        if scale < 1:
            raise CommandError(f"--scale must be 1 or more, not {scale}.")
        if scale > 100:
            raise CommandError(f"--scale {scale} is too large; 100 is the most supported.")
        if history < 1:
            raise CommandError(f"--history-days must be 1 or more, not {history}.")
        if future < 0:
            raise CommandError(f"--future-days must be 0 or more, not {future}.")
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(
                    f"--today {options['today']!r} is not a date; use YYYY-MM-DD."
                ) from None
        else:
            today = timezone.localdate()

        started = time.perf_counter()
        with transaction.atomic():
            with scopes_disabled():
                homes = CareHome.objects.count()
            if homes and not options["replace"]:
                raise CommandError(
                    f"The database already holds {homes} care home(s). Run with --replace to "
                    "delete them (and the demo users) and build the demo data again."
                )
            if homes:
                try:
                    deleted = delete_demo_data()
                except (ProtectedError, RestrictedError, DatabaseError) as error:
                    # E.g. the append-only audit log still points at the demo homes/users.
                    raise CommandError(
                        "Could not delete the existing data, so nothing was changed: "
                        f"{error}. Start from an empty database instead (delete the SQLite "
                        "file or drop and re-create the PostgreSQL database, then migrate)."
                    ) from error
                self.stdout.write(f"Deleted {deleted} care home(s) and their data.")
            self.stdout.write(
                f"Building demo data: seed {options['seed']}, scale {scale}, today {today}, "
                f"{history} days of history, {future} days ahead..."
            )
            summary = build_demo(
                seed=options["seed"],
                scale=scale,
                today=today,
                history_days=history,
                future_days=future,
                stdout=self.stdout,
            )
        # Wall clock including the commit, which on PostgreSQL at 10x is not negligible.
        elapsed = time.perf_counter() - started
        if connection.vendor == "postgresql":
            # Rows written in bulk leave the planner without statistics until autovacuum
            # gets round to it; the dashboards then chose full scans (bench/compliance).
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data built in {summary.seconds:.1f} s, committed after {elapsed:.1f} s."
            )
        )
        self.stdout.write("Demo logins:")
        for role, username, password in demo_logins():
            self.stdout.write(f"  {role:<20} {username}  {password}")
