from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "staffrota.accounts"

    def ready(self):
        from staffrota.accounts.access import connect_signals

        connect_signals()
