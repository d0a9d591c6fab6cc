from django.apps import AppConfig


class RotaConfig(AppConfig):
    name = "staffrota.rota"
