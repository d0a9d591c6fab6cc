"""Generate rota: the adapter, the job writing drafts through the rules, and the pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.celery import app
from staffrota.leave.models import LeaveRequest
from staffrota.optimiser import adapter, services
from staffrota.optimiser.models import OptimiserRun, RunStatus
from staffrota.rota.eligibility import check_person_on_shifts
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.tenancy import home_scope
from staffrota.testing import factories as f
from staffrota.testing.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quick(settings):
    settings.OPTIMISER_TIME_LIMIT_S = 2
    settings.OPTIMISER_WORKERS = 1
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


def _run(world, django_capture_on_commit_callbacks, weeks=1):
    with django_capture_on_commit_callbacks(execute=True), home_scope([world.home.pk]):
        run = services.run_start(
            home=world.home,
            units=[world.unit],
            whole_home=False,
            start=world.shift.date,
            weeks=weeks,
            actor=world.manager,
        )
    with scopes_disabled():
        run.refresh_from_db()
    return run


def test_adapter_maps_a_small_home(home_a):
    with home_scope([home_a.home.pk]):
        mapping = adapter.build_problem(units=[home_a.unit], start=home_a.shift.date, weeks=1)
    problem = mapping.problem
    early = adapter.slot_id(home_a.unit, home_a.early)
    night = adapter.slot_id(home_a.unit, home_a.night)
    assert {s.id for s in problem.shift_types} == {early, night}
    by_id = problem.shift_by_id
    assert by_id[early].minutes == 360 and by_id[night].minutes == 720 and by_id[night].night
    # A night ends at 08:00: an early at 08:00 next morning leaves no rest at all.
    assert early in by_id[night].forbidden_next
    assert early not in by_id[early].forbidden_next
    staff = problem.staff_by_id
    carer = staff[str(home_a.carer.pk)]
    assert carer.fixed == {0: early}  # the published shift is fixed
    assert "Carer" in carer.roles and "Registered nurse" not in carer.roles
    assert carer.pay.hourly == adapter.pence(home_a.carer.hourly_rate)
    assert carer.contract.max_consecutive_shifts == home_a.home.max_consecutive_days
    assert carer.contract.windows  # 48-hour weeks
    [cover] = problem.covers
    assert (cover.day, cover.shift, cover.role, cover.minimum) == (0, early, "Carer", 2)


def test_run_creates_drafts_that_pass_the_rules_and_keeps_published(
    home_a, django_capture_on_commit_callbacks
):
    second = f.staff_member(home_a.unit, "carer", first_name="Sam", last_name="Second")
    with scopes_disabled():
        published = Shift.objects.get(pk=home_a.shift.pk)
    run = _run(home_a, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.DONE, run.messages
    with scopes_disabled():
        drafts = list(run.proposed.select_related("care_home", "job_role", "shift_type"))
        assert len(drafts) == 1
        [draft] = drafts
        assert draft.status == ShiftStatus.DRAFT and draft.staff_id == second.pk
        # Re-checked against everyone else's shifts, the draft passes every rule.
        draft.delete()
        verdicts = check_person_on_shifts(second, [draft])
        assert all(v.ok for v in verdicts.values())
        after = Shift.objects.get(pk=home_a.shift.pk)
    assert (after.staff_id, after.status, after.updated_at) == (
        published.staff_id,
        ShiftStatus.PUBLISHED,
        published.updated_at,
    )
    assert run.summary["after"]["total"] != run.summary["before"]["total"]
    assert run.summary["refused"] == [] and run.summary["unfilled"] == []


def test_unmeetable_requirement_is_named_with_the_reason(
    home_a, django_capture_on_commit_callbacks
):
    day = home_a.shift.date
    f.requirement(home_a.unit, home_a.night, home_a.nurse.job_role, 1, day.weekday())
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.nurse,
            leave_type="annual",
            start_date=day,
            end_date=day,
            hours=12,
            status="approved",
        )
    run = _run(home_a, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.DONE
    text = " ".join(run.summary["unfilled"])
    assert "Night, Registered nurse: no eligible person" in text
    assert "annual leave" in text
    # The early needs 2 carers and only one works on the unit.
    assert "Early, Carer" in text


def test_no_requirements_says_so(home_a, django_capture_on_commit_callbacks):
    with scopes_disabled():
        home_a.unit.requirements.all().delete()
    run = _run(home_a, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.FAILED
    assert "No staffing requirements" in run.messages[0]


def test_discard_deletes_the_runs_drafts_only(home_a, client, django_capture_on_commit_callbacks):
    f.staff_member(home_a.unit, "carer", first_name="Sam", last_name="Second")
    run = _run(home_a, django_capture_on_commit_callbacks)
    client.login(username=home_a.manager.username, password=PASSWORD)
    page = client.get(reverse("optimiser_run", args=[run.pk])).content.decode()
    assert "Proposed draft shifts" in page and "Second" in page
    client.post(reverse("optimiser_discard", args=[run.pk]))
    with scopes_disabled():
        assert not run.proposed.exists()
        assert Shift.objects.filter(pk=home_a.shift.pk).exists()


def test_pages_are_for_managers_of_the_home(home_a, home_b, client):
    with scopes_disabled():
        run = OptimiserRun.objects.create(
            care_home=home_a.home, start=home_a.shift.date, weeks=1, status=RunStatus.DONE
        )
        run.units.set([home_a.unit])
    client.login(username=home_b.manager.username, password=PASSWORD)
    for name in ("optimiser_run", "optimiser_progress"):
        assert client.get(reverse(name, args=[run.pk])).status_code == 404
    for name in ("optimiser_cancel", "optimiser_discard"):
        assert client.post(reverse(name, args=[run.pk])).status_code == 404
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    assert client.get(reverse("optimiser_new")).status_code == 403
    assert client.get(reverse("optimiser_run", args=[run.pk])).status_code == 403


def test_bad_form_input_gives_messages(home_a, client):
    client.login(username=home_a.manager.username, password=PASSWORD)
    past = home_a.shift.date - timedelta(days=30)
    response = client.post(
        reverse("optimiser_new"),
        {"target": f"unit:{home_a.other_unit.pk}", "start": past.isoformat(), "weeks": "9"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Choose one of your units or homes from the list." in page
    assert "The rota cannot start in the past." in page
    assert "Generate at most 6 weeks at a time." in page
    with scopes_disabled():
        assert not OptimiserRun.objects.exists()


def test_form_starts_a_run_and_shows_progress(home_a, client, django_capture_on_commit_callbacks):
    client.login(username=home_a.manager.username, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("optimiser_new"),
            {"target": f"unit:{home_a.unit.pk}", "start": home_a.shift.date, "weeks": "1"},
        )
    assert response.status_code == 302
    with scopes_disabled():
        run = OptimiserRun.objects.get()
    assert run.status in (RunStatus.DONE, RunStatus.FAILED)
    page = client.get(reverse("optimiser_progress", args=[run.pk])).content.decode()
    assert "Status:" in page
