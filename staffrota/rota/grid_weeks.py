"""The editable rota table of a period put together from its weeks, each kept apart.

Filling a vacancy or making a shift vacant changes one day of one unit, but a table kept
whole is rebuilt whole: under the load mix that was four weeks of a unit (read, arranged
and rendered) after every such write. Kept per week instead, a write costs rebuilding its
own week and joining the kept pieces. A week's piece holds, per person on it, their row's
heading, their seven cells and their hours; the vacant and agency cells; and the cover
cells per shift type and role. Joined, the pieces give exactly the markup the template
(`web/_rota_table.html`) gives for the whole period.

Each cell's link back to the period and each person's leave slot do not depend on the
period: the link carries `VIEW` until the pieces are joined, and the leave slot names the
day, not its column.
"""

from __future__ import annotations

from datetime import date, timedelta
from html import escape

from django.utils import dateformat
from django.utils.timezone import get_current_timezone
from django.utils.translation import get_language

from staffrota.ops.memo import ProcessMemo
from staffrota.rota.grid_html import (
    _LEAVE_SLOT,
    _cell_escaped,
    agency_cells,
    day_labels,
    person_cells,
    person_head,
    vacancy_cells,
)
from staffrota.rota.queries import CoverCell, RotaGrid, cover_order

# Where each cell's link names the period to come back to: filled in when the weeks of a
# period are joined. No escaped text can look like a comment.
VIEW = "<!--view-->"
WEEK = 7


def blocks_of(start: date, days: int) -> list[tuple[date, int]]:
    """The pieces of a period: (first day, number of days), a week each (the last may be
    shorter)."""
    return [
        (start + timedelta(days=first), min(WEEK, days - first)) for first in range(0, days, WEEK)
    ]


def week_pieces(grid: RotaGrid, cell_url: str) -> list[dict]:
    """`grid` (built with `leave_later`) cut into the pieces `blocks_of` names, each on its
    own: a person is on a piece when they hold a shift in it, or the unit is their own
    and they had not left before its first day (as `rota_grid` of that piece would have
    them)."""
    unit_id = grid.unit.pk
    labels = day_labels(grid.days)
    chips: dict = {}  # each distinct shift drawn once for all the pieces
    tz = get_current_timezone()  # once for every person's cells
    pieces = []
    for first, length in blocks_of(grid.days[0], len(grid.days)):
        offset = (first - grid.days[0]).days
        days = grid.days[offset : offset + length]
        people = {}
        for row in grid.staff_rows:
            cells = row.cells[offset : offset + length]
            staff = row.staff
            on_unit = staff.home_unit_id == unit_id and (
                staff.left_on is None or staff.left_on >= first
            )
            if not on_unit and not any(cells):
                continue
            hours = 0.0
            for cell in cells:
                for shift in cell:
                    hours += float(shift.paid_hours)
            people[staff.pk] = (
                (staff.job_role.rank, staff.user.last_name, staff.pk),
                person_head(staff, unit_id),
                staff.full_name,
                person_cells(
                    staff,
                    days,
                    cells,
                    [None] * length,
                    cell_url,
                    VIEW,
                    True,
                    labels,
                    leave_later=True,
                    chips=chips,
                    tz=tz,
                ),
                hours,
            )
        vacancy = grid.vacancy_row.cells[offset : offset + length]
        agency = grid.agency_row.cells[offset : offset + length]
        agency_hours = 0.0
        for cell in agency:
            for shift in cell:
                agency_hours += float(shift.paid_hours)
        cover = {}
        short = 0
        for row in grid.cover_rows:
            cells = row.cells[offset : offset + length]
            if not row.required and not any(cell.scheduled for cell in cells):
                continue
            short += sum(c.minimum - c.scheduled for c in cells if c.state == "under")
            cover[(row.shift_type.pk, row.job_role.pk)] = (
                cover_order(row.shift_type, row.job_role),
                f"{escape(row.shift_type.name)} · {escape(row.job_role.name)}",
                "".join(_cover_cell(cell) for cell in cells),
            )
        pieces.append(
            {
                "people": people,
                "vacancy": vacancy_cells(days, vacancy, cell_url, VIEW, True, labels),
                "vacancies": sum(len(cell) for cell in vacancy),
                "agency": agency_cells(agency),
                "agency_hours": agency_hours,
                "cover": cover,
                "short_slots": short,
            }
        )
    return pieces


def _cover_cell(cell: CoverCell) -> str:
    state = cell.state
    return (
        f'<td class="cover-{state}"><span class="visually-hidden">{state}: </span>'
        f"{cell.scheduled}/{cell.minimum}</td>"
    )


def joined_table(*, unit, start: date, days: int, pieces: list[dict], cell_url: str) -> dict:
    """The table of the period from its pieces (in order): its html with leave slots, its
    vacancies and short slots, and the people in its rows (for their leave)."""
    day_list = [start + timedelta(days=offset) for offset in range(days)]
    labels = day_labels(day_list)
    spans = [(first, length) for first, length in blocks_of(start, days)]
    people: dict[int, tuple] = {}
    for piece in pieces:
        for pk, entry in piece["people"].items():
            if pk not in people:
                people[pk] = entry
    rows = []
    for pk, (_order, head, full_name, _cells, _hours) in sorted(
        people.items(), key=lambda item: item[1][0]
    ):
        cells, hours = [], 0.0
        for piece, (first, length) in zip(pieces, spans, strict=True):
            entry = piece["people"].get(pk)
            if entry is None:  # not on the unit that week: their days there are off
                cells.append(_off_cells(pk, full_name, first, length, cell_url, labels))
            else:
                cells.append(entry[3])
                hours += entry[4]
        rows.append(f'{head}{"".join(cells)}<td class="text-end">{hours:g}</td></tr>')
    agency_hours = sum(piece["agency_hours"] for piece in pieces)
    if agency_hours:
        cells = "".join(piece["agency"] for piece in pieces)
        rows.append(
            f'<tr><th scope="row" class="person">Agency</th>{cells}'
            f'<td class="text-end">{agency_hours:g}</td></tr>'
        )
    cells = "".join(piece["vacancy"] for piece in pieces)
    rows.append(f'<tr><th scope="row" class="person">Vacant</th>{cells}<td></td></tr>')
    view_query = f"view_start={day_list[0].isoformat()}&amp;view_weeks={max(1, days // 7)}"
    body = "\n".join(rows).replace(VIEW, view_query)

    cover: dict[tuple, tuple] = {}
    for piece in pieces:
        for key, (order, label, _cells) in piece["cover"].items():
            cover.setdefault(key, (order, label))
    cover_rows = []
    for key, (_order, label) in sorted(cover.items(), key=lambda item: item[1][0]):
        cells = "".join(
            piece["cover"][key][2] if key in piece["cover"] else _no_cover(length)
            for piece, (_first, length) in zip(pieces, spans, strict=True)
        )
        cover_rows.append(
            '\n    <tr class="cover">\n'
            f'      <th scope="row" class="person">{label}</th>\n'
            f"      {cells}\n"
            "      <td></td>\n"
            "    </tr>\n    "
        )
    language = get_language()  # once for the period's headings
    heads = "".join([_day_head(day, language) for day in day_list])
    html = (
        '<table class="rota">\n'
        f'  <caption class="visually-hidden">Rota for {escape(unit.name)}: staff in rows, '
        "days in columns, then cover against the minimum. Select a cell to edit it.</caption>\n"
        "  <thead>\n"
        "    <tr>\n"
        '      <th scope="col" class="person">Staff</th>\n'
        f"      {heads}\n"
        '      <th scope="col">Hours</th>\n'
        "    </tr>\n"
        "  </thead>\n"
        "  <tbody>\n"
        f"  {body}\n"
        "  </tbody>\n"
        '  <tbody class="cover-rows">\n'
        f'    <tr><th scope="rowgroup" class="person" colspan="{days + 2}">'
        "Cover: scheduled / minimum</th></tr>\n"
        f"    {''.join(cover_rows)}\n"
        "  </tbody>\n"
        "</table>\n"
    )
    return {
        "html": html,
        "vacancies": sum(piece["vacancies"] for piece in pieces),
        "short_slots": sum(piece["short_slots"] for piece in pieces),
        "people": list(people),
    }


def _off_cells(pk: int, full_name: str, first: date, length: int, cell_url: str, labels) -> str:
    name = escape(full_name)
    out = []
    for offset in range(length):
        day = first + timedelta(days=offset)
        content = _LEAVE_SLOT.format(pk, day.toordinal()) + (
            '<span class="off" aria-hidden="true">·</span>'
        )
        url = f"{cell_url}?date={day.isoformat()}&amp;staff={pk}&amp;{VIEW}"
        css = "weekend" if day.weekday() >= 5 else ""
        out.append(_cell_escaped(content, url, f"{name}, {labels[day]}: off", css))
    return "".join(out)


# A column's heading depends only on its day (and the language): drawn once per process.
_DAY_HEADS = ProcessMemo(most=5000)  # years of days: starts again rather than grow


def _day_head(day: date, language: str) -> str:
    key = (day, language)
    head = _DAY_HEADS.get(key)
    if head is None:
        head = _DAY_HEADS.keep(
            key,
            f'<th scope="col" class="{"weekend" if day.weekday() >= 5 else ""}">'
            f"{dateformat.format(day, 'D')}<br>{dateformat.format(day, 'j M')}</th>",
        )
    return head


def _no_cover(length: int) -> str:
    # A shift type and role with no minimum and nobody on it that week.
    return _cover_cell(CoverCell(scheduled=0, minimum=0)) * length
