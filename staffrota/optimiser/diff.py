"""A generated draft shown as a diff on one unit's rota grid, rendered in Python like
`rota.grid_html` (a 4-week grid has a thousand cells).

Cells the draft adds are marked `diff-added`, vacancies it fills are struck through
(`diff-removed`) with the person who fills them, and the cover rows show before and after
against the minimum. Every marked chip links to its explanation below the grid.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from html import escape

from django.utils.safestring import SafeString, mark_safe

from staffrota.optimiser.models import ChangeKind, OptimiserRun, ProposedChange
from staffrota.organisation.models import Unit
from staffrota.rota.grid_html import _chip, _day_label
from staffrota.rota.queries import rota_grid


@dataclass
class UnitDiff:
    unit: Unit
    days: list[date]
    body: SafeString
    added: int
    filled: int
    short_before: int
    short_after: int


def _added_chip(change: ProposedChange) -> str:
    classes = "shift diff-added"
    if change.shift_type.is_night:
        classes += " night"
    what = "Fills a vacancy" if change.kind == ChangeKind.FILL else "New"
    title = f"{what}: {change.shift_type.name}, {change.job_role.name}, {change.source}"
    source = ""
    if change.source != "contracted":
        source = f' <span class="source">{escape(change.source)}</span>'
    return (
        f'<a class="{classes}" href="#change-{change.pk}" title="{escape(title)}">'
        f'<span class="visually-hidden">added: </span>{escape(change.shift_type.code)}'
        f"{source}</a>"
    )


def unit_diff(run: OptimiserRun, unit: Unit, changes: list[ProposedChange]) -> UnitDiff:
    """The unit's rota for the run's period with the draft's changes marked."""
    days = run.weeks * 7
    grid = rota_grid(unit=unit, start=run.start, days=days)
    index = {day: i for i, day in enumerate(grid.days)}
    mine = [c for c in changes if c.unit_id == unit.pk]
    published = {c.shift_id for c in mine if c.shift_id}
    by_cell: dict[tuple[int, int], list[ProposedChange]] = defaultdict(list)
    filled = {c.vacancy_id: c for c in mine if c.vacancy_id}
    for change in mine:
        by_cell[(change.staff_id, index[change.date])].append(change)
    labels = {day: _day_label(day) for day in grid.days}
    rows = []
    seen = set()
    staff_rows = [(row.staff, row.cells) for row in grid.staff_rows]
    # People from other units whom the draft brings in get a row of their own.
    for change in mine:
        if change.staff_id not in {s.pk for s, _ in staff_rows} and change.staff_id not in seen:
            seen.add(change.staff_id)
            staff_rows.append((change.staff, [[] for _ in grid.days]))
    for staff, cells in staff_rows:
        tds = []
        hours = 0.0
        changed_row = False
        for i, (day, cell) in enumerate(zip(grid.days, cells, strict=True)):
            content = ""
            for shift in cell:
                if run.published_at is not None and shift.pk in published:
                    continue  # shown below as the run's own change
                content += _chip(shift)
                hours += float(shift.paid_hours)
            added = by_cell.get((staff.pk, i), [])
            for change in added:
                content += _added_chip(change)
                hours += float(change.shift_type.paid_hours)
            changed_row = changed_row or bool(added)
            css = "diff-cell" if added else ("weekend" if day.weekday() >= 5 else "")
            label = f"{staff.full_name}, {labels[day]}"
            content = content or '<span class="off" aria-hidden="true">·</span>'
            tds.append(f'<td class="{css}" aria-label="{escape(label)}">{content}</td>')
        note = escape(staff.job_role.name)
        if staff.contract_type == "bank":
            note += " · bank"
        if staff.home_unit_id != unit.pk:
            note += " · cover"
        row_css = ' class="diff-row"' if changed_row else ""
        rows.append(
            f'<tr{row_css}><th scope="row" class="person">{escape(staff.full_name)}<br>'
            f'<span class="small text-body-secondary">{note}</span></th>{"".join(tds)}'
            f'<td class="text-end">{hours:g}</td></tr>'
        )
    tds = []
    for day, cell in grid.vacancy_row.day_cells():
        content = ""
        for shift in cell:
            change = filled.get(shift.pk)
            text = f"{escape(shift.shift_type.code)} {escape(shift.job_role.code)}"
            if change is not None and run.published_at is None:
                title = f"Vacant {shift.shift_type.name}: filled by {change.staff.full_name}"
                content += (
                    f'<a class="shift vacant diff-removed" href="#change-{change.pk}" '
                    f'title="{escape(title)}"><span class="visually-hidden">filled: </span>'
                    f"{text}</a> "
                )
            else:
                content += f'<span class="shift vacant" title="Vacant">{text}</span> '
        tds.append(f'<td aria-label="Vacancies, {escape(labels[day])}">{content}</td>')
    rows.append(f'<tr><th scope="row" class="person">Vacant</th>{"".join(tds)}<td></td></tr>')

    # Cover before and after, against the minimum.
    extra: Counter = Counter()
    if run.published_at is None:
        for change in mine:
            extra[(change.shift_type_id, change.job_role_id, index[change.date])] += 1
    rows.append(
        f'<tr><th scope="rowgroup" class="person" colspan="{days + 2}">'
        "Cover: before → after / minimum</th></tr>"
    )
    short_before = short_after = 0
    for row in grid.cover_rows:
        tds = []
        for i, cell in enumerate(row.cells):
            after = cell.scheduled + extra[(row.shift_type.pk, row.job_role.pk, i)]
            short_before += max(0, cell.minimum - cell.scheduled)
            short_after += max(0, cell.minimum - after)
            state = "under" if after < cell.minimum else ("at" if after == cell.minimum else "over")
            if after == cell.scheduled:
                text = f"{after}/{cell.minimum}"
            else:
                text = f"{cell.scheduled}→{after}/{cell.minimum}"
            tds.append(
                f'<td class="cover-{state}"><span class="visually-hidden">{state}: </span>'
                f"{text}</td>"
            )
        rows.append(
            f'<tr class="cover"><th scope="row" class="person">{escape(row.shift_type.name)} · '
            f"{escape(row.job_role.name)}</th>{''.join(tds)}<td></td></tr>"
        )
    return UnitDiff(
        unit=unit,
        days=grid.days,
        body=mark_safe("\n".join(rows)),  # noqa: S308 (every value above is escaped)
        added=sum(1 for c in mine if c.kind == ChangeKind.ADD),
        filled=sum(1 for c in mine if c.kind == ChangeKind.FILL),
        short_before=short_before,
        short_after=short_after,
    )
