"""Flows people click through, in a real headless Chromium (Debian's package)."""

import pytest
from django.urls import reverse

from staffrota.testing.browser import log_in as _log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_member_logs_in_on_a_phone_and_sees_next_shift(browser, live_server, home_a):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    _log_in(page, live_server, home_a.staff_user.username.lower())
    page.wait_for_url("**/my/shifts/")
    assert page.get_by_role("heading", name="My shifts").is_visible()
    expected = f"{home_a.shift.date:%A} {home_a.shift.date.day} {home_a.shift.date:%B}"
    assert page.get_by_text(expected).is_visible()
    # Nothing spills sideways on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()


def test_manager_picks_a_unit_and_reads_the_four_week_rota(browser, live_server, home_a):
    page = browser.new_page()
    _log_in(page, live_server, home_a.manager.username)
    page.wait_for_url("**/dashboard/**")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Rotas").click()
    page.get_by_role("link", name="4 weeks").first.click()
    page.wait_for_url("**/rota/?weeks=4")
    assert page.locator("table.rota thead th").count() == 28 + 2
    assert page.get_by_role("row", name="Vacant").is_visible()
    # Keyboard users can reach the period picker.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className").startswith("visually-hidden")
    page.close()


def test_wrong_password_shows_message_in_browser(browser, live_server, home_a):
    page = browser.new_page()
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("SAP number").fill(home_a.staff_user.username)
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text().startswith("That SAP number and password")
    page.close()
