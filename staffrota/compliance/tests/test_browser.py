"""A staff member reports an incident on a phone; their manager investigates and closes it."""

import pytest
from django.urls import reverse
from django.utils import timezone

from staffrota.testing.browser import browser, log_in  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_reports_an_incident_and_the_manager_closes_it(browser, live_server, home_a):  # noqa: F811
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    log_in(page, live_server, home_a.staff_user.username)
    page.wait_for_url("**/my/shifts/")
    page.goto(live_server.url + reverse("compliance:incident_new"))
    when = timezone.localtime() - timezone.timedelta(hours=1)
    page.get_by_label("When it happened").fill(when.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Unit").select_option(label=home_a.unit.name)
    page.get_by_label("Where").fill("Lounge")
    page.get_by_label("Category").select_option(label="Fall")
    page.get_by_label("Severity").select_option(label="High")
    page.get_by_label("What happened").fill("Resident EF slipped getting up from a chair.")
    page.get_by_label("Immediate action taken").fill("Checked for injury, informed the nurse.")
    page.get_by_role("button", name="Send report").click()
    page.wait_for_url("**/compliance/incidents/*/")
    assert "is reported and your manager has been told" in page.get_by_role("status").inner_text()
    incident_url = page.url
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()

    desk = browser.new_page()
    log_in(desk, live_server, home_a.manager.username)
    desk.goto(live_server.url + reverse("compliance:incident_list"))
    desk.get_by_role("link", name=when.strftime("%-d %b %Y %H:%M")).click()
    desk.wait_for_url(incident_url)
    desk.get_by_label("Status after this action").select_option(label="Investigating")
    desk.get_by_label("Action taken").fill("Spoke to the resident and the day team.")
    desk.get_by_role("button", name="Save action").click()
    assert desk.locator("#incident-status").inner_text() == "Investigating"
    desk.get_by_label("Status after this action").select_option(label="Closed")
    desk.get_by_label("Action taken").fill("Chair raiser fitted; falls plan reviewed.")
    desk.get_by_role("button", name="Save action").click()
    assert desk.locator("#incident-status").inner_text() == "Closed"
    assert desk.get_by_text("Chair raiser fitted; falls plan reviewed.").first.is_visible()
    desk.close()
