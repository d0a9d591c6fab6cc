from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "staffrota.accounts"
