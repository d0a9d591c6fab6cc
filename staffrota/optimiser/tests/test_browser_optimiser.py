"""A manager generates a week's rota, reviews the draft as a diff and publishes it."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.celery import app
from staffrota.optimiser.models import OptimiserRun
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.testing import factories as f
from staffrota.testing.browser import browser, log_in  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def quick(settings):
    settings.OPTIMISER_TIME_LIMIT_S = 2
    settings.OPTIMISER_WORKERS = 1
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def test_manager_generates_reviews_and_publishes(browser, live_server, home_a, quick):  # noqa: F811
    second = f.staff_member(home_a.unit, "carer", first_name="Sam", last_name="Second")
    f.staff_member(home_a.unit, "rn", first_name="Rae", last_name="Relief")
    page = browser.new_page()
    log_in(page, live_server, home_a.manager.username)
    page.goto(live_server.url + reverse("optimiser_new"))
    page.get_by_label("Unit or home").select_option(label=f"Ashgrove: {home_a.unit.name}")
    page.get_by_label("First day").fill(home_a.shift.date.isoformat())
    page.get_by_label("Weeks").fill("1")
    page.get_by_role("button", name="Generate rota").click()
    page.wait_for_url("**/generate/*/")
    publish = page.get_by_role("button", name="Publish 2 shifts")
    publish.wait_for(timeout=20_000)
    # The draft is on the grid as a diff, and each change says why.
    added = page.locator("a.shift.diff-added")
    assert added.count() == 2
    assert page.locator("a.shift.vacant.diff-removed").count() == 1
    added.first.click()
    assert "#change-" in page.url
    assert "Rules passed" in page.locator("ol.changes li:target").inner_text()
    with scopes_disabled():
        assert not Shift.objects.filter(staff=second).exists()  # nothing published yet
    publish.click()
    page.wait_for_url("**/generate/*/")
    assert "Published 2 shifts" in page.get_by_role("status").first.inner_text()
    assert page.get_by_role("button", name="Publish 2 shifts").count() == 0
    with scopes_disabled():
        run = OptimiserRun.objects.get()
        assert run.published_at is not None
        assert Shift.objects.get(staff=second).status == ShiftStatus.PUBLISHED
        assert Shift.objects.get(pk=home_a.vacancy.pk).staff_id is not None
    page.close()
