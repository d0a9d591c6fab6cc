"""Training: courses, status boundaries, the matrix in scope, own status, CSV import."""

import re
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.compliance.courses import COURSES
from staffrota.compliance.models import TrainingCourse, TrainingRecord
from staffrota.compliance.queries import (
    EXPIRED,
    EXPIRING,
    MISSING,
    VALID,
    training_status,
)
from staffrota.testing import factories as f
from staffrota.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def record(staff, code: str, expires: date, completed: date | None = None):
    course = TrainingCourse.objects.get(code=code)
    with scopes_disabled():
        return TrainingRecord.objects.create(
            care_home_id=staff.care_home_id,
            staff=staff,
            course=course,
            completed_on=completed or expires - timedelta(days=365),
            expires_on=expires,
        )


@pytest.mark.parametrize(
    ("offset", "expected"),
    [(-1, EXPIRED), (0, EXPIRING), (30, EXPIRING), (31, VALID), (None, MISSING)],
)
def test_training_status_boundaries(offset, expected):
    today = date(2026, 3, 2)
    expires = None if offset is None else today + timedelta(days=offset)
    assert training_status(expires, today) == expected


def test_the_18_mandatory_courses_are_seeded_with_validity_and_roles(home_a):
    assert TrainingCourse.objects.count() == 18 == len(COURSES)
    medication = TrainingCourse.objects.get(code="medication")
    assert medication.validity_months == 12
    # Roles made after the seed (here by the fixtures) are linked to their courses.
    assert set(medication.roles.values_list("code", flat=True)) == {"rn"}
    fire = TrainingCourse.objects.get(code="fire-safety")
    assert {"carer", "rn"} <= set(fire.roles.values_list("code", flat=True))


def test_seeding_again_changes_nothing(home_a):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("compliance_courses", stdout=out)
    assert "18 mandatory courses in place (0 new)" in out.getvalue()
    assert TrainingCourse.objects.count() == 18


def test_matrix_shows_each_status_and_only_my_units(client, home_a, home_b, today):
    record(home_a.carer, "fire-safety", today + timedelta(days=100))
    record(home_a.carer, "first-aid", today + timedelta(days=10))
    record(home_a.carer, "moving-handling", today - timedelta(days=1))
    client.login(username=home_a.manager.username, password=PASSWORD)
    page = client.get(reverse("compliance:training_matrix")).content.decode()
    assert home_a.carer.full_name in page
    assert home_b.carer.full_name not in page
    assert "Fire safety: valid" in page
    assert "First aid: expiring" in page
    assert "Moving and handling: expired" in page
    assert "Dementia: missing" in page


def test_matrix_filter_by_unit_and_bad_values_do_not_fail(client, home_a):
    colleague = f.staff_member(home_a.other_unit, first_name="Other", last_name="Unitperson")
    manager = f.service_manager(home_a.home)
    client.login(username=manager.username, password=PASSWORD)
    page = client.get(reverse("compliance:training_matrix"), {"unit": home_a.unit.pk})
    assert colleague.full_name not in page.content.decode()
    assert home_a.carer.full_name in page.content.decode()
    bad = client.get(reverse("compliance:training_matrix"), {"unit": "x", "home": "999999"})
    assert bad.status_code == 200
    assert "Choose a home and a unit from the lists" in bad.content.decode()


def test_staff_cannot_open_the_matrix_but_see_their_own_status(client, home_a, today):
    record(home_a.carer, "fire-safety", today + timedelta(days=5))
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    assert client.get(reverse("compliance:training_matrix")).status_code == 403
    page = client.get(reverse("compliance:my")).content.decode()
    assert "Fire safety" in page and "book a refresher" in page
    assert "Medication" not in page  # not a carer's course


def _matrix_queries(client, unit) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("compliance:training_matrix")).status_code == 200
    return len(queries)


def test_matrix_query_count_does_not_grow_with_staff(client, home_a, today):
    client.login(username=home_a.manager.username, password=PASSWORD)
    record(home_a.carer, "fire-safety", today + timedelta(days=50))
    one = _matrix_queries(client, home_a.unit)
    for n in range(2):
        person = f.staff_member(home_a.unit, first_name=f"Extra{n}")
        record(person, "fire-safety", today + timedelta(days=50))
    three = _matrix_queries(client, home_a.unit)
    assert one == three


def _records(world) -> int:
    with scopes_disabled():
        return TrainingRecord.objects.filter(care_home=world.home).count()


def _upload(client, text: str):
    return client.post(
        reverse("compliance:training_import"),
        {"file": SimpleUploadedFile("records.csv", text.encode(), content_type="text/csv")},
    )


def test_import_previews_errors_per_row_and_imports_nothing(client, home_a, home_b):
    client.login(username=home_a.manager.username, password=PASSWORD)
    csv_text = (
        "sap_number,course,completed_on,expires_on\n"
        f"{home_a.carer.sap_number},fire-safety,2026-01-10,\n"
        f"{home_b.carer.sap_number},Fire safety,2026-01-10,\n"
        f"{home_a.nurse.sap_number},juggling,10/01/2026,\n"
        f"{home_a.nurse.sap_number},medication,31/02/2026,\n"
    )
    page = _upload(client, csv_text).content.decode()
    assert f"No one with SAP number {home_b.carer.sap_number} works in your units." in page
    assert "Unknown course “juggling”" in page
    assert "is not a date" in page
    assert "3 of 4 rows have problems. Nothing has been imported" in page
    assert _records(home_a) == 0
    # A forged confirmation after a bad preview imports nothing either.
    client.post(reverse("compliance:training_import"), {"confirm": "1"}, follow=True)
    assert _records(home_a) == 0


def test_import_saves_every_row_after_a_clean_preview(client, home_a, today):
    client.login(username=home_a.manager.username, password=PASSWORD)
    done = today - timedelta(days=20)
    csv_text = (
        "sap_number,course,completed_on\n"
        f"{home_a.carer.sap_number.lower()},fire-safety,{done:%Y-%m-%d}\n"
        f"{home_a.nurse.sap_number},Medication,{done:%d/%m/%Y}\n"
    )
    page = _upload(client, csv_text).content.decode()
    assert "All 2 rows can be imported." in page
    assert _records(home_a) == 0
    response = client.post(reverse("compliance:training_import"), {"confirm": "1"}, follow=True)
    assert "Imported 2 training records." in response.content.decode()
    with scopes_disabled():
        saved = list(TrainingRecord.objects.filter(care_home=home_a.home).order_by("pk"))
    assert [r.expires_on for r in saved] == [done.replace(year=done.year + 1)] * 2
    # The same file again is refused row by row: the records are already on file.
    assert "This record is already on file." in _upload(client, csv_text).content.decode()


def test_import_rejects_a_file_without_the_columns(client, home_a):
    client.login(username=home_a.manager.username, password=PASSWORD)
    page = _upload(client, "name,when\nx,y\n").content.decode()
    assert "The first line must name the columns" in page


def test_record_training_form_validates_dates(client, home_a, today):
    client.login(username=home_a.manager.username, password=PASSWORD)
    course = TrainingCourse.objects.get(code="fire-safety")
    url = reverse("compliance:training_add")
    future = client.post(
        url,
        {
            "staff": home_a.carer.pk,
            "course": course.pk,
            "completed_on": f"{today + timedelta(days=3)}",
        },
    )
    assert "The completion date is in the future" in future.content.decode()
    ok = client.post(
        url, {"staff": home_a.carer.pk, "course": course.pk, "completed_on": f"{today}"}
    )
    assert ok.status_code == 302


def test_matrix_shows_a_page_of_people_with_totals_for_all(client, home_a, monkeypatch):
    from staffrota.compliance import views

    monkeypatch.setattr(views, "MATRIX_PAGE_SIZE", 1)
    client.login(username=home_a.manager.username, password=PASSWORD)
    url = reverse("compliance:training_matrix")
    first = client.get(url, {"unit": home_a.unit.pk}).content.decode()
    second = client.get(url, {"unit": home_a.unit.pk, "page": 2}).content.decode()
    names = {home_a.carer.full_name, home_a.nurse.full_name}
    assert len({n for n in names if n in first}) == 1
    assert len({n for n in names if n in second}) == 1 and first != second
    assert "People 1–1 of 2" in first and f"unit={home_a.unit.pk}&amp;page=2" in first
    # The totals line counts both people's courses on every page.
    totals = re.search(r"of (\d+) required courses", first).group(1)
    assert totals == re.search(r"of (\d+) required courses", second).group(1)
    assert int(totals) > 18  # more than one person's courses
    assert client.get(url, {"page": "x"}).status_code == 200
