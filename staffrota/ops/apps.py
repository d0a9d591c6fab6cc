from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "staffrota.ops"
    verbose_name = "Operations"

    def ready(self) -> None:
        from staffrota.ops import jobs  # noqa: F401 (records failed background jobs)
