"""What asking for leave, withdrawing it and reopening the page cost: the balance worked out
once a request, the rows locked and read in one query, the leave page built again from
what it keeps. The answers are the same as before; these tests hold the savings."""

import re
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope, scopes_disabled

from staffrota.leave import engine, services
from staffrota.leave.models import LeaveRequest, LeaveStatus
from staffrota.rota import grid_cache

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
WITHDRAW = re.compile(r'action="(/leave/requests/\d+/cancel/)"')
BALANCE = re.compile(
    r'<section class="card mb-3" aria-labelledby="balance-heading">.*?</section>', re.S
)


def _page(client) -> str:
    response = client.get(reverse("leave_mine"))
    assert response.status_code == 200
    return response.content.decode()


def _ask(client, day, token):
    form = {"leave_type": "annual", "start_date": day, "end_date": day, "comment": "test"}
    response = client.post(reverse("leave_mine"), {**form, "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_the_page_after_a_withdrawal_reuses_the_balance(home_a, today):
    client = Client(enforce_csrf_checks=True)
    client.force_login(home_a.staff_user)
    first = _page(client)
    token = CSRF.search(first).group(1)
    _ask(client, (today + timedelta(days=40)).isoformat(), token)
    _ask(client, (today + timedelta(days=60)).isoformat(), token)
    asked = _page(client)
    assert BALANCE.search(asked).group(0) != BALANCE.search(first).group(0)  # 2 waiting
    withdraw = WITHDRAW.findall(asked)
    assert len(withdraw) == 2
    client.post(withdraw[0], {"csrfmiddlewaretoken": token})
    client.post(withdraw[1], {"csrfmiddlewaretoken": token})
    with CaptureQueriesContext(connection) as queries:
        again = _page(client)
    # The list and the annual leave behind the balance; not the staff record or the policy.
    reads = [q["sql"] for q in queries.captured_queries if "django_session" not in q["sql"]]
    assert len(reads) == 2, reads
    assert not any("organisation_staffmember" in sql or "leave_leavepolicy" in sql for sql in reads)
    assert BALANCE.search(again).group(0) == BALANCE.search(first).group(0)
    assert WITHDRAW.search(again) is None
    assert again.count("Cancelled") == 2


def test_a_request_can_no_longer_be_withdrawn_once_it_starts(home_a, today, time_machine):
    with scopes_disabled():
        LeaveRequest.objects.create(
            care_home=home_a.home,
            staff=home_a.carer,
            leave_type="annual",
            start_date=today + timedelta(days=3),
            end_date=today + timedelta(days=3),
            hours=6,
            status=LeaveStatus.PENDING,
        )
    client = Client()
    client.force_login(home_a.staff_user)
    assert WITHDRAW.search(_page(client)) is not None
    time_machine.move_to(today + timedelta(days=3, hours=12), tick=False)
    client.force_login(home_a.staff_user)
    assert WITHDRAW.search(_page(client)) is None


def test_the_balance_follows_a_change_of_the_homes_policy(client, home_a, today):
    from staffrota.leave.models import LeavePolicy

    client.force_login(home_a.staff_user)
    before = _page(client)
    with scopes_disabled():
        LeavePolicy.objects.update_or_create(
            care_home=home_a.home, defaults={"carry_over_cap_hours": 40}
        )
    after = _page(client)
    assert "This home carries no leave over." in before
    assert "This home carries no leave over." not in after


def test_asking_for_leave_works_out_the_balance_once(ward, monkeypatch):
    calls = []
    real = engine.balance_for
    monkeypatch.setattr(engine, "balance_for", lambda *a, **k: calls.append(1) or real(*a, **k))
    with scope(care_home=[ward.world.home.pk]):
        request = services.leave_request_submit(
            staff=ward.carers[0],
            leave_type="annual",
            start=ward.day,
            end=ward.day,
            actor=ward.world.staff_user,
        )
    assert len(calls) == 1
    balance = next(r for r in request.rule_results if r["rule"] == "balance")
    assert balance["passed"] and " available in the leave year to " in balance["message"]


def test_a_withdrawal_reads_the_request_once_under_its_lock(ward):
    with scope(care_home=[ward.world.home.pk]):
        request = LeaveRequest.objects.create(
            care_home=ward.world.home,
            staff=ward.carers[0],
            leave_type="annual",
            start_date=ward.day,
            end_date=ward.day,
            hours=6,
            status=LeaveStatus.PENDING,
        )
        with CaptureQueriesContext(connection) as queries:
            services.leave_cancel(request=request, actor=ward.world.staff_user)
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and '"leave_leaverequest"' in q["sql"].split("FROM")[1]
    ]
    assert len(reads) == 1
    with scopes_disabled():
        assert LeaveRequest.objects.get(pk=request.pk).status == LeaveStatus.CANCELLED


def test_a_request_saved_twice_in_a_transaction_finds_its_units_once(
    ward, django_capture_on_commit_callbacks
):
    """The second save replaces the same versions without asking the database again; a
    save after the commit looks again."""
    with scopes_disabled():
        request = LeaveRequest(
            care_home=ward.world.home,
            staff=ward.carers[0],
            leave_type="annual",
            start_date=ward.day,
            end_date=ward.day,
            hours=6,
        )
        absence_key = grid_cache._ABSENCE_VERSION.format(ward.world.unit.pk)
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            request.save()
            version = grid_cache.cache.get(absence_key)
            with CaptureQueriesContext(connection) as second:
                request.save()
            assert grid_cache.cache.get(absence_key) != version
        assert not any("rota_shift" in q["sql"] for q in second.captured_queries)
        with CaptureQueriesContext(connection) as later:
            request.save()
        assert any("rota_shift" in q["sql"] for q in later.captured_queries)


def _updates_of_requests(queries) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith('UPDATE "leave_leaverequest"')
    ]


def test_a_referred_request_writes_only_its_decision_and_mails_in_one_job(
    ward, django_capture_on_commit_callbacks
):
    """The second save writes the decision's columns, not the request again; the person's
    e-mail and the managers' go out together, in that order, after the commit."""
    from django.core import mail

    with scope(care_home=[ward.world.home.pk]):
        services.leave_request_submit(
            staff=ward.carers[0], leave_type="annual", start=ward.day, end=ward.day, actor=None
        )
        mail.outbox.clear()
        with (
            django_capture_on_commit_callbacks(execute=True) as callbacks,
            CaptureQueriesContext(connection) as queries,
        ):
            referred = services.leave_request_submit(
                staff=ward.carers[1], leave_type="annual", start=ward.day, end=ward.day, actor=None
            )
    assert referred.status == LeaveStatus.PENDING and referred.impact
    (update,) = _updates_of_requests(queries)
    assert '"impact"' in update and '"decision_note"' in update and '"rule_results"' in update
    assert '"hours_by_day"' not in update and '"comment"' not in update
    with scopes_disabled():
        stored = LeaveRequest.objects.get(pk=referred.pk)
    assert (stored.impact, stored.rule_results, stored.decision_note) == (
        referred.impact,
        referred.rule_results,
        referred.decision_note,
    )
    mail_jobs = [c for c in callbacks if "send_email" in repr(c.__code__.co_names)]
    assert len(mail_jobs) == 1
    assert [(m.to, m.subject) for m in mail.outbox] == [
        ([ward.carers[1].user.email], "Your leave request is with your manager"),
        ([ward.world.manager.email], f"Leave to decide: {ward.carers[1].full_name}"),
    ]


def test_a_withdrawal_writes_only_the_status(ward):
    with scope(care_home=[ward.world.home.pk]):
        request = services.leave_request_submit(
            staff=ward.carers[0], leave_type="annual", start=ward.day, end=ward.day, actor=None
        )
        with CaptureQueriesContext(connection) as queries:
            services.leave_cancel(request=request, actor=ward.world.staff_user)
    (update,) = _updates_of_requests(queries)
    assert update.split(" WHERE ")[0].count('" = ') == 1 and '"status"' in update
    with scopes_disabled():
        assert LeaveRequest.objects.get(pk=request.pk).status == LeaveStatus.CANCELLED


def _as_orm_reads(staff):
    from staffrota.organisation.models import StaffMember

    return (
        StaffMember.objects.select_for_update(of=("self",))
        .select_related("care_home__leave_policy", "home_unit", "job_role", "user")
        .get(pk=staff.pk)
    )


def _loaded(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


@pytest.mark.parametrize("with_policy", [True, False])
def test_the_locked_person_is_read_as_select_related_would(ward, with_policy):
    """The same values and the same related instances, cached both ways, in one locked
    query; a home without a leave policy reads as one without it."""
    from staffrota.leave.models import LeavePolicy

    with scopes_disabled():
        if with_policy:
            LeavePolicy.objects.update_or_create(
                care_home=ward.world.home, defaults={"notice_days": 9}
            )
        else:
            LeavePolicy.objects.filter(care_home=ward.world.home).delete()
    with scope(care_home=[ward.world.home.pk]), transaction.atomic():
        expected = _as_orm_reads(ward.carers[0])
        with CaptureQueriesContext(connection) as queries:
            got = services._lock_staff(ward.carers[0])
            assert _loaded(got) == _loaded(expected)
            for name in ("care_home", "home_unit", "job_role", "user"):
                assert _loaded(getattr(got, name)) == _loaded(getattr(expected, name))
                assert not getattr(got, name)._state.adding
            if with_policy:
                assert _loaded(got.care_home.leave_policy) == _loaded(
                    expected.care_home.leave_policy
                )
                assert got.care_home.leave_policy.notice_days == 9
                assert got.care_home.leave_policy.care_home is got.care_home
            else:
                with pytest.raises(LeavePolicy.DoesNotExist):
                    _ = got.care_home.leave_policy
            # The account's way back to the person is cached too, as select_related does.
            assert got.user.staff_member is got
    (sql,) = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        assert sql.endswith('FOR UPDATE OF "organisation_staffmember"')


def test_the_leave_page_makes_no_form_it_does_not_post(home_a, monkeypatch):
    """The empty form comes from its kept HTML; a posted one is still made and checked."""
    from staffrota.leave import forms, views

    made = []

    class Counted(forms.LeaveRequestForm):
        def __init__(self, *args, **kwargs):
            made.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(views, "LeaveRequestForm", Counted)
    client = Client()
    client.force_login(home_a.staff_user)
    page = _page(client)
    assert made == []
    assert page.count('name="start_date"') == 1  # the kept empty form is on the page
    response = client.post(reverse("leave_mine"), {"leave_type": "annual"})
    assert response.status_code == 200 and len(made) == 1
    assert "This field is required." in response.content.decode()
