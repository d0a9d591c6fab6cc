from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "staffrota.audit"

    def ready(self) -> None:
        from staffrota.audit import signals  # noqa: F401 (logins, logouts, failed logins)

        post_migrate.connect(_guard_after_migrate, sender=self)


def _guard_after_migrate(sender, using, **kwargs):
    # SQLite drops a table's triggers when a migration rebuilds it: put the guard back.
    from django.db import connections

    from staffrota.audit.db import append_only_install

    append_only_install(connections[using])
