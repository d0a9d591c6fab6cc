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

The table without leave is itself joined from pieces of a week each (`grid_weeks`), kept
under the version of their unit's week instead of the unit's: a shift saved or deleted
(a vacancy filled, made vacant) replaces its week's version and the unit's, so the next
view rebuilds that week alone and joins it to the weeks kept. Changes in bulk
(`rota_changed(unit_ids=...)`) replace every week of the unit.

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
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save
from django.template.loader import render_to_string
from django.utils import dateformat, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django_scopes import scopes_disabled

from staffrota.ops.memo import ProcessMemo

TABLE_TIMEOUT = 10 * 60
_UNIT_VERSION = "rota:ver:unit:{}"
# The unit's rota table is kept a week at a time (`grid_weeks`): a shift saved or deleted
# replaces the version of its unit's week (and the unit's version, for the vacancy lists,
# API pages and open shifts of the unit), not every week of the unit's tables. A change
# to a unit's shifts in bulk (`rota_changed(unit_ids=...)`) replaces all of its weeks.
_UNIT_WEEKS_VERSION = "rota:ver:unitweeks:{}"
_WEEK_VERSION = "rota:ver:unitweek:{}:{}"  # the unit, the Monday
# Leave and sickness marks of a unit's people: kept apart from its shifts, so the staff
# asking for and withdrawing leave all day do not throw away the vacancy lists and API
# pages of shifts, which show no leave.
_ABSENCE_VERSION = "rota:ver:absence:{}"
_HOME_VERSION = "rota:ver:{}"
_PERSON_VERSION = "rota:ver:person:{}"
_ALL_VERSION = "rota:ver:all"  # roles are shared by every home, and bulk loads touch all
_TABLE = "rota:table:{}:{}:{}:{}"
# The same table without its leave marks, under the unit's shifts version only: leave
# asked for or withdrawn on the unit (every few seconds under load) then costs reading the
# leave and filling the marks in, not rebuilding a thousand cells.
_TABLE_SHIFTS = "rota:tableshifts:{}:{}:{}:{}:{}"
_WEEK_PIECE = "rota:weekpiece:{}:{}:{}:{}"  # unit, first day, days, versions
# The same pieces by what they show (`_shown_keys`): under load a vacancy filled is made
# vacant again at once, and the week of before is then not built again.
_WEEK_SHOWN = "rota:weekshown:{}:{}:{}:{}"  # unit, first day, days, digest
# What a week piece needs besides the week's shifts (`queries.UnitInputs`: the unit's
# people, shift types, roles, minimums), kept under the home's and everyone's versions,
# which any change of those rows replaces: a fill rebuilds its week from the week's
# shifts alone. Kept reaching back `_INPUTS_REACH` before today; an older period reads its
# own.
# "2": kept as (when it runs out, the inputs).
_UNIT_INPUTS = "rota:gridinputs2:{}:{}"  # unit, versions
_INPUTS_REACH = timedelta(weeks=8)
# The same inputs as this process last read them, by the same key (the versions in it
# change with any change of those rows), until the entry runs out: unpickling a unit's
# people and shift types (model instances) was some 1,300 Python calls of every rebuild
# of a week. Only read, never changed, by the grids built from them. An entry is some
# 20 KB pickled (the demo's largest units): a few hundred are a few megabytes a process.
_INPUTS_READ = ProcessMemo(most=200)
# The leave marks of a table's people for its period, under the unit's absence version:
# a fill changes the table's shifts, not anyone's leave.
_TABLE_LEAVE = "rota:tableleave:{}:{}:{}:{}"  # unit, first day, days, absence and people
_MINE = "rota:mine:{}:{}:{}"
_VACANCIES = "rota:vacancies:{}:{}"
_UNIT_GROUPS = "rota:unitgroups:{}"
_OPEN_SHIFTS = "rota:openhtml:{}:{}:{}"
_UNIT_CHOICE = "rota:unitchoice:{}"


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
    unit_days: Iterable[tuple[int | None, date]] = (),
    everywhere: bool = False,
) -> None:
    """Forget the cached rota tables of these units, these homes (or of every home), and
    the cached own shifts of these people. `absence_unit_ids`: only leave or sickness of
    someone on these units changed, not their shifts. `unit_days`: (unit, day) pairs where
    only shifts of that day changed: the unit's other weeks of its table are kept."""
    keys = [_HOME_VERSION.format(h) for h in home_ids if h is not None]
    for u in unit_ids:
        if u is not None:
            keys += [_UNIT_VERSION.format(u), _UNIT_WEEKS_VERSION.format(u)]
    for u, day in unit_days:
        if u is not None:
            keys += [_UNIT_VERSION.format(u), _week_key(u, day)]
    keys += [_ABSENCE_VERSION.format(u) for u in absence_unit_ids if u is not None]
    keys += [_PERSON_VERSION.format(s) for s in staff_ids if s is not None]
    if everywhere:
        keys.append(_ALL_VERSION)
    if keys:
        cache.set_many({key: uuid.uuid4().hex for key in keys}, timeout=None)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _week_key(unit_id: int, day) -> str:
    if isinstance(day, str):  # a date not yet parsed by a save (the field takes strings)
        day = date.fromisoformat(day)
    elif isinstance(day, datetime):
        day = day.date()
    return _WEEK_VERSION.format(unit_id, _monday(day).isoformat())


def _current(keys: list[str]) -> str:
    return ".".join(_versions_in(cache.get_many(keys), keys))


def _versions_in(found: dict, keys: list[str]) -> list[str]:
    """The versions under `keys` in what a get_many `found`; a version not there (never
    set, or evicted) is set to a new random one, which no kept entry can carry."""
    missing = {key: uuid.uuid4().hex for key in keys if key not in found}
    if missing:
        cache.set_many(missing, timeout=None)
        found.update(missing)
    return [found[key] for key in keys]


def _kept(version_keys: list[str], key: str, build, timeout: int = TABLE_TIMEOUT):
    """What `build(versions)` returns, kept under `key` with the versions it was built
    under: the versions and the entry come in one round trip (a page read then costs one,
    not two), and an entry stamped with any other versions is built again. The versions
    are read before `build` reads the database, so a change meanwhile leaves it stamped as
    older."""
    found = cache.get_many([*version_keys, key])
    current = _versions_in(found, version_keys)
    versions = ".".join(current)
    entry = found.get(key)
    if entry is not None and entry[0] == versions:
        return entry[1]
    value = build(current)
    cache.set(key, (versions, value), timeout=timeout)
    return value


def versions_of(*, units=(), homes=(), people=(), absences=()) -> str:
    """One string that changes whenever anything of these units' shifts, these homes or
    these people (or of everyone) changes, and the leave or sickness of anyone on the units
    in `absences`: for caches of other pages and API lists built on the same signals."""
    return _current(version_keys(units=units, homes=homes, people=people, absences=absences))


def version_keys(*, units=(), homes=(), people=(), absences=()) -> list[str]:
    """The keys of the versions `versions_of` reads, for `kept`."""
    return (
        [_UNIT_VERSION.format(u) for u in sorted(set(units))]
        + [_ABSENCE_VERSION.format(u) for u in sorted(set(absences))]
        + [_HOME_VERSION.format(h) for h in sorted(set(homes))]
        + [_PERSON_VERSION.format(p) for p in sorted(set(people))]
        + [_ALL_VERSION]
    )


def unit_week_keys(unit_id: int, monday: date) -> list[str]:
    """The keys of the versions of one week of a unit's shifts (from `monday`): a shift
    saved or deleted on a day of it, or the unit's shifts changed in bulk, replace one of
    them; a change in another week of the unit does not (its own version is replaced by
    every change of the unit's shifts). For other caches of a unit's shifts by week."""
    return [_UNIT_WEEKS_VERSION.format(unit_id), _week_key(unit_id, monday)]


def versions_and_entries(version_keys: list[str], keys: list[str]) -> tuple[dict, dict]:
    """The current versions under `version_keys` (one not there set anew, as `_kept` does)
    and the entries found under `keys`, in one round trip: for caches made of pieces kept
    under versions of their own."""
    found = cache.get_many([*version_keys, *keys])
    current = dict(zip(version_keys, _versions_in(found, version_keys), strict=True))
    return current, {key: found[key] for key in keys if key in found}


def kept(version_keys: list[str], key: str, build, timeout: int = TABLE_TIMEOUT):
    """`_kept` for other caches on the same versions (API lists): `build()` takes nothing."""
    return _kept(version_keys, key, lambda _versions: build(), timeout)


def rota_table(*, unit, start: date, days: int) -> RotaTable:
    """The editable table of a unit's rota for `days` days from `start`, drafts included."""
    from staffrota.rota.grid_weeks import blocks_of

    # Every week the period touches (a period from a Wednesday touches two a piece).
    mondays = sorted(
        {
            _monday(first + timedelta(days=n))
            for first, length in blocks_of(start, days)
            for n in (0, length - 1)
        }
    )
    keys = [
        _UNIT_WEEKS_VERSION.format(unit.pk),
        _ABSENCE_VERSION.format(unit.pk),
        _HOME_VERSION.format(unit.care_home_id),
        _ALL_VERSION,
        *(_WEEK_VERSION.format(unit.pk, monday.isoformat()) for monday in mondays),
    ]

    def with_leave(versions):
        # Every version but the absences: the table without leave marks survives leave.
        weeks, absence, home, everyone, *week = versions
        found = dict(zip(mondays, week, strict=True))
        return _table_with_leave(
            unit=unit,
            start=start,
            days=days,
            common=[weeks, home, everyone],
            weeks=found,
            absence=absence,
        )

    cached = _kept(keys, _TABLE.format(unit.pk, start.isoformat(), days, "edit"), with_leave)
    return RotaTable(
        days=[start + timedelta(days=offset) for offset in range(days)],
        vacancies=cached["vacancies"],
        short_slots=cached["short_slots"],
        html=mark_safe(cached["html"]),  # noqa: S308 - rendered by our own code (grid_weeks)
    )


def _table_with_leave(
    *, unit, start: date, days: int, common: list[str], weeks: dict, absence: str
) -> dict:
    """The table without leave (kept under every version but the unit's absences: `common`
    and the versions of its `weeks` by Monday), with the leave of its people marked in
    (kept under the unit's `absence` version and the people)."""
    from staffrota.leave.queries import absence_labels  # leave builds on the rota, not back
    from staffrota.rota.grid_html import fill_leave

    # Five weeks of versions make a long key: their digest names them just as exactly.
    versions = hashlib.sha256(".".join([*common, *weeks.values()]).encode()).hexdigest()
    key = _TABLE_SHIFTS.format(unit.pk, start.isoformat(), days, "edit", versions)
    bare = cache.get(key)
    if bare is None:
        bare = _table_from_weeks(unit=unit, start=start, days=days, common=common, weeks=weeks)
        cache.set(key, bare, timeout=TABLE_TIMEOUT)
    day_list = [start + timedelta(days=offset) for offset in range(days)]
    people = ",".join(map(str, sorted(bare["people"])))
    leave_key = _TABLE_LEAVE.format(
        unit.pk,
        start.isoformat(),
        days,
        hashlib.sha256(f"{absence}:{people}".encode()).hexdigest(),
    )
    labels = cache.get(leave_key)
    if labels is None:
        labels = dict(absence_labels(bare["people"], day_list[0], day_list[-1]))
        cache.set(leave_key, labels, timeout=TABLE_TIMEOUT)
    return {
        "html": fill_leave(bare["html"], day_list, labels),
        "vacancies": bare["vacancies"],
        "short_slots": bare["short_slots"],
    }


def _table_from_weeks(*, unit, start: date, days: int, common: list[str], weeks: dict) -> dict:
    """The table without leave joined from its weeks' pieces: those kept under the
    versions read (`common` and the week's own), the others built in one read of the days
    from the first missing to the last."""
    from django.urls import reverse

    from staffrota.rota.grid_weeks import blocks_of, joined_table, week_pieces
    from staffrota.rota.queries import period_rows, rota_grid

    blocks = blocks_of(start, days)
    keys = []
    for first, length in blocks:
        last = first + timedelta(days=length - 1)
        stamp = ".".join([*common, weeks[_monday(first)], weeks[_monday(last)]])
        keys.append(_WEEK_PIECE.format(unit.pk, first.isoformat(), length, stamp))
    _weeks, home, everyone = common
    found = cache.get_many(keys)
    missing = [n for n, key in enumerate(keys) if key not in found]
    cell_url = reverse("rota_cell", args=[unit.pk])
    if missing:
        first_day = blocks[missing[0]][0]
        last_first, last_length = blocks[missing[-1]]
        span = (last_first - first_day).days + last_length
        rows = period_rows(
            unit_id=unit.pk, first=first_day, last=first_day + timedelta(days=span - 1)
        )
        # Each piece to rebuild is also kept by the rows it shows (and every version but
        # its week's): a fill undone brings back the week of before, whose piece is then
        # reused. The rows digested are the rows built from, read once: a fill meanwhile
        # changes neither.
        span_keys = keys[missing[0] : missing[-1] + 1]
        shown_keys = _shown_keys(unit.pk, blocks_of(first_day, span), rows, common)
        shown = cache.get_many([shown_keys[n - missing[0]] for n in missing])
        if all(shown_keys[n - missing[0]] in shown for n in missing):
            fresh = {keys[n]: shown[shown_keys[n - missing[0]]] for n in missing}
        else:
            inputs = _kept_inputs(
                unit, _UNIT_INPUTS.format(unit.pk, f"{home}.{everyone}"), first_day
            )
            grid = rota_grid(
                unit=unit,
                start=first_day,
                days=span,
                with_leave=False,
                light=True,
                inputs=inputs,
                rows=rows,
            )
            built = week_pieces(grid, cell_url)
            fresh = dict(zip(span_keys, built, strict=True))
            fresh.update(zip(shown_keys, built, strict=True))
        if len(fresh) <= 2:  # a week after a fill: a plain SET costs a tenth of a pipeline
            for key, piece in fresh.items():
                cache.set(key, piece, timeout=TABLE_TIMEOUT)
        else:
            cache.set_many(fresh, timeout=TABLE_TIMEOUT)
        found.update(fresh)
    return joined_table(
        unit=unit, start=start, days=days, pieces=[found[key] for key in keys], cell_url=cell_url
    )


def _shown_keys(unit_id: int, blocks, rows: list[tuple], common: list[str]) -> list[str]:
    """The keys of `blocks`' pieces by what they show: the unit, the block, the digest of
    its rows (of `queries.period_rows`, in order) and `common` (the versions of the unit's
    shifts in bulk, its home and everyone's: its people, names, shift types, minimums,
    roles). A piece is made of nothing else: its rows, its unit's inputs, and the records
    of people of the home (under its version) covering from other units."""
    from staffrota.rota.grid_weeks import WEEK

    by_block: list[list[tuple]] = [[] for _ in blocks]
    first_day = blocks[0][0]
    for row in rows:  # rows[1]: the shift's day
        by_block[(row[1] - first_day).days // WEEK].append(row)
    stamp = ".".join(common)
    return [
        _WEEK_SHOWN.format(
            unit_id,
            first.isoformat(),
            length,
            hashlib.sha256(f"{stamp}:{block!r}".encode()).hexdigest(),
        )
        for (first, length), block in zip(blocks, by_block, strict=True)
    ]


def _kept_inputs(unit, key: str, first_day: date):
    """The unit's grid inputs (`queries.UnitInputs`) covering `first_day`, kept under
    `key` (its home's and everyone's versions): as this process last read them while the
    entry holds, else from the cache, else read and kept. Only a week to rebuild needs
    them, so they are not read with the weeks' pieces."""
    from staffrota.rota.queries import unit_inputs

    now = time.time()
    held = _INPUTS_READ.get(key)
    if held is None or held[0] <= now or not held[1].covers(first_day):
        held = cache.get(key)
        if held is None or held[0] <= now or not held[1].covers(first_day):
            since = min(first_day, timezone.localdate() - _INPUTS_REACH)
            # Kept with the time it runs out, so that no process holds it longer.
            held = (now + TABLE_TIMEOUT, unit_inputs(unit=unit, since=since, visitors=True))
            cache.set(key, held, timeout=TABLE_TIMEOUT)
        _INPUTS_READ.keep(key, held)
    return held[1]


def my_shifts_html(*, staff_id: int, home_id: int, start: date, days: int = 28) -> SafeString:
    """The body of "My shifts" for one person: their published shifts and their leave for
    `days` days from `start`. Keyed by the person: only ever asked for with the requester's
    own staff id (`request.access.staff_id`)."""
    html = _kept(
        [_PERSON_VERSION.format(staff_id), _HOME_VERSION.format(home_id), _ALL_VERSION],
        _MINE.format(staff_id, start.isoformat(), days),
        lambda _versions: _my_shifts_render(staff_id=staff_id, start=start, days=days),
    )
    return mark_safe(html)  # noqa: S308 - written and escaped by rota/my_shifts.py


def _my_shifts_render(*, staff_id: int, start: date, days: int) -> str:
    from staffrota.rota.my_shifts import my_shifts_body

    return my_shifts_body(staff_id=staff_id, start=start, days=days)


def vacancy_list_html(
    *, unit_ids, home_ids, start: date, page, unit_value: str = "", days: int = 28
) -> SafeString:
    """The vacancy table of these units (a page of it) and its pager. The key names every
    unit, so only someone who sees exactly these units is given it; it is replaced when a
    shift on any of them, or anything of their homes, changes."""
    from staffrota.rota.grid_html import vacancy_rows
    from staffrota.rota.vacancies import page_fingerprint, vacancy_page

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
        many_homes = len(homes) > 1
        # The table rendered is also kept by what it shows (`page_fingerprint`): a
        # vacancy filled then made vacant again brings back the list of before, whose
        # HTML is then reused rather than rendered again.
        fingerprint = page_fingerprint(paged, many_homes=many_homes, unit_value=unit_value)
        shown = f"rota:vacancies-shown:{who}:{fingerprint}"
        html = cache.get(shown)
        if html is None:
            html = str(
                render_to_string(
                    "rota/_vacancy_table.html",
                    {
                        "page": paged,
                        "rows": vacancy_rows(paged.object_list, many_homes=many_homes),
                        "unit_value": unit_value,
                    },
                )
            )
            cache.set_many({key: html, shown: html}, timeout=TABLE_TIMEOUT)
        else:
            cache.set(key, html, timeout=TABLE_TIMEOUT)
    return mark_safe(html)  # noqa: S308 - rendered by our own template


def unit_groups_html(*, unit_ids, home_ids, home_id: int | None = None) -> SafeString:
    """The list of these units (of one home of them, if `home_id`), by home, with links to
    their rotas. The key names every unit, so only someone seeing exactly these gets it."""
    from staffrota.organisation.models import Unit

    units, homes = sorted(set(unit_ids)), sorted(set(home_ids))

    def build(_versions):
        shown = Unit.objects.filter(pk__in=units).select_related("care_home")
        if home_id is not None:
            shown = shown.filter(care_home_id=home_id)
        return str(render_to_string("web/_unit_groups.html", {"units": shown}))

    who = hashlib.sha256(f"{units}{homes}{home_id}".encode()).hexdigest()
    html = _kept(_home_keys(homes), _UNIT_GROUPS.format(who), build)
    return mark_safe(html)  # noqa: S308 - rendered by our own template


def _home_keys(homes) -> list[str]:
    return [_HOME_VERSION.format(h) for h in homes] + [_ALL_VERSION]


# Where each claim form gets this request's CSRF field (never cached).
CSRF_PLACEHOLDER = "<!-- csrf field -->"


def open_shifts_html(*, staff_id: int, home_id: int, staff, today: date) -> str:
    """The list of open shifts the person `staff_id` of home `home_id` may claim
    (offers.open_shifts_for), their record read by `staff()` only when it is built, with
    `CSRF_PLACEHOLDER` where each claim form's CSRF field goes; found afresh when anything
    it depends on changed: the person (their shifts, leave, the units they cover), their
    home (unit names, shift types), everyone's (roles), or the shifts and offers of the
    units they work on. Those units are kept in the entry and their versions checked on
    each read."""
    from staffrota.rota.offers import open_shifts_for

    key, entry = _person_entry(_OPEN_SHIFTS, staff_id, home_id, today)
    if entry is not None:
        return entry["html"]
    from staffrota.rota import self_service
    from staffrota.rota.rules import ROLE_COVERS

    # Most days nothing is offered: the person's record (some 100 columns) and the rules
    # check are read only when something is.
    person = self_service.person_row(staff_id)
    if person is None:  # not found here: their record read as the page always did it
        record = staff()
        person = (record.home_unit_id, None, None, record.job_role.code)
    home_unit_id, _home, _role_id, role_code = person
    units = [home_unit_id, *self_service.covered_units(staff_id)]  # as open_shift_units
    # Read before the shifts: a change meanwhile leaves this entry stamped as older.
    unit_versions = _current([_UNIT_VERSION.format(u) for u in units])
    roles = ROLE_COVERS.get(role_code, {role_code})
    if self_service.anything_offered(units=units, roles=roles, today=today):
        shifts = open_shifts_for(staff(), today=today, units=units)
        html = str(
            render_to_string(
                "rota/_open_shift_list.html",
                {"shifts": shifts, "csrf_placeholder": mark_safe(CSRF_PLACEHOLDER)},  # noqa: S308
            )
        ).strip()
    else:
        html = self_service.empty_list_html("rota/_open_shift_list.html", CSRF_PLACEHOLDER)
    cache.set(
        key, {"units": units, "unit_versions": unit_versions, "html": html}, timeout=TABLE_TIMEOUT
    )
    return html


def unit_choice_html(*, unit_ids, home_ids, build) -> SafeString:
    """The unit filter's select of these units as `build()` renders it (an unbound form),
    kept under their homes' and everyone's versions; the key names every unit."""
    units, homes = sorted(set(unit_ids)), sorted(set(home_ids))
    who = hashlib.sha256(f"{units}{homes}".encode()).hexdigest()
    html = _kept(_home_keys(homes), _UNIT_CHOICE.format(who), lambda _versions: str(build()))
    return mark_safe(html)  # noqa: S308 - rendered by the form's own widget


# "2": its entries also hold the unit and role (entries of the first shape are never read).
_SWAP_MINE = "rota:swapmine2:{}:{}:{}"
_SWAP_THEIRS = "rota:swaptheirs:{}:{}:{}:{}"
# The colleagues' shifts offered in the swap form: a person's own shifts are left out when
# served, so one list per unit and role does for all its people.
_THEIRS_SHOWN = 200
SWAP_CSRF_PLACEHOLDER = CSRF_PLACEHOLDER  # where each swap's answer form gets its field


def swap_page_parts(*, staff_id: int, home_id: int, staff, today: date) -> dict[str, str]:
    """The swap page's parts for one person: the options of their own published shifts to
    come ("mine"), their unit's colleagues' shifts in their role for six weeks ("theirs")
    and the list of their swaps ("swaps", with `SWAP_CSRF_PLACEHOLDER` where each form's
    CSRF field goes). `staff_id` and `home_id` are the requester's; `staff()` reads their
    record (with `home_unit`) only when their own parts must be built, which keep the unit
    and role the colleagues' shifts are found by.

    The colleagues' shifts are kept per unit and role (the same for everyone on it, the
    person's own left out here) under the unit's, its home's and everyone's versions; the
    rest per person under their own, their home's and everyone's versions, and the
    versions of the units their swaps' shifts are on (checked on each read, as the open
    shifts do): a swap proposed, answered or decided replaces both people's versions."""
    mine = _swap_mine(staff_id=staff_id, home_id=home_id, staff=staff, today=today)
    unit_id, role_id, unit_home_id = mine["unit_id"], mine["role_id"], mine["unit_home_id"]
    theirs = ""
    if unit_id is not None:
        rows, complete = _swap_theirs(
            unit_id=unit_id, role_id=role_id, home_id=unit_home_id, today=today
        )
        shown = [html for holder, html in rows if holder != staff_id][:_THEIRS_SHOWN]
        if len(shown) < _THEIRS_SHOWN and not complete:  # many of the kept rows were theirs
            rows, _ = _swap_theirs_rows(unit_id, role_id, today, exclude=staff_id)
            shown = [html for _, html in rows]
        theirs = "".join(shown)
    return {"mine": mine["mine"], "theirs": theirs, "swaps": mine["swaps"]}


def _person_entry(key_format: str, staff_id: int, home_id: int, today: date):
    """The key of a person's entry and the entry, or None when there is none or it is out
    of date: it is kept under the person's, their home's and everyone's versions, and holds
    good only while the units it names (`units`) are at the versions it was built under
    (`unit_versions`), checked on each read."""
    versions = _current(
        [_PERSON_VERSION.format(staff_id), _HOME_VERSION.format(home_id), _ALL_VERSION]
    )
    key = key_format.format(staff_id, today.isoformat(), versions)
    entry = cache.get(key)
    if (
        entry is not None
        and _current([_UNIT_VERSION.format(u) for u in entry["units"]]) == entry["unit_versions"]
    ):
        return key, entry
    return key, None


def _swap_mine(*, staff_id: int, home_id: int, staff, today: date) -> dict:
    key, entry = _person_entry(_SWAP_MINE, staff_id, home_id, today)
    if entry is not None:
        return entry
    from staffrota.rota import self_service

    # Their record changing replaces their home's version, so the unit and role kept here
    # hold as long as the entry does. Most people have no swap: their record and swaps
    # (model instances) are read only when they have one.
    person = self_service.person_row(staff_id)
    if person is not None and not self_service.has_swaps(staff_id):
        unit_id, unit_home_id, role_id, _role_code = person
        entry = {
            "mine": _swap_options(self_service.future_shifts(staff_id, today)),
            "swaps": self_service.empty_list_html("rota/_swap_list.html", SWAP_CSRF_PLACEHOLDER),
            "units": [],
            "unit_versions": _current([]),
            "unit_id": unit_id,
            "role_id": role_id,
            "unit_home_id": unit_home_id,
        }
        cache.set(key, entry, timeout=TABLE_TIMEOUT)
        return entry
    record = staff()
    entry = _swap_mine_render(staff=record, today=today)
    entry["unit_id"], entry["role_id"] = record.home_unit_id, record.job_role_id
    entry["unit_home_id"] = (
        record.home_unit.care_home_id if record.home_unit_id else record.care_home_id
    )
    cache.set(key, entry, timeout=TABLE_TIMEOUT)
    return entry


def _swap_theirs(*, unit_id: int, role_id: int, home_id: int, today: date):
    versions = _current(
        [_UNIT_VERSION.format(unit_id), _HOME_VERSION.format(home_id), _ALL_VERSION]
    )
    key = _SWAP_THEIRS.format(unit_id, role_id, today.isoformat(), versions)
    entry = cache.get(key)
    if entry is None:
        # A few more than are shown: the person asking may hold some of them.
        entry = _swap_theirs_rows(unit_id, role_id, today, limit=_THEIRS_SHOWN + 50)
        cache.set(key, entry, timeout=TABLE_TIMEOUT)
    return entry


def _day_short(day: date, memo: dict) -> str:
    # As the template's {{ date|date:"D j M" }}, worked out once per day.
    if day not in memo:
        memo[day] = dateformat.format(day, "D j M")
    return memo[day]


def _theirs(unit_id: int, role_id: int, after: date, until: date, exclude=None, limit=None):
    from staffrota.rota.models import Shift, ShiftStatus

    shifts = Shift.objects.filter(
        unit=unit_id,
        job_role=role_id,
        status=ShiftStatus.PUBLISHED,
        date__gt=after,
        date__lte=until,
        staff__isnull=False,
    )
    if exclude is not None:
        shifts = shifts.exclude(staff=exclude)
    return shifts.order_by("starts_at", "pk").values_list(
        "pk",
        "date",
        "staff_id",
        "shift_type__name",
        "staff__user__first_name",
        "staff__user__last_name",
        "staff__sap_number",
        "job_role__name",
    )[: limit + 1]


def _theirs_kept(unit_id: int, role_id: int, after: date, until: date):
    # The list kept per unit and role: a few more than are shown (the person asking may
    # hold some of them), its SQL written once per process (`kept_rows`, which needs
    # every value that varies passed in, the last day too).
    return _theirs(unit_id, role_id, after, until, limit=_THEIRS_SHOWN + 50)


def _swap_theirs_rows(unit_id: int, role_id: int, today: date, *, exclude=None, limit=None):
    """(holder, option) for the published shifts of this unit and role held by someone,
    from tomorrow to six weeks ahead, in order; and whether that is all of them."""
    from staffrota.rota.kept_sql import kept_rows

    limit = limit or _THEIRS_SHOWN
    until = today + timedelta(weeks=6)
    if exclude is None and limit == _THEIRS_SHOWN + 50:
        found = kept_rows(_theirs_kept, unit_id=unit_id, role_id=role_id, after=today, until=until)
    else:
        found = list(_theirs(unit_id, role_id, today, until, exclude=exclude, limit=limit))
    memo: dict = {}
    rows = []
    for pk, day, holder, type_name, first, last, sap, role_name in found[:limit]:
        name = f"{first} {last}".strip() or sap  # as StaffMember.full_name
        rows.append(
            (
                holder,
                f'<option value="{pk}">{_day_short(day, memo)} {escape(type_name)} · '
                f"{escape(name)} ({escape(role_name)})</option>",
            )
        )
    return rows, len(found) <= limit


def _swap_options(mine) -> str:
    """The options of the person's own shifts, from (id, day, shift type name)."""
    memo: dict = {}
    return "".join(
        f'<option value="{pk}">{_day_short(day, memo)} {escape(type_name)}</option>'
        for pk, day, type_name in mine
    )


def _swap_mine_render(*, staff, today: date) -> dict:
    from staffrota.rota.models import Shift, ShiftStatus, ShiftSwap

    mine = (
        Shift.objects.filter(staff=staff, status=ShiftStatus.PUBLISHED, date__gt=today)
        .order_by("starts_at", "pk")
        .values_list("pk", "date", "shift_type__name")[:40]
    )
    options = _swap_options(mine)
    swaps = list(
        (ShiftSwap.objects.filter(proposer=staff) | ShiftSwap.objects.filter(colleague=staff))
        .select_related(
            "proposer__user",
            "colleague__user",
            "proposer_shift__shift_type",
            "colleague_shift__shift_type",
        )
        .order_by("-created_at")[:50]
    )
    units = sorted(
        {s.proposer_shift.unit_id for s in swaps} | {s.colleague_shift.unit_id for s in swaps}
    )
    # The units are known only from the swaps, so their versions are read just after: a
    # change to one of these shifts committed in between would be missed until the next
    # (the holder's own version, bumped by that change, covers every shift not yet swapped).
    unit_versions = _current([_UNIT_VERSION.format(u) for u in units])
    html = render_to_string(
        "rota/_swap_list.html",
        {
            "swaps": swaps,
            "me": staff,
            "csrf_placeholder": mark_safe(SWAP_CSRF_PLACEHOLDER),  # noqa: S308 - ours
        },
    )
    return {
        "mine": options,
        "swaps": str(html).strip(),
        "units": units,
        "unit_versions": unit_versions,
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


def _refresh(home_ids=(), unit_ids=(), staff_ids=(), absence_unit_ids=(), unit_days=()) -> None:
    # Now, so this request's next read is current; and after commit, so a reader that
    # rebuilt the table from the old rows in between does not keep it.
    changed = {
        "home_ids": list(home_ids),
        "unit_ids": list(unit_ids),
        "staff_ids": list(staff_ids),
        "absence_unit_ids": list(absence_unit_ids),
        "unit_days": list(unit_days),
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
    """Remember who held the shift, and its unit and day, before this save: a shift that
    moves from one person to another (or becomes vacant) leaves the old holder's own
    shifts changed too, and one moved to another day or unit leaves that week changed."""
    if raw or instance.pk is None or instance._state.adding:
        return
    from staffrota.rota.kept_sql import kept_rows

    # Through kept SQL: every fill and every shift made vacant saves a shift, and writing
    # this one-row query cost ten times reading it.
    with scopes_disabled():
        rows = kept_rows(_holder_rows, pk=instance.pk)
    instance._rota_before = rows[0] if rows else None


def _holder_rows(pk: int):
    from staffrota.rota.models import Shift

    return Shift.objects.filter(pk=pk).order_by("pk").values_list("staff_id", "unit_id", "date")[:1]


def _shift_changed(sender, instance, raw=False, **kwargs):
    if raw:
        return
    holders = {instance.staff_id}
    days = {(instance.unit_id, instance.date)}
    before = getattr(instance, "_rota_before", None)
    if before is not None:
        holders.add(before[0])
        days.add((before[1], before[2]))
    _refresh(unit_days=days, staff_ids=holders)


def _absence_changed(sender, instance, raw=False, **kwargs):
    """Leave or sickness marks the person's row on their own unit and on any unit where
    they hold a shift in those days."""
    if raw:
        return
    from staffrota.rota.kept_sql import kept_rows

    last = getattr(instance, "end_date", None) or getattr(instance, "expected_end_date", None)
    # A leave request is saved twice in one transaction (asked, then decided): the units
    # found for the same person and days at the first save serve the second. Forgotten at
    # commit (at once outside a transaction), so a later save looks again.
    memo = (instance.staff_id, instance.start_date, last)
    known = instance.__dict__.get("_rota_absence_units")
    if known is not None and known[0] == memo:
        _refresh(absence_unit_ids=known[1], staff_ids=[instance.staff_id])
        return
    # The person as loaded with the row (a unit moved since is covered by the home's
    # version, which any change of a staff record replaces), else read. Both reads through
    # kept SQL: every leave asked for or withdrawn runs them, and writing them cost ten
    # times reading them.
    staff = instance._state.fields_cache.get("staff")
    first = _as_date(instance.start_date)
    with scopes_disabled():
        if staff is not None and staff.pk == instance.staff_id:
            units = {staff.home_unit_id}
        else:
            found = kept_rows(_home_unit_rows, pk=instance.staff_id)
            units = {found[0][0] if found else None}
        if last is None:
            rows = kept_rows(_absent_units_from, staff_id=instance.staff_id, first=first)
        else:
            rows = kept_rows(
                _absent_units_between, staff_id=instance.staff_id, first=first, last=_as_date(last)
            )
        units.update(unit_id for (unit_id,) in rows)
    instance.__dict__["_rota_absence_units"] = (memo, units)
    transaction.on_commit(lambda: instance.__dict__.pop("_rota_absence_units", None))
    _refresh(absence_unit_ids=units, staff_ids=[instance.staff_id])


def _as_date(day) -> date:
    # A date not yet parsed by a save (the field takes strings), as the query would read it.
    if isinstance(day, str):
        return date.fromisoformat(day)
    return day.date() if isinstance(day, datetime) else day


def _home_unit_rows(pk: int):
    from staffrota.organisation.models import StaffMember

    return StaffMember.objects.filter(pk=pk).order_by("pk").values_list("home_unit_id")[:1]


# No ordering: the shifts' default one would make DISTINCT run over their start times too,
# one row a shift instead of one a unit.
def _absent_units_from(staff_id: int, first: date):
    from staffrota.rota.models import Shift

    shifts = Shift.objects.filter(staff_id=staff_id, date__gte=first)
    return shifts.order_by().values_list("unit_id").distinct()


def _absent_units_between(staff_id: int, first: date, last: date):
    from staffrota.rota.models import Shift

    shifts = Shift.objects.filter(staff_id=staff_id, date__gte=first, date__lte=last)
    return shifts.order_by().values_list("unit_id").distinct()


def _offer_changed(sender, instance, raw=False, **kwargs):
    """An open shift offered, claimed or withdrawn: the open shifts of its unit change."""
    if raw:
        return
    from staffrota.rota.models import Shift

    with scopes_disabled():
        unit_id = Shift.objects.filter(pk=instance.shift_id).values_list("unit_id", flat=True)
        _refresh(unit_ids=list(unit_id))


def _swap_changed(sender, instance, raw=False, **kwargs):
    """A swap proposed, answered, decided or withdrawn: both people's swap lists change."""
    if not raw:
        _refresh(staff_ids=[instance.proposer_id, instance.colleague_id])


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
    from staffrota.rota.models import OpenShiftOffer, Shift, ShiftSwap

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
    post_save.connect(_swap_changed, sender=ShiftSwap, dispatch_uid="rota-save-ShiftSwap")
    post_delete.connect(_swap_changed, sender=ShiftSwap, dispatch_uid="rota-del-ShiftSwap")
    post_save.connect(_cover_changed, sender=UnitCover, dispatch_uid="rota-save-UnitCover")
    post_delete.connect(_cover_changed, sender=UnitCover, dispatch_uid="rota-del-UnitCover")
    post_save.connect(_changed_everywhere, sender=JobRole, dispatch_uid="rota-save-JobRole")
    post_delete.connect(_changed_everywhere, sender=JobRole, dispatch_uid="rota-del-JobRole")
