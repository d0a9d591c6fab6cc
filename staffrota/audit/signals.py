"""Logins, logouts and failed logins go into the audit chain."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from staffrota.audit.services import audit_event, audit_record


def _address(request) -> str:
    from staffrota.security.lockout import client_ip

    return client_ip(request) if request is not None else ""


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.login", target=user, after={"ip": _address(request)})


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None and user.pk:
        audit_record(actor=user, action="auth.logout", target=user, after={"ip": _address(request)})


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    from staffrota.security.lockout import normalise_username

    username = normalise_username(credentials.get("username"))
    account = get_user_model().objects.filter(username__iexact=username).only("pk").first()
    audit_event(
        actor=None,
        action="auth.login_failed",
        object_type="accounts.user",
        object_id=str(account.pk) if account else "",
        after={"username": username[:40], "ip": _address(request)},
    )
