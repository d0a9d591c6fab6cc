"""Vacancies, their candidates, open shifts, agency cover, swaps, feeds, exports, alerts."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from django_scopes import scopes_disabled
from icalendar import Calendar
from openpyxl import load_workbook

from staffrota.rota import exports, feeds, offers, swaps
from staffrota.rota.grid_cache import rota_changed
from staffrota.rota.models import Shift, ShiftStatus, SwapStatus, VacancyAlert
from staffrota.rota.services import RotaError, RuleBreach, shift_create
from staffrota.rota.tasks import alert_vacancies_tomorrow
from staffrota.rota.vacancies import open_vacancies, vacancy_candidates
from staffrota.testing import factories as f
from staffrota.testing.queries import count_queries

pytestmark = pytest.mark.django_db


def _published_vacancy(world, day, role="carer", shift_type=None):
    return shift_create(
        unit=world.unit,
        day=day,
        shift_type=shift_type or world.early,
        job_role=f.job_role(role),
        status=ShiftStatus.PUBLISHED,
    )


def test_candidates_rank_contracted_then_bank_then_overtime_with_costs(home_a, today):
    day = today + timedelta(days=9)
    with scopes_disabled():
        bank = f.staff_member(
            home_a.unit,
            "carer",
            contract_type="bank",
            last_name="Bank",
            hourly_rate=Decimal("13.00"),
        )
        part_time = f.staff_member(
            home_a.unit, "carer", contracted_hours=Decimal("6"), last_name="Parttime"
        )
        # Part-timer already works their 6 contracted hours that week: more is overtime.
        monday = day - timedelta(days=day.weekday())
        shift_create(
            unit=home_a.unit,
            day=monday if monday != day else monday + timedelta(days=1),
            shift_type=home_a.early,
            job_role=part_time.job_role,
            staff=part_time,
        )
        senior = f.staff_member(home_a.unit, "senior", last_name="Senior")
        vacancy = _published_vacancy(home_a, day)
        ranked = vacancy_candidates(vacancy)
    order = [(c.staff.pk, c.category) for c in ranked.eligible]
    assert order[0] in ((home_a.carer.pk, "contracted"), (senior.pk, "contracted"))
    categories = [category for _, category in order]
    assert categories == sorted(categories, key=["contracted", "bank", "overtime"].index)
    assert (bank.pk, "bank") in order and (part_time.pk, "overtime") in order
    overtime = next(c for c in ranked.eligible if c.staff.pk == part_time.pk)
    assert overtime.cost == (Decimal("12.60") * Decimal("1.5") * 6).quantize(Decimal("0.01"))
    assert ranked.agency_cost == Decimal("132.00")  # £22 an hour for a carer, 6 hours
    # The nurse cannot take a carer's shift and is not even listed.
    assert home_a.nurse.pk not in {c.staff.pk for c in ranked.eligible + ranked.excluded}


def test_excluded_candidates_say_why(home_a):
    with scopes_disabled():
        night_before = _published_vacancy(
            home_a, home_a.shift.date - timedelta(days=1), shift_type=home_a.night
        )
        ranked = vacancy_candidates(night_before)
    excluded = {c.staff.pk: c.verdict.summary() for c in ranked.excluded}
    assert "rest" in excluded[home_a.carer.pk]


def test_vacancy_list_is_soonest_first_with_shortfall_in_constant_queries(client, home_a, today):
    client.force_login(home_a.manager)
    with scopes_disabled():
        f.requirement(home_a.unit, home_a.night, f.job_role("rn"), 1, home_a.vacancy.date.weekday())
        vacancies = open_vacancies(unit_ids=[home_a.unit.pk], start=today)
    assert [v.shift for v in vacancies] == [home_a.vacancy]
    assert vacancies[0].shortfall == 1
    with count_queries() as few:
        assert client.get(reverse("vacancy_list")).status_code == 200
    with scopes_disabled():
        for offset in range(3, 9):
            _published_vacancy(home_a, today + timedelta(days=offset))
    # Both views built afresh, the unit filter too (kept under the home's version).
    rota_changed(home_ids=[home_a.home.pk])
    with count_queries() as many:
        page = client.get(reverse("vacancy_list")).content.decode()
    assert len(many) == len(few)
    assert page.count("Fill…") == 7


def test_one_click_assign_from_the_vacancy_page(client, home_a, today):
    with scopes_disabled():
        vacancy = _published_vacancy(home_a, today + timedelta(days=5))
    client.force_login(home_a.manager)
    page = client.get(reverse("vacancy_detail", args=[vacancy.pk])).content.decode()
    assert f"Assign {home_a.carer.user.first_name}" in page
    # Each candidate's form posts the assignment and comes back to the vacancy list.
    assert f'action="{reverse("shift_action", args=[vacancy.pk])}"' in page
    assert f'name="next" value="{reverse("vacancy_list")}"' in page
    assert f'name="staff" value="{home_a.carer.pk}"' in page
    response = client.post(
        reverse("shift_action", args=[vacancy.pk]),
        {"action": "assign", "staff": home_a.carer.pk, "next": reverse("vacancy_list")},
    )
    assert response.status_code == 302 and response["Location"] == reverse("vacancy_list")
    with scopes_disabled():
        assert Shift.objects.get(pk=vacancy.pk).staff == home_a.carer


def test_open_shift_first_valid_claim_wins(home_a, today, django_capture_on_commit_callbacks):
    with scopes_disabled():
        vacancy = _published_vacancy(home_a, today + timedelta(days=6))
        rival = f.staff_member(home_a.unit, "carer", last_name="Rival")
        with django_capture_on_commit_callbacks(execute=True):
            offers.offer_open_shift(shift=vacancy, actor=home_a.manager)
        assert {m.to[0] for m in mail.outbox} >= {home_a.carer.user.email, rival.user.email}
        assert vacancy in offers.open_shifts_for(rival, today=today)
        offers.claim_open_shift(shift=vacancy, staff=rival)
        with pytest.raises(RotaError, match="someone else has already taken"):
            offers.claim_open_shift(shift=vacancy, staff=home_a.carer)
        assert Shift.objects.get(pk=vacancy.pk).staff == rival
        assert vacancy not in offers.open_shifts_for(home_a.carer, today=today)


def test_open_shift_is_not_offered_to_people_who_would_break_a_rule(home_a, today):
    with scopes_disabled():
        night_before = _published_vacancy(
            home_a, home_a.shift.date - timedelta(days=1), shift_type=home_a.night
        )
        offers.offer_open_shift(shift=night_before, actor=home_a.manager)
        assert night_before not in offers.open_shifts_for(home_a.carer, today=today)
        with pytest.raises(RuleBreach):
            offers.claim_open_shift(shift=night_before, staff=home_a.carer)


def test_agency_request_confirm_and_cancel(home_a, today):
    with scopes_disabled():
        vacancy = _published_vacancy(home_a, today + timedelta(days=4))
        with pytest.raises(RotaError, match="hourly rate"):
            offers.request_agency(
                shift=vacancy, agency="Care Co", hourly_rate="lots", actor=home_a.manager
            )
        booking = offers.request_agency(
            shift=vacancy, agency="Care Co", hourly_rate="23.50", actor=home_a.manager
        )
        with pytest.raises(RotaError, match="already been asked"):
            offers.request_agency(
                shift=vacancy, agency="Other", hourly_rate=20, actor=home_a.manager
            )
        assert Shift.objects.get(pk=vacancy.pk).is_vacant  # requested is not covered
        offers.agency_confirm(booking=booking, worker_name="Jo Agency", actor=home_a.manager)
        covered = Shift.objects.get(pk=vacancy.pk)
        assert not covered.is_vacant and covered.source == "agency"
        assert booking.__class__.objects.get(pk=booking.pk).cost == Decimal("141.00")
        assert vacancy.pk not in [
            v.shift.pk for v in open_vacancies(unit_ids=[home_a.unit.pk], start=today)
        ]
        offers.agency_cancel(booking=booking, actor=home_a.manager, reason="worker ill")
        assert Shift.objects.get(pk=vacancy.pk).is_vacant


def test_swap_proposed_accepted_and_approved_with_rules_rechecked(home_a, today):
    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", last_name="Colleague")
        theirs = shift_create(
            unit=home_a.unit,
            day=home_a.shift.date + timedelta(days=3),
            shift_type=home_a.early,
            job_role=colleague.job_role,
            staff=colleague,
            status=ShiftStatus.PUBLISHED,
        )
        swap = swaps.swap_propose(
            proposer=home_a.carer, proposer_shift=home_a.shift, colleague_shift=theirs
        )
        with pytest.raises(RotaError, match="Only a swap the colleague has accepted"):
            swaps.swap_decide(swap=swap, manager=home_a.manager, approve=True)
        swaps.swap_respond(swap=swap, colleague=colleague, accept=True)
        decided = swaps.swap_decide(swap=swap, manager=home_a.manager, approve=True)
        assert decided.status == SwapStatus.APPROVED
        assert Shift.objects.get(pk=home_a.shift.pk).staff == colleague
        assert Shift.objects.get(pk=theirs.pk).staff == home_a.carer


def test_swap_approval_refused_when_the_rota_changed_since(home_a):
    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", last_name="Colleague")
        theirs = shift_create(
            unit=home_a.unit,
            day=home_a.shift.date + timedelta(days=3),
            shift_type=home_a.early,
            job_role=colleague.job_role,
            staff=colleague,
            status=ShiftStatus.PUBLISHED,
        )
        swap = swaps.swap_propose(
            proposer=home_a.carer, proposer_shift=home_a.shift, colleague_shift=theirs
        )
        swaps.swap_respond(swap=swap, colleague=colleague, accept=True)
        # Since then the carer was given a night that ends 6 hours before the colleague's early.
        shift_create(
            unit=home_a.unit,
            day=theirs.date - timedelta(days=1),
            shift_type=home_a.night,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
        )
        with pytest.raises(RuleBreach, match="rest"):
            swaps.swap_decide(swap=swap, manager=home_a.manager, approve=True)
        assert Shift.objects.get(pk=theirs.pk).staff == colleague


def test_calendar_feed_lists_published_shifts_and_can_be_revoked(client, home_a):
    with scopes_disabled():
        feed = feeds.feed_renew(staff=home_a.carer)
    url = reverse("calendar_feed", args=[feed.token])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    events = [c for c in Calendar.from_ical(response.content).walk("VEVENT")]
    assert [str(e["uid"]) for e in events] == [f"shift-{home_a.shift.pk}@testserver"]
    with scopes_disabled():
        renewed = feeds.feed_renew(staff=home_a.carer)
    assert client.get(url).status_code == 404
    assert client.get(reverse("calendar_feed", args=[renewed.token])).status_code == 200


def test_exports_have_one_row_per_shift_in_csv_and_excel(client, home_a, today):
    start, end = today, today + timedelta(days=13)
    with scopes_disabled():
        text = exports.rota_csv(unit=home_a.unit, start=start, end=end)
        workbook = load_workbook(
            __import__("io").BytesIO(exports.rota_xlsx(unit=home_a.unit, start=start, end=end))
        )
    lines = text.strip().splitlines()
    assert lines[0].startswith("Date,Day,Unit,Shift")
    assert len(lines) == 3  # the fixture's shift and its vacancy
    assert "VACANT" in text and home_a.carer.full_name in text
    assert workbook.active.max_row == 3
    client.force_login(home_a.manager)
    response = client.get(
        reverse("rota_export", args=[home_a.unit.pk]),
        {"start": start, "end": end, "format": "xlsx"},
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    bad = client.get(
        reverse("rota_export", args=[home_a.unit.pk]),
        {"start": end, "end": start, "format": "csv"},
        follow=True,
    )
    assert "ends before it starts" in bad.content.decode()


def test_vacancy_alert_emails_managers_once_per_unit_per_day(
    home_a, today, django_capture_on_commit_callbacks
):
    with scopes_disabled():
        tomorrow = today + timedelta(days=1)
        _published_vacancy(home_a, tomorrow, shift_type=home_a.night)  # 1 of 2 vacant: 50%
        with django_capture_on_commit_callbacks(execute=True):
            assert alert_vacancies_tomorrow() == 1
            assert alert_vacancies_tomorrow() == 0
        assert VacancyAlert.objects.filter(unit=home_a.unit, date=tomorrow).count() == 1
    assert [m.to for m in mail.outbox] == [[home_a.manager.email]]


def test_publish_from_the_grid_then_staff_see_the_shift(
    client, home_a, today, django_capture_on_commit_callbacks
):
    day = today + timedelta(days=8)
    client.force_login(home_a.manager)
    with scopes_disabled():
        shift_create(
            unit=home_a.unit,
            day=day,
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
        )
    client.force_login(home_a.staff_user)
    assert f"{day.day} {day:%B}" not in client.get(reverse("my_shifts")).content.decode()
    client.force_login(home_a.manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("rota_publish", args=[home_a.unit.pk]),
            {"start": today, "end": today + timedelta(days=27)},
            follow=True,
        )
    assert "Published" in response.content.decode()
    client.force_login(home_a.staff_user)
    assert f"{day.day} {day:%B}" in client.get(reverse("my_shifts")).content.decode()


def test_rule_breach_in_the_grid_explains_and_offers_override_only_when_allowed(client, home_a):
    client.force_login(home_a.manager)
    night_before = home_a.shift.date - timedelta(days=1)
    response = client.post(
        reverse("rota_add", args=[home_a.unit.pk]),
        {
            "date": night_before,
            "staff": home_a.carer.pk,
            "shift_type": home_a.night.pk,
            "job_role": home_a.carer.job_role.pk,
        },
    )
    page = response.content.decode()
    assert response.status_code == 409
    assert "breaks the law" in page and "Override and save" not in page
    # A carer in a nurse's slot breaks only the home's rule: the override is offered.
    far = home_a.shift.date + timedelta(days=10)
    response = client.post(
        reverse("rota_add", args=[home_a.unit.pk]),
        {
            "date": far,
            "staff": home_a.carer.pk,
            "shift_type": home_a.early.pk,
            "job_role": f.job_role("rn").pk,
        },
    )
    assert response.status_code == 409 and "Override and save" in response.content.decode()
    response = client.post(
        reverse("rota_add", args=[home_a.unit.pk]),
        {
            "date": far,
            "staff": home_a.carer.pk,
            "shift_type": home_a.early.pk,
            "job_role": f.job_role("rn").pk,
            "override_reason": "Nurse cover arranged by phone",
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "data, message",
    [
        ({"date": "31-12-2026", "shift_type": "1", "job_role": "1"}, "Date"),
        ({"date": "2026-12-31", "job_role": "1"}, "Shift type"),
    ],
)
def test_bad_add_shift_input_gets_a_message_not_a_500(client, home_a, data, message):
    client.force_login(home_a.manager)
    response = client.post(reverse("rota_add", args=[home_a.unit.pk]), data, follow=True)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_cell_editor_loads_as_a_fragment_for_htmx(client, home_a):
    client.force_login(home_a.manager)
    url = reverse("rota_cell", args=[home_a.unit.pk])
    params = {"date": home_a.shift.date, "staff": home_a.carer.pk}
    fragment = client.get(url, params, headers={"HX-Request": "true"}).content.decode()
    assert fragment.lstrip().startswith("<section") and "Make vacant" in fragment
    assert "<html" in client.get(url, params).content.decode()
    assert client.get(url, {"date": "nope"}).status_code == 400


def test_vacancy_alert_is_in_the_periodic_schedule():
    from staffrota.celery import app
    from staffrota.schedule import BEAT_SCHEDULE

    task = BEAT_SCHEDULE["rota-vacancy-alert"]["task"]
    app.loader.import_default_modules()
    assert task in app.tasks


def test_marking_sick_from_the_grid_makes_the_shift_vacant(client, home_a, today):
    with scopes_disabled():
        shift = shift_create(
            unit=home_a.unit,
            day=today,
            shift_type=home_a.night,
            job_role=home_a.nurse.job_role,
            staff=home_a.nurse,
            status=ShiftStatus.PUBLISHED,
        )
    client.force_login(home_a.manager)
    editor = client.get(
        reverse("rota_cell", args=[home_a.unit.pk]), {"date": today, "staff": home_a.nurse.pk}
    ).content.decode()
    assert "Mark sick" in editor
    response = client.post(
        reverse("shift_action", args=[shift.pk]),
        {"action": "sick", "reason": "gastro"},
        follow=True,
    )
    assert "recorded off sick" in response.content.decode()
    with scopes_disabled():
        assert Shift.objects.get(pk=shift.pk).is_vacant
        assert home_a.nurse.sickness_absences.filter(start_date=today).exists()
    bad = client.post(
        reverse("shift_action", args=[shift.pk]), {"action": "sick", "reason": "bored"}, follow=True
    )
    assert "Choose the kind of sickness." in bad.content.decode()


def test_vacancy_list_pages_through_many_vacancies_in_constant_queries(client, home_a, today):
    """A group's hundreds of vacancies come 50 to a page, the same queries for any page."""
    client.force_login(home_a.manager)
    with scopes_disabled():
        for offset in range(2, 28):
            _published_vacancy(home_a, today + timedelta(days=offset))
            _published_vacancy(home_a, today + timedelta(days=offset), shift_type=home_a.night)
        total = len(open_vacancies(unit_ids=[home_a.unit.pk], start=today))
    assert total > 50
    with count_queries() as first_queries:
        first = client.get(reverse("vacancy_list")).content.decode()
    with count_queries() as second_queries:
        second = client.get(reverse("vacancy_list"), {"page": 2}).content.decode()
    assert first.count("Fill…") == 50
    assert second.count("Fill…") == total - 50
    assert f"{total} vacancies, 1–50 shown" in first
    assert "Page 2 of 2" in second and "Earlier" in second
    assert len(first_queries) == len(second_queries)
    # A page past the end shows the last page rather than an error.
    assert client.get(reverse("vacancy_list"), {"page": 99}).content.decode().count("Fill…") == (
        total - 50
    )


def test_vacancy_list_narrows_to_one_of_my_units_and_refuses_others(client, home_a, home_b, today):
    manager = f.service_manager(home_a.home)
    client.force_login(manager)
    with scopes_disabled():
        other = shift_create(
            unit=home_a.other_unit,
            day=today + timedelta(days=4),
            shift_type=home_a.early,
            job_role=f.job_role("carer"),
            status=ShiftStatus.PUBLISHED,
        )
    everything = client.get(reverse("vacancy_list")).content.decode()
    assert reverse("vacancy_detail", args=[other.pk]) in everything
    assert reverse("vacancy_detail", args=[home_a.vacancy.pk]) in everything
    narrowed = client.get(reverse("vacancy_list"), {"unit": home_a.unit.pk}).content.decode()
    assert reverse("vacancy_detail", args=[home_a.vacancy.pk]) in narrowed
    assert reverse("vacancy_detail", args=[other.pk]) not in narrowed
    # Another home's unit: a message saying what to do, and nothing of that home.
    response = client.get(reverse("vacancy_list"), {"unit": home_b.unit.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "That unit is not one of yours" in page
    assert reverse("vacancy_detail", args=[home_b.vacancy.pk]) not in page
    assert client.get(reverse("vacancy_list"), {"unit": "rowan"}).status_code == 200


def test_swap_page_offers_only_colleagues_shifts_of_my_role(client, home_a, today):
    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", first_name="Cara", last_name="Colleague")
        theirs = shift_create(
            unit=home_a.unit,
            day=today + timedelta(days=3),
            shift_type=home_a.early,
            job_role=colleague.job_role,
            staff=colleague,
            status=ShiftStatus.PUBLISHED,
        )
        nurses = shift_create(
            unit=home_a.unit,
            day=today + timedelta(days=3),
            shift_type=home_a.night,
            job_role=home_a.nurse.job_role,
            staff=home_a.nurse,
            status=ShiftStatus.PUBLISHED,
        )
    client.force_login(home_a.staff_user)
    page = client.get(reverse("my_swaps")).content.decode()
    assert f'<option value="{theirs.pk}">' in page
    assert f'<option value="{nurses.pk}">' not in page


_EXCLUDED_LOOP = (
    "{% for c in excluded %}<li><strong>{{ c.staff.full_name }}</strong>: "
    "{% for v in c.verdict.violations %}{{ v.message }} {% endfor %}</li>{% endfor %}"
)  # the template's loop as it was


def test_the_excluded_list_built_in_python_is_the_templates(client, home_a):
    """Names with markup in them, several reasons each, as the vacancy page shows them."""
    from django.template import engines

    from staffrota.rota.views import _excluded_items

    with scopes_disabled():
        user = home_a.carer.user
        user.first_name, user.last_name = "Zoë <b>", 'O\'Neil & "Co"'
        user.save()
        night_before = _published_vacancy(
            home_a, home_a.shift.date - timedelta(days=1), shift_type=home_a.night
        )
        ranked = vacancy_candidates(night_before)
    assert ranked.excluded
    loop = engines["django"].from_string(_EXCLUDED_LOOP)
    expected = loop.render({"excluded": ranked.excluded})
    assert str(_excluded_items(ranked.excluded)) == expected
    assert "Zoë &lt;b&gt; O&#x27;Neil &amp; &quot;Co&quot;" in expected
    client.force_login(home_a.manager)
    page = client.get(reverse("vacancy_detail", args=[night_before.pk])).content.decode()
    assert f'<ul class="mt-2">{expected}</ul>' in page
