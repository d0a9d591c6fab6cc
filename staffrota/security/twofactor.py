"""Optional TOTP two-factor login (django-otp), mandatory for managers when policy says so.

After the password step, `TwoFactorMiddleware` sends a user who has an authenticator to
the code page, and a manager who must have one but has none to the set-up page; nothing
else answers until that is done. Backup codes (django-otp's static device) stand in for a
lost phone, each once.
"""

import secrets

from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

SESSION_KEY = "security.two_factor"
VERIFY, SETUP, OFF = "verify", "setup", "off"
BACKUP_CODE_COUNT = 10


def has_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def two_factor_state(user) -> str:
    """What the user must do after their password: verify a code, set up an app, or nothing."""
    from staffrota.security.models import SecurityPolicy

    if has_device(user):
        return VERIFY
    if user.is_manager and SecurityPolicy.two_factor_required_for_managers():
        return SETUP
    return OFF


def totp_device_start(*, user) -> TOTPDevice:
    """A fresh, unconfirmed authenticator for the set-up page (replaces an unfinished one)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)


@transaction.atomic
def totp_device_confirm(*, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the app with a code it shows; returns new backup codes, or None if wrong."""
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return backup_codes_replace(user=device.user)


@transaction.atomic
def backup_codes_replace(*, user) -> list[str]:
    """New single-use backup codes; the old ones stop working."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name="Backup codes", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.randbelow(10**8):08d}" for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def token_check(*, user, token: str):
    """The device that accepts this code (app or backup code), or None."""
    cleaned = token.strip().replace(" ", "").replace("-", "")
    if not cleaned:
        return None
    return match_token(user, cleaned)


@transaction.atomic
def two_factor_disable(*, user) -> None:
    for device in devices_for_user(user, confirmed=None):
        device.delete()
