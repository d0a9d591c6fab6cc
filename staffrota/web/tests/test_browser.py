"""Flows people click through, in a real headless Chromium (Debian's package)."""

import os
from pathlib import Path

import pytest
from django.urls import reverse

from staffrota.testing.factories import PASSWORD

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the live server's database
    # work happens in its own thread, so Django's async-safety check does not apply here.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
            )
            yield launched
            launched.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _log_in(page, live_server, username: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("SAP number").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


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
    page.wait_for_url("**/units/")
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
