from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from staffrota.ops.backup import backup_verify


class Command(BaseCommand):
    help = "Restore a backup into a scratch database and compare row counts per table."

    def add_arguments(self, parser):
        parser.add_argument(
            "folder", type=Path, nargs="?", help="backup folder (default: the newest one)"
        )

    def handle(self, *args, **options):
        folder = options["folder"]
        if folder is None:
            candidates = sorted(p for p in Path(settings.BACKUP_DIR).glob("*/manifest.json"))
            if not candidates:
                raise CommandError(f"No backups in {settings.BACKUP_DIR}.")
            folder = candidates[-1].parent
        report = backup_verify(folder=folder)
        for table, (want, got) in report.mismatches.items():
            self.stderr.write(f"  {table}: {want} rows backed up, {got} restored")
        for problem in report.problems:
            self.stderr.write(f"  {problem}")
        if not report.ok:
            raise CommandError(f"Backup {folder} FAILED verification.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Backup {folder} verified: {report.tables_checked} tables, row counts match."
            )
        )
