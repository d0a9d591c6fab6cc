"""A staff member's own leave page: their balance and their latest requests, kept between
views (the page staff reopen after asking for leave) and built for their own record only."""

import hashlib
from functools import cache as cache_once

from django.core.cache import cache
from django.http import Http404
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from staffrota.leave.entitlement import annual_requests, balance_for
from staffrota.leave.models import LeaveRequest, LeaveStatus, LeaveType
from staffrota.leave.queries import STAFF_RELATED, own_record_rows
from staffrota.leave.templatetags.leave_tags import hours
from staffrota.organisation.models import StaffMember
from staffrota.rota.grid_cache import versions_of
from staffrota.rota.kept_instances import Joined
from staffrota.rota.kept_sql import kept_rows

# The person's record as `staff_in_scope(access).select_related(*_RECORD_RELATED)` gives
# it, through kept SQL: building the query with five joined tables and populating them cost
# some 2,500 Python calls each time the record is read (the leave policy too: the balance
# reads it, `policy_for`, one query fewer).
_RECORD_RELATED = (*STAFF_RELATED, "care_home__leave_policy")
_RECORD = Joined(StaffMember, _RECORD_RELATED)


def _record_rows(pk, unit_ids=None):
    people = StaffMember.objects.filter(pk=pk)
    if unit_ids is not None:  # a manager's own page: their units' people only
        people = people.filter(home_unit_id__in=unit_ids)
    return people.values_list(*_RECORD.columns)


def _staff_record(request):
    rows = own_record_rows(_record_rows, request.access)
    if not rows:
        raise Http404("No StaffMember matches the given query.")
    return _RECORD.instance(rows[0])


def _kept_staff_record(request, versions: str):
    """The person's record as `_staff_record` reads it, kept under the versions of their
    home and of everyone: a change to their record, their unit, their home, its leave
    policy or their user replaces the home's version, a change to job roles everyone's
    (rota/grid_cache.py). Asking for leave changes the balance, not the record, and the
    page after it would otherwise read the record again with five joined tables."""
    key = f"leave:record:{request.access.staff_id}:{versions}"
    staff = cache.get(key)
    if staff is None:
        staff = _staff_record(request)
        cache.set(key, staff, timeout=10 * 60)
    return staff


CSRF_PLACEHOLDER = "<!-- csrf field -->"


def my_leave_sections(request, *, today) -> dict[str, SafeString]:
    """The person's balance and their requests, kept until their leave, their staff record,
    their home (its leave policy) or the day changes: the page staff reopen after asking for
    leave. Only ever built for the requester's own staff record.

    Asking for leave and withdrawing it replace the person's version, so under load the page
    is built again on almost every view; the balance part is then also kept by what it is
    worked out from (the annual leave asked for or approved, the home's and everyone's
    versions), which goes back to the same few states as the person asks and withdraws."""
    staff_id = request.access.staff_id
    versions = versions_of(homes=request.access.home_ids, people=[staff_id])
    key = f"leave:mine:{staff_id}:{today.isoformat()}:{versions}"
    cached = cache.get(key)
    if cached is None:
        cached = {
            "top": _leave_top(request, today=today),
            "requests": requests_html(leave_rows(request, today=today)),
        }
        cache.set(key, cached, timeout=10 * 60)
    # Each withdraw form gets this request's CSRF field, like {% csrf_token %} would give.
    field = str(csrf_input(request))
    return {
        "top": mark_safe(cached["top"]),  # noqa: S308 - rendered by our own templates
        "requests": mark_safe(cached["requests"].replace(CSRF_PLACEHOLDER, field)),  # noqa: S308
    }


def requests_html(rows: list[SafeString]) -> str:
    """`leave/_my_leave_requests.html` with these list items, as the template draws it:
    its HTML around the items drawn once per process (the list is built again on almost
    every view under load, and drawing the template cost some 700 calls each time)."""
    head, tail, empty = _requests_frame()
    return head + "".join(rows) + tail if rows else empty


@cache_once
def _requests_frame() -> tuple[str, str, str]:
    marker = "<!-- kept: the list items -->"
    # The marker is our own constant, drawn where the items go.
    items = [mark_safe(marker)]  # noqa: S308
    around = render_to_string("leave/_my_leave_requests.html", {"rows": items})
    head, tail = str(around).split(marker)
    return head, tail, str(render_to_string("leave/_my_leave_requests.html", {"rows": []}))


# What a row of the list shows, read as plain values (no rules, impact analysis or hours by
# day: their JSON stays in the database).
_ROW_FIELDS = (
    "pk",
    "status",
    "leave_type",
    "start_date",
    "end_date",
    "hours",
    "decided_automatically",
    "decision_note",
)


def _list_rows(staff_id, unit_ids=None):
    rows = LeaveRequest.objects.filter(staff_id=staff_id)
    if unit_ids is not None:  # a manager's own page: their units' people only
        rows = rows.filter(staff__home_unit_id__in=unit_ids)
    return rows.order_by("-start_date", "-pk").values_list(*_ROW_FIELDS)[:50]


def leave_rows(request, *, today) -> list[SafeString]:
    """The person's 50 latest requests as list items, written here rather than by a
    template: the list is built again on almost every view under load (asking for and
    withdrawing leave replace it), and a template cost a thousand calls an item. The same
    HTML the template gave, character for character (test_my_leave_rows.py)."""
    access = request.access
    # Through `kept_rows` (the SQL written once per process): the same rows as
    # `requests_in_scope(access)` gives, built again on almost every view under load.
    if access.manages:
        rows = kept_rows(_list_rows, staff_id=access.staff_id, unit_ids=sorted(access.unit_ids))
    else:
        rows = kept_rows(_list_rows, staff_id=access.staff_id)
    types, statuses = dict(LeaveType.choices), dict(LeaveStatus.choices)
    # The withdraw address of request 0, to put each id into: one reversal, not fifty.
    head, tail = reverse("leave_cancel", args=[0]).rsplit("0", 1)
    days: dict = {}

    def day(value) -> str:  # as {{ value|date:"D j M Y" }}
        if value not in days:
            days[value] = dateformat.format(value, "D j M Y")
        return days[value]

    items = []
    for pk, status, kind, first, last, amount, automatic, note in rows:
        when = day(first) + (f" to {day(last)}" if last != first else "")
        said = escape(statuses.get(status, status)) + (" automatically" if automatic else "")
        if note:
            said += f": {escape(note)}"
        withdraw = ""
        if status in (LeaveStatus.PENDING, LeaveStatus.APPROVED) and first > today:
            withdraw = (
                f'\n    <form method="post" action="{head}{pk}{tail}" class="mt-1">'
                f'{CSRF_PLACEHOLDER}<button class="btn btn-sm btn-outline-secondary" '
                'type="submit">Withdraw</button></form>\n    '
            )
        items.append(
            mark_safe(  # noqa: S308 - every value escaped above
                f'\n  <li class="card mb-2 leave-{escape(status)}"><div class="card-body py-2">\n'
                f'    <div class="fw-semibold">{escape(types.get(kind, kind))}: {when} · '
                f"{escape(hours(amount))} h</div>\n"
                f"    <div>{said}</div>\n"
                f"    {withdraw}\n  </div></li>\n  "
            )
        )
    return items


def _leave_top(request, *, today) -> str:
    """The person's line and balance, kept under what the balance is worked out from: their
    annual leave asked for or approved (read here, one query), and the versions of their
    home (their staff record, its units and leave policy) and of everyone (job roles)."""
    staff_id = request.access.staff_id
    annual = annual_requests(staff_id)
    # Not the ids: the same leave asked for again (a new row) gives the same balance.
    facts = repr([(r.status, r.start_date, r.end_date, r.hours, r.hours_by_day) for r in annual])
    digest = hashlib.sha256(facts.encode()).hexdigest()[:32]
    versions = versions_of(homes=request.access.home_ids)
    key = f"leave:minetop:{staff_id}:{today.isoformat()}:{versions}:{digest}"
    top = cache.get(key)
    if top is None:
        staff = _kept_staff_record(request, versions)
        balance = balance_for(staff, today, today=today, requests=annual)
        top = str(
            render_to_string("leave/_my_leave_top.html", {"staff": staff, "balance": balance})
        )
        cache.set(key, top, timeout=10 * 60)
    return top
