"""Import staff or a rota from a CSV or Excel file, as the import page does.

manage.py import_spreadsheet staff people.xlsx --home ashgrove            # check only
manage.py import_spreadsheet rota rota.csv --home ashgrove --commit --as sap900001
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django_scopes import scopes_disabled

from staffrota.accounts.models import User
from staffrota.imports.reading import ImportFileError, read_table
from staffrota.imports.services import KINDS, import_run
from staffrota.organisation.models import CareHome
from staffrota.tenancy import home_scope


class Command(BaseCommand):
    help = "Check, and with --commit save, a staff or rota spreadsheet for one home."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("path", type=Path)
        parser.add_argument("--home", required=True, help="The care home's code.")
        parser.add_argument("--commit", action="store_true", help="Save if every row is good.")
        parser.add_argument("--as", dest="actor", help="Username recorded in the audit log.")

    def handle(self, *args, kind, path, home, commit, actor, **options):
        with scopes_disabled():
            care_home = CareHome.objects.filter(code=home).first()
        if care_home is None:
            raise CommandError(f"No care home with code {home!r}.")
        user = User.objects.filter(username__iexact=actor).first() if actor else None
        if actor and user is None:
            raise CommandError(f"No user {actor!r}.")
        if not path.exists():
            raise CommandError(f"No file {path}.")
        try:
            rows = read_table(filename=path.name, data=path.read_bytes(), required=KINDS[kind])
        except ImportFileError as error:
            raise CommandError(str(error)) from error
        with home_scope([care_home.pk]):
            result = import_run(kind=kind, home=care_home, rows=rows, actor=user, commit=commit)
        for error in result.errors:
            self.stderr.write(f"row {error.row}, {error.column}: {error.message}")
        if not result.ok:
            raise CommandError(f"{len(result.errors)} problem(s); nothing was saved.")
        verb = "Imported" if result.committed else "All good; --commit to import"
        self.stdout.write(f"{verb} {result.rows} {kind} rows into {care_home.name}.")
