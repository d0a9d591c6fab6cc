"""`manage.py forecast_units [--unit ID] [--force]`: retrain forecasts now, in this process."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_scopes import scopes_disabled

from staffrota.forecasting.engine import DEFAULT_ENGINE, ENGINES
from staffrota.forecasting.services import forecast_units
from staffrota.organisation.models import Unit


class Command(BaseCommand):
    help = "Forecast care hours needed per day, 30 days ahead, for every unit (or one)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", type=int, default=None, help="Only this unit id.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Retrain even units whose forecast already covers their latest data.",
        )
        parser.add_argument(
            "--engine", default=DEFAULT_ENGINE, choices=sorted(ENGINES), help="Engine name."
        )

    def handle(self, *args, **options) -> None:
        # A system command: every home, so the scope is lifted explicitly.
        with scopes_disabled():
            unit_ids = None
            if options["unit"] is not None:
                if not Unit.objects.filter(pk=options["unit"]).exists():
                    raise CommandError(f"No unit with id {options['unit']}.")
                unit_ids = [options["unit"]]
            run = forecast_units(
                unit_ids=unit_ids, engine=options["engine"], force=options["force"]
            )
        self.stdout.write(
            f"{len(run.made)} unit(s) forecast, {len(run.skipped)} already current, "
            f"{len(run.fallback)} on the baseline engine, in {run.seconds:.1f} s."
        )
