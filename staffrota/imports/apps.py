from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "staffrota.imports"
    verbose_name = "Spreadsheet import"
