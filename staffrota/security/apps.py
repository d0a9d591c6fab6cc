from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "staffrota.security"

    def ready(self) -> None:
        from staffrota.security import signals  # noqa: F401 (connects the login handlers)
