"""Login lockout per account and per address, with a clear message and an admin unlock."""

import pytest
from django.test import Client
from django.urls import reverse

from staffrota.accounts.models import Role
from staffrota.testing.factories import PASSWORD, user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 5


def _fail(client, username, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": "wrong"}, REMOTE_ADDR=address
    )


def _login(client, username, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": PASSWORD}, REMOTE_ADDR=address
    )


def test_lockout_account_locks_after_limit_counting_both_cases(client, home_a):
    sap = home_a.staff_user.username
    assert _fail(client, sap.lower()).status_code == 200
    assert _fail(client, sap.upper()).status_code == 200
    locked = _fail(client, sap.lower())
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    # Even the right password is refused now, from another address too.
    response = _login(client, sap, address="10.0.0.99")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_message_says_how_long_and_how_to_get_help(client, home_a):
    for _ in range(3):
        response = _fail(client, home_a.staff_user.username)
    body = response.content.decode()
    assert "Try again in 30 minutes" in body
    assert "ask your manager or a system administrator to unlock" in body
    assert reverse("password_reset") in body


def test_lockout_address_locks_after_failures_across_accounts(client, home_a, home_b):
    names = [home_a.nurse.user.username, home_b.nurse.user.username, "SAP999999"]
    for n in range(5):
        _fail(client, names[n % 3], address="10.0.0.7")
    # Under its own account limit, but the address has used up its allowance.
    assert _login(client, home_a.staff_user.username, address="10.0.0.7").status_code == 429
    other = Client()
    assert _login(other, home_a.staff_user.username, address="10.0.0.8").status_code == 302


def test_lockout_fewer_failures_than_the_limit_still_lets_the_right_password_in(client, home_a):
    _fail(client, home_a.staff_user.username)
    _fail(client, home_a.staff_user.username)
    assert _login(client, home_a.staff_user.username).status_code == 302


def test_lockout_admin_unlock_action_lets_the_person_back_in(client, home_a):
    sap = home_a.staff_user.username
    for _ in range(3):
        _fail(client, sap)
    assert _login(client, sap).status_code == 429
    admin = user(role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)
    admin_client = Client()
    admin_client.force_login(admin)
    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_login", "_selected_action": [home_a.staff_user.pk]},
        follow=True,
    )
    assert f"Unlocked 1 account(s): {sap}" in response.content.decode()
    assert _login(Client(), sap).status_code == 302


def test_lockout_forwarded_address_is_used_only_behind_a_trusted_proxy(client, home_a, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    sap = home_a.nurse.user.username
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": f"{sap}{n}", "password": "wrong"},
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, 203.0.113.{n}",
        )
    # Five different client addresses behind the same proxy: nobody is locked out.
    assert _login(client, home_a.staff_user.username, address="127.0.0.1").status_code == 302
