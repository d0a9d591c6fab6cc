"""The rota flows people click through, in headless Chromium."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.rota import offers
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f
from staffrota.testing.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_fills_a_vacancy_from_the_grid(browser, live_server, home_a):
    page = browser.new_page()
    log_in(page, live_server, home_a.manager.username)
    page.wait_for_url("**/dashboard/**")
    vacancy_day = home_a.vacancy.date
    page.goto(
        live_server.url
        + reverse("unit_rota", args=[home_a.unit.pk])
        + f"?start={vacancy_day:%Y-%m-%d}"
    )
    # The vacancy row's cell opens the editor in place (htmx), then "Fill…" lists candidates.
    page.get_by_label(f"Vacancies, {vacancy_day:%A} {vacancy_day.day} {vacancy_day:%B}: 1").click()
    page.locator("#editor").get_by_role("link", name="Fill…").click()
    page.wait_for_url(f"**/vacancies/{home_a.vacancy.pk}/")
    page.get_by_role("button", name=f"Assign {home_a.nurse.user.first_name}").click()
    page.wait_for_url("**/vacancies/")
    assert page.get_by_text(f"{home_a.nurse.full_name} is on the night shift.").is_visible()
    with scopes_disabled():
        assert Shift.objects.get(pk=home_a.vacancy.pk).staff == home_a.nurse
    page.close()


def test_staff_member_claims_an_open_shift(browser, live_server, home_a, today):
    with scopes_disabled():
        open_shift = shift_create(
            unit=home_a.unit,
            day=today + timedelta(days=6),
            shift_type=home_a.early,
            job_role=f.job_role("carer"),
            status=ShiftStatus.PUBLISHED,
        )
        offers.offer_open_shift(shift=open_shift, actor=home_a.manager)
    page = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(page, live_server, home_a.staff_user.username)
    page.wait_for_url("**/my/shifts/")
    page.get_by_text("Menu", exact=True).click()  # on a phone the menu is folded
    page.get_by_role("link", name="Open shifts").click()
    page.get_by_role("button", name="Claim this shift").click()
    page.wait_for_url("**/my/shifts/")
    day = open_shift.date
    assert page.get_by_text(f"{day:%A} {day.day} {day:%B}").is_visible()
    with scopes_disabled():
        assert Shift.objects.get(pk=open_shift.pk).staff == home_a.carer
    page.close()


def test_manager_publishes_and_the_staff_member_sees_the_shift(browser, live_server, home_a, today):
    day = today + timedelta(days=9)
    with scopes_disabled():
        shift_create(
            unit=home_a.unit,
            day=day,
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
        )
    manager = browser.new_page()
    log_in(manager, live_server, home_a.manager.username)
    manager.wait_for_url("**/dashboard/**")
    manager.goto(
        live_server.url + reverse("unit_rota", args=[home_a.unit.pk]) + f"?start={day:%Y-%m-%d}"
    )
    manager.get_by_role("button", name="Publish drafts in this period").click()
    assert manager.get_by_text("Published 1 shift").is_visible()
    manager.close()
    staff = browser.new_page(viewport={"width": 390, "height": 844})
    log_in(staff, live_server, home_a.staff_user.username)
    staff.wait_for_url("**/my/shifts/")
    assert staff.get_by_text(f"{day:%A} {day.day} {day:%B}").is_visible()
    staff.close()
