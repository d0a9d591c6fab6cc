"""Django's `flush`, which empties every table, lifting the audit guard while it runs.

SQLite empties tables with DELETE, which the append-only trigger refuses; PostgreSQL uses
TRUNCATE, which row triggers do not see. Emptying the whole database is an operator's
deliberate act (and what the test runner does between transactional tests).
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections

from staffrota.audit.db import append_only_suspended


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with append_only_suspended(connection):
            return super().handle(**options)
