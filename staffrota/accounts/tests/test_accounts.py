"""Logging in with a SAP number, the password policy, idle logout, resets, deactivation."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from staffrota.accounts.models import Role
from staffrota.testing.factories import PASSWORD, user

pytestmark = pytest.mark.django_db


def test_login_with_sap_number_in_any_case_goes_to_my_shifts(client, home_a):
    response = client.post(
        reverse("login"),
        {"username": home_a.staff_user.username.lower(), "password": PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(response["Location"], follow=True).request["PATH_INFO"] == reverse(
        "my_shifts"
    )


def test_login_with_wrong_password_says_what_to_check(client, home_a):
    response = client.post(
        reverse("login"), {"username": home_a.staff_user.username, "password": "nope"}
    )
    assert response.status_code == 200
    assert "SAP number and password do not match" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_empty_login_form_names_the_missing_fields(client, db):
    response = client.post(reverse("login"), {"username": "", "password": ""})
    body = response.content.decode()
    assert response.status_code == 200
    assert "SAP number:" in body and "This field is required." in body


def test_deactivated_account_cannot_log_in_but_keeps_history(client, home_a):
    account = home_a.staff_user
    account.is_active = False
    account.save()
    assert not client.login(username=account.username, password=PASSWORD)
    # The staff record and shifts still point at the account: deleting it is refused.
    with pytest.raises(ProtectedError):
        account.delete()


@pytest.mark.parametrize(
    "password, problem",
    [
        ("short1A", "too short"),
        ("alllowercase1", "a capital letter"),
        ("ALLUPPERCASE1", "a small letter"),
        ("NoDigitsHere", "a digit"),
        ("Password1", "too common"),
    ],
)
def test_password_policy_rejects_weak_passwords_with_a_reason(password, problem):
    with pytest.raises(ValidationError) as raised:
        validate_password(password)
    assert problem in " ".join(raised.value.messages)


def test_password_policy_accepts_a_strong_password():
    validate_password("Rowan-Ward-47")


def test_session_ends_after_two_hours_without_activity(client, home_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.login(username=home_a.staff_user.username, password=PASSWORD)
        traveller.shift(timedelta(minutes=110))
        assert client.get(reverse("my_shifts")).status_code == 200  # activity renews
        traveller.shift(timedelta(minutes=110))
        assert client.get(reverse("my_shifts")).status_code == 200
        traveller.shift(timedelta(hours=2, minutes=1))
        response = client.get(reverse("my_shifts"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def _reset_link(body: str) -> str:
    return next(line for line in body.splitlines() if "/accounts/password/reset/" in line)


def test_password_reset_email_link_sets_a_new_password(
    client, home_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": home_a.staff_user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [home_a.staff_user.email]
    link = _reset_link(mail.outbox[0].body)
    path = link.split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    new = {"new_password1": "Birch-Unit-2026", "new_password2": "Birch-Unit-2026"}
    done = client.post(form_page.request["PATH_INFO"], new)
    assert done.status_code == 302
    assert client.login(username=home_a.staff_user.username, password="Birch-Unit-2026")


def test_password_reset_link_expires_after_24_hours(
    client, home_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": home_a.staff_user.email})
    path = _reset_link(mail.outbox[0].body).split("testserver", 1)[1]
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        page = client.get(path, follow=True)
    assert "invalid or has expired" in page.content.decode()


def test_weak_new_password_on_reset_is_refused_with_reason(
    client, home_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("password_reset"), {"email": home_a.staff_user.email})
    path = _reset_link(mail.outbox[0].body).split("testserver", 1)[1]
    form_page = client.get(path, follow=True)
    response = client.post(
        form_page.request["PATH_INFO"],
        {"new_password1": "weakpass", "new_password2": "weakpass"},
    )
    assert response.status_code == 200
    assert "needs a capital letter" in response.content.decode()


def test_admin_can_send_a_reset_link_and_cannot_delete_users(
    client, home_a, django_capture_on_commit_callbacks
):
    admin = user(role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)
    client.login(username=admin.username, password=PASSWORD)
    changelist = reverse("admin:accounts_user_changelist")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            changelist,
            {"action": "send_password_reset", "_selected_action": [home_a.staff_user.pk]},
            follow=True,
        )
    assert response.status_code == 200
    assert [message.to for message in mail.outbox] == [[home_a.staff_user.email]]
    delete_url = reverse("admin:accounts_user_delete", args=[home_a.staff_user.pk])
    assert client.get(delete_url).status_code == 403


def test_admin_site_lists_every_homes_units(client, home_a, home_b):
    admin = user(role=Role.SYSTEM_ADMIN, is_staff=True, is_superuser=True)
    client.login(username=admin.username, password=PASSWORD)
    page = client.get(reverse("admin:organisation_unit_changelist")).content.decode()
    assert home_a.unit.name in page and home_b.unit.name in page
    shift_page = client.get(reverse("admin:rota_shift_change", args=[home_b.shift.pk]))
    assert shift_page.status_code == 200


def test_activity_rewrites_the_session_at_most_once_a_minute(client, home_a):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as traveller:
        client.login(username=home_a.staff_user.username, password=PASSWORD)
        traveller.shift(timedelta(seconds=61))
        renewed = client.get(reverse("my_shifts"))
        traveller.shift(timedelta(seconds=20))
        quiet = client.get(reverse("my_shifts"))
        traveller.shift(timedelta(seconds=41))
        renewed_again = client.get(reverse("my_shifts"))
    # A saved session is sent back as a cookie with its new expiry; an unsaved one is not.
    assert settings.SESSION_COOKIE_NAME in renewed.cookies
    assert settings.SESSION_COOKIE_NAME not in quiet.cookies
    assert settings.SESSION_COOKIE_NAME in renewed_again.cookies
