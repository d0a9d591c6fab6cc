"""The rota grid's body rendered in Python.

A 4-week grid of a large unit has a thousand cells; rendering each through template tags
took over a second, in plain string building it takes a few milliseconds. The markup is
the same the template used to produce: escaped names, a link per cell to its editor.
"""

import re
from datetime import date
from functools import lru_cache
from html import escape
from itertools import repeat

from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone, localtime

from staffrota.ops.memo import ProcessMemo
from staffrota.rota.models import Shift, ShiftSource, ShiftStatus
from staffrota.rota.queries import RotaGrid, StaffRow


def _chip(shift: Shift, tz=None) -> str:
    classes = "shift"
    if shift.shift_type.is_night:
        classes += " night"
    if shift.status == ShiftStatus.DRAFT:
        classes += " draft"
    if tz is None:
        starts, ends = localtime(shift.starts_at), localtime(shift.ends_at)
    else:  # as `localtime` does, the zone looked up once for the table
        starts, ends = shift.starts_at.astimezone(tz), shift.ends_at.astimezone(tz)
    title = f"{shift.shift_type.name} {starts:%H:%M}–{ends:%H:%M}, {shift.get_source_display()}"
    source = ""
    if shift.source != ShiftSource.CONTRACTED:
        source = f' <span class="source">{escape(shift.get_source_display().lower())}</span>'
    return (
        f'<span class="{classes}" title="{escape(title)}">'
        f"{escape(shift.shift_type.code)}{source}</span>"
    )


def _vacancy_chip(shift: Shift, kind: str) -> str:
    label = "Agency" if kind == "agency" else "Vacant"
    title = f"{label} {shift.shift_type.name}, {shift.job_role.name}"
    return (
        f'<span class="shift {kind}" title="{escape(title)}">'
        f"{escape(shift.shift_type.code)} {escape(shift.job_role.code)}</span> "
    )


# Where a person's leave mark goes in a table built without leave (`RotaGrid.leave_later`):
# the staff id and the day (its ordinal, so a week's cells mean the same in any period).
# Names and labels are escaped, so no text of ours can look like one.
_LEAVE_SLOT = "<!--leave:{}:{}-->"
_LEAVE_SLOTS = re.compile(r"<!--leave:(\d+):(\d+)-->")


@lru_cache(maxsize=256)  # a handful of kinds of leave, two states: drawn once each
def _leave_mark(off: tuple[str, str]) -> str:
    title = "Leave asked for" if off[1] == "pending" else "On leave"
    return f'<span class="leave {escape(off[1])}" title="{title}">{escape(off[0])}</span>'


_ANY_SLOT = re.compile(r"(<!--leave:\d+:\d+-->)")


def fill_leave(html: str, days: list[date], labels: dict[int, dict[date, tuple[str, str]]]) -> str:
    """Put each person's leave marks into a table built with `leave_later`: the same markup
    a table built with its leave has. `labels` as `leave.queries.absence_labels` gives."""
    in_period = set(days)
    marks = {
        _LEAVE_SLOT.format(staff_id, day.toordinal()): _leave_mark(off)
        for staff_id, offs in labels.items()
        for day, off in offs.items()
        if off and day in in_period
    }
    # Split at every slot (a 4-week table has hundreds) and look each up in C: the text
    # and slots alternate, a slot becomes its mark or nothing.
    parts = _ANY_SLOT.split(html)
    parts[1::2] = map(marks.get, parts[1::2], repeat("", len(parts) // 2))
    return "".join(parts)


def day_label(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B}"


_day_label = day_label  # the optimiser's diff grid labels its cells the same way


# A day's label depends on the day alone: worked out once per process (years of days:
# starts again rather than grow).
_DAY_LABELS = ProcessMemo(most=5000)


def day_labels(days) -> dict[date, str]:
    """Each day's label, escaped for an attribute (the cell functions below take these)."""
    found = {}
    for day in days:
        label = _DAY_LABELS.get(day)
        if label is None:
            label = _DAY_LABELS.keep(day, escape(day_label(day)))
        found[day] = label
    return found


def _cell(content: str, url: str | None, label: str, css: str = "") -> str:
    return _cell_escaped(content, url, escape(label), css)


def _cell_escaped(content: str, url: str | None, label: str, css: str = "") -> str:
    # `label` already escaped: escaping a name once serves all its cells (escaping is
    # character by character, so escaped pieces join to the escaped whole).
    cls = f' class="{css}"' if css else ""
    if url is None:
        return f"<td{cls}>{content}</td>"
    return (
        f'<td{cls}><a class="cell-link" href="{url}" hx-get="{url}" hx-target="#editor" '
        f'aria-label="{label}">{content}</a></td>'
    )


def grid_body(*, grid: RotaGrid, cell_url: str, view_query: str, editable: bool) -> SafeString:
    """Rows for each person, agency cover and vacancies; cells link to the editor when
    `editable`. `cell_url` is the editor's address, `view_query` the period to come back to."""
    labels = day_labels(grid.days)
    rows = []
    for row in grid.staff_rows:
        rows.append(_staff_row(grid, row, cell_url, view_query, editable, labels))
    if grid.agency_row.hours:
        cells = agency_cells(grid.agency_row.cells)
        rows.append(
            f'<tr><th scope="row" class="person">Agency</th>{cells}'
            f'<td class="text-end">{grid.agency_row.hours:g}</td></tr>'
        )
    cells = vacancy_cells(grid.days, grid.vacancy_row.cells, cell_url, view_query, editable, labels)
    rows.append(f'<tr><th scope="row" class="person">Vacant</th>{cells}<td></td></tr>')
    return mark_safe("\n".join(rows))  # noqa: S308 (every value above is escaped)


def _staff_row(grid: RotaGrid, row: StaffRow, cell_url: str, view_query: str, editable, labels):
    leave = row.leave or [None] * len(row.days)
    cells = person_cells(
        row.staff,
        row.days,
        row.cells,
        leave,
        cell_url,
        view_query,
        editable,
        labels,
        leave_later=grid.leave_later,
    )
    return (
        f'{person_head(row.staff, grid.unit.pk)}{cells}<td class="text-end">{row.hours:g}</td></tr>'
    )


def person_head(staff, unit_id: int) -> str:
    """A person's row up to their first day: their name, role and how they are here."""
    notes = escape(staff.job_role.name)
    if staff.contract_type == "bank":
        notes += " · bank"
    if staff.home_unit_id != unit_id:
        notes += " · cover"
    return (
        f'<tr><th scope="row" class="person">{escape(staff.full_name)}<br>'
        f'<span class="small text-body-secondary">{notes}</span></th>'
    )


def person_cells(
    staff,
    days,
    cells,
    leave,
    cell_url: str,
    view_query: str,
    editable,
    labels,
    *,
    leave_later,
    chips: dict | None = None,
    tz=None,
) -> str:
    """A person's cells for `days`: their shifts, or off, with leave (per day, (code,
    "approved" or "pending")) marked in, or its slot when `leave_later`. `labels`: as
    `day_labels` gives; `chips`: the shifts already drawn for this table, shared by its
    rows; `tz`: the current time zone, if the caller has it (looked up once a table)."""
    name = escape(staff.full_name)
    if tz is None:
        tz = get_current_timezone()
    if chips is None:
        chips = {}
    out = []
    for day, cell, off in zip(days, cells, leave, strict=True):
        content = ""
        for shift in cell:
            # Most chips of a table repeat (the same shift type at the same times): each
            # drawn once per table.
            key = (shift.shift_type, shift.starts_at, shift.ends_at, shift.status, shift.source)
            chip = chips.get(key)
            if chip is None:
                chip = chips[key] = _chip(shift, tz)
            content += chip
        content = content or '<span class="off" aria-hidden="true">·</span>'
        if leave_later:
            content = _LEAVE_SLOT.format(staff.pk, day.toordinal()) + content
        elif off:
            content = _leave_mark(off) + content
        url = None
        if editable:
            url = f"{cell_url}?date={day.isoformat()}&amp;staff={staff.pk}&amp;{view_query}"
        label = f"{name}, {labels[day]}" + ("" if cell else ": off")
        out.append(_cell_escaped(content, url, label, "weekend" if day.weekday() >= 5 else ""))
    return "".join(out)


def vacancy_cells(days, cells, cell_url: str, view_query: str, editable, labels) -> str:
    out = []
    for day, cell in zip(days, cells, strict=True):
        content = "".join(_vacancy_chip(s, "vacant") for s in cell)
        if not content and editable:
            content = '<span class="off" aria-hidden="true">+</span>'
        url = f"{cell_url}?date={day.isoformat()}&amp;{view_query}" if editable else None
        out.append(_cell_escaped(content, url, f"Vacancies, {labels[day]}: {len(cell)}"))
    return "".join(out)


def agency_cells(cells) -> str:
    return "".join(
        f"<td>{''.join(_vacancy_chip(s, 'agency') for s in cell)}</td>" for cell in cells
    )


def vacancy_rows(vacancies, *, many_homes: bool) -> SafeString:
    """The rows of the vacancy table (rota/_vacancy_table.html), as its loop rendered them:
    a page of a group's list is 50 rows of eight values, which the template engine took
    longer to render than reading them."""
    from django.urls import reverse
    from django.utils import dateformat

    from staffrota.rota.vacancies import VacancyRow

    # One reversal for the page: every row's link differs only in the shift's id.
    detail = reverse("vacancy_detail", args=[0]).rsplit("0/", 1)[0]
    days: dict[date, str] = {}
    rows = []
    for v in vacancies:
        if not isinstance(v, VacancyRow):  # a `Vacancy` of `open_vacancies`
            v = v.as_row()
        if v.date not in days:
            days[v.date] = dateformat.format(v.date, "D j M")
        home = ""
        if many_homes:
            name = escape(v.home_name)
            home = f' <span class="text-body-secondary small">{name}</span>'
        if v.shortfall:
            short = f'<span class="badge text-bg-danger">{v.shortfall} short</span>'
        else:
            short = '<span class="text-body-secondary">at minimum</span>'
        rows.append(
            "\n  <tr>\n"
            f"    <td>{days[v.date]} {localtime(v.starts_at):%H:%M}</td>\n"
            f"    <td>{escape(v.unit_name)}{home}</td><td>{escape(v.type_name)}</td>"
            f"<td>{escape(v.role_name)}</td>\n"
            f"    <td>{v.covered}/{v.minimum}</td>\n"
            f"    <td>{short}</td>\n"
            '    <td class="text-end"><a class="btn btn-sm btn-primary" '
            f'href="{detail}{v.pk}/">Fill…</a></td>\n'
            "  </tr>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)


def candidate_rows(eligible, *, action_url: str, list_url: str, csrf: str) -> SafeString:
    """The eligible candidates' rows of the vacancy page (rota/vacancy_detail.html), as its
    loop rendered them: forty candidates' rows through template tags and filters cost
    more than checking them against every rule. `csrf` is the request's CSRF field, one
    for every form of the page (a masked token each form or one for all: the same secret)."""
    from django.template.defaultfilters import capfirst, floatformat
    from django.utils.formats import localize

    hours: dict = {}
    costs: dict = {}
    rows = []
    for c in eligible:
        # As {{ c.week_hours|floatformat:"-1" }} and {{ c.cost }}, once a value a page.
        if c.week_hours not in hours:
            hours[c.week_hours] = floatformat(c.week_hours, "-1")
        if c.cost not in costs:
            costs[c.cost] = escape(str(localize(c.cost)))
        staff = c.staff
        rows.append(
            f"\n  <tr><td>{escape(staff.full_name)}</td><td>{escape(staff.role_name)}</td>"
            f"<td>{escape(capfirst(c.category))}</td><td>{hours[c.week_hours]}</td>"
            f"<td>£{costs[c.cost]}</td>\n"
            f'    <td class="text-end"><form method="post" action="{action_url}">{csrf}\n'
            '      <input type="hidden" name="action" value="assign">'
            f'<input type="hidden" name="staff" value="{staff.pk}">\n'
            f'      <input type="hidden" name="next" value="{list_url}">\n'
            '      <button class="btn btn-sm btn-success" type="submit">'
            f"Assign {escape(staff.first_name)}</button></form></td></tr>\n  "
        )
    return mark_safe("".join(rows))  # noqa: S308 (every value above is escaped)
