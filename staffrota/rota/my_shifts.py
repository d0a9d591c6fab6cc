"""The body of "My shifts", written from plain rows.

The most requested page of all is kept per person (`grid_cache.my_shifts_html`), but their
own leave asked for or withdrawn and every shift of theirs filled or made vacant replace
it, so under load it is built again often. Built from model instances and a template it
cost 8,000-18,000 Python calls (three related models a shift and a dozen lookups a cell);
written here from a few columns it is the same HTML, character for character, at a
fraction of that (rota/tests/test_my_shifts_html.py holds it to the template it replaced).
"""

from datetime import date, timedelta

from django.http import Http404
from django.template.defaultfilters import floatformat
from django.utils import dateformat, timezone
from django.utils.html import escape

from staffrota.rota.kept_sql import kept_rows

_HEAD = '\n<p class="text-body-secondary">{} · {} · next 4 weeks: {} shift{}, {} hours</p>\n'
_LIST_START = '\n<ol class="list-unstyled row g-2" aria-label="Shifts in the next 4 weeks">\n  '
_CARD = (
    '\n  <li class="col-12 col-md-6 col-xl-4">\n'
    '    <div class="card shift-card{}">\n'
    '      <div class="card-body py-2">\n'
    '        <div class="fw-semibold">{}</div>\n'
    "        <div>{}: {}–{}{}</div>\n"
    '        <div class="small text-body-secondary">{} · {} · {} paid hours</div>\n'
    "      </div>\n"
    "    </div>\n"
    "  </li>\n  "
)
_LIST_END = "\n</ol>\n"
_NONE = "\n<p>No shifts in the next 4 weeks have been published for you yet.</p>\n"
_LEAVE_START = (
    '\n<h2 class="h5 mt-3">Leave in the next 4 weeks</h2>\n'
    '<ul class="list-unstyled" aria-label="Leave in the next 4 weeks">\n  '
)
_LEAVE = (
    '<li class="card shift-card leave-card mb-2"><div class="card-body py-2">'
    '<span class="fw-semibold">{}</span>: {}{}{}</div></li>'
)
_LEAVE_END = "\n</ul>\n"


def _person(staff_id: int):
    from staffrota.organisation.models import StaffMember

    return StaffMember.objects.filter(pk=staff_id).values_list("job_role__name", "home_unit__name")


def _shifts(staff_id: int, first: date, last: date):
    from staffrota.rota.models import Shift, ShiftStatus

    # As rota.queries.shifts_for_person.
    return (
        Shift.objects.filter(
            staff_id=staff_id, status=ShiftStatus.PUBLISHED, date__range=(first, last)
        )
        .order_by("starts_at")
        .values_list(
            "date",
            "shift_type__is_night",
            "shift_type__name",
            "starts_at",
            "ends_at",
            "unit__name",
            "job_role__name",
            "paid_hours",
        )
    )


def _leave(staff_id: int, first: date, last: date):
    from staffrota.leave.queries import overlapping_leave  # leave builds on rota

    return overlapping_leave(staff_id, first, last).values_list(
        "leave_type", "start_date", "end_date", "status"
    )


def my_shifts_body(*, staff_id: int, start: date, days: int) -> str:
    """A person's published shifts and their approved and pending leave for `days` days
    from `start`, as the page shows them (404 for a staff id that is not there)."""
    from staffrota.leave.models import LeaveRequest, LeaveStatus

    # Three plain reads, their SQL written once per process (kept_rows): building and
    # compiling the querysets cost more than the rest of the page.
    person = kept_rows(_person, staff_id=staff_id)
    if not person:
        raise Http404
    last = start + timedelta(days=days - 1)
    shifts = kept_rows(_shifts, staff_id=staff_id, first=start, last=last)
    leave = kept_rows(_leave, staff_id=staff_id, first=start, last=last)
    days_shown: dict = {}

    def day(value: date) -> str:  # {{ value|date:"l j F" }}, once a day
        if value not in days_shown:
            days_shown[value] = dateformat.format(value, "l j F")
        return days_shown[value]

    def clock(moment) -> str:  # {{ moment|time:"H:i" }}: on the current time zone's clock
        return timezone.localtime(moment).strftime("%H:%M")

    role, unit = person[0]
    parts = [
        _HEAD.format(
            escape(role),
            escape(unit),
            len(shifts),
            "" if len(shifts) == 1 else "s",
            floatformat(sum(row[7] for row in shifts), "-2"),
        )
    ]
    if shifts:
        parts.append(_LIST_START)
        for when, night, name, starts, ends, unit_name, role_name, hours in shifts:
            parts.append(
                _CARD.format(
                    " night" if night else "",
                    day(when),
                    escape(name),
                    clock(starts),
                    clock(ends),
                    # The template compared the days of the stored (UTC) times.
                    " (next day)" if ends.date() != starts.date() else "",
                    escape(unit_name),
                    escape(role_name),
                    floatformat(hours, "-2"),
                )
            )
        parts.append(_LIST_END)
    else:
        parts.append(_NONE)
    parts.append("\n")
    if leave:
        labels = dict(LeaveRequest._meta.get_field("leave_type").flatchoices)
        parts.append(_LEAVE_START)
        for kind, first, final, status in leave:
            parts.append(
                _LEAVE.format(
                    escape(labels.get(kind, kind)),
                    day(first),
                    f" to {day(final)}" if final != first else "",
                    " (waiting for a decision)" if status == LeaveStatus.PENDING else "",
                )
            )
        parts.append(_LEAVE_END)
    parts.append("\n")
    return "".join(parts)
