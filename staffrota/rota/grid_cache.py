"""The unit rota table, rendered once and reused until something on it changes.

Managers open the same unit's week again and again (the load test's most frequent manager
page); building it reads six tables and renders a thousand cells. The rendered table is
kept in Django's cache under a key holding the unit, the period and three versions: the
unit's (its shifts, and the leave or sickness of anyone on it), the home's (staff records
and names, shift types, minimums, units) and everyone's (job roles, bulk loads). Any save
or delete of such a row replaces the version it belongs to (signals below), now and again
after commit, so nobody is served a table from before a change, and a change on one unit
leaves the other units' tables in place. Under the table sits the same table without its
leave marks, kept under every version but the absences: leave asked for or withdrawn then
reads the unit's leave and marks it in (`grid_html.fill_leave`) instead of rebuilding.
Writes that bypass signals (`QuerySet.update`, `bulk_create`) call `rota_changed`
themselves; the time-out is only a backstop.

A person's own shifts ("My shifts", the most requested page of all) are kept the same way
under a version per person, replaced when any of their shifts changes (a shift moving from
one person to another replaces both), or their leave or sickness, and under their home's
and everyone's versions for names, shift types and roles. The vacancy list, the units
list, the swap form's options and the open shifts a person may claim are kept the same way,
and `versions_of` gives other caches (API lists, the leave page) the same versions. Each
key names exactly whom it was built for: the person, or every unit it shows.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django_scopes import scopes_disabled

TABLE_TIMEOUT = 10 * 60
_UNIT_VERSION = "rota:ver:unit:{}"
# Leave and sickness marks of a unit's people: kept apart from its shifts, so the staff
# asking for and withdrawing leave all day do not throw away the vacancy lists and API
# pages of shifts, which show no leave.
_ABSENCE_VERSION = "rota:ver:absence:{}"
_HOME_VERSION = "rota:ver:{}"
_PERSON_VERSION = "rota:ver:person:{}"
_ALL_VERSION = "rota:ver:all"  # roles are shared by every home, and bulk loads touch all
_TABLE = "rota:table:{}:{}:{}:{}:{}"
# The same table without its leave marks, under the unit's shifts version only: leave
# asked for or withdrawn on the unit (every few seconds under load) then costs reading the
# leave and filling the marks in, not rebuilding a thousand cells.
_TABLE_SHIFTS = "rota:tableshifts:{}:{}:{}:{}:{}"
_MINE = "rota:mine:{}:{}:{}"
_VACANCIES = "rota:vacancies:{}:{}"
_SWAP_CHOICES = "rota:swapchoices:{}:{}:{}"
_UNIT_GROUPS = "rota:unitgroups:{}"
_OPEN_SHIFTS = "rota:open:{}:{}:{}"


@dataclass
class RotaTable:
    """What the rota page needs of the grid: its days, its counts and the rendered table."""

    days: list[date]
    vacancies: int
    short_slots: int
    html: SafeString


def rota_changed(
    home_ids: Iterable[int | None] = (),
    *,
    unit_ids: Iterable[int | None] = (),
    staff_ids: Iterable[int | None] = (),
    absence_unit_ids: Iterable[int | None] = (),
    everywhere: bool = False,
) -> None:
    """Forget the cached rota tables of these units, these homes (or of every home), and
    the cached own shifts of these people. `absence_unit_ids`: only leave or sickness of
    someone on these units changed, not their shifts."""
    keys = [_HOME_VERSION.format(h) for h in home_ids if h is not None]
    keys += [_UNIT_VERSION.format(u) for u in unit_ids if u is not None]
    keys += [_ABSENCE_VERSION.format(u) for u in absence_unit_ids if u is not None]
    keys += [_PERSON_VERSION.format(s) for s in staff_ids if s is not None]
    if everywhere:
        keys.append(_ALL_VERSION)
    if keys:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)


def _versions(unit) -> tuple[str, str]:
    """The versions a unit's table is kept under: all of them, and all but the leave and
    sickness of its people (the table without its leave marks)."""
    shifts, absence, home, everyone = _current(
        [
            _UNIT_VERSION.format(unit.pk),
            _ABSENCE_VERSION.format(unit.pk),
            _HOME_VERSION.format(unit.care_home_id),
            _ALL_VERSION,
        ]
    ).split(".")
    return ".".join([shifts, absence, home, everyone]), ".".join([shifts, home, everyone])


def _current(keys: list[str]) -> str:
    found = cache.get_many(keys)
    missing = {key: uuid.uuid4().hex for key in keys if key not in found}
    if missing:
        cache.set_many(missing, timeout=None)
        found.update(missing)
    return ".".join(found[key] for key in keys)


def versions_of(*, units=(), homes=(), people=(), absences=()) -> str:
    """One string that changes whenever anything of these units' shifts, these homes or
    these people (or of everyone) changes, and the leave or sickness of anyone on the units
    in `absences`: for caches of other pages and API lists built on the same signals."""
    return _current(
        [_UNIT_VERSION.format(u) for u in sorted(set(units))]
        + [_ABSENCE_VERSION.format(u) for u in sorted(set(absences))]
        + [_HOME_VERSION.format(h) for h in sorted(set(homes))]
        + [_PERSON_VERSION.format(p) for p in sorted(set(people))]
        + [_ALL_VERSION]
    )


def rota_table(*, unit, start: date, days: int) -> RotaTable:
    """The editable table of a unit's rota for `days` days from `start`, drafts included."""
    versions, without_absences = _versions(unit)
    key = _TABLE.format(unit.pk, start.isoformat(), days, "edit", versions)
    cached = cache.get(key)
    if cached is None:
        cached = _table_with_leave(unit=unit, start=start, days=days, versions=without_absences)
        cache.set(key, cached, timeout=TABLE_TIMEOUT)
    return RotaTable(
        days=[start + timedelta(days=offset) for offset in range(days)],
        vacancies=cached["vacancies"],
        short_slots=cached["short_slots"],
        html=mark_safe(cached["html"]),  # noqa: S308 - rendered by our own template above
    )


def _table_with_leave(*, unit, start: date, days: int, versions: str) -> dict:
    """The table without leave (kept under `versions`: every version but the unit's
    absences), with the leave of its people read now and marked in."""
    from staffrota.leave.queries import absence_labels  # leave builds on the rota, not back
    from staffrota.rota.grid_html import fill_leave
    from staffrota.rota.queries import rota_grid

    key = _TABLE_SHIFTS.format(unit.pk, start.isoformat(), days, "edit", versions)
    bare = cache.get(key)
    if bare is None:
        grid = rota_grid(unit=unit, start=start, days=days, with_leave=False)
        html = render_to_string(
            "web/_rota_table.html", {"unit": unit, "grid": grid, "editable": True}
        )
        bare = {
            "html": str(html),
            "vacancies": grid.vacancies,
            "short_slots": grid.short_slots,
            "people": [row.staff.pk for row in grid.staff_rows],
        }
        cache.set(key, bare, timeout=TABLE_TIMEOUT)
    day_list = [start + timedelta(days=offset) for offset in range(days)]
    labels = absence_labels(bare["people"], day_list[0], day_list[-1])
    return {
        "html": fill_leave(bare["html"], day_list, labels),
        "vacancies": bare["vacancies"],
        "short_slots": bare["short_slots"],
    }


def my_shifts_html(*, staff_id: int, home_id: int, start: date, days: int = 28) -> SafeString:
    """The body of "My shifts" for one person: their published shifts and their leave for
    `days` days from `start`. Keyed by the person: only ever asked for with the requester's
    own staff id (`request.access.staff_id`)."""
    versions = _current(
        [_PERSON_VERSION.format(staff_id), _HOME_VERSION.format(home_id), _ALL_VERSION]
    )
    key = _MINE.format(staff_id, f"{start.isoformat()}.{days}", versions)
    html = cache.get(key)
    if html is None:
        html = _my_shifts_render(staff_id=staff_id, start=start, days=days)
        cache.set(key, html, timeout=TABLE_TIMEOUT)
    return mark_safe(html)  # noqa: S308 - rendered by our own template


def _my_shifts_render(*, staff_id: int, start: date, days: int) -> str:
    from django.shortcuts import get_object_or_404

    from staffrota.leave.queries import upcoming_leave
    from staffrota.organisation.models import StaffMember
    from staffrota.rota.queries import shifts_for_person

    staff = get_object_or_404(
        StaffMember.objects.select_related("home_unit", "job_role"), pk=staff_id
    )
    shifts = shifts_for_person(staff=staff, start=start, days=days)
    leave = upcoming_leave(staff=staff, start=start, days=days)
    return str(
        render_to_string(
            "web/_my_shifts.html",
            {
                "staff": staff,
                "shifts": shifts,
                "leave": leave,
                "total_hours": sum(shift.paid_hours for shift in shifts),
            },
        )
    )


def vacancy_list_html(
    *, unit_ids, home_ids, start: date, page, unit_value: str = "", days: int = 28
) -> SafeString:
    """The vacancy table of these units (a page of it) and its pager. The key names every
    unit, so only someone who sees exactly these units is given it; it is replaced when a
    shift on any of them, or anything of their homes, changes."""
    from staffrota.rota.vacancies import vacancy_page

    units = sorted(set(unit_ids))
    homes = sorted(set(home_ids))
    number = int(page) if isinstance(page, str) and page.isdigit() and len(page) < 6 else 1
    versions = _current(
        [_UNIT_VERSION.format(u) for u in units]
        + [_HOME_VERSION.format(h) for h in homes]
        + [_ALL_VERSION]
    )
    # Long lists of units make long keys: their digest names them just as exactly.
    who = hashlib.sha256(f"{units}{homes}{unit_value}{start}{days}".encode()).hexdigest()
    key = _VACANCIES.format(who, f"{number}:{hashlib.sha256(versions.encode()).hexdigest()}")
    html = cache.get(key)
    if html is None:
        paged = vacancy_page(unit_ids=units, start=start, days=days, page=number)
        html = str(
            render_to_string(
                "rota/_vacancy_table.html",
                {
                    "page": paged,
                    "vacancies": paged.object_list,
                    "many_homes": len(homes) > 1,
                    "unit_value": unit_value,
                },
            )
        )
        cache.set(key, html, timeout=TABLE_TIMEOUT)
    return mark_safe(html)  # noqa: S308 - rendered by our own template


def unit_groups_html(*, unit_ids, home_ids, home_id: int | None = None) -> SafeString:
    """The list of these units (of one home of them, if `home_id`), by home, with links to
    their rotas. The key names every unit, so only someone seeing exactly these gets it."""
    from staffrota.organisation.models import Unit

    units, homes = sorted(set(unit_ids)), sorted(set(home_ids))
    versions = _current([_HOME_VERSION.format(h) for h in homes] + [_ALL_VERSION])
    who = hashlib.sha256(f"{units}{homes}{home_id}|{versions}".encode()).hexdigest()
    key = _UNIT_GROUPS.format(who)
    html = cache.get(key)
    if html is None:
        shown = Unit.objects.filter(pk__in=units).select_related("care_home")
        if home_id is not None:
            shown = shown.filter(care_home_id=home_id)
        html = str(render_to_string("web/_unit_groups.html", {"units": shown}))
        cache.set(key, html, timeout=TABLE_TIMEOUT)
    return mark_safe(html)  # noqa: S308 - rendered by our own template


def open_shift_ids(*, staff, today: date) -> list[int]:
    """The ids of the open shifts `staff` may claim (offers.open_shifts_for), found afresh
    when anything they depend on changed: the person (their shifts, leave, the units they
    cover), their home, or the shifts and offers of the units they work on. Those units are
    kept in the entry and their versions checked on each read."""
    from staffrota.rota.offers import open_shift_units, open_shifts_for

    versions = _current(
        [_PERSON_VERSION.format(staff.pk), _HOME_VERSION.format(staff.care_home_id), _ALL_VERSION]
    )
    key = _OPEN_SHIFTS.format(staff.pk, today.isoformat(), versions)
    entry = cache.get(key)
    if (
        entry is not None
        and _current([_UNIT_VERSION.format(u) for u in entry["units"]]) == entry["unit_versions"]
    ):
        return entry["ids"]
    units = open_shift_units(staff)
    # Read before the shifts: a change meanwhile leaves this entry stamped as older.
    unit_versions = _current([_UNIT_VERSION.format(u) for u in units])
    ids = [shift.pk for shift in open_shifts_for(staff, today=today, units=units)]
    cache.set(
        key, {"units": units, "unit_versions": unit_versions, "ids": ids}, timeout=TABLE_TIMEOUT
    )
    return ids


def swap_choices_html(*, staff, today: date) -> dict[str, SafeString]:
    """The options of the swap form for one person: their own published shifts to come and
    their unit's colleagues' shifts in their role for six weeks. Kept under the person's,
    their unit's, their home's and everyone's versions."""
    versions = _current(
        [
            _PERSON_VERSION.format(staff.pk),
            _UNIT_VERSION.format(staff.home_unit_id),
            _HOME_VERSION.format(staff.care_home_id),
            _ALL_VERSION,
        ]
    )
    key = _SWAP_CHOICES.format(staff.pk, today.isoformat(), versions)
    cached = cache.get(key)
    if cached is None:
        cached = _swap_choices_render(staff=staff, today=today)
        cache.set(key, cached, timeout=TABLE_TIMEOUT)
    return {which: mark_safe(html) for which, html in cached.items()}  # noqa: S308 - ours


def _swap_choices_render(*, staff, today: date) -> dict[str, str]:
    from staffrota.rota.models import Shift, ShiftStatus

    mine = (
        Shift.objects.filter(staff=staff, status=ShiftStatus.PUBLISHED, date__gt=today)
        .select_related("shift_type")
        .order_by("starts_at")[:40]
    )
    # Only shifts of the person's own role: a swap across roles would fail the role rule
    # anyway, and a list of every colleague's shift is too long to choose from.
    theirs = (
        Shift.objects.filter(
            unit=staff.home_unit_id,
            job_role=staff.job_role_id,
            status=ShiftStatus.PUBLISHED,
            date__gt=today,
            date__lte=today + timedelta(weeks=6),
            staff__isnull=False,
        )
        .exclude(staff=staff)
        .select_related("shift_type", "staff__user", "job_role")
        .order_by("starts_at")[:200]
    )
    return {
        "mine": str(
            render_to_string("rota/_swap_choices.html", {"which": "mine", "my_shifts": mine})
        ),
        "theirs": str(
            render_to_string(
                "rota/_swap_choices.html", {"which": "theirs", "colleagues_shifts": theirs}
            )
        ),
    }


def _home_of(instance) -> int | None:
    from staffrota.organisation.models import CareHome

    if isinstance(instance, CareHome):  # its name heads the vacancies of several homes
        return instance.pk
    home_id = getattr(instance, "care_home_id", None)
    if home_id is None and hasattr(instance, "staff_member"):  # a user: their name shows
        try:
            home_id = instance.staff_member.care_home_id
        except Exception:  # noqa: BLE001 - a user with no staff record is on no rota
            return None
    return home_id


def _refresh(home_ids=(), unit_ids=(), staff_ids=(), absence_unit_ids=()) -> None:
    # Now, so this request's next read is current; and after commit, so a reader that
    # rebuilt the table from the old rows in between does not keep it.
    changed = {
        "home_ids": list(home_ids),
        "unit_ids": list(unit_ids),
        "staff_ids": list(staff_ids),
        "absence_unit_ids": list(absence_unit_ids),
    }
    rota_changed(**changed)
    transaction.on_commit(lambda: rota_changed(**changed))


def _changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    home_id = _home_of(instance)
    if home_id is not None:
        _refresh(home_ids=[home_id])


def _shift_holder_before(sender, instance, raw=False, **kwargs):
    """Remember who held the shift before this save: a shift that moves from one person to
    another (or becomes vacant) leaves the old holder's own shifts changed too."""
    if raw or instance.pk is None or instance._state.adding:
        return
    with scopes_disabled():
        instance._rota_holder_before = (
            sender.objects.filter(pk=instance.pk).values_list("staff_id", flat=True).first()
        )


def _shift_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        holders = {instance.staff_id, getattr(instance, "_rota_holder_before", None)}
        _refresh(unit_ids=[instance.unit_id], staff_ids=holders)


def _absence_changed(sender, instance, raw=False, **kwargs):
    """Leave or sickness marks the person's row on their own unit and on any unit where
    they hold a shift in those days."""
    if raw:
        return
    from staffrota.organisation.models import StaffMember
    from staffrota.rota.models import Shift

    with scopes_disabled():
        units = {
            StaffMember.objects.filter(pk=instance.staff_id)
            .values_list("home_unit_id", flat=True)
            .first()
        }
        last = getattr(instance, "end_date", None) or getattr(instance, "expected_end_date", None)
        shifts = Shift.objects.filter(staff_id=instance.staff_id, date__gte=instance.start_date)
        if last is not None:
            shifts = shifts.filter(date__lte=last)
        # No ordering: the shifts' default one would make DISTINCT run over their start
        # times too, one row a shift instead of one a unit.
        units.update(shifts.order_by().values_list("unit_id", flat=True).distinct())
    _refresh(absence_unit_ids=units, staff_ids=[instance.staff_id])


def _offer_changed(sender, instance, raw=False, **kwargs):
    """An open shift offered, claimed or withdrawn: the open shifts of its unit change."""
    if raw:
        return
    from staffrota.rota.models import Shift

    with scopes_disabled():
        unit_id = Shift.objects.filter(pk=instance.shift_id).values_list("unit_id", flat=True)
        _refresh(unit_ids=list(unit_id))


def _cover_changed(sender, instance, raw=False, **kwargs):
    """A unit a person covers added or removed: their open shifts change."""
    if not raw:
        _refresh(staff_ids=[instance.staff_id])


def _changed_everywhere(sender, instance=None, raw=False, **kwargs):
    if raw:
        return
    rota_changed(everywhere=True)
    transaction.on_commit(lambda: rota_changed(everywhere=True))


def connect_signals() -> None:
    from staffrota.accounts.models import User
    from staffrota.leave.models import LeavePolicy, LeaveRequest, SicknessAbsence
    from staffrota.organisation.models import (
        CareHome,
        JobRole,
        ShiftType,
        StaffingRequirement,
        StaffMember,
        Unit,
        UnitCover,
    )
    from staffrota.rota.models import OpenShiftOffer, Shift

    # LeavePolicy: a person's leave balance (leave/views.py) reads their home's policy.
    for model in (StaffMember, ShiftType, StaffingRequirement, Unit, User, CareHome, LeavePolicy):
        post_save.connect(_changed, sender=model, dispatch_uid=f"rota-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"rota-del-{model.__name__}")
    pre_save.connect(_shift_holder_before, sender=Shift, dispatch_uid="rota-before-Shift")
    post_save.connect(_shift_changed, sender=Shift, dispatch_uid="rota-save-Shift")
    post_delete.connect(_shift_changed, sender=Shift, dispatch_uid="rota-del-Shift")
    for model in (LeaveRequest, SicknessAbsence):
        uid = f"rota-{model.__name__}"
        post_save.connect(_absence_changed, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(_absence_changed, sender=model, dispatch_uid=f"{uid}-del")
    post_save.connect(_offer_changed, sender=OpenShiftOffer, dispatch_uid="rota-save-Offer")
    post_delete.connect(_offer_changed, sender=OpenShiftOffer, dispatch_uid="rota-del-Offer")
    post_save.connect(_cover_changed, sender=UnitCover, dispatch_uid="rota-save-UnitCover")
    post_delete.connect(_cover_changed, sender=UnitCover, dispatch_uid="rota-del-UnitCover")
    post_save.connect(_changed_everywhere, sender=JobRole, dispatch_uid="rota-save-JobRole")
    post_delete.connect(_changed_everywhere, sender=JobRole, dispatch_uid="rota-del-JobRole")
