"""`manage.py forecast_export --out FILE.csv`: every unit's daily care hours needed in the
benchmark's long format (`unique_id,ds,y`), for `python -m bench.forecast --data FILE.csv`."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser
from django_scopes import scopes_disabled

from staffrota.organisation.models import DemandRecord


class Command(BaseCommand):
    help = "Export daily care hours needed per unit as unique_id,ds,y for bench/forecast."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="CSV file to write.")

    def handle(self, *args, **options) -> None:
        path = Path(options["out"])
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = 0
        with scopes_disabled(), path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["unique_id", "ds", "y"])
            records = DemandRecord.objects.order_by("unit_id", "date").values_list(
                "unit_id", "date", "care_hours_needed"
            )
            for unit_id, day, hours in records.iterator(chunk_size=5000):
                writer.writerow([f"unit-{unit_id}", day.isoformat(), hours])
                rows += 1
        self.stdout.write(f"Wrote {rows} rows to {path}.")
