"""Headless Chromium for the flows people click through (Debian's chromium package)."""

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


@pytest.fixture(scope="module")
def browser():
    """A headless Chromium for one test module.

    Playwright's sync API keeps an event loop running in this thread while it is open,
    which makes Django's async-safety check refuse ordinary database work in the tests
    (the live server works in its own thread anyway). The permission is given for this
    module only and lifted afterwards, so nothing later in the run (such as `check
    --deploy`) sees it.
    """
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium to run browser tests")
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS
            )
            yield launched
            launched.close()


def log_in(page, live_server, username: str, password: str = PASSWORD) -> None:
    page.goto(live_server.url + reverse("login"))
    page.get_by_label("SAP number").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
