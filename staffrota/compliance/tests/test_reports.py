"""Reports: monthly compliance (PDF, Excel, e-mailed once), weekly staffing, evidence pack."""

import io
from datetime import date, timedelta

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from staffrota.compliance.tasks import (
    is_first_monday,
    monthly_compliance_reports,
    weekly_staffing_reports,
)
from staffrota.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_monthly_report_downloads_as_pdf_and_excel(client, home_a):
    client.login(username=home_a.manager.username, password=PASSWORD)
    pdf = client.get(reverse("compliance:report_monthly_pdf"), {"month": "2026-03"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("compliance:report_monthly_xlsx"))
    book = load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames == ["Summary", "Training", "Supervision", "Registrations", "Incidents"]
    names = [row[1] for row in book["Training"].iter_rows(min_row=2, values_only=True)]
    assert home_a.carer.full_name in names  # every course is missing for the carer


def test_monthly_report_with_bad_month_redirects_with_message(client, home_a, home_b):
    client.login(username=home_a.manager.username, password=PASSWORD)
    response = client.get(reverse("compliance:report_monthly_pdf"), {"month": "March"})
    assert response.status_code == 302
    other = client.get(reverse("compliance:report_monthly_pdf"), {"home": home_b.home.pk})
    assert other.status_code == 302  # another home is not a choice


def test_evidence_pack_is_a_pdf_for_my_home_only(client, home_a, home_b):
    client.login(username=home_a.manager.username, password=PASSWORD)
    url = reverse("compliance:evidence_pack", args=[home_a.home.pk])
    response = client.get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert client.get(url, {"start": "2026-05-01", "end": "2026-01-01"}).status_code == 302
    other = reverse("compliance:evidence_pack", args=[home_b.home.pk])
    assert client.get(other).status_code == 404


def test_first_monday_of_the_month():
    assert is_first_monday(date(2026, 3, 2))
    assert not is_first_monday(date(2026, 3, 9))
    assert not is_first_monday(date(2026, 3, 3))


def test_monthly_report_is_mailed_once_on_the_first_monday(home_a, home_b):
    assert monthly_compliance_reports("2026-03-09") == 0
    sent = monthly_compliance_reports("2026-03-02")
    assert sent == 2  # one per manager
    message = next(m for m in mail.outbox if m.to == [home_a.manager.email])
    assert [name for name, _, _ in message.attachments] == [
        "compliance-2026-03.pdf",
        "compliance-2026-03.xlsx",
    ]
    assert home_a.home.name in message.subject
    assert monthly_compliance_reports("2026-03-02") == 0  # a second run sends nothing


def test_weekly_staffing_report_goes_to_each_om_once(home_a, home_b, today):
    monday = today - timedelta(days=today.weekday())
    assert weekly_staffing_reports(monday.isoformat()) == 2
    body = next(m for m in mail.outbox if m.to == [home_a.manager.email]).body
    assert home_a.unit.name in body and home_b.unit.name not in body
    assert weekly_staffing_reports(monday.isoformat()) == 0
