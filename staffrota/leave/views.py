"""Leave pages. Thin: check who is asking, read through `queries`, write through `services`."""

import re
from datetime import timedelta
from functools import cache, lru_cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.forms.utils import ErrorDict
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from staffrota.leave import services
from staffrota.leave.entitlement import balance_for
from staffrota.leave.forms import (
    BulkApproveForm,
    CalendarForm,
    DecisionForm,
    LeaveRequestForm,
    ReturnToWorkForm,
    SicknessForm,
    SicknessUpdateForm,
)
from staffrota.leave.models import LeaveRequest, LeaveStatus
from staffrota.leave.my_page import my_leave_sections
from staffrota.leave.queries import (
    STAFF_RELATED,
    bradford_for_people,
    leave_calendar,
    own_record_rows,
    pending_queue,
    requests_in_scope,
    sickness_in_scope,
    staff_in_scope,
)
from staffrota.organisation.models import StaffMember, Unit
from staffrota.rota.kept_sql import kept_rows
from staffrota.web.permissions import manager_required


# The two look-ups before a write (is it yours to change?), read through `kept_rows`: the
# SQL written once per process, not a queryset built for every request. The same rows as
# `staff_in_scope(access)` and `requests_in_scope(access)` filtered by id (a test holds it).
def _staff_rows(pk, unit_ids=None):
    people = StaffMember.objects.filter(pk=pk)
    if unit_ids is not None:
        people = people.filter(home_unit_id__in=unit_ids)
    return people.order_by().values_list("pk")


def _request_rows(pk, staff_id=None, unit_ids=None):
    requests = LeaveRequest.objects.filter(pk=pk)
    if unit_ids is not None:
        requests = requests.filter(staff__home_unit_id__in=unit_ids)
    if staff_id is not None:
        requests = requests.filter(staff_id=staff_id)
    return requests.order_by().values_list("staff_id")


def _own_staff_id(access) -> int:
    """The signed-in person's staff id, if `staff_in_scope(access)` holds it; 404 otherwise."""
    rows = own_record_rows(_staff_rows, access)
    if not rows:
        raise Http404("Your staff record is not one of yours to see.")
    return rows[0][0]


def _request_staff_id(access, pk: int) -> int:
    """Whose leave request `pk` is, if `requests_in_scope(access)` holds it; 404 otherwise."""
    if access.manages:
        rows = kept_rows(_request_rows, pk=pk, unit_ids=sorted(access.unit_ids))
    elif access.staff_id:
        rows = kept_rows(_request_rows, pk=pk, staff_id=access.staff_id)
    else:
        rows = []
    if not rows:
        raise Http404("No such leave request of yours.")
    return rows[0][0]


@login_required
def my_leave(request):
    if not request.access.staff_id:
        if request.access.manages:
            return redirect("leave_queue")
        raise Http404("Your account is not linked to a staff record.")
    # Only a posted form is made: an empty one is drawn from its kept HTML, and making it
    # (each field deep-copied) cost some 500 Python calls a view for nothing.
    form = LeaveRequestForm(request.POST) if request.method == "POST" else None
    if form is not None and form.is_valid():
        data = form.cleaned_data
        # Only whose request it is: the service locks the person's row and reads it afresh.
        staff = StaffMember(pk=_own_staff_id(request.access))
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
    sections = my_leave_sections(request, today=today)
    return render(
        request,
        "leave/my_leave.html",
        {
            "sections": sections,
            "form": form,
            # A form that was not posted is the same for everyone: drawn once per process.
            "form_html": blank_leave_form_html() if form is None else refused_form_html(form),
            "today": today,
        },
    )


@cache
def blank_leave_form_html() -> str:
    """The fields of an empty "Ask for leave" form. Their widgets are drawn through
    Django's form templates, close to half of the leave page's time when drawn for every
    view; nothing in them depends on who asks or when (no default date, fixed choices)."""
    return render_to_string("web/_form.html", {"form": LeaveRequestForm()})


# What the form's HTML holds where the values posted and the reasons refused go: text no
# value or reason holds, and that escaping leaves as it is.
_STAND_IN = re.compile(r"kept-form-(?:value-(\w+)|reason-(\d+))-here")


def refused_form_html(form: LeaveRequestForm) -> str | None:
    """The fields of a posted form whose values were all valid but whose request was
    refused (no balance left, an overlap, a day not rostered: the reasons above the
    fields), as Django's form templates draw them; None for a form with a field in error,
    which they draw. Why: drawing the five widgets cost some 7,000 Python calls, and under
    load two requests in five are refused. The HTML is Django's, drawn once per process
    for each leave type, each set of optional fields left empty and each number of
    reasons, with stand-ins for the values and reasons; these are put in as the templates
    put them, escaped, in one pass (so nothing put in is read again)."""
    if set(form.errors) != {NON_FIELD_ERRORS}:
        return None
    values = {name: form[name].value() for name in form.fields}
    filled = tuple(name for name, value in values.items() if value not in ("", None))
    reasons = form.non_field_errors()
    html = _refused_form_skeleton(values["leave_type"], filled, len(reasons))

    def put(match) -> str:
        name, number = match.groups()
        return conditional_escape(values[name] if name else reasons[int(number)])

    return mark_safe(_STAND_IN.sub(put, html))  # noqa: S308 - Django's HTML, values escaped


class _StandInForm(LeaveRequestForm):
    """The form with stand-ins for its values, drawn as a valid one: not checked."""

    def full_clean(self):
        self._errors = ErrorDict(renderer=self.renderer)
        self.cleaned_data = {}


@lru_cache(maxsize=256)
def _refused_form_skeleton(kind: str, filled: tuple[str, ...], reasons: int) -> str:
    stand_ins = _StandInForm(
        {name: kind if name == "leave_type" else f"kept-form-value-{name}-here" for name in filled}
    )
    for number in range(reasons):
        stand_ins.add_error(None, f"kept-form-reason-{number}-here")
    return render_to_string("web/_form.html", {"form": stand_ins})


@login_required
def cancel(request, request_id: int):
    # Look up first: another home's id answers 404 whatever the method. Only whose it is:
    # the service locks the row and reads it afresh (its rules and impact JSON with it).
    staff_id = _request_staff_id(request.access, request_id)
    leave = LeaveRequest(pk=request_id, staff_id=staff_id)
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
