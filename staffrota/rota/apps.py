from django.apps import AppConfig


class RotaConfig(AppConfig):
    name = "staffrota.rota"

    def ready(self):
        from staffrota.rota.grid_cache import connect_signals

        connect_signals()
