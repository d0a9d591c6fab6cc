"""Login lockout with django-axes, fitted to SAP-number login.

An account locks after LOGIN_FAILURE_LIMIT failures and an address after the higher
LOGIN_ADDRESS_FAILURE_LIMIT (a care home's staff share one office address, so one person's
typos must not lock out the whole shift). Axes compares the larger of its per-account and
per-address counts with one limit; `failure_limit` picks that limit so both rules hold.
"""

import ipaddress

from axes.backends import AxesStandaloneBackend
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone


class LockoutBackend(AxesStandaloneBackend):
    """Refuses locked-out logins; authentication itself is left to ModelBackend.

    Every web login passes the request. Code that authenticates without one (the test
    client's `login()`, a shell) has no address to lock, so this backend stands aside.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def normalise_username(value: str | None) -> str:
    # SAP numbers are written both as "sap100001" and "SAP100001": one account, one count.
    return (value or "").strip().upper()


def username_from(request, credentials) -> str:
    if credentials and credentials.get("username"):
        return normalise_username(credentials["username"])
    data = getattr(request, "POST", None) or {}
    return normalise_username(data.get("username"))


def client_ip(request) -> str:
    """The caller's address: REMOTE_ADDR, or the one our trusted proxies saw."""
    hops = settings.TRUSTED_PROXY_HOPS
    address = request.META.get("REMOTE_ADDR", "")
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        # Each trusted proxy appends the address it saw; anything further left is the
        # client's own claim and could be forged.
        if len(forwarded) >= hops:
            address = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        # A placeholder address for a request without a usable one, not a bind address.
        return "0.0.0.0"  # noqa: S104  # nosec B104


def account_failures(username: str) -> int:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(
        username=normalise_username(username), attempt_time__gte=since
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


def failure_limit(request, credentials) -> int:
    account_limit = settings.LOGIN_FAILURE_LIMIT
    if account_failures(username_from(request, credentials)) >= account_limit:
        return account_limit
    return max(settings.LOGIN_ADDRESS_FAILURE_LIMIT, account_limit)


def unlock(*, username: str = "", ip_address: str = "") -> int:
    """Clear failed attempts for an account or an address; returns how many were cleared."""
    from axes.utils import reset

    if username:
        return reset(username=normalise_username(username))
    if ip_address:
        return reset(ip=ip_address)
    return 0


def lockout_response(request, original_response=None, credentials=None):
    """The login page's own look, saying what happened and what to do (HTTP 429)."""
    from django.shortcuts import render

    return render(
        request,
        "security/locked_out.html",
        {
            "minutes": settings.LOGIN_LOCKOUT_MINUTES,
            "username": username_from(request, credentials),
        },
        status=429,
    )
