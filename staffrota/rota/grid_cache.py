"""The unit rota table, rendered once and reused until something on it changes.

Managers open the same unit's week again and again (the load test's most frequent manager
page); building it reads six tables and renders a thousand cells. The rendered table is
kept in Django's cache under a key holding the unit, the period and the home's rota
version. Any save or delete of a row the table shows (shifts, staff and their names,
leave, sickness, shift types, minimums, units, roles) replaces that version (signals
below), now and again after commit, so nobody is served a table from before a change.
Writes that bypass signals (`QuerySet.update`, `bulk_create`) call `rota_changed`
themselves; the time-out is only a backstop.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

TABLE_TIMEOUT = 10 * 60
_HOME_VERSION = "rota:ver:{}"
_ALL_VERSION = "rota:ver:all"  # roles are shared by every home, and bulk loads touch all
_TABLE = "rota:table:{}:{}:{}:{}:{}"


@dataclass
class RotaTable:
    """What the rota page needs of the grid: its days, its counts and the rendered table."""

    days: list[date]
    vacancies: int
    short_slots: int
    html: SafeString


def rota_changed(home_ids: Iterable[int | None] = (), *, everywhere: bool = False) -> None:
    """Forget the cached rota tables of these homes (or of every home)."""
    keys = [_HOME_VERSION.format(h) for h in home_ids if h is not None]
    if everywhere:
        keys.append(_ALL_VERSION)
    if keys:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)


def _versions(home_id: int) -> str:
    keys = [_HOME_VERSION.format(home_id), _ALL_VERSION]
    found = cache.get_many(keys)
    missing = {key: uuid.uuid4().hex for key in keys if key not in found}
    if missing:
        cache.set_many(missing, timeout=None)
        found.update(missing)
    return f"{found[keys[0]]}.{found[keys[1]]}"


def rota_table(*, unit, start: date, days: int) -> RotaTable:
    """The editable table of a unit's rota for `days` days from `start`, drafts included."""
    from staffrota.rota.queries import rota_grid

    key = _TABLE.format(unit.pk, start.isoformat(), days, "edit", _versions(unit.care_home_id))
    cached = cache.get(key)
    if cached is None:
        grid = rota_grid(unit=unit, start=start, days=days)
        html = render_to_string(
            "web/_rota_table.html", {"unit": unit, "grid": grid, "editable": True}
        )
        cached = {"html": str(html), "vacancies": grid.vacancies, "short_slots": grid.short_slots}
        cache.set(key, cached, timeout=TABLE_TIMEOUT)
    return RotaTable(
        days=[start + timedelta(days=offset) for offset in range(days)],
        vacancies=cached["vacancies"],
        short_slots=cached["short_slots"],
        html=mark_safe(cached["html"]),  # noqa: S308 - rendered by our own template above
    )


def _home_of(instance) -> int | None:
    home_id = getattr(instance, "care_home_id", None)
    if home_id is None and hasattr(instance, "staff_member"):  # a user: their name shows
        try:
            home_id = instance.staff_member.care_home_id
        except Exception:  # noqa: BLE001 - a user with no staff record is on no rota
            return None
    return home_id


def _changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    home_id = _home_of(instance)
    if home_id is None:
        return
    # Now, so this request's next read is current; and after commit, so a reader that
    # rebuilt the table from the old rows in between does not keep it.
    rota_changed([home_id])
    transaction.on_commit(lambda: rota_changed([home_id]))


def _changed_everywhere(sender, instance=None, raw=False, **kwargs):
    if raw:
        return
    rota_changed(everywhere=True)
    transaction.on_commit(lambda: rota_changed(everywhere=True))


def connect_signals() -> None:
    from staffrota.accounts.models import User
    from staffrota.leave.models import LeaveRequest, SicknessAbsence
    from staffrota.organisation.models import (
        JobRole,
        ShiftType,
        StaffingRequirement,
        StaffMember,
        Unit,
    )
    from staffrota.rota.models import Shift

    for model in (
        Shift,
        StaffMember,
        LeaveRequest,
        SicknessAbsence,
        ShiftType,
        StaffingRequirement,
        Unit,
        User,
    ):
        post_save.connect(_changed, sender=model, dispatch_uid=f"rota-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"rota-del-{model.__name__}")
    post_save.connect(_changed_everywhere, sender=JobRole, dispatch_uid="rota-save-JobRole")
    post_delete.connect(_changed_everywhere, sender=JobRole, dispatch_uid="rota-del-JobRole")
