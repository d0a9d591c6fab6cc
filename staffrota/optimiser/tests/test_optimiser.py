"""Generate rota: the adapter, the job, the draft as a diff, publishing and discarding."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.celery import app
from staffrota.leave.models import LeaveRequest
from staffrota.optimiser import adapter, fill, services
from staffrota.optimiser.engine.solver import solve
from staffrota.optimiser.models import ChangeKind, OptimiserRun, ProposedChange, RunStatus
from staffrota.organisation.models import UnitCover
from staffrota.rota.eligibility import check_person_on_shifts
from staffrota.rota.models import Shift, ShiftStatus
from staffrota.rota.rules import fortnight_start
from staffrota.rota.services import shift_create
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


def _run(world, django_capture_on_commit_callbacks, weeks=1, units=None):
    with django_capture_on_commit_callbacks(execute=True), home_scope([world.home.pk]):
        run = services.run_start(
            home=world.home,
            units=units or [world.unit],
            whole_home=False,
            start=world.shift.date,
            weeks=weeks,
            actor=world.manager,
        )
    with scopes_disabled():
        run.refresh_from_db()
    return run


def _map(world, weeks=1, units=None):
    with home_scope([world.home.pk]):
        return adapter.build_problem(
            units=units or [world.unit], start=world.shift.date, weeks=weeks
        )


def test_adapter_maps_a_small_home(home_a):
    mapping = _map(home_a)
    problem = mapping.problem
    early = adapter.slot_id(home_a.unit, home_a.early)
    night = adapter.slot_id(home_a.unit, home_a.night)
    elsewhere = {adapter.ELSEWHERE + "Early", adapter.ELSEWHERE + "Night"}
    assert {s.id for s in problem.shift_types} == {early, night} | elsewhere
    by_id = problem.shift_by_id
    assert by_id[night].minutes == 720 and by_id[night].night
    # A night ends at 08:00: an early at 08:00 next morning leaves no rest at all.
    assert early in by_id[night].forbidden_next
    assert early not in by_id[early].forbidden_next
    # The period is a week; the horizon runs the home's consecutive-day cap beyond it.
    assert mapping.period_days == 7 and problem.days == 7 + home_a.home.max_consecutive_days
    carer = problem.staff_by_id[str(home_a.carer.pk)]
    assert carer.fixed == {0: early}  # the published shift is fixed
    assert carer.unavailable[7] == "after the period"
    assert "Carer" in carer.roles and "Registered nurse" not in carer.roles
    assert carer.pay.hourly == adapter.pence(home_a.carer.hourly_rate)
    # Nobody is ever proposed for a shift elsewhere.
    assert all(carer.contract.max_shifts[s] == 0 for s in elsewhere)
    # The early needs 2 carers; the open night vacancy asks for a nurse on day 1.
    lines = {(c.day, c.shift, c.role): c for c in problem.covers}
    assert lines[(0, early, "Carer")].minimum == 2
    assert lines[(1, night, "Registered nurse")].minimum == 1
    need = mapping.needs[(1, night, "Registered nurse")]
    assert need.vacancies == (home_a.vacancy.pk,)
    # A missing nurse for a 12-hour night costs the nurse agency rate (default £40/h).
    assert lines[(1, night, "Registered nurse")].shortfall_weight == 40 * 12 * 100


def test_adapter_keeps_rest_against_shifts_after_the_period_and_elsewhere(home_a):
    day = home_a.shift.date
    with scopes_disabled():
        # Published after the period: an early on the day after its last day...
        after = shift_create(
            unit=home_a.unit,
            day=day + timedelta(days=7),
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
            status=ShiftStatus.PUBLISHED,
        )
        # ...and a night on another unit inside the period.
        f.requirement(home_a.other_unit, home_a.night, home_a.carer.job_role, 0, 0)
        UnitCover.objects.create(care_home=home_a.home, staff=home_a.carer, unit=home_a.other_unit)
        shift_create(
            unit=home_a.other_unit,
            day=day + timedelta(days=3),
            shift_type=home_a.night,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
            status=ShiftStatus.PUBLISHED,
        )
    mapping = _map(home_a)
    sid = str(home_a.carer.pk)
    person = mapping.problem.staff_by_id[sid]
    early = adapter.slot_id(home_a.unit, home_a.early)
    night = adapter.slot_id(home_a.unit, home_a.night)
    assert person.fixed[7] == early and mapping.fixed_shift_ids[sid][7] == after.pk
    assert person.fixed[3] == adapter.ELSEWHERE + "Night"
    state = fill._State(mapping, fill.fixed_roster(mapping))
    # A night on the last day would end 8 h before the early after the period.
    assert not fill._engine_allows(state, person, 6, night)
    assert fill._engine_allows(state, person, 6, early)
    # An early the morning the night elsewhere ends is no rest at all.
    assert not fill._engine_allows(state, person, 4, early)


def test_run_proposes_without_touching_the_rota_then_publishes(
    home_a, django_capture_on_commit_callbacks
):
    second = f.staff_member(home_a.unit, "carer", first_name="Sam", last_name="Second")
    nurse2 = f.staff_member(home_a.unit, "rn", first_name="Rae", last_name="Relief")
    with scopes_disabled():
        before = set(Shift.objects.values_list("pk", "staff_id", "status", "updated_at"))
    run = _run(home_a, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.DONE, run.messages
    with scopes_disabled():
        # Nothing is on the rota until the manager publishes.
        assert set(Shift.objects.values_list("pk", "staff_id", "status", "updated_at")) == before
        changes = {c.kind: c for c in run.changes.all()}
        add, filled = changes[ChangeKind.ADD], changes[ChangeKind.FILL]
    assert add.staff_id == second.pk and add.date == home_a.shift.date
    # The open night vacancy is filled by one of the nurses, not doubled by a new shift.
    assert filled.vacancy_id == home_a.vacancy.pk
    assert filled.staff_id in (home_a.nurse.pk, nurse2.pk)
    assert "Rules passed" in add.reason and "£" in add.reason
    assert Decimal(run.summary["after"]["total"]) > 0
    assert run.summary["cover"] == {"have": 3, "needed": 3}
    assert run.summary["unfilled"] == []

    with scopes_disabled():
        count = services.run_publish(run=run, actor=home_a.manager)
        assert count == 2
        vacancy = Shift.objects.get(pk=home_a.vacancy.pk)
        assert vacancy.staff_id == filled.staff_id
        new = Shift.objects.get(pk=ProposedChange.objects.get(pk=add.pk).shift_id)
        assert (new.staff_id, new.status) == (second.pk, ShiftStatus.PUBLISHED)
        assert vacancy.status == ShiftStatus.PUBLISHED
        # Checked again against everyone's shifts, each passes every rule.
        for shift in (new, vacancy):
            assert all(v.ok for v in check_person_on_shifts(shift.staff, [shift]).values())
        published = Shift.objects.get(pk=home_a.shift.pk)
        assert published.staff_id == home_a.carer.pk
        with pytest.raises(services.OptimiserError, match="already published"):
            services.run_publish(run=run, actor=home_a.manager)


def test_publish_is_all_or_nothing_when_the_rota_changed(
    home_a, django_capture_on_commit_callbacks
):
    second = f.staff_member(home_a.unit, "carer", first_name="Sam", last_name="Second")
    f.staff_member(home_a.unit, "rn", first_name="Rae", last_name="Relief")
    run = _run(home_a, django_capture_on_commit_callbacks)
    with scopes_disabled():
        filled = run.changes.get(kind=ChangeKind.FILL)
        # Meanwhile someone books Sam on the other unit at the same time.
        shift_create(
            unit=home_a.other_unit,
            day=home_a.shift.date,
            shift_type=home_a.early,
            job_role=second.job_role,
            staff=second,
        )
        with pytest.raises(services.OptimiserError, match="Nothing was published") as error:
            services.run_publish(run=run, actor=home_a.manager)
        assert "Second" in str(error.value) and "overlaps" in str(error.value)
        assert Shift.objects.get(pk=filled.vacancy_id).staff_id is None
        assert not OptimiserRun.objects.get(pk=run.pk).published_at


def test_discard_leaves_the_rota_and_blocks_publish(home_a, django_capture_on_commit_callbacks):
    f.staff_member(home_a.unit, "carer", first_name="Sam", last_name="Second")
    run = _run(home_a, django_capture_on_commit_callbacks)
    with scopes_disabled():
        shifts = Shift.objects.count()
        assert services.run_discard(run=run, actor=home_a.manager) >= 1
        assert Shift.objects.count() == shifts
        run.refresh_from_db()
        with pytest.raises(services.OptimiserError, match="discarded"):
            services.run_publish(run=run, actor=home_a.manager)


def test_unmeetable_requirement_is_named_with_the_reason(
    home_a, django_capture_on_commit_callbacks
):
    day = home_a.shift.date
    f.requirement(home_a.unit, home_a.night, home_a.nurse.job_role, 1, day.weekday())
    f.staff_member(
        home_a.unit,
        "rn",
        first_name="Exp",
        last_name="Ired",
        registration_expiry=day - timedelta(days=1),
    )
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
    text = " | ".join(run.summary["unfilled"])
    day_label = f"{day:%a} {day.day} {day:%b}"
    assert (
        f"{day_label} {home_a.unit.name} Night, Registered nurse: 0 of 1; no eligible person; "
        "1 annual leave, 1 registration expired or missing"
    ) in text
    # The early needs 2 carers and only one works on the unit.
    assert f"{day_label} {home_a.unit.name} Early, Carer: 1 of 2" in text


def test_no_requirements_says_so(home_a, django_capture_on_commit_callbacks):
    with scopes_disabled():
        home_a.unit.requirements.all().delete()
        Shift.objects.filter(pk=home_a.vacancy.pk).delete()
    run = _run(home_a, django_capture_on_commit_callbacks)
    assert run.status == RunStatus.FAILED
    assert "No staffing requirements" in run.messages[0]


def test_time_limit_is_kept(home_a, django_capture_on_commit_callbacks):
    for n in range(6):
        f.staff_member(home_a.unit, "carer", first_name="Extra", last_name=f"Carer{n}")
    run = _run(home_a, django_capture_on_commit_callbacks, weeks=2)
    assert run.status == RunStatus.DONE
    assert run.summary["solver"]["seconds"]["total"] <= run.time_limit_s + 0.2


def test_diff_page_marks_added_and_filled_cells_with_reasons(
    home_a, client, django_capture_on_commit_callbacks
):
    f.staff_member(home_a.unit, "carer", first_name="Sam", last_name="Second")
    run = _run(home_a, django_capture_on_commit_callbacks)
    with scopes_disabled():
        add = run.changes.get(kind=ChangeKind.ADD)
        filled = run.changes.get(kind=ChangeKind.FILL)
    client.login(username=home_a.manager.username, password=PASSWORD)
    page = client.get(reverse("optimiser_run", args=[run.pk])).content.decode()
    assert f'class="shift diff-added" href="#change-{add.pk}"' in page
    assert f'class="shift vacant diff-removed" href="#change-{filled.pk}"' in page
    assert f'id="change-{add.pk}"' in page and "Rules passed" in page
    # Cover of the early goes from 1 to 2 of a minimum of 2.
    assert "1→2/2" in page
    for label in ("Contracted", "Overtime", "Bank", "Agency", "Total"):
        assert f'<th scope="row">{label}</th>' in page
    assert "Publish 2 shifts" in page
    fragment = client.get(
        reverse("optimiser_diff", args=[run.pk]), {"unit": home_a.unit.pk}
    ).content.decode()
    assert fragment.startswith('<section id="diff"') and "diff-added" in fragment
    # A unit that is not part of the run is not found, never an error.
    other = client.get(reverse("optimiser_diff", args=[run.pk]), {"unit": home_a.other_unit.pk})
    assert other.status_code == 404
    assert client.get(reverse("optimiser_diff", args=[run.pk]), {"unit": "x"}).status_code == 404

    response = client.post(reverse("optimiser_publish", args=[run.pk]), follow=True)
    assert "Published 2 shifts" in response.content.decode()
    response = client.post(reverse("optimiser_discard", args=[run.pk]), follow=True)
    assert "already published" in response.content.decode()


def test_pages_are_for_managers_of_the_home(home_a, home_b, client):
    with scopes_disabled():
        run = OptimiserRun.objects.create(
            care_home=home_a.home, start=home_a.shift.date, weeks=1, status=RunStatus.DONE
        )
        run.units.set([home_a.unit])
    client.login(username=home_b.manager.username, password=PASSWORD)
    for name in ("optimiser_run", "optimiser_progress", "optimiser_diff"):
        assert client.get(reverse(name, args=[run.pk])).status_code == 404
    for name in ("optimiser_cancel", "optimiser_discard", "optimiser_publish"):
        assert client.post(reverse(name, args=[run.pk])).status_code == 404
    with scopes_disabled():
        assert OptimiserRun.objects.get(pk=run.pk).published_at is None
    client.login(username=home_a.staff_user.username, password=PASSWORD)
    assert client.get(reverse("optimiser_new")).status_code == 403
    assert client.get(reverse("optimiser_run", args=[run.pk])).status_code == 403
    assert client.post(reverse("optimiser_publish", args=[run.pk])).status_code == 403


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
    response = client.post(
        reverse("optimiser_new"),
        {"target": "unit:abc", "start": "3 March", "weeks": "two"},
    )
    page = response.content.decode()
    assert "Choose one of your units or homes from the list." in page
    assert "Give the number of weeks as a whole number from 1 to 6." in page
    assert "Enter a valid date." in page
    with scopes_disabled():
        assert not OptimiserRun.objects.exists()


def test_publish_before_the_run_finishes_says_so(home_a, client):
    with scopes_disabled():
        run = OptimiserRun.objects.create(
            care_home=home_a.home, start=home_a.shift.date, weeks=1, status=RunStatus.RUNNING
        )
        run.units.set([home_a.unit])
    client.login(username=home_a.manager.username, password=PASSWORD)
    response = client.post(reverse("optimiser_publish", args=[run.pk]), follow=True)
    assert "Wait for the run to finish" in response.content.decode()


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


def test_greedy_and_period_cost_agree_on_a_hand_count(home_a):
    """One carer missing on the early: the greedy fill gives it to the cheaper of two
    carers, and the period's cost counts its pay, and the agency price of what is left."""
    cheap = f.staff_member(home_a.unit, "carer", last_name="Cheap", hourly_rate=Decimal("11"))
    f.staff_member(home_a.unit, "carer", last_name="Dear", hourly_rate=Decimal("14"))
    mapping = _map(home_a)
    with home_scope([home_a.home.pk]):
        book = fill.RuleBook(mapping)
    roster = fill.greedy_fill(mapping, book)
    early = adapter.slot_id(home_a.unit, home_a.early)
    assert roster.shifts[str(cheap.pk)][0] == early
    cost = fill.period_cost(mapping, roster)
    # Casey's published early and Cheap's at their rates, 6 hours each, and the open night
    # vacancy goes to Nia, the only nurse, at £12.60 x 12 (cheaper than an agency nurse).
    assert cost["contracted"] == round(100 * (6 * 12.60 + 6 * 11 + 12 * 12.60))
    assert cost["agency"] == 0 and cost["total"] == sum(
        cost[k] for k in ("contracted", "overtime", "bank", "agency")
    )
    assert book.breaches(roster) == {}


def test_rules_engine_breach_is_found_and_removed(home_a):
    """A roster that ignores the rules (a night, then an early 0 hours later) is caught by
    the independent check and the offending new shift is dropped."""
    mapping = _map(home_a)
    with home_scope([home_a.home.pk]):
        book = fill.RuleBook(mapping)
    roster = fill.fixed_roster(mapping)
    sid = str(home_a.nurse.pk)
    roster.shifts[sid][1] = adapter.slot_id(home_a.unit, home_a.night)
    roster.shifts[sid][2] = adapter.slot_id(home_a.unit, home_a.early)
    breaches = book.breaches(roster)
    assert any("rest" in m for m in breaches[(sid, 2)])
    repaired, removed = fill.repair(book, roster)
    assert removed and repaired.shifts[sid][2] is None


def test_drafts_over_three_weeks_keep_the_weekly_rest_so_nothing_is_removed(home_a):
    """Two carers (one opted out of the 48-hour week), cover every day and a home that
    allows 14 days in a row: only the weekly rest (24 hours a week, or 48 in the fortnight)
    keeps anyone off. The week before the period, published, gave Casey no 24 hours, so
    that fortnight needs 48 in the period."""
    today = home_a.shift.date
    monday = today + timedelta(days=14 - today.weekday())
    if fortnight_start(monday) == monday:
        monday += timedelta(days=7)  # the period starts in its fortnight's second week
    role = home_a.carer.job_role
    with scopes_disabled():
        home_a.home.max_consecutive_days = 14
        home_a.home.save()
        # Dee signed the opt-out of the 48-hour week: she could do a night every day.
        f.staff_member(home_a.unit, "carer", first_name="Dee", last_name="Second", wtr_opt_out=True)
        for weekday in range(7):
            if weekday != today.weekday():  # that day already asks for two
                f.requirement(home_a.unit, home_a.early, role, 1, weekday)
            f.requirement(home_a.unit, home_a.night, role, 1, weekday)
        for n in range(1, 8):
            shift_create(
                unit=home_a.unit,
                day=monday - timedelta(days=n),
                shift_type=home_a.early,
                job_role=role,
                staff=home_a.carer,
                status=ShiftStatus.PUBLISHED,
            )
    with home_scope([home_a.home.pk]):
        mapping = adapter.build_problem(units=[home_a.unit], start=monday, weeks=3)
        book = fill.RuleBook(mapping)
        result = fill.plan(mapping, time_limit_s=8, workers=1, book=book)
        loose = replace(mapping.problem, weekly_rest=None)
        unruly = solve(loose, time_limit_s=3, workers=1).roster
    assert result.solution is not None and result.solution.roster is not None
    assert result.removed == {}
    assert book.breaches(result.solution.roster) == {}
    # The rule bites: the two carers cover most of the 43 places, and without the rule the
    # solver's roster is one the rules engine refuses for the weekly rest.
    worked = sum(s is not None for row in result.solution.roster.shifts.values() for s in row)
    assert worked >= 30
    refused = [m for ms in book.breaches(unruly).values() for m in ms]
    assert any("24-hour break" in m for m in refused)


def test_the_hours_the_clocks_go_forward_are_found_on_the_wall_clock():
    # 29 Mar 2026: 01:00 GMT becomes 02:00 BST. Minutes from midnight of Mon 23 Mar.
    spring = adapter.skipped_hours(date(2026, 3, 16), date(2026, 4, 5), date(2026, 3, 23))
    assert spring == (6 * 1440 + 60,)
    # Going back in October gives an hour more: never counted against anyone.
    assert adapter.skipped_hours(date(2026, 10, 19), date(2026, 11, 1), date(2026, 10, 19)) == ()
