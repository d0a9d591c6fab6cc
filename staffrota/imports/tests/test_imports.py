"""Importing staff and rotas: a preview, an error per bad row, all or nothing."""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_scopes import scopes_disabled
from openpyxl import Workbook

from staffrota.accounts.models import User
from staffrota.imports.reading import ImportFileError, read_table
from staffrota.imports.services import KINDS, import_run
from staffrota.organisation.models import StaffMember
from staffrota.rota.models import Shift
from staffrota.tenancy import home_scope

pytestmark = pytest.mark.django_db

STAFF_HEADER = (
    "sap_number,first_name,last_name,job_role,contract_type,contracted_hours,hourly_rate,"
    "home_unit,started_on,registration_number,registration_expiry\n"
)


def _staff_csv(world, *lines: str) -> bytes:
    return (STAFF_HEADER + "\n".join(lines)).encode()


def _good_person(world, sap="SAP700001") -> str:
    return (
        f"{sap},Morag,Reid,carer,permanent,36,12.60,{world.unit.name},01/02/2025,SSSC123,2030-01-01"
    )


def _run(world, kind, data, filename="f.csv", commit=True):
    rows = read_table(filename=filename, data=data, required=KINDS[kind])
    with home_scope([world.home.pk]):
        return import_run(kind=kind, home=world.home, rows=rows, actor=world.manager, commit=commit)


def test_staff_import_creates_people_with_unusable_passwords(home_a):
    result = _run(home_a, "staff", _staff_csv(home_a, _good_person(home_a)))
    assert result.committed and result.errors == []
    user = User.objects.get(username="SAP700001")
    assert not user.has_usable_password()
    with scopes_disabled():
        member = StaffMember.objects.get(sap_number="SAP700001")
    assert member.home_unit == home_a.unit and str(member.hourly_rate) == "12.60"


def test_staff_import_reports_each_bad_row_and_saves_nothing(home_a):
    data = _staff_csv(
        home_a,
        _good_person(home_a),
        f"SAP700002,Ann,Bell,cook,permanent,36,12.60,{home_a.unit.name},2025-01-01,,",
        "SAP700003,Ian,Kerr,carer,permanent,36,12.60,Nowhere,2025-01-01,,",
        f"SAP700004,Eve,Lamb,carer,permanent,36,12.60,{home_a.unit.name},31-02-2025,,",
        _good_person(home_a, "SAP700001"),
    )
    result = _run(home_a, "staff", data)
    assert not result.committed
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "job_role"),
        (4, "home_unit"),
        (5, "started_on"),
        (6, "sap_number"),
    ]
    assert "31/03/2026" in result.errors[2].message
    assert "twice" in result.errors[3].message
    assert not User.objects.filter(username="SAP700001").exists()


def test_staff_import_refuses_existing_sap_number(home_a):
    data = _staff_csv(home_a, _good_person(home_a, home_a.carer.sap_number))
    result = _run(home_a, "staff", data)
    assert result.errors[0].column == "sap_number"
    assert "already has an account" in result.errors[0].message


def test_staff_import_reads_excel(home_a):
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "SAP Number",
            "First name",
            "Last name",
            "Job role",
            "Contract type",
            "Hourly rate",
            "Home unit",
            "Started on",
        ]
    )
    sheet.append([700009, "Tom", "Hay", "Carer", "bank", 13.1, home_a.unit.name, home_a.shift.date])
    out = io.BytesIO()
    book.save(out)
    result = _run(home_a, "staff", out.getvalue(), filename="staff.xlsx")
    assert result.errors == [] and result.committed
    with scopes_disabled():
        member = StaffMember.objects.get(sap_number="700009")
    assert member.contract_type == "bank" and member.contracted_hours == 0


def _rota_csv(*lines: str) -> bytes:
    return ("date,unit,shift_type,job_role,sap_number,status\n" + "\n".join(lines)).encode()


def test_rota_import_goes_through_rules_and_reports_breach(home_a):
    day = home_a.shift.date + timedelta(days=7)
    unit = home_a.unit.name
    data = _rota_csv(
        f"{day},{unit},E,carer,{home_a.carer.sap_number},published",
        f"{day},{unit},N,carer,{home_a.carer.sap_number},published",  # 6 h rest after the early
        f"{day},{unit},N,rn,,draft",
    )
    result = _run(home_a, "rota", data)
    assert [(e.row, e.column) for e in result.errors] == [(3, "sap_number")]
    assert "rest" in result.errors[0].message
    with scopes_disabled():
        assert not Shift.objects.filter(date=day).exists()


def test_rota_import_commits_when_every_row_is_good(home_a):
    day = home_a.shift.date + timedelta(days=7)
    data = _rota_csv(
        f"{day},{home_a.unit.name},E,carer,{home_a.carer.sap_number},published",
        f"{day:%d/%m/%Y},{home_a.unit.name},N,rn,,",
    )
    result = _run(home_a, "rota", data)
    assert result.committed
    with scopes_disabled():
        shifts = Shift.objects.filter(date=day).order_by("starts_at")
        assert [(s.staff_id, s.status) for s in shifts] == [
            (home_a.carer.pk, "published"),
            (None, "draft"),
        ]


def test_rota_import_of_other_homes_person_is_row_error(home_a, home_b):
    day = home_a.shift.date + timedelta(days=7)
    data = _rota_csv(f"{day},{home_a.unit.name},E,carer,{home_b.carer.sap_number},draft")
    result = _run(home_a, "rota", data)
    assert result.errors[0].column == "sap_number"
    assert "No staff member" in result.errors[0].message


def test_read_table_names_missing_columns():
    with pytest.raises(ImportFileError, match="shift_type"):
        read_table(filename="r.csv", data=b"date,unit,job_role\n", required=KINDS["rota"])
    with pytest.raises(ImportFileError, match=".csv or .xlsx"):
        read_table(filename="r.pdf", data=b"x", required=KINDS["rota"])


def test_import_page_previews_then_confirms(client, home_a):
    client.force_login(home_a.manager)
    upload = SimpleUploadedFile("staff.csv", _staff_csv(home_a, _good_person(home_a)))
    preview = client.post(
        reverse("import_start"), {"kind": "staff", "home": home_a.home.pk, "file": upload}
    )
    assert preview.status_code == 200
    assert "All 1 rows can be imported" in preview.content.decode()
    assert not User.objects.filter(username="SAP700001").exists()
    done = client.post(reverse("import_confirm"), {"ticket": preview.context["ticket"]})
    assert done.status_code == 302
    assert User.objects.filter(username="SAP700001").exists()


def test_import_page_lists_row_errors(client, home_a):
    client.force_login(home_a.manager)
    bad = _staff_csv(home_a, f"SAP7,A,B,carer,permanent,36,abc,{home_a.unit.name},2025-01-01,,")
    page = client.post(
        reverse("import_start"),
        {"kind": "staff", "home": home_a.home.pk, "file": SimpleUploadedFile("s.csv", bad)},
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "hourly_rate" in text and "&#x27;abc&#x27; is not a number" in text


def test_import_page_refuses_other_homes_and_staff(client, home_a, home_b):
    client.force_login(home_b.manager)
    upload = SimpleUploadedFile("staff.csv", _staff_csv(home_a, _good_person(home_a)))
    page = client.post(
        reverse("import_start"), {"kind": "staff", "home": home_a.home.pk, "file": upload}
    )
    assert "Select a valid choice" in page.content.decode()
    client.force_login(home_a.staff_user)
    assert client.get(reverse("import_start")).status_code == 403


def test_import_confirm_with_another_users_ticket_saves_nothing(client, home_a, head_of_service):
    client.force_login(home_a.manager)
    upload = SimpleUploadedFile("staff.csv", _staff_csv(home_a, _good_person(home_a)))
    ticket = client.post(
        reverse("import_start"), {"kind": "staff", "home": home_a.home.pk, "file": upload}
    ).context["ticket"]
    client.force_login(head_of_service)
    client.post(reverse("import_confirm"), {"ticket": ticket})
    assert not User.objects.filter(username="SAP700001").exists()


def test_import_command_checks_then_commits(home_a, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(_staff_csv(home_a, _good_person(home_a)))
    call_command("import_spreadsheet", "staff", str(path), "--home", home_a.home.code)
    assert not User.objects.filter(username="SAP700001").exists()
    call_command("import_spreadsheet", "staff", str(path), "--home", home_a.home.code, "--commit")
    assert User.objects.filter(username="SAP700001").exists()
    with pytest.raises(CommandError, match="nothing was saved"):
        call_command("import_spreadsheet", "staff", str(path), "--home", home_a.home.code)


def test_import_nav_entry_shown_to_managers_only(client, home_a):
    client.force_login(home_a.manager)
    assert reverse("import_start") in client.get(reverse("unit_list")).content.decode()
    client.force_login(home_a.staff_user)
    assert reverse("import_start") not in client.get(reverse("my_shifts")).content.decode()
