from django.apps import AppConfig


class ComplianceConfig(AppConfig):
    name = "staffrota.compliance"

    def ready(self):
        from staffrota.compliance import signals  # noqa: F401 (connects the receivers)
