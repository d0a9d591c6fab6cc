"""Completed months' figures per home: stored once, recomputed only for the month that changed.

The cost history (a year of shifts grouped by home, month, source and role) was most of a
cold dashboard. A completed month's figures change only when someone edits that month, so
each (home, month) is kept in `HomeMonth` and `months_closed_many` computes just the pairs
that are missing or changed since, in one batch. The current month is never stored.

Writers: `signals` calls `months_touch` for every save or delete of a shift, agency booking,
demand record or incident, in the writer's own transaction; only changes dated in a completed
month write anything (one upsert). Bulk writes that bypass signals must call it themselves
(`rota_publish` sends `rota.signals.shifts_bulk_changed`). A month is stored only once it
ended an hour ago (SETTLE), so a change to it committed just after midnight, when its writer
still saw it as the current month, is not missed.

Costs are computed with the pay rates in force when a month is computed; a later pay rise
does not rewrite completed months (an edit in a month recomputes that month at today's
rates, as the live figures always have: the shift does not record the rate it was paid at).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from staffrota.compliance.queries import add_months
from staffrota.dashboards.models import HomeMonth
from staffrota.dashboards.stats import MonthFigures, local_midnight, month_figures_compute

log = logging.getLogger(__name__)


# A month is stored only this long after it ends: a change made just before midnight (when
# its month was still the current one, so nothing was marked) has committed by then.
SETTLE = timedelta(hours=1)


def month_is_closed(month: date, today: date) -> bool:
    """True for months before today's: only their changes need marking."""
    return month < today.replace(day=1)


def month_is_settled(month: date, now: datetime) -> bool:
    """True once the month ended at least SETTLE ago: its figures may be stored."""
    return local_midnight(add_months(month, 1)) + SETTLE <= now


def months_touch(*, home_id: int | None, days: Iterable[date | None]) -> None:
    """Mark the completed months holding these days as changed for this home.

    Call inside the transaction that changes the rows: the generation goes up under the same
    row lock, so a reader that computed the month from the old rows cannot store it as current.
    """
    today = timezone.localdate()
    months = sorted(
        {day.replace(day=1) for day in days if day is not None and month_is_closed(day, today)}
    )
    if home_id is None or not months:
        return
    table = connection.ops.quote_name(HomeMonth._meta.db_table)
    values = ", ".join(["(%s, %s, 1)"] * len(months))
    params: list = []
    for month in months:
        params += [home_id, month]
    # The same statement on PostgreSQL and SQLite (3.24+). An insert too: a reader that is
    # creating the row right now must see its computation marked out of date. Only the
    # quoted table name and placeholders are formatted in; the values are parameters.
    sql = (
        f"INSERT INTO {table} (care_home_id, month, generation) VALUES {values} "  # noqa: S608
        f"ON CONFLICT (care_home_id, month) DO UPDATE SET generation = {table}.generation + 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def months_closed_many(
    home_ids: list[int], months: list[date]
) -> dict[tuple[int, date], MonthFigures]:
    """Figures of these completed months for these homes: stored ones where current, the rest
    computed together and stored. A fixed number of queries whatever is missing.

    Must run inside a scope that includes the homes.
    """
    if not home_ids or not months:
        return {}
    wanted = {(home, month) for home in home_ids for month in months}
    rows = {
        (row.care_home_id, row.month): row
        for row in HomeMonth.objects.filter(care_home_id__in=home_ids, month__in=months)
    }
    result = {}
    for key, row in rows.items():
        if key in wanted and row.figures is not None and row.computed_generation == row.generation:
            result[key] = MonthFigures.from_json(key[1], row.figures)
    missing = wanted - result.keys()
    if not missing:
        return result
    absent = missing - rows.keys()
    if absent:
        # Rows first, so a writer touching these months from now on bumps their generation.
        HomeMonth.objects.bulk_create(
            [HomeMonth(care_home_id=home, month=month) for home, month in sorted(absent)],
            ignore_conflicts=True,
        )
        for row in HomeMonth.objects.filter(
            care_home_id__in={home for home, _ in absent},
            month__in={month for _, month in absent},
        ):
            if (row.care_home_id, row.month) in absent:
                rows[(row.care_home_id, row.month)] = row
    first = min(month for _, month in missing)
    last = add_months(max(month for _, month in missing), 1) - timedelta(days=1)
    computed = month_figures_compute(sorted({home for home, _ in missing}), first, last)
    now = timezone.now()
    changed = []
    for key in sorted(missing):
        figures = computed.get(key) or MonthFigures(month=key[1])
        result[key] = figures
        row = rows.get(key)
        if row is None or not month_is_settled(key[1], now):
            continue
        row.figures = figures.to_json()
        row.computed_generation = row.generation  # as read before computing
        row.computed_at = now
        changed.append(row)
    _store(changed)
    return result


def _store(rows: list[HomeMonth]) -> None:
    # Rows a writer holds are about to be marked changed anyway: skip them rather than wait
    # (and never deadlock against a writer touching two months). Storing is an optimisation:
    # if it fails, the figures are still right for this reader.
    if not rows:
        return
    try:
        with transaction.atomic():
            held = set(
                HomeMonth.objects.select_for_update(skip_locked=True)
                .filter(pk__in=[row.pk for row in rows])
                .values_list("pk", flat=True)
            )
            HomeMonth.objects.bulk_update(
                [row for row in rows if row.pk in held],
                ["figures", "computed_generation", "computed_at"],
            )
    except DatabaseError:
        log.warning("dashboard month figures not stored", exc_info=True)


def months_fill(*, home_ids: list[int], today: date, count: int) -> int:
    """Compute and store the last `count` completed months where missing or changed, so the
    first dashboard of a new month does not pay for them. Returns how many homes were seen."""
    this_month = today.replace(day=1)
    months = [add_months(this_month, -offset) for offset in range(count, 0, -1)]
    months_closed_many(home_ids, months)
    return len(home_ids)
