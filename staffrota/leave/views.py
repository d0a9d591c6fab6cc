"""Leave pages. Thin: check who is asking, read through `queries`, write through `services`."""

import hashlib
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from staffrota.leave import services
from staffrota.leave.entitlement import annual_requests, balance_for
from staffrota.leave.forms import (
    BulkApproveForm,
    CalendarForm,
    DecisionForm,
    LeaveRequestForm,
    ReturnToWorkForm,
    SicknessForm,
    SicknessUpdateForm,
)
from staffrota.leave.models import LeaveStatus, LeaveType
from staffrota.leave.queries import (
    bradford_for_people,
    leave_calendar,
    pending_queue,
    requests_in_scope,
    sickness_in_scope,
    staff_in_scope,
)
from staffrota.leave.templatetags.leave_tags import hours
from staffrota.organisation.models import Unit
from staffrota.rota.grid_cache import versions_of
from staffrota.web.permissions import manager_required

STAFF_RELATED = ("care_home", "home_unit", "job_role", "user")


@login_required
def my_leave(request):
    if not request.access.staff_id:
        if request.access.manages:
            return redirect("leave_queue")
        raise Http404("Your account is not linked to a staff record.")
    form = LeaveRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Only whose request it is: the service locks the person's row and reads it afresh.
        staff = get_object_or_404(
            staff_in_scope(request.access).only("pk"), pk=request.access.staff_id
        )
        try:
            leave = services.leave_request_submit(
                staff=staff,
                leave_type=data["leave_type"],
                start=data["start_date"],
                end=data["end_date"],
                part_day_hours=data["part_day_hours"],
                comment=data["comment"],
                actor=request.user,
            )
        except services.LeaveError as error:
            form.add_error(None, str(error))
        else:
            if leave.status == LeaveStatus.APPROVED:
                messages.success(request, "Approved automatically. " + leave.decision_note)
            else:
                messages.info(request, "Sent to your manager. " + leave.decision_note)
            return redirect("leave_mine")
    today = timezone.localdate()
    sections = _my_leave_sections(request, today=today)
    return render(
        request,
        "leave/my_leave.html",
        {"sections": sections, "form": form, "today": today},
    )


def _my_staff_record(request):
    return get_object_or_404(
        staff_in_scope(request.access).select_related(*STAFF_RELATED), pk=request.access.staff_id
    )


_CSRF_PLACEHOLDER = "<!-- csrf field -->"


def _my_leave_sections(request, *, today) -> dict[str, SafeString]:
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
            "top": _my_leave_top(request, today=today),
            "requests": str(
                render_to_string(
                    "leave/_my_leave_requests.html",
                    {"rows": _my_leave_rows(request, today=today)},
                )
            ),
        }
        cache.set(key, cached, timeout=10 * 60)
    # Each withdraw form gets this request's CSRF field, like {% csrf_token %} would give.
    field = str(csrf_input(request))
    return {
        "top": mark_safe(cached["top"]),  # noqa: S308 - rendered by our own templates
        "requests": mark_safe(cached["requests"].replace(_CSRF_PLACEHOLDER, field)),  # noqa: S308
    }


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


def _my_leave_rows(request, *, today) -> list[SafeString]:
    """The person's 50 latest requests as list items, written here rather than by a
    template: the list is built again on almost every view under load (asking for and
    withdrawing leave replace it), and a template cost a thousand calls an item. The same
    HTML the template gave, character for character (test_my_leave_rows.py)."""
    rows = (
        requests_in_scope(request.access)
        .filter(staff_id=request.access.staff_id)
        .order_by("-start_date", "-pk")
        .values_list(*_ROW_FIELDS)[:50]
    )
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
                f'{_CSRF_PLACEHOLDER}<button class="btn btn-sm btn-outline-secondary" '
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


def _my_leave_top(request, *, today) -> str:
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
        staff = _my_staff_record(request)
        balance = balance_for(staff, today, today=today, requests=annual)
        top = str(
            render_to_string("leave/_my_leave_top.html", {"staff": staff, "balance": balance})
        )
        cache.set(key, top, timeout=10 * 60)
    return top


@login_required
def cancel(request, request_id: int):
    # Look up first: another home's id answers 404 whatever the method. Only whose it is:
    # the service locks the row and reads it afresh (its rules and impact JSON with it).
    leave = get_object_or_404(requests_in_scope(request.access).only("staff_id"), pk=request_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if leave.staff_id != request.access.staff_id:
        raise PermissionDenied("Only the person who asked can withdraw a request.")
    try:
        services.leave_cancel(request=leave, actor=request.user)
    except services.LeaveError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Your request is withdrawn.")
    return redirect("leave_mine")


@manager_required
def queue(request):
    pending = pending_queue(request.access)
    form = BulkApproveForm(request.POST if request.method == "POST" else None, queryset=pending)
    if request.method == "POST":
        if form.is_valid():
            approved, failed = services.leave_bulk_approve(
                requests=list(form.cleaned_data["requests"]),
                actor=request.user,
                comment=form.cleaned_data["comment"],
            )
            if approved:
                messages.success(request, f"Approved {len(approved)} request(s).")
            for leave, reason in failed:
                messages.error(request, f"{leave.staff.full_name}: {reason}")
            return redirect("leave_queue")
        for error in form.errors.get("requests", []):
            messages.error(request, error)
    return render(request, "leave/queue.html", {"pending": list(pending), "form": form})


@login_required
def detail(request, request_id: int):
    leave = get_object_or_404(
        requests_in_scope(request.access).select_related(
            "staff__user", "staff__home_unit", "staff__job_role", "decided_by"
        ),
        pk=request_id,
    )
    form = DecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not request.access.manages:
            raise PermissionDenied("Only a manager may decide leave.")
        if form.is_valid():
            comment = form.cleaned_data["comment"]
            try:
                if "reject" in request.POST:
                    services.leave_reject(request=leave, actor=request.user, comment=comment)
                    messages.success(request, f"Refused; {leave.staff.full_name} is told why.")
                else:
                    services.leave_approve(request=leave, actor=request.user, comment=comment)
                    messages.success(request, f"Approved; {leave.staff.full_name} is told.")
            except services.LeaveError as error:
                form.add_error(None, str(error))
            else:
                return redirect("leave_queue")
    return render(
        request,
        "leave/detail.html",
        {"leave": leave, "form": form, "manages": request.access.manages},
    )


@manager_required
def calendar(request, unit_id: int):
    unit = get_object_or_404(
        Unit.objects.select_related("care_home"), pk=unit_id, pk__in=request.access.unit_ids
    )
    form = CalendarForm(request.GET or None)
    if request.GET and not form.is_valid():
        messages.error(request, "Pick a date as YYYY-MM-DD. Showing this week instead.")
    first = form.first_day()
    days = [first + timedelta(days=n) for n in range(28)]
    return render(
        request,
        "leave/calendar.html",
        {
            "unit": unit,
            "days": days,
            "rows": leave_calendar(unit=unit, days=days),
            "previous_start": first - timedelta(days=28),
            "next_start": first + timedelta(days=28),
            "units": Unit.objects.filter(pk__in=request.access.unit_ids).order_by("name"),
        },
    )


@manager_required
def person(request, staff_id: int):
    staff = get_object_or_404(
        staff_in_scope(request.access).select_related(*STAFF_RELATED), pk=staff_id
    )
    today = timezone.localdate()
    return render(
        request,
        "leave/person.html",
        {
            "staff": staff,
            "balance": balance_for(staff, today, today=today),
            "bradford": bradford_for_people([staff], today=today)[staff.pk],
            "requests": list(staff.leave_requests.order_by("-start_date")[:30]),
            "episodes": list(staff.sickness_absences.order_by("-start_date")[:30]),
        },
    )


@manager_required
def sickness(request):
    people = staff_in_scope(request.access).filter(left_on=None).select_related("user")
    form = SicknessForm(request.POST if request.method == "POST" else None, staff_queryset=people)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.sickness_record(
                staff=data["staff"],
                start=data["start_date"],
                expected_end=data["expected_end_date"],
                reason=data["reason"],
                fit_note=data["fit_note"],
                notes=data["notes"],
                actor=request.user,
            )
        except services.LeaveError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Sickness recorded for {data['staff'].full_name}.")
            return redirect("leave_sickness")
    episodes = list(
        sickness_in_scope(request.access)
        .filter(end_date__isnull=True)
        .select_related("staff__user", "staff__home_unit")
        .order_by("start_date")
    )
    return render(request, "leave/sickness.html", {"form": form, "episodes": episodes})


@manager_required
def sickness_detail(request, sickness_id: int):
    episode = get_object_or_404(
        sickness_in_scope(request.access).select_related("staff__user", "staff__home_unit"),
        pk=sickness_id,
    )
    update = SicknessUpdateForm(
        request.POST if "update" in request.POST else None,
        initial={
            "expected_end_date": episode.expected_end_date,
            "fit_note": episode.fit_note,
            "notes": episode.notes,
        },
    )
    back = ReturnToWorkForm(
        request.POST if "return" in request.POST else None,
        initial={"return_to_work_on": timezone.localdate()},
    )
    if request.method == "POST":
        try:
            if "update" in request.POST and update.is_valid():
                services.sickness_update(
                    episode=episode,
                    actor=request.user,
                    expected_end=update.cleaned_data["expected_end_date"],
                    fit_note=update.cleaned_data["fit_note"],
                    notes=update.cleaned_data["notes"],
                )
                messages.success(request, "Episode updated.")
                return redirect("leave_sickness_detail", sickness_id=episode.pk)
            if "return" in request.POST and back.is_valid():
                services.sickness_return(
                    episode=episode,
                    actor=request.user,
                    last_day_off=back.cleaned_data["last_day_off"],
                    return_to_work_on=back.cleaned_data["return_to_work_on"],
                    notes=back.cleaned_data["return_notes"],
                )
                messages.success(request, "Return to work recorded.")
                return redirect("leave_sickness")
        except services.LeaveError as error:
            (update if "update" in request.POST else back).add_error(None, str(error))
    return render(
        request,
        "leave/sickness_detail.html",
        {"episode": episode, "update": update, "back": back},
    )


@manager_required
def bradford(request):
    today = timezone.localdate()
    people = list(
        staff_in_scope(request.access)
        .filter(left_on=None)
        .select_related("user", "home_unit", "job_role")
    )
    scores = bradford_for_people(people, today=today)
    rows = sorted(
        ((person, scores[person.pk]) for person in people),
        key=lambda row: (-row[1].score, row[0].full_name),
    )
    return render(request, "leave/bradford.html", {"rows": rows, "today": today})
