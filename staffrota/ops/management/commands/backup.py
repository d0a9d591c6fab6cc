from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from staffrota.ops.backup import BackupError, backup_create, backups_prune


class Command(BaseCommand):
    help = "Back up the database and uploaded files into a new folder under BACKUP_DIR."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="folder to write into (default BACKUP_DIR)")
        parser.add_argument(
            "--no-prune", action="store_true", help="keep backups past the retention period"
        )

    def handle(self, *args, **options):
        try:
            run = backup_create(destination=options["dir"])
        except BackupError as error:
            raise CommandError(f"Backup failed: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(f"Backup written to {run.path} ({run.size_bytes} bytes)")
        )
        if not options["no_prune"]:
            for folder in backups_prune(root=options["dir"]):
                self.stdout.write(f"Removed old backup {folder}")
