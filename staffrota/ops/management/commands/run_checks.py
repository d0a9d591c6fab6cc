from django.core.management.base import BaseCommand

from staffrota.ops.alerts import checks_run


class Command(BaseCommand):
    help = "Run the monitoring checks once (the beat runs them every 15 minutes)."

    def handle(self, *args, **options):
        for name, outcome in checks_run().items():
            self.stdout.write(f"{name}: {outcome}")
