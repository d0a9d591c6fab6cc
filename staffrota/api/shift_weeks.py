"""A unit's shifts as the API lists them, kept a week at a time.

Integrations ask for a unit's shifts over a few days from any first day (the load test: a
week from any of 21 days, on any of a token's 4-15 units), so the page kept for the exact
request is nearly always missing and the list was read and written out afresh. A week of a
unit's shifts, as JSON, is the same for every request that covers it and for every manager
who sees the unit (`queries.shifts_visible` is the unit and nothing else for a manager), so
it is kept once for all of them: under the versions of that week of the unit
(`grid_cache.unit_week_keys`: a shift saved or deleted on a day of it, or the unit's shifts
changed in bulk), of the unit's home (names, shift type codes) and of everyone (role
codes). A vacancy filled in one week leaves the unit's other weeks, and every other unit,
kept. A request then joins the weeks it touches and keeps the days it asked for.
"""

from datetime import date, timedelta
from operator import itemgetter

from django.core.cache import cache

from staffrota.organisation.models import Unit
from staffrota.rota.grid_cache import (
    TABLE_TIMEOUT,
    unit_week_keys,
    version_keys,
    versions_and_entries,
)
from staffrota.rota.kept_sql import kept_rows
from staffrota.rota.models import Shift

# A week's entry: (versions it was built under, the unit's home, its rows), each row
# (starts_at, id, date, JSON, the row read) in the list's order. "2": the entry's shape.
_WEEK = "api:shiftweek2:{}:{}"  # unit, Monday
_ORDER = itemgetter(0, 1)  # the list's order_by("starts_at", "pk")


def mondays_of(first: date, last: date) -> list[date]:
    """The Monday of every week from `first` to `last`."""
    monday = first - timedelta(days=first.weekday())
    mondays = []
    while monday <= last:
        mondays.append(monday)
        monday += timedelta(weeks=1)
    return mondays


def period_version_keys(*, unit_id: int, first: date, last: date, home_ids) -> list[str]:
    """The keys of the versions of a unit's shifts from `first` to `last`, its homes' and
    everyone's: what a page of the unit's shifts of those days depends on."""
    keys = []
    for monday in mondays_of(first, last):
        keys += [key for key in unit_week_keys(unit_id, monday) if key not in keys]
    return keys + version_keys(homes=home_ids)


def unit_shifts_json(
    unit_ids, *, unit_id: int, home_ids, first: date, last: date, columns, to_json
) -> list[dict]:
    """The JSON (`to_json` of a row of `columns`) of the shifts on `unit_ids` (a manager's
    units, as `queries.shifts_visible` limits them) of the unit `unit_id` from `first` to
    `last`, in the list's order, from the unit's weeks kept for every manager who sees the
    unit."""
    mondays = mondays_of(first, last)
    keys = [_WEEK.format(unit_id, monday.isoformat()) for monday in mondays]
    week_keys = {monday: unit_week_keys(unit_id, monday) for monday in mondays}
    homes = {home: version_keys(homes=[home]) for home in home_ids}
    wanted = list(dict.fromkeys(key for keys_ in week_keys.values() for key in keys_))
    wanted += list(dict.fromkeys(key for keys_ in homes.values() for key in keys_))
    # The versions are read before any week is built, so a change meanwhile leaves it
    # stamped as older.
    current, found = versions_and_entries(wanted, keys)

    def stamp(monday: date, home: int) -> str:
        return ".".join(current[key] for key in [*week_keys[monday], *homes[home]])

    weeks = {}
    stale = []
    before = {}
    for monday, key in zip(mondays, keys, strict=True):
        entry = found.get(key)
        if entry is not None and entry[1] in homes and entry[0] == stamp(monday, entry[1]):
            weeks[monday] = entry[2]
        else:
            stale.append(monday)
            if entry is not None:
                before.update((row[1], row) for row in entry[2])
    if stale:
        built = _build_weeks(
            list(unit_ids),
            unit_id=unit_id,
            mondays=stale,
            columns=columns,
            to_json=to_json,
            before=before,
        )
        home, by_monday = built
        weeks.update(by_monday)
        if home in homes:
            cache.set_many(
                {
                    _WEEK.format(unit_id, monday.isoformat()): (
                        stamp(monday, home),
                        home,
                        by_monday[monday],
                    )
                    for monday in stale
                },
                timeout=TABLE_TIMEOUT,
            )
    rows = [row for monday in mondays for row in weeks[monday] if first <= row[2] <= last]
    rows.sort(key=_ORDER)
    return [row[3] for row in rows]


def _week_reader(columns: tuple):
    """The query of a unit's shifts over some days among a manager's units, as `columns`:
    one function per tuple of columns, so that `kept_rows` keeps its SQL once."""
    reader = _READERS.get(columns)
    if reader is None:

        def reader(*, units: list[int], unit: int, first: date, last: date):
            # `units` as `queries.shifts_visible` filters a manager's shifts: a manager sees
            # the shifts of their units and no other, whatever unit was asked for.
            return (
                Shift.objects.filter(unit_id__in=units)
                .filter(unit_id=unit, date__range=(first, last))
                .order_by("starts_at", "pk")
                .values_list(*columns)
            )

        reader = _READERS.setdefault(columns, reader)
    return reader


_READERS: dict[tuple, object] = {}


def _build_weeks(
    unit_ids: list[int], *, unit_id: int, mondays: list[date], columns, to_json, before: dict
):
    """The unit's home and, by Monday, the rows of these weeks: one read of the days from
    the first Monday's to the last one's Sunday, through kept SQL (building and compiling
    the queryset was some 3,300 Python calls of each week read again). `before`: rows of
    these weeks as kept before (by id), whose JSON serves a row read again exactly as it
    was."""
    starts_at, pk, day, home = (
        columns.index(name) for name in ("starts_at", "pk", "date", "care_home_id")
    )
    found = kept_rows(
        _week_reader(tuple(columns)),
        units=unit_ids,
        unit=unit_id,
        first=mondays[0],
        last=mondays[-1] + timedelta(days=6),
    )
    by_monday = {monday: [] for monday in mondays}
    home_id = None
    for row in found:
        monday = row[day] - timedelta(days=row[day].weekday())
        home_id = row[home]
        if monday in by_monday:
            # A fill changes one shift of a week: the JSON of every other row, a pure
            # function of the row, is the one kept (half the cost of a week read again).
            kept = before.get(row[pk])
            shown = kept[3] if kept is not None and kept[4] == row else to_json(row)
            by_monday[monday].append((row[starts_at], row[pk], row[day], shown, row))
    if home_id is None:  # no shift at all in these weeks: the unit's home from the unit
        home_id = Unit.objects.filter(pk=unit_id).values_list("care_home_id", flat=True).first()
    return home_id, by_monday
