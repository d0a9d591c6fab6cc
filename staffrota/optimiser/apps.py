from django.apps import AppConfig


class OptimiserConfig(AppConfig):
    name = "staffrota.optimiser"
    verbose_name = "Rota optimiser"
