from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from staffrota.ops.backup import BackupError, backup_restore


class Command(BaseCommand):
    help = "Replace the database (and uploaded files) with a backup folder. Stop the app first."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        parser.add_argument("--no-media", action="store_true", help="leave uploaded files alone")

    def handle(self, *args, **options):
        folder = options["folder"]
        if not options["yes"]:
            answer = input(f"Replace ALL current data with the backup in {folder}? Type yes: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            manifest = backup_restore(folder=folder, media=not options["no_media"])
        except BackupError as error:
            raise CommandError(f"Restore failed: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored the backup taken at {manifest['created_at']} "
                f"({len(manifest['tables'])} tables). Run `manage.py migrate` if the code is newer."
            )
        )
