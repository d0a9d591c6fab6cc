from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "staffrota.accounts"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from staffrota.accounts.access import connect_signals
        from staffrota.accounts.middleware import session_renewed_at_login

        connect_signals()
        user_logged_in.connect(session_renewed_at_login, dispatch_uid="session-renewed-login")
