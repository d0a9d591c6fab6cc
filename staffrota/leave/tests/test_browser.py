"""A staff member asks for leave in a real browser; it is approved automatically and shows
on the rota."""

import pytest
from django.urls import reverse

from staffrota.testing.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_leave_request_is_approved_automatically_and_shows_on_the_rota(browser, live_server, ward):
    carer = ward.carers[0]
    page = browser.new_page()
    log_in(page, live_server, carer.user.username)
    page.goto(live_server.url + reverse("leave_mine"))
    page.get_by_label("Type of leave").select_option("annual")
    page.get_by_label("First day").fill(ward.day.isoformat())
    page.get_by_label("Last day").fill(ward.day.isoformat())
    page.get_by_role("button", name="Ask for leave").click()
    page.wait_for_url("**/leave/")
    assert page.get_by_text("Approved automatically").first.is_visible()
    assert page.get_by_test_id("remaining").inner_text() == "195.6 h"
    page.context.clear_cookies()

    log_in(page, live_server, ward.world.manager.username)
    page.goto(
        live_server.url
        + reverse("unit_rota", args=[ward.world.unit.pk])
        + f"?start={ward.day.isoformat()}"
    )
    row = page.get_by_role("row", name=carer.full_name)
    assert row.locator("span.leave.approved").inner_text() == "AL"
    page.close()
