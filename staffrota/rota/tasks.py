"""Background jobs of the rota."""

from datetime import timedelta

from celery import shared_task
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.accounts.models import User
from staffrota.notifications.services import email_queue
from staffrota.organisation.models import Unit
from staffrota.rota.models import VACANT, Shift, ShiftStatus, VacancyAlert

VACANCY_ALERT_SHARE = 0.05  # the seed's threshold: more than 5% of tomorrow's shifts vacant


@shared_task
def alert_vacancies_tomorrow() -> int:
    """E-mail each unit's managers when over 5% of tomorrow's shifts are vacant.

    Idempotent: the alert row for (unit, day) is unique, so a second run, or a second
    worker running at the same time, sends nothing more.
    """
    tomorrow = timezone.localdate() + timedelta(days=1)
    sent = 0
    with scopes_disabled():
        counts = (
            Shift.objects.filter(date=tomorrow)
            .exclude(status=ShiftStatus.CANCELLED)
            .values("unit_id")
            .annotate(total=Count("pk"), vacant=Count("pk", filter=VACANT))
        )
        for row in counts:
            if row["total"] == 0 or row["vacant"] / row["total"] <= VACANCY_ALERT_SHARE:
                continue
            unit = Unit.objects.select_related("care_home").get(pk=row["unit_id"])
            try:
                with transaction.atomic():
                    VacancyAlert.objects.create(
                        care_home_id=unit.care_home_id,
                        unit=unit,
                        date=tomorrow,
                        vacancies=row["vacant"],
                        shifts=row["total"],
                    )
                    managers = User.objects.filter(
                        Q(managed_units=unit) | Q(managed_homes=unit.care_home_id),
                        is_active=True,
                    ).distinct()
                    email_queue(
                        to=[m.email for m in managers],
                        subject=f"{unit.name}: {row['vacant']} vacant shifts tomorrow",
                        body=(
                            f"{row['vacant']} of {row['total']} shifts on {unit.name} "
                            f"({unit.care_home.name}) for {tomorrow:%A %d %B} are vacant.\n"
                            "Fill them from the Vacancies page.\n\nStaff Rota"
                        ),
                    )
                sent += 1
            except IntegrityError:
                continue  # already alerted today
    return sent
