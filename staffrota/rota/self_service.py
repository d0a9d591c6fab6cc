"""Plain reads behind the staff pages' kept parts (open shifts, swaps), SQL kept per process.

Each person's parts are built the first time they open the page (and again after their
own shifts or leave change): under load most views of open shifts and swaps built them.
Built from the person's full record (a query of some 100 columns), their swaps with four
related models and querysets compiled afresh, they cost 10,000 (open shifts) and 27,000
(swaps) Python calls, though most days nobody is offered a shift and most people have no
swap. These reads find out first, through SQL written once per process (`kept_rows`), and
the full record and models are read only when there is something to show.
"""

from datetime import date

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from staffrota.ops.memo import ProcessMemo
from staffrota.rota.kept_sql import kept_rows

# The lists with nothing in them, as their templates draw them: the same every time.
_EMPTY = ProcessMemo(most=8)


def empty_list_html(template: str, placeholder: str) -> str:
    """`template` drawn for an empty list (`shifts`, `swaps`), as the kept parts hold it."""
    html = _EMPTY.get(template)
    if html is None:
        html = str(
            render_to_string(
                template,
                {
                    "shifts": [],
                    "swaps": [],
                    "me": None,
                    "csrf_placeholder": mark_safe(placeholder),  # noqa: S308 - ours
                },
            )
        ).strip()
        _EMPTY.keep(template, html)
    return html


def _person(staff_id: int):
    from staffrota.organisation.models import StaffMember

    return StaffMember.objects.filter(pk=staff_id).values_list(
        "home_unit_id", "home_unit__care_home_id", "job_role_id", "job_role__code"
    )


def person_row(staff_id: int) -> tuple | None:
    """(home unit, its home, job role id, job role code) of a staff member, or None."""
    rows = kept_rows(_person, staff_id=staff_id)
    return rows[0] if rows else None


def _covered(staff_id: int):
    from staffrota.organisation.models import UnitCover

    return UnitCover.objects.filter(staff_id=staff_id).values_list("unit_id")


def covered_units(staff_id: int) -> list[int]:
    """The units this person covers besides their own (as `offers.open_shift_units`)."""
    return [unit for (unit,) in kept_rows(_covered, staff_id=staff_id)]


def _offered(units: list[int], roles: list[str], today: date):
    from staffrota.rota.models import VACANT, OfferStatus, Shift

    # The filter of `offers.open_shifts_for`, without the rules check.
    return Shift.objects.filter(
        VACANT,
        offers__status=OfferStatus.OPEN,
        date__gte=today,
        unit__in=units,
        job_role__code__in=roles,
    ).values_list("pk")[:1]


def anything_offered(*, units: list[int], roles, today: date) -> bool:
    """Whether any shift is offered on these units in these roles from today."""
    return bool(kept_rows(_offered, units=list(units), roles=sorted(roles), today=today))


def _future_shifts(staff_id: int, today: date):
    from staffrota.rota.models import Shift, ShiftStatus

    return (
        Shift.objects.filter(staff_id=staff_id, status=ShiftStatus.PUBLISHED, date__gt=today)
        .order_by("starts_at", "pk")
        .values_list("pk", "date", "shift_type__name")[:40]
    )


def future_shifts(staff_id: int, today: date) -> list[tuple]:
    """(id, day, shift type name) of the person's next 40 published shifts after today."""
    return kept_rows(_future_shifts, staff_id=staff_id, today=today)


def _any_swap(staff_id: int):
    from django.db.models import Q

    from staffrota.rota.models import ShiftSwap

    return ShiftSwap.objects.filter(Q(proposer_id=staff_id) | Q(colleague_id=staff_id)).values_list(
        "pk"
    )[:1]


def has_swaps(staff_id: int) -> bool:
    """Whether the person proposed or was asked for any swap."""
    return bool(kept_rows(_any_swap, staff_id=staff_id))
