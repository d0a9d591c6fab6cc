"""The impact analysis reads its pool as rows: the same people, as the rules see them."""

from decimal import Decimal

import pytest
from django.db.models import Q
from django_scopes import scope, scopes_disabled

from staffrota.leave.impact import _pool
from staffrota.organisation.models import ContractType, StaffMember, UnitCover
from staffrota.rota.eligibility import person_of
from staffrota.testing import factories as f

pytestmark = pytest.mark.django_db


def _as_model_instances(home_id, unit_id, fits, exclude_id):
    """The pool as it was read before: model instances, then `person_of`."""
    covering = UnitCover.objects.filter(unit_id=unit_id).values("staff_id")
    members = (
        StaffMember.objects.filter(care_home_id=home_id, job_role__code__in=fits, left_on=None)
        .filter(Q(home_unit_id=unit_id) | Q(pk__in=covering) | Q(contract_type=ContractType.BANK))
        .exclude(pk=exclude_id)
        .select_related("user", "job_role")
    )
    return [(person_of(member), member.hourly_rate) for member in members]


def test_the_pool_is_the_people_and_rates_the_model_gives(home_a, home_b):
    """Own unit, a unit covered, the home's bank; a nameless account (named by its SAP
    number), an opt-out, a nurse's registration; another home's bank stays out."""
    with scopes_disabled():
        senior = f.staff_member(home_a.other_unit, "senior", first_name="Sol", last_name="Senior")
        UnitCover.objects.create(care_home=home_a.home, staff=senior, unit=home_a.unit)
        nameless = f.staff_member(
            home_a.other_unit,
            "carer",
            first_name="",
            last_name="",
            contract_type=ContractType.BANK,
            hourly_rate=Decimal("14.10"),
            wtr_opt_out=True,
        )
        f.staff_member(home_b.unit, "carer", contract_type=ContractType.BANK)
        f.staff_member(home_a.other_unit, "carer", first_name="Not", last_name="Covering")
    for role, fits in (("carer", ["senior", "carer"]), ("rn", ["rn"])):
        with scope(care_home=[home_a.home.pk]):
            found = _pool(home_a.home.pk, home_a.unit.pk, role, exclude_id=0)
            expected = _as_model_instances(home_a.home.pk, home_a.unit.pk, fits, 0)
        assert sorted(found, key=lambda p: p[0].staff_id) == sorted(
            expected, key=lambda p: p[0].staff_id
        )
        assert found
    with scope(care_home=[home_a.home.pk]):
        names = {person.name for person, _ in _pool(home_a.home.pk, home_a.unit.pk, "carer", 0)}
    assert "Sol Senior" in names and "Not Covering" not in names
    assert nameless.sap_number in names
