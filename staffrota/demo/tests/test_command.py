"""`manage.py demo_data`: refuses to build over existing homes and explains bad input."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from staffrota.organisation.models import CareHome, StaffMember

SHORT = ["--today", "2026-03-02", "--history-days", "2", "--future-days", "2"]


@pytest.mark.django_db
def test_demo_data_command_refuses_to_run_twice_without_replace():
    out = StringIO()
    call_command("demo_data", *SHORT, stdout=out)
    assert "Demo data built" in out.getvalue()
    assert "SAP100001" in out.getvalue()

    with pytest.raises(CommandError, match="--replace"):
        call_command("demo_data", *SHORT, stdout=StringIO())

    call_command("demo_data", *SHORT, "--replace", stdout=StringIO())
    with scopes_disabled():
        assert CareHome.objects.count() == 5
        assert StaffMember.objects.count() == 821


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--scale", "0"], "--scale must be 1 or more"),
        (["--scale", "-3"], "--scale must be 1 or more"),
        (["--scale", "two"], "is not a whole number"),
        (["--today", "2026-02-30"], "is not a date"),
        (["--history-days", "0"], "--history-days must be 1 or more"),
    ],
)
def test_demo_data_command_explains_bad_arguments(args, message):
    with pytest.raises(CommandError, match=message):
        call_command("demo_data", *args, stdout=StringIO())
    with scopes_disabled():
        assert not CareHome.objects.exists()
