from django.apps import AppConfig


class DashboardsConfig(AppConfig):
    name = "staffrota.dashboards"

    def ready(self):
        from staffrota.dashboards import signals  # noqa: F401 (connects the receivers)
