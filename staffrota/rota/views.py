"""Rota pages: editing the grid, vacancies and their candidates, open shifts, swaps,
calendar feeds and exports. Thin: every change goes through the rota services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils import timezone
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_POST
from django_scopes import scopes_disabled

from staffrota.audit.models import AuditEntry
from staffrota.leave.models import SicknessReason
from staffrota.leave.services import LeaveError, sickness_record
from staffrota.organisation.models import JobRole, ShiftType, StaffMember, Unit
from staffrota.rota import exports, feeds, offers, swaps
from staffrota.rota.forms import (
    AddShiftForm,
    AgencyConfirmForm,
    AgencyRequestForm,
    CellForm,
    DecisionForm,
    ExportForm,
    PublishForm,
    ShiftActionForm,
    SwapProposeForm,
    VacancyFilterForm,
)
from staffrota.rota.grid_cache import (
    CSRF_PLACEHOLDER,
    SWAP_CSRF_PLACEHOLDER,
    open_shifts_html,
    swap_page_parts,
    unit_choice_html,
    vacancy_list_html,
)
from staffrota.rota.grid_html import candidate_rows
from staffrota.rota.kept_sql import kept_rows
from staffrota.rota.models import (
    VACANT,
    AgencyBooking,
    CalendarFeed,
    OfferStatus,
    OpenShiftOffer,
    Shift,
    ShiftStatus,
    ShiftSwap,
    SwapStatus,
)
from staffrota.rota.queries import shift_with_related
from staffrota.rota.services import (
    Override,
    RotaError,
    RuleBreach,
    rota_publish,
    shift_assign,
    shift_cancel,
    shift_change_type,
    shift_create,
    shift_unassign,
)
from staffrota.rota.vacancies import vacancy_candidates
from staffrota.web.permissions import manager_required

SHIFT_RELATED = ("care_home", "unit", "shift_type", "job_role", "staff__user", "staff__job_role")


def _unit(request, unit_id: int) -> Unit:
    return get_object_or_404(
        Unit.objects.select_related("care_home"), pk=unit_id, pk__in=request.access.unit_ids
    )


def _shift(request, shift_id: int) -> Shift:
    # `select_related(*SHIFT_RELATED)` on the manager's units, through kept SQL.
    shift = shift_with_related(shift_id, unit_ids=request.access.unit_ids)
    if shift is None:
        raise Http404("No Shift matches the given query.")
    return shift


def _my_id(request) -> int:
    if not request.access.staff_id:
        raise PermissionDenied("These pages are for staff with a staff record.")
    return request.access.staff_id


def _me(request) -> StaffMember:
    _my_id(request)
    return get_object_or_404(
        StaffMember.objects.select_related("user", "job_role", "home_unit"),
        pk=request.access.staff_id,
    )


def _back_to_grid(request, unit: Unit, day=None):
    url = reverse("unit_rota", args=[unit.pk])
    start = request.POST.get("view_start") or (day.isoformat() if day else "")
    weeks = request.POST.get("view_weeks", "1")
    return redirect(f"{url}?start={start}&weeks={weeks if weeks in ('1', '4') else '1'}")


def _override(request, form) -> Override | None:
    reason = (form.cleaned_data.get("override_reason") or "").strip()
    return Override(actor=request.user, reason=reason) if reason else None


# The grid's cell editor ------------------------------------------------------------------


@manager_required
@require_GET
def cell_editor(request, unit_id: int):
    unit = _unit(request, unit_id)
    form = CellForm(request.GET)
    if not form.is_valid():
        return HttpResponseBadRequest("Choose a day (YYYY-MM-DD) and a person on the rota.")
    return _render_cell(request, unit, form.cleaned_data["date"], form.cleaned_data["staff"])


def _render_cell(request, unit, day, staff_id, *, breach=None, retry=None, status=200):
    staff = None
    if staff_id:
        staff = get_object_or_404(
            StaffMember.objects.select_related("user", "job_role"),
            pk=staff_id,
            care_home_id=unit.care_home_id,
        )
    shifts = Shift.objects.filter(unit=unit, date=day).exclude(status=ShiftStatus.CANCELLED)
    shifts = shifts.select_related(*SHIFT_RELATED).order_by("starts_at")
    shifts = [s for s in shifts if (s.staff_id == staff_id if staff_id else s.is_vacant)]
    context = {
        "unit": unit,
        "day": day,
        "staff": staff,
        "shifts": shifts,
        "shift_types": list(ShiftType.objects.filter(care_home_id=unit.care_home_id)),
        "roles": list(JobRole.objects.all()),
        "sickness_reasons": SicknessReason.choices,
        "today": timezone.localdate(),
        "breach": breach,
        "retry": retry or {},
        "view_start": request.GET.get("view_start") or request.POST.get("view_start", ""),
        "view_weeks": request.GET.get("view_weeks") or request.POST.get("view_weeks", "1"),
    }
    template = "rota/_cell_editor.html" if request.htmx else "rota/cell_editor.html"
    return render(request, template, context, status=status)


@manager_required
@require_POST
def shift_add(request, unit_id: int):
    unit = _unit(request, unit_id)
    form = AddShiftForm(request.POST, home_id=unit.care_home_id)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{field.replace('_', ' ').capitalize()}: {' '.join(errors)}")
        return _back_to_grid(request, unit)
    data = form.cleaned_data
    staff = None
    if data["staff"]:
        staff = get_object_or_404(StaffMember, pk=data["staff"], care_home_id=unit.care_home_id)
    try:
        shift_create(
            unit=unit,
            day=data["date"],
            shift_type=data["shift_type"],
            job_role=data["job_role"],
            staff=staff,
            actor=request.user,
            override=_override(request, form),
        )
    except RuleBreach as breach:
        return _render_cell(
            request,
            unit,
            data["date"],
            data["staff"],
            breach=breach.verdict,
            retry=request.POST.dict(),
            status=409,
        )
    except RotaError as error:
        messages.error(request, str(error))
        return _back_to_grid(request, unit, data["date"])
    who = staff.full_name if staff else "Vacant"
    messages.success(request, f"Added {data['shift_type'].name} on {data['date']:%a %d %b}: {who}.")
    return _back_to_grid(request, unit, data["date"])


@manager_required
@require_POST
def shift_action(request, shift_id: int):
    shift = _shift(request, shift_id)
    form = ShiftActionForm(request.POST, home_id=shift.care_home_id)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _back_to_grid(request, shift.unit, shift.date)
    data = form.cleaned_data
    action = data["action"]
    try:
        if action == "assign":
            staff = get_object_or_404(
                StaffMember, pk=data["staff"], care_home_id=shift.care_home_id
            )
            shift_assign(
                shift=shift, staff=staff, actor=request.user, override=_override(request, form)
            )
            messages.success(
                request, f"{staff.full_name} is on the {shift.shift_type.name.lower()} shift."
            )
        elif action == "unassign":
            shift_unassign(shift=shift, actor=request.user, reason=data["reason"])
            messages.success(request, "The shift is vacant now.")
        elif action == "change_type":
            shift_change_type(
                shift=shift,
                shift_type=data["shift_type"],
                actor=request.user,
                override=_override(request, form),
            )
            messages.success(request, f"Changed to {data['shift_type'].name}.")
        elif action == "cancel":
            shift_cancel(shift=shift, actor=request.user, reason=data["reason"])
            messages.success(request, "The shift is cancelled.")
        elif action == "sick":
            if shift.staff_id is None:
                raise RotaError("Nobody is on this shift to mark sick.")
            sickness_record(
                staff=shift.staff,
                start=shift.date,
                expected_end=shift.date,
                reason=data["reason"],
                actor=request.user,
            )
            messages.success(
                request,
                f"{shift.staff.full_name} is recorded off sick from {shift.date:%a %d %b}; "
                "their shifts from then are vacancies. Record the return under Sickness.",
            )
    except RuleBreach as breach:
        return _render_cell(
            request,
            shift.unit,
            shift.date,
            shift.staff_id,
            breach=breach.verdict,
            retry={**request.POST.dict(), "shift_id": shift.pk},
            status=409,
        )
    except (RotaError, LeaveError) as error:
        messages.error(request, str(error))
    next_url = request.POST.get("next", "")
    if next_url.startswith("/") and not next_url.startswith("//"):
        return redirect(next_url)
    return _back_to_grid(request, shift.unit, shift.date)


@manager_required
@require_POST
def publish(request, unit_id: int):
    unit = _unit(request, unit_id)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return _back_to_grid(request, unit)
    count = rota_publish(
        unit=unit,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        actor=request.user,
    )
    if count:
        # Leave approved on a draft leaves vacancies for the manager to fill: publishing
        # with them open must not go unnoticed.
        open_shifts = Shift.objects.filter(
            VACANT,
            unit=unit,
            date__range=(form.cleaned_data["start"], form.cleaned_data["end"]),
            status=ShiftStatus.PUBLISHED,
        ).count()
        still_open = (
            f" {open_shifts} of the period's shifts are still vacant: fill them from the "
            "vacancy list."
            if open_shifts
            else ""
        )
        messages.success(
            request,
            f"Published {count} shift{'s' if count != 1 else ''}; staff have been e-mailed."
            + still_open,
        )
    else:
        messages.info(request, "There were no draft shifts to publish in this period.")
    return _back_to_grid(request, unit)


@manager_required
@require_GET
def shift_history(request, shift_id: int):
    shift = _shift(request, shift_id)
    entries = AuditEntry.objects.filter(
        object_type="rota.shift", object_id=str(shift.pk)
    ).select_related("actor")
    return render(request, "rota/shift_history.html", {"shift": shift, "entries": entries})


@manager_required
@require_GET
def rota_export(request, unit_id: int):
    unit = _unit(request, unit_id)
    form = ExportForm(request.GET)
    if not form.is_valid():
        messages.error(
            request, "Export: " + " ".join(e for errors in form.errors.values() for e in errors)
        )
        return redirect("unit_rota", unit_id=unit.pk)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    name = f"rota-{unit.care_home.code}-{unit.pk}-{start}-{end}"
    if form.cleaned_data["format"] == "csv":
        response = HttpResponse(
            exports.rota_csv(unit=unit, start=start, end=end), content_type="text/csv"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    else:
        response = HttpResponse(
            exports.rota_xlsx(unit=unit, start=start, end=end),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


# Vacancies ------------------------------------------------------------------------------


@manager_required
@require_GET
def vacancy_list(request):
    today = timezone.localdate()
    units = Unit.objects.filter(pk__in=request.access.unit_ids).select_related("care_home")
    form = VacancyFilterForm(request.GET or None, units=units)
    unit_ids, unit_value = request.access.unit_ids, ""
    if form.is_valid() and form.cleaned_data["unit"]:
        unit_ids = [form.cleaned_data["unit"].pk]
        unit_value = str(unit_ids[0])
    # Kept until a shift on one of these units (or anything of their homes) changes.
    table = vacancy_list_html(
        unit_ids=unit_ids,
        home_ids=request.access.home_ids,
        start=today,
        page=request.GET.get("page"),
        unit_value=unit_value,
    )
    # The mix's managers open the list unfiltered: that select of every unit they cover
    # (a widget template per option) is kept until a unit or home is renamed.
    select = form["unit"]
    if not form.is_bound:
        select = unit_choice_html(
            unit_ids=request.access.unit_ids,
            home_ids=request.access.home_ids,
            build=lambda: form["unit"],
        )
    return render(
        request,
        "rota/vacancy_list.html",
        {"table": table, "form": form, "unit_select": select, "today": today},
    )


def _booking_ids(shift: int):
    return AgencyBooking.objects.filter(shift=shift).values_list("pk")[:1]


def _open_offer_ids(shift: int, status: str):
    return OpenShiftOffer.objects.filter(shift=shift, status=status).values_list("pk")[:1]


def _excluded_items(excluded) -> SafeString:
    """The list of who cannot take a vacancy and why, as the template's loop drew it: a
    pool's dozen or so people with their reasons were a tenth of the page's Python."""
    items = []
    for candidate in excluded:
        reasons = "".join(f"{conditional_escape(v.message)} " for v in candidate.verdict.violations)
        items.append(
            f"<li><strong>{conditional_escape(candidate.staff.full_name)}</strong>: {reasons}</li>"
        )
    return mark_safe("".join(items))  # noqa: S308 - every value above is escaped


@manager_required
@require_GET
def vacancy_detail(request, shift_id: int):
    shift = _shift(request, shift_id)
    candidates = vacancy_candidates(shift) if shift.is_vacant else None
    # Most vacancies have neither agency bookings nor an open offer: whether they do is
    # asked through kept SQL, and the ORM reads them only when there are some.
    bookings = []
    if kept_rows(_booking_ids, shift=shift.pk):
        bookings = AgencyBooking.objects.filter(shift=shift).order_by("-requested_at")
    offer = None
    if kept_rows(_open_offer_ids, shift=shift.pk, status=OfferStatus.OPEN.value):
        offer = shift.offers.filter(status=OfferStatus.OPEN).first()
    rows = excluded = ""
    if candidates and candidates.excluded:
        excluded = _excluded_items(candidates.excluded)
    if candidates and candidates.eligible:
        rows = candidate_rows(
            candidates.eligible,
            action_url=escape(reverse("shift_action", args=[shift.pk])),
            list_url=escape(reverse("vacancy_list")),
            csrf=str(csrf_input(request)),
        )
    return render(
        request,
        "rota/vacancy_detail.html",
        {
            "shift": shift,
            "candidates": candidates,
            "eligible_rows": rows,
            "excluded_items": excluded,
            "bookings": bookings,
            "offer": offer,
            "agency_form": AgencyRequestForm(
                initial={"hourly_rate": candidates.agency_rate if candidates else None}
            ),
        },
    )


@manager_required
@require_POST
def vacancy_offer(request, shift_id: int):
    shift = _shift(request, shift_id)
    try:
        offers.offer_open_shift(shift=shift, actor=request.user)
        messages.success(request, "Offered as an open shift; eligible staff have been e-mailed.")
    except RotaError as error:
        messages.error(request, str(error))
    return redirect("vacancy_detail", shift_id=shift.pk)


@manager_required
@require_POST
def vacancy_agency(request, shift_id: int):
    shift = _shift(request, shift_id)
    form = AgencyRequestForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(errors)}")
        return redirect("vacancy_detail", shift_id=shift.pk)
    try:
        offers.request_agency(shift=shift, actor=request.user, **form.cleaned_data)
        messages.success(request, f"Agency cover requested from {form.cleaned_data['agency']}.")
    except RotaError as error:
        messages.error(request, str(error))
    return redirect("vacancy_detail", shift_id=shift.pk)


def _booking(request, booking_id: int) -> AgencyBooking:
    return get_object_or_404(
        AgencyBooking.objects.select_related("shift"),
        pk=booking_id,
        shift__unit_id__in=request.access.unit_ids,
    )


@manager_required
@require_POST
def agency_confirm(request, booking_id: int):
    booking = _booking(request, booking_id)
    form = AgencyConfirmForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the agency worker's name to confirm the booking.")
    else:
        try:
            offers.agency_confirm(
                booking=booking, worker_name=form.cleaned_data["worker_name"], actor=request.user
            )
            messages.success(request, "Agency cover confirmed: the shift is covered.")
        except RotaError as error:
            messages.error(request, str(error))
    return redirect("vacancy_detail", shift_id=booking.shift_id)


@manager_required
@require_POST
def agency_cancel(request, booking_id: int):
    booking = _booking(request, booking_id)
    offers.agency_cancel(booking=booking, actor=request.user, reason=request.POST.get("reason", ""))
    messages.success(request, "Agency booking cancelled.")
    return redirect("vacancy_detail", shift_id=booking.shift_id)


# Swaps for managers -----------------------------------------------------------------------


@manager_required
@require_GET
def swap_queue(request):
    pending = ShiftSwap.objects.filter(
        status=SwapStatus.ACCEPTED, proposer_shift__unit_id__in=request.access.unit_ids
    ).select_related(
        "proposer__user",
        "colleague__user",
        "proposer_shift__shift_type",
        "colleague_shift__shift_type",
        "proposer_shift__unit",
        "colleague_shift__unit",
    )
    return render(request, "rota/swap_queue.html", {"swaps": pending})


@manager_required
@require_POST
def swap_decide(request, swap_id: int):
    swap = get_object_or_404(
        ShiftSwap, pk=swap_id, proposer_shift__unit_id__in=request.access.unit_ids
    )
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or reject.")
        return redirect("swap_queue")
    approve = form.cleaned_data["decision"] == "approve"
    try:
        swaps.swap_decide(
            swap=swap, manager=request.user, approve=approve, note=form.cleaned_data["note"]
        )
        messages.success(
            request,
            "Swap approved: both shifts have changed hands." if approve else "Swap rejected.",
        )
    except RotaError as error:
        messages.error(request, str(error))
    return redirect("swap_queue")


# Staff self-service ----------------------------------------------------------------------


@login_required
@require_GET
def my_open_shifts(request):
    staff_id = _my_id(request)
    # Kept until the person, their home or the shifts and offers of their units change;
    # each claim form gets this request's CSRF field. Their record (a query of some 100
    # columns) is read only to build the list.
    html = open_shifts_html(
        staff_id=staff_id,
        home_id=request.access.home_ids[0],
        staff=lambda: _me(request),
        today=timezone.localdate(),
    )
    if CSRF_PLACEHOLDER in html:  # most days nothing is offered: no form, no token
        html = html.replace(CSRF_PLACEHOLDER, str(csrf_input(request)))
    shifts_html = mark_safe(html)  # noqa: S308 - ours
    return render(request, "rota/my_open_shifts.html", {"shifts_html": shifts_html})


@login_required
@require_POST
def claim(request, shift_id: int):
    me = _me(request)
    shift = get_object_or_404(
        Shift.objects.select_related(*SHIFT_RELATED), pk=shift_id, care_home_id=me.care_home_id
    )
    try:
        offers.claim_open_shift(shift=shift, staff=me)
        messages.success(
            request, f"The {shift.shift_type.name.lower()} shift on {shift.date:%a %d %b} is yours."
        )
        return redirect("my_shifts")
    except RotaError as error:
        messages.error(request, str(error))
        return redirect("my_open_shifts")


@login_required
def my_swaps(request):
    today = timezone.localdate()
    if request.method == "POST":
        me = _me(request)
        form = SwapProposeForm(request.POST)
        if form.is_valid():
            mine = get_object_or_404(Shift, pk=form.cleaned_data["my_shift"], staff=me)
            theirs = get_object_or_404(
                Shift.objects.select_related(*SHIFT_RELATED),
                pk=form.cleaned_data["their_shift"],
                care_home_id=me.care_home_id,
            )
            try:
                swaps.swap_propose(
                    proposer=me,
                    proposer_shift=mine,
                    colleague_shift=theirs,
                    note=form.cleaned_data["note"],
                )
                messages.success(request, f"Swap proposed to {theirs.staff.full_name}.")
            except RotaError as error:
                messages.error(request, str(error))
            return redirect("my_swaps")
        messages.error(request, "Choose one of your shifts and a colleague's shift.")
    # The options and the list are kept until the person's shifts or swaps, their unit's
    # shifts or their home change; each answer form gets this request's CSRF field.
    parts = swap_page_parts(
        staff_id=_my_id(request),
        home_id=request.access.home_ids[0],
        staff=lambda: _me(request),
        today=today,
    )
    swaps_html = parts["swaps"]
    if SWAP_CSRF_PLACEHOLDER in swaps_html:  # only swaps waiting for an answer have forms
        swaps_html = swaps_html.replace(SWAP_CSRF_PLACEHOLDER, str(csrf_input(request)))
    return render(
        request,
        "rota/my_swaps.html",
        {
            "choices": {
                "mine": mark_safe(parts["mine"]),  # noqa: S308 - escaped where built
                "theirs": mark_safe(parts["theirs"]),  # noqa: S308 - escaped where built
            },
            "swaps_html": mark_safe(swaps_html),  # noqa: S308 - ours
        },
    )


@login_required
@require_POST
def my_swap_answer(request, swap_id: int, answer: str):
    me = _me(request)
    swap = get_object_or_404(ShiftSwap, pk=swap_id, care_home_id=me.care_home_id)
    try:
        if answer == "withdraw":
            swaps.swap_withdraw(swap=swap, proposer=me)
        elif answer in ("accept", "decline"):
            swaps.swap_respond(swap=swap, colleague=me, accept=answer == "accept")
        else:
            return HttpResponseBadRequest("Answer with accept, decline or withdraw.")
        done = {"accept": "accepted", "decline": "declined", "withdraw": "withdrawn"}[answer]
        messages.success(request, f"Swap {done}.")
    except RotaError as error:
        messages.error(request, str(error))
    return redirect("my_swaps")


@login_required
def my_calendar(request):
    me = _me(request)
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            feeds.feed_revoke(staff=me)
            messages.success(request, "Your calendar address no longer works.")
        else:
            feeds.feed_renew(staff=me)
            messages.success(
                request, "Your new calendar address is below; the old one no longer works."
            )
        return redirect("my_calendar")
    feed = CalendarFeed.objects.filter(staff=me).first()
    url = request.build_absolute_uri(reverse("calendar_feed", args=[feed.token])) if feed else None
    return render(request, "rota/my_calendar.html", {"feed_url": url})


@require_GET
def calendar_feed(request, token: str):
    """Calendar apps fetch this without logging in: the secret token is the key."""
    with scopes_disabled():
        feed = get_object_or_404(CalendarFeed.objects.select_related("staff__user"), token=token)
        if not feed.staff.user.is_active:
            raise PermissionDenied
        body = feeds.calendar_for(feed.staff, host=request.get_host())
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="shifts.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response
