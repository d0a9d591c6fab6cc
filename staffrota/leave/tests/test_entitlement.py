"""Entitlement arithmetic: pro rata, leave years, bank holidays, carry-over, balances."""

from datetime import date
from decimal import Decimal

import pytest
from django_scopes import scopes_disabled

from staffrota.leave.entitlement import balance_for, bank_holidays, entitlement_for, leave_year
from staffrota.leave.models import HolidayTreatment, LeavePolicy, LeaveRequest, LeaveStatus
from staffrota.organisation.models import Nation
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _unscoped():
    with scopes_disabled():
        yield


def _person(home_a, **extra):
    with scopes_disabled():
        return f.staff_member(home_a.unit, "carer", **extra)


def _leave(staff, start, end, hours, status=LeaveStatus.APPROVED):
    with scopes_disabled():
        return LeaveRequest.objects.create(
            care_home_id=staff.care_home_id,
            staff=staff,
            leave_type="annual",
            start_date=start,
            end_date=end,
            hours=hours,
            status=status,
        )


def test_leave_year_follows_the_homes_start_month(home_a):
    home = home_a.home
    assert leave_year(home, date(2026, 3, 31)) == (date(2025, 4, 1), date(2026, 3, 31))
    assert leave_year(home, date(2026, 4, 1)) == (date(2026, 4, 1), date(2027, 3, 31))
    home.leave_year_start_month = 1
    assert leave_year(home, date(2026, 3, 31)) == (date(2026, 1, 1), date(2026, 12, 31))


def test_entitlement_is_5_6_weeks_of_contracted_hours_pro_rata(home_a):
    full = _person(home_a, contracted_hours=Decimal("37.5"))
    part = _person(home_a, contracted_hours=Decimal("22.5"))
    policy = LeavePolicy(care_home=home_a.home)
    day = date(2026, 6, 1)
    assert entitlement_for(full, home_a.home, policy, day).total == Decimal("210.00")
    # Three 7.5-hour days a week: 3 × 5.6 = 16.8 days = 126 hours.
    assert entitlement_for(part, home_a.home, policy, day).total == Decimal("126.00")


def test_entitlement_of_a_starter_is_pro_rata_to_days_employed(home_a):
    starter = _person(home_a, contracted_hours=Decimal("36"), started_on=date(2026, 10, 1))
    result = entitlement_for(
        starter, home_a.home, LeavePolicy(care_home=home_a.home), date(2026, 12, 1)
    )
    # 1 Oct 2026 to 31 Mar 2027 is 182 of 365 days: 201.6 × 182 / 365.
    assert result.total == Decimal("100.52")
    assert "182 of 365 days" in result.steps[-2].working


def test_bank_holidays_follow_the_homes_nation(home_a):
    home = home_a.home
    scottish = bank_holidays(home, date(2026, 1, 1), date(2026, 12, 31))
    home.nation = Nation.ENGLAND_WALES
    english = bank_holidays(home, date(2026, 1, 1), date(2026, 12, 31))
    assert date(2026, 1, 2) in {day for day, _ in scottish}
    assert date(2026, 1, 2) not in {day for day, _ in english}
    assert date(2026, 4, 6) in {day for day, _ in english}  # Easter Monday
    assert len(bank_holidays(home, date(2025, 1, 1), date(2025, 12, 31))) == 8
    home.nation = Nation.SCOTLAND
    assert len(bank_holidays(home, date(2025, 1, 1), date(2025, 12, 31))) >= 9


def test_bank_holidays_on_top_add_a_fifth_of_the_week_each(home_a):
    staff = _person(home_a, contracted_hours=Decimal("37.5"))
    within = LeavePolicy(care_home=home_a.home, bank_holidays=HolidayTreatment.WITHIN)
    on_top = LeavePolicy(care_home=home_a.home, bank_holidays=HolidayTreatment.ON_TOP)
    day = date(2026, 6, 1)
    count = len(bank_holidays(home_a.home, date(2026, 4, 1), date(2027, 3, 31)))
    assert entitlement_for(staff, home_a.home, within, day).total == Decimal("210.00")
    assert (
        entitlement_for(staff, home_a.home, on_top, day).total
        == Decimal("210.00") + Decimal("7.5") * count
    )


def test_carry_over_is_the_unused_remainder_up_to_the_cap(home_a):
    staff = _person(home_a, contracted_hours=Decimal("36"), started_on=date(2025, 4, 1))
    with scopes_disabled():
        LeavePolicy.objects.create(care_home=home_a.home, carry_over_cap_hours=Decimal("16"))
        home_a.home.refresh_from_db()
    _leave(staff, date(2025, 6, 1), date(2025, 6, 1), Decimal("190"))
    balance = balance_for(staff, date(2026, 6, 1), today=date(2026, 5, 1))
    assert balance.carried_over == Decimal("11.60")  # 201.6 − 190
    with scopes_disabled():
        LeaveRequest.objects.filter(staff=staff).update(hours=Decimal("100"))
    capped = balance_for(staff, date(2026, 6, 1), today=date(2026, 5, 1))
    assert capped.carried_over == Decimal("16")  # 101.6 unused, the cap is 16
    assert "cap of 16 hours" in capped.working[-2].working
    assert capped.total == Decimal("201.6") + 16


def test_balance_splits_taken_booked_and_waiting(home_a):
    staff = _person(home_a, contracted_hours=Decimal("36"))
    _leave(staff, date(2026, 5, 4), date(2026, 5, 4), Decimal("12"))
    _leave(staff, date(2026, 8, 3), date(2026, 8, 3), Decimal("12"))
    _leave(staff, date(2026, 9, 7), date(2026, 9, 7), Decimal("6"), LeaveStatus.PENDING)
    _leave(staff, date(2026, 9, 8), date(2026, 9, 8), Decimal("6"), LeaveStatus.REJECTED)
    balance = balance_for(staff, date(2026, 7, 1), today=date(2026, 7, 1))
    assert (balance.taken, balance.booked, balance.pending) == (12, 12, 6)
    assert balance.remaining == Decimal("201.6") - 24
    assert balance.available == balance.remaining - 6
    assert "201.6 hours − 12 hours taken − 12 hours booked = 177.6 hours" in (
        balance.working[-1].working
    )


def test_leave_spread_over_days_adds_up_to_hundredths(home_a):
    """A request without hours by day is spread evenly; three days of 10 hours are 3.333...
    each, which must not show as 9.9999999999999999999999999 h on the leave page."""
    staff = _person(home_a, contracted_hours=Decimal("36"))
    _leave(staff, date(2026, 5, 4), date(2026, 5, 6), Decimal("10"))
    _leave(staff, date(2026, 8, 3), date(2026, 8, 5), Decimal("10"))
    _leave(staff, date(2026, 9, 7), date(2026, 9, 9), Decimal("10"), LeaveStatus.PENDING)
    balance = balance_for(staff, date(2026, 7, 1), today=date(2026, 7, 1))
    assert (str(balance.taken), str(balance.booked), str(balance.pending)) == (
        "10.00",
        "10.00",
        "10.00",
    )
    assert str(balance.remaining) == "181.60"
