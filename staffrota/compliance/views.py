"""Compliance pages. Thin: check who asks, read through `queries`, write through `services`."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from staffrota.compliance import queries, reports, services
from staffrota.compliance.forms import (
    IncidentActionForm,
    IncidentForm,
    MonthForm,
    PeriodForm,
    RegistrationForm,
    ScopeFilterForm,
    SupervisionForm,
    TrainingImportForm,
    TrainingRecordForm,
)
from staffrota.compliance.models import IncidentStatus, Supervision
from staffrota.organisation.models import CareHome
from staffrota.web.permissions import manager_required

IMPORT_SESSION_KEY = "training_import_csv"
MATRIX_PAGE_SIZE = 100  # people per page of the training matrix


def _staff_in_scope(request, staff_id: int):
    return get_object_or_404(
        queries.staff_visible(request.access).select_related("user", "job_role", "home_unit"),
        pk=staff_id,
    )


@login_required
def my_compliance(request):
    """A staff member's own training, supervision dates and registration (no notes)."""
    today = timezone.localdate()
    if not request.access.staff_id:
        return render(request, "compliance/my.html", {"member": None})
    staff = queries.staff_visible(request.access).filter(pk=request.access.staff_id)
    matrix = queries.training_matrix(staff_qs=staff, today=today)
    row = matrix.rows[0] if matrix.rows else None
    supervision = queries.supervision_rows(staff_qs=staff, today=today)
    registration = queries.registration_rows(staff_qs=staff, today=today)
    return render(
        request,
        "compliance/my.html",
        {
            "member": row.staff if row else None,
            "cells": [cell for cell in row.cells if cell.status] if row else [],
            "matrix": matrix,
            "supervision": supervision[0] if supervision else None,
            "registration": registration[0] if registration else None,
            "labels": queries.STATUS_LABELS,
        },
    )


@manager_required
def training_matrix(request):
    form = ScopeFilterForm(request.GET or None, access=request.access)
    if request.GET and not form.is_valid():
        messages.error(request, "Choose a home and a unit from the lists. Showing all of yours.")
    # Totals cover everyone chosen; the table shows a page of people. A whole group at ten
    # times the reference size is 150,000 cells and took 20 s to render as one page.
    matrix = queries.training_matrix(
        staff_qs=form.staff(),
        today=timezone.localdate(),
        page=request.GET.get("page"),
        page_size=MATRIX_PAGE_SIZE,
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "compliance/training_matrix.html",
        {
            "form": form,
            "matrix": matrix,
            "page": matrix.page,
            "query": query.urlencode(),
            "labels": queries.STATUS_LABELS,
        },
    )


@manager_required
def training_add(request):
    form = TrainingRecordForm(request.POST or None, access=request.access)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.training_record_create(
                staff=form.cleaned_data["staff"],
                course=form.cleaned_data["course"],
                completed_on=form.cleaned_data["completed_on"],
                expires_on=form.cleaned_data["expires_on"],
                actor=request.user,
            )
        except services.ComplianceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Recorded {record.course.name} for {record.staff.full_name}, "
                f"valid to {record.expires_on:%d %b %Y}.",
            )
            return redirect("compliance:training_matrix")
    return render(request, "compliance/form.html", {"form": form, "title": "Record training"})


@manager_required
def training_import(request):
    """Upload, preview with an error per bad row, then import all rows or none."""
    preview = None
    form = TrainingImportForm()
    if request.method == "POST" and request.POST.get("confirm"):
        text = request.session.get(IMPORT_SESSION_KEY)
        if not text:
            messages.error(request, "The preview has expired: upload the file again.")
            return redirect("compliance:training_import")
        try:
            count = services.training_import_commit(
                text=text, access=request.access, actor=request.user
            )
        except services.ComplianceError as error:
            messages.error(request, str(error))
            preview = services.training_import_preview(text=text, access=request.access)
        else:
            request.session.pop(IMPORT_SESSION_KEY, None)
            messages.success(request, f"Imported {count} training records.")
            return redirect("compliance:training_matrix")
    elif request.method == "POST":
        form = TrainingImportForm(request.POST, request.FILES)
        if form.is_valid():
            text = form.cleaned_data["file"]
            preview = services.training_import_preview(text=text, access=request.access)
            if preview.ok:
                request.session[IMPORT_SESSION_KEY] = text
            else:
                request.session.pop(IMPORT_SESSION_KEY, None)
    return render(
        request,
        "compliance/training_import.html",
        {"form": form, "preview": preview, "columns": services.IMPORT_COLUMNS},
    )


@manager_required
def supervision_list(request):
    form = ScopeFilterForm(request.GET or None, access=request.access)
    rows = queries.supervision_rows(staff_qs=form.staff(), today=timezone.localdate())
    only_long = request.GET.get("overdue") == "6w"
    if only_long:
        rows = [row for row in rows if row.long_overdue]
    return render(
        request,
        "compliance/supervision_list.html",
        {"form": form, "rows": rows, "only_long": only_long},
    )


@manager_required
def supervision_staff(request, staff_id: int):
    member = _staff_in_scope(request, staff_id)
    form = SupervisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.supervision_record(
                staff=member,
                held_on=form.cleaned_data["held_on"],
                next_due_on=form.cleaned_data["next_due_on"],
                notes=form.cleaned_data["notes"],
                supervisor=request.user,
            )
        except services.ComplianceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Supervision recorded for {member.full_name}.")
            return redirect("compliance:supervision_staff", staff_id=member.pk)
    history = Supervision.objects.filter(staff=member).select_related("supervisor")
    return render(
        request,
        "compliance/supervision_staff.html",
        {"member": member, "form": form, "history": history},
    )


@manager_required
def registration_list(request):
    form = ScopeFilterForm(request.GET or None, access=request.access)
    rows = queries.registration_rows(staff_qs=form.staff(), today=timezone.localdate())
    return render(request, "compliance/registration_list.html", {"form": form, "rows": rows})


@manager_required
def registration_edit(request, staff_id: int):
    member = _staff_in_scope(request, staff_id)
    initial = {
        "body": member.registration_body,
        "number": member.registration_number,
        "expiry": member.registration_expiry,
    }
    form = RegistrationForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.registration_update(
                staff=member,
                body=form.cleaned_data["body"],
                number=form.cleaned_data["number"],
                expiry=form.cleaned_data["expiry"],
                actor=request.user,
            )
        except services.ComplianceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Registration updated for {member.full_name}.")
            return redirect("compliance:registration_list")
    return render(
        request,
        "compliance/form.html",
        {"form": form, "title": f"Registration: {member.full_name} ({member.job_role.name})"},
    )


@login_required
def incident_list(request):
    incidents = (
        queries.incidents_visible(request.access, request.user)
        .select_related("unit", "care_home")
        .order_by("-occurred_at")
    )
    status = request.GET.get("status", "")
    if status in IncidentStatus.values:
        incidents = incidents.filter(status=status)
    elif request.access.manages and not status:
        incidents = incidents.exclude(status=IncidentStatus.CLOSED)
    incidents = list(incidents[:200])
    return render(
        request,
        "compliance/incident_list.html",
        {
            "incidents": incidents,
            "status": status,
            "statuses": IncidentStatus.choices,
            "staffing": queries.incident_staffing(incidents) if request.access.manages else {},
        },
    )


@login_required
def incident_new(request):
    if not (request.access.staff_id or request.access.manages):
        raise PermissionDenied("Only staff and managers can report incidents.")
    form = IncidentForm(request.POST or None, access=request.access)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.incident_report(
                reporter=request.user,
                unit=data["unit"],
                occurred_at=data["occurred_at"],
                category=data["category"],
                severity=data["severity"],
                location=data["location"],
                description=data["description"],
                immediate_action=data["immediate_action"],
                people=list(data["people"]),
            )
        except services.ComplianceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                f"Thank you: incident {incident.pk} is reported and your manager has been told.",
            )
            return redirect("compliance:incident_detail", incident_id=incident.pk)
    return render(request, "compliance/incident_form.html", {"form": form})


@login_required
def incident_detail(request, incident_id: int):
    incident = get_object_or_404(
        queries.incidents_visible(request.access, request.user).select_related(
            "unit", "care_home", "reported_by"
        ),
        pk=incident_id,
    )
    form = None
    if request.access.manages:
        form = IncidentActionForm(request.POST or None, incident=incident)
        if request.method == "POST" and form.is_valid():
            try:
                services.incident_progress(
                    incident=incident,
                    actor=request.user,
                    to_status=form.cleaned_data["to_status"],
                    note=form.cleaned_data["note"],
                )
            except services.ComplianceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Action recorded.")
                return redirect("compliance:incident_detail", incident_id=incident.pk)
    elif request.method == "POST":
        raise PermissionDenied("Only managers can act on incidents.")
    return render(
        request,
        "compliance/incident_detail.html",
        {
            "incident": incident,
            "people": incident.people_involved.select_related("user"),
            "actions": incident.actions.select_related("actor"),
            "staffing": queries.incident_staffing([incident]).get(incident.pk),
            "form": form,
        },
    )


@manager_required
def incident_summary(request):
    form = PeriodForm(request.GET or None)
    if request.GET and not form.is_valid():
        messages.error(request, "That period could not be read; showing the last 12 months.")
    start, end, by = form.period()
    summary = queries.incident_summary(
        incidents_qs=queries.incidents_visible(request.access, request.user),
        start=start,
        end=end,
        dimension=by,
    )
    rows = [(group, summary.row(group), summary.total(group)) for group in summary.groups]
    return render(
        request,
        "compliance/incident_summary.html",
        {"form": form, "summary": summary, "rows": rows, "start": start, "end": end},
    )


@manager_required
def report_index(request):
    month_form = MonthForm(access=request.access)
    today = timezone.localdate()
    return render(
        request,
        "compliance/reports.html",
        {
            "month_form": month_form,
            "homes": CareHome.objects.filter(pk__in=request.access.home_ids),
            "selected_home": request.GET.get("home", ""),
            "default_start": (today - timedelta(days=90)),
            "default_end": today,
        },
    )


@manager_required
@require_GET
def report_monthly(request, fmt: str):
    form = MonthForm(request.GET or None, access=request.access)
    if request.GET and not form.is_valid():
        messages.error(request, "Choose a month as YYYY-MM and a home from the list.")
        return redirect("compliance:reports")
    month, home = form.chosen()
    report = reports.monthly_report(
        access=request.access, user=request.user, month=month, home=home
    )
    if fmt == "xlsx":
        response = HttpResponse(
            reports.monthly_report_xlsx(report),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(reports.monthly_report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="compliance-{month:%Y-%m}.{fmt}"'
    return response


@manager_required
@require_GET
def evidence_pack(request, home_id: int):
    home = get_object_or_404(CareHome.objects.filter(pk__in=request.access.home_ids), pk=home_id)
    form = PeriodForm(request.GET or None)
    if request.GET and not form.is_valid():
        messages.error(request, " ".join(form.non_field_errors()) or "Give dates as YYYY-MM-DD.")
        return redirect("compliance:reports")
    start, end, _ = form.period()
    if not request.GET.get("start"):
        start = end - timedelta(days=90)
    pdf = reports.evidence_pack_pdf(
        home=home, start=start, end=end, access=request.access, user=request.user
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="evidence-{home.code}-{start:%Y%m%d}-{end:%Y%m%d}.pdf"'
    )
    return response
