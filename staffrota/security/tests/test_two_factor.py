"""Optional TOTP two-factor login with backup codes, mandatory for managers on request."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from staffrota.audit.models import AuditEntry
from staffrota.security.models import SecurityPolicy
from staffrota.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def _password_login(client, account):
    response = client.post(reverse("login"), {"username": account.username, "password": PASSWORD})
    assert response.status_code == 302
    return response


def _set_up(client, account) -> list[str]:
    page = client.get(reverse("two_factor_setup"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=account, confirmed=False)
    response = client.post(
        reverse("two_factor_setup"), {"device": device.pk, "token": _code(device)}
    )
    assert response["Location"] == reverse("two_factor_backup_codes")
    return client.get(response["Location"]).context["codes"]


def test_two_factor_setup_shows_a_qr_code_for_google_authenticator(client, home_a):
    _password_login(client, home_a.staff_user)
    body = client.get(reverse("two_factor_setup")).content.decode()
    device = TOTPDevice.objects.get(user=home_a.staff_user)
    assert "<svg" in body
    assert "otpauth://totp/" in device.config_url and "issuer=Staff%20Rota" in device.config_url
    assert device.confirmed is False


def test_two_factor_wrong_code_does_not_confirm_the_app(client, home_a):
    _password_login(client, home_a.staff_user)
    client.get(reverse("two_factor_setup"))
    device = TOTPDevice.objects.get(user=home_a.staff_user)
    wrong = f"{(int(_code(device)) + 1) % 1000000:06d}"
    response = client.post(reverse("two_factor_setup"), {"device": device.pk, "token": wrong})
    assert response.status_code == 200
    assert "did not match" in response.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False


def test_two_factor_next_login_asks_for_a_code_before_anything_else(client, home_a):
    account = home_a.staff_user
    _password_login(client, account)
    codes = _set_up(client, account)
    assert len(codes) == 10
    fresh = Client()
    _password_login(fresh, account)
    held = fresh.get(reverse("my_shifts"))
    assert held.status_code == 302 and held["Location"].startswith(reverse("two_factor_verify"))
    device = TOTPDevice.objects.get(user=account, confirmed=True)
    device.refresh_from_db()
    device.last_t = -1  # the set-up already used this time step's code
    device.save()
    response = fresh.post(
        reverse("two_factor_verify"), {"token": _code(device), "next": reverse("my_shifts")}
    )
    assert response["Location"] == reverse("my_shifts")
    assert fresh.get(reverse("my_shifts")).status_code == 200


def test_two_factor_backup_code_works_once(client, home_a):
    account = home_a.staff_user
    _password_login(client, account)
    code = _set_up(client, account)[0]
    first = Client()
    _password_login(first, account)
    assert first.post(reverse("two_factor_verify"), {"token": code})["Location"] == "/"
    second = Client()
    _password_login(second, account)
    again = second.post(reverse("two_factor_verify"), {"token": code})
    assert again.status_code == 200
    assert "did not match" in again.content.decode()
    assert StaticToken.objects.filter(device__user=account).count() == 9


def test_two_factor_is_optional_for_staff_and_managers_by_default(client, home_a):
    _password_login(client, home_a.manager)
    assert client.get(reverse("unit_list")).status_code == 200


def test_two_factor_mandatory_policy_sends_managers_to_setup(client, home_a):
    SecurityPolicy(require_two_factor_for_managers=True).save()
    _password_login(client, home_a.manager)
    held = client.get(reverse("unit_list"))
    assert held["Location"].startswith(reverse("two_factor_setup"))
    _set_up(client, home_a.manager)
    assert client.get(reverse("unit_list")).status_code == 200
    # Staff are not held by the managers' rule.
    staff = Client()
    _password_login(staff, home_a.staff_user)
    assert staff.get(reverse("my_shifts")).status_code == 200


def test_two_factor_mandatory_setting_forbids_managers_to_turn_it_off(client, home_a, settings):
    settings.TWO_FACTOR_REQUIRED_FOR_MANAGERS = True
    _password_login(client, home_a.manager)
    _set_up(client, home_a.manager)
    assert client.post(reverse("two_factor_disable")).status_code == 403
    assert TOTPDevice.objects.filter(user=home_a.manager).exists()


def test_two_factor_staff_can_turn_it_off_and_it_is_audited(client, home_a):
    _password_login(client, home_a.staff_user)
    _set_up(client, home_a.staff_user)
    response = client.post(reverse("two_factor_disable"))
    assert response["Location"] == reverse("security_overview")
    assert not TOTPDevice.objects.filter(user=home_a.staff_user).exists()
    actions = set(
        AuditEntry.all_homes.filter(object_id=str(home_a.staff_user.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"auth.two_factor_enabled", "auth.two_factor_disabled"} <= actions


def test_two_factor_code_page_refuses_an_offsite_next(client, home_a):
    _password_login(client, home_a.staff_user)
    _set_up(client, home_a.staff_user)
    code = client.get(reverse("two_factor_backup_codes"))  # codes already shown once
    assert code.context["codes"] is None
    fresh = Client()
    _password_login(fresh, home_a.staff_user)
    token = StaticToken.objects.filter(device__user=home_a.staff_user).first().token
    response = fresh.post(
        reverse("two_factor_verify"), {"token": token, "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
