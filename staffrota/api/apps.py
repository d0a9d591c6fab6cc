from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "staffrota.api"
    verbose_name = "Integration API"

    def ready(self) -> None:
        from staffrota.api import schema  # noqa: F401 (registers the bearer-token scheme)
