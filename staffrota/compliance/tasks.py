"""Periodic jobs: the monthly compliance report and the weekly staffing report.

Both are registered in `staffrota/schedule.py`. Each is idempotent: a `ReportDispatch` row
per (report, period, person) is the claim, so a
second worker or a re-run sends nothing twice. Mail leaves after the claim commits.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from staffrota.accounts.access import access_for
from staffrota.accounts.models import Role
from staffrota.compliance.models import ReportDispatch, ReportKind
from staffrota.tenancy import home_scope

MANAGER_ROLES = [Role.OPERATIONAL_MANAGER, Role.SERVICE_MANAGER, Role.HEAD_OF_SERVICE]


def is_first_monday(day: date) -> bool:
    return day.weekday() == 0 and day.day <= 7


def _claim(kind: str, period: str, user) -> bool:
    try:
        with transaction.atomic():
            ReportDispatch.objects.create(kind=kind, period=period, recipient=user)
    except IntegrityError:
        return False
    return True


def _recipients(roles):
    return get_user_model().objects.filter(is_active=True, role__in=roles).exclude(email="")


@shared_task
def monthly_compliance_reports(today: str | None = None) -> int:
    """On the first Monday of the month, send each manager the report for their scope."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    if not is_first_monday(day):
        return 0
    sent = 0
    for user_id in _recipients(MANAGER_ROLES).values_list("pk", flat=True):
        sent += monthly_compliance_report_send(
            user_id=user_id, month=day.replace(day=1).isoformat()
        )
    return sent


def monthly_compliance_report_send(*, user_id: int, month: str) -> int:
    from staffrota.compliance.reports import monthly_report, monthly_report_pdf, monthly_report_xlsx

    user = get_user_model().objects.get(pk=user_id)
    first = date.fromisoformat(month)
    if not _claim(ReportKind.MONTHLY_COMPLIANCE, f"{first:%Y-%m}", user):
        return 0
    access = access_for(user)
    with home_scope(access.home_ids):
        report = monthly_report(access=access, user=user, month=first)
        pdf, xlsx = monthly_report_pdf(report), monthly_report_xlsx(report)
    message = EmailMessage(
        subject=f"Monthly compliance report, {first:%B %Y}: {report.scope_label}",
        body=(
            f"Attached: the compliance report for {report.scope_label}, {first:%B %Y} "
            f"(PDF and Excel).\n\n{len(report.attention)} training records need action, "
            f"{len(report.supervision_overdue)} people are more than 6 weeks overdue for "
            f"supervision, {len(report.incidents.incidents)} incidents last month.\n"
        ),
        to=[user.email],
    )
    message.attach(f"compliance-{first:%Y-%m}.pdf", pdf, "application/pdf")
    message.attach(
        f"compliance-{first:%Y-%m}.xlsx",
        xlsx,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    message.send()
    return 1


@shared_task
def weekly_staffing_reports(today: str | None = None) -> int:
    """Monday 07:00: each Operational Manager gets the week ahead on their units."""
    from staffrota.compliance.reports import weekly_staffing_text

    day = date.fromisoformat(today) if today else timezone.localdate()
    year, week, _ = day.isocalendar()
    sent = 0
    for user in _recipients([Role.OPERATIONAL_MANAGER]):
        if not _claim(ReportKind.WEEKLY_STAFFING, f"{year}-W{week:02d}", user):
            continue
        access = access_for(user)
        with home_scope(access.home_ids):
            body = weekly_staffing_text(access=access, today=day, name=user.first_name or "")
        EmailMessage(
            subject=f"Staffing for the week of {day:%d %B %Y}", body=body, to=[user.email]
        ).send()
        sent += 1
    return sent
