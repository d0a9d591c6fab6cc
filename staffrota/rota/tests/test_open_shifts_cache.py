"""Which open shifts a person may claim, cached per person: an offer made, withdrawn or
claimed, a new unit they cover, or a shift of their own that now clashes shows at once, and
another home's staff never see this home's offers."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django_scopes import scopes_disabled

from staffrota.organisation.models import UnitCover
from staffrota.rota import offers
from staffrota.rota.models import ShiftStatus
from staffrota.rota.services import shift_create
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _claimable(client) -> str:
    response = client.get(reverse("my_open_shifts"))
    assert response.status_code == 200
    return response.content.decode()


def _vacancy(world, day, unit=None):
    with scopes_disabled():
        return shift_create(
            unit=unit or world.unit,
            day=day,
            shift_type=world.early,
            job_role=world.carer.job_role,
            status=ShiftStatus.PUBLISHED,
        )


def _claim_button(shift) -> str:
    return reverse("claim_open_shift", args=[shift.pk])


def test_an_offer_made_then_withdrawn_shows_and_goes_at_once(client, home_a, today):
    vacancy = _vacancy(home_a, today + timedelta(days=5))
    client.force_login(home_a.staff_user)
    before = _claimable(client)
    with scopes_disabled():
        offers.offer_open_shift(shift=vacancy, actor=home_a.manager)
    offered = _claimable(client)
    with scopes_disabled():
        offers.withdraw_offer(shift=vacancy, actor=home_a.manager)
    withdrawn = _claimable(client)
    assert _claim_button(vacancy) not in before
    assert _claim_button(vacancy) in offered
    assert _claim_button(vacancy) not in withdrawn


def test_a_shift_claimed_by_a_colleague_goes_at_once(client, home_a, today):
    vacancy = _vacancy(home_a, today + timedelta(days=5))
    with scopes_disabled():
        colleague = f.staff_member(home_a.unit, "carer", first_name="Robin", last_name="Other")
        offers.offer_open_shift(shift=vacancy, actor=home_a.manager)
    client.force_login(home_a.staff_user)
    assert _claim_button(vacancy) in _claimable(client)
    with scopes_disabled():
        offers.claim_open_shift(shift=vacancy, staff=colleague)
    assert _claim_button(vacancy) not in _claimable(client)


def test_a_shift_of_ones_own_that_clashes_takes_the_offer_away(client, home_a, today):
    day = today + timedelta(days=6)
    vacancy = _vacancy(home_a, day)
    with scopes_disabled():
        offers.offer_open_shift(shift=vacancy, actor=home_a.manager)
    client.force_login(home_a.staff_user)
    assert _claim_button(vacancy) in _claimable(client)
    with scopes_disabled():  # the same hours on the other unit: they would overlap
        shift_create(
            unit=home_a.other_unit,
            day=day,
            shift_type=home_a.early,
            job_role=home_a.carer.job_role,
            staff=home_a.carer,
            status=ShiftStatus.PUBLISHED,
        )
    assert _claim_button(vacancy) not in _claimable(client)


def test_a_unit_newly_covered_brings_its_offers(client, home_a, today):
    vacancy = _vacancy(home_a, today + timedelta(days=5), unit=home_a.other_unit)
    with scopes_disabled():
        offers.offer_open_shift(shift=vacancy, actor=home_a.manager)
    client.force_login(home_a.staff_user)
    before = _claimable(client)
    with scopes_disabled():
        UnitCover.objects.create(care_home=home_a.home, staff=home_a.carer, unit=home_a.other_unit)
    after = _claimable(client)
    assert _claim_button(vacancy) not in before
    assert _claim_button(vacancy) in after


def test_another_homes_staff_never_see_this_homes_offers(client, home_a, home_b, today):
    vacancy = _vacancy(home_a, today + timedelta(days=5))
    with scopes_disabled():
        offers.offer_open_shift(shift=vacancy, actor=home_a.manager)
    client.force_login(home_a.staff_user)
    assert _claim_button(vacancy) in _claimable(client)
    other = Client()
    other.force_login(home_b.staff_user)
    assert _claim_button(vacancy) not in _claimable(other)


def test_the_claim_form_carries_this_sessions_token_and_claims(home_a, today):
    """The list is kept, its forms' CSRF field is not: a claim from the kept page works."""
    vacancy = _vacancy(home_a, today + timedelta(days=5))
    with scopes_disabled():
        offers.offer_open_shift(shift=vacancy, actor=home_a.manager)
    client = Client(enforce_csrf_checks=True)
    client.force_login(home_a.staff_user)
    _claimable(client)  # kept now
    page = _claimable(client)
    form = page[page.index(f'action="{_claim_button(vacancy)}"') :]
    token = form.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert token in page
    response = client.post(_claim_button(vacancy), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    vacancy.refresh_from_db()
    assert vacancy.staff_id == home_a.carer.pk
    assert _claim_button(vacancy) not in _claimable(client)


def test_a_renamed_unit_shows_on_the_kept_list(client, home_a, today):
    vacancy = _vacancy(home_a, today + timedelta(days=5))
    with scopes_disabled():
        offers.offer_open_shift(shift=vacancy, actor=home_a.manager)
    client.force_login(home_a.staff_user)
    before = _claimable(client)
    with scopes_disabled():
        home_a.unit.name = "Juniper"
        home_a.unit.save()
    after = _claimable(client)
    assert "Juniper" not in before
    assert "Juniper" in after
