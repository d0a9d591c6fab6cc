from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "staffrota.security"

    def ready(self) -> None:
        from staffrota.security import (
            csrf_mask,
            signals,  # noqa: F401 (connects the login handlers)
        )

        csrf_mask.install()  # the same tokens, without ~490 Python calls a page
