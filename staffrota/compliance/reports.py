"""The monthly compliance report (PDF and Excel), the weekly staffing report and the
inspection evidence pack (PDF). The data is gathered through the same scoped queries the
pages use; the renderers only lay it out.
"""

from __future__ import annotations

import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from staffrota.accounts.access import Access
from staffrota.audit.models import AuditEntry
from staffrota.compliance.models import IncidentCategory, Severity
from staffrota.compliance.queries import (
    EXPIRED,
    EXPIRING,
    MISSING,
    STATUS_LABELS,
    ExpiringTraining,
    IncidentSummary,
    RegistrationRow,
    SupervisionRow,
    TrainingMatrix,
    add_months,
    incident_summary,
    incidents_visible,
    registration_rows,
    staff_visible,
    supervision_rows,
    training_attention,
    training_matrix,
)
from staffrota.organisation.models import (
    CareHome,
    ShiftType,
    StaffingRequirement,
    Unit,
)
from staffrota.rota.models import Shift, ShiftSource, ShiftStatus

# --- monthly compliance report ---------------------------------------------------------------


@dataclass
class MonthlyReport:
    scope_label: str
    month: date
    as_of: date
    matrix: TrainingMatrix
    attention: list[ExpiringTraining]
    supervision_overdue: list[SupervisionRow]
    registrations: list[RegistrationRow]
    incidents: IncidentSummary

    @property
    def incident_month(self) -> date:
        return add_months(self.month, -1)

    @property
    def by_category_severity(self) -> list[tuple[str, list[int], int]]:
        counts = Counter((i.category, i.severity) for i in self.incidents.incidents)
        rows = []
        for value, label in IncidentCategory.choices:
            cells = [counts.get((value, sev), 0) for sev in Severity.values]
            if sum(cells):
                rows.append((label, cells, sum(cells)))
        return rows


def monthly_report(
    *, access: Access, user, month: date, home: CareHome | None = None
) -> MonthlyReport:
    """Training needing action within 30 days of the report date, supervision more than
    6 weeks overdue, registrations to act on, and the previous month's incidents."""
    today = timezone.localdate()
    month = month.replace(day=1)
    as_of = today if month == today.replace(day=1) else month
    staff = staff_visible(access, on=as_of)
    incidents = incidents_visible(access, user)
    if home is not None:
        staff = staff.filter(care_home=home)
        incidents = incidents.filter(care_home=home)
    matrix = training_matrix(staff_qs=staff, today=as_of)
    previous = add_months(month, -1)
    summary = incident_summary(
        incidents_qs=incidents,
        start=previous,
        end=month - timedelta(days=1),
        dimension="category",
    )
    return MonthlyReport(
        scope_label=home.name if home else _scope_label(access),
        month=month,
        as_of=as_of,
        matrix=matrix,
        attention=[
            item
            for item in training_attention(matrix)
            if item.status in (EXPIRED, EXPIRING, MISSING)
        ],
        supervision_overdue=[
            row for row in supervision_rows(staff_qs=staff, today=as_of) if row.long_overdue
        ],
        registrations=[
            row for row in registration_rows(staff_qs=staff, today=as_of) if row.status != "valid"
        ],
        incidents=summary,
    )


def _scope_label(access: Access) -> str:
    homes = list(CareHome.objects.filter(pk__in=access.home_ids).values_list("name", flat=True))
    if access.all_homes:
        return "All homes"
    return ", ".join(homes) or "No homes"


# --- PDF building blocks --------------------------------------------------------------------

_STYLES = getSampleStyleSheet()
_CELL = _STYLES["BodyText"].clone("cell", fontSize=8, leading=10)
_TABLE_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1d4f73")),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b0b7c0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#f3f5f8")]),
    ]
)


def _table(header: list[str], rows: list[list], widths=None) -> Table:
    data = [header] + [
        [
            Paragraph(str(value), _CELL) if isinstance(value, str) and len(value) > 30 else value
            for value in row
        ]
        for row in rows
    ]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(_TABLE_STYLE)
    return table


def _none(text: str) -> Paragraph:
    return Paragraph(text, _STYLES["Italic"])


def _pdf(title: str, subtitle: str, flow: list, *, wide: bool = False) -> bytes:
    buffer = io.BytesIO()
    size = landscape(A4) if wide else A4
    document = SimpleDocTemplate(
        buffer,
        pagesize=size,
        title=title,
        author="Staff Rota",
        leftMargin=14 * mm,
        rightMargin=14 * mm,
        topMargin=14 * mm,
        bottomMargin=14 * mm,
    )

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(14 * mm, 8 * mm, f"{title} · page {doc.page}")
        canvas.restoreState()

    story = [
        Paragraph(title, _STYLES["Title"]),
        Paragraph(subtitle, _STYLES["Normal"]),
        Spacer(1, 6 * mm),
        *flow,
    ]
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _h(text: str) -> Paragraph:
    return Paragraph(text, _STYLES["Heading2"])


def _d(day: date | None) -> str:
    return f"{day:%d %b %Y}" if day else "–"


def monthly_report_pdf(report: MonthlyReport) -> bytes:
    flow = [
        Paragraph(
            f"Training in date: {report.matrix.percent_current:.0f}% of "
            f"{report.matrix.applicable} required courses. "
            f"{len(report.attention)} course records need action; "
            f"{len(report.supervision_overdue)} people are more than 6 weeks overdue for "
            f"supervision; {len(report.incidents.incidents)} incidents in "
            f"{report.incident_month:%B %Y}.",
            _STYLES["Normal"],
        ),
        _h("Training expired, missing or expiring within 30 days"),
    ]
    if report.attention:
        flow.append(
            _table(
                ["Person", "Unit", "Course", "Status", "Expires"],
                [
                    [
                        item.staff.full_name,
                        item.staff.home_unit.name,
                        item.course.name,
                        STATUS_LABELS[item.status],
                        _d(item.expires_on),
                    ]
                    for item in report.attention
                ],
            )
        )
    else:
        flow.append(_none("Every required course is in date for the next 30 days."))
    flow.append(_h("Supervision more than 6 weeks overdue"))
    if report.supervision_overdue:
        flow.append(
            _table(
                ["Person", "Unit", "Last supervision", "Due", "Days overdue"],
                [
                    [
                        row.staff.full_name,
                        row.staff.home_unit.name,
                        _d(row.last_held),
                        _d(row.next_due),
                        row.overdue_days,
                    ]
                    for row in report.supervision_overdue
                ],
            )
        )
    else:
        flow.append(_none("Nobody is more than 6 weeks overdue."))
    flow.append(_h("Professional registrations to act on"))
    if report.registrations:
        flow.append(
            _table(
                ["Person", "Role", "Body", "Number", "Expires", "Status"],
                [
                    [
                        row.staff.full_name,
                        row.staff.job_role.name,
                        row.staff.registration_body or "–",
                        row.staff.registration_number or "–",
                        _d(row.staff.registration_expiry),
                        {"expiring": "Expires within 60 days"}.get(
                            row.status, STATUS_LABELS.get(row.status, row.status)
                        ),
                    ]
                    for row in report.registrations
                ],
            )
        )
    else:
        flow.append(_none("Every registration is in date for the next 60 days."))
    flow.append(_h(f"Incidents in {report.incident_month:%B %Y}"))
    if report.incidents.incidents:
        flow.append(
            _table(
                ["Category", *Severity.labels, "Total"],
                [[label, *cells, total] for label, cells, total in report.by_category_severity],
            )
        )
        flow.append(
            Paragraph(
                f"{report.incidents.below_minimum} happened on a shift staffed below its minimum.",
                _STYLES["Normal"],
            )
        )
    else:
        flow.append(_none("No incidents were reported."))
    return _pdf(
        f"Monthly compliance report, {report.month:%B %Y}",
        f"{report.scope_label} · position on {_d(report.as_of)} · produced "
        f"{timezone.localtime():%d %b %Y %H:%M}",
        flow,
    )


def monthly_report_xlsx(report: MonthlyReport) -> bytes:
    book = Workbook()
    summary = book.active
    summary.title = "Summary"
    summary.append([f"Monthly compliance report, {report.month:%B %Y}"])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append(["Scope", report.scope_label])
    summary.append(["Position on", report.as_of])
    summary.append(["Training in date (%)", round(report.matrix.percent_current, 1)])
    summary.append(["Course records needing action", len(report.attention)])
    summary.append(["Supervision more than 6 weeks overdue", len(report.supervision_overdue)])
    summary.append([f"Incidents in {report.incident_month:%B %Y}", len(report.incidents.incidents)])

    def sheet(name: str, header: list[str], rows: list[list]):
        ws = book.create_sheet(name)
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        ws.freeze_panes = "A2"
        for column, title in zip(ws.columns, header, strict=False):
            ws.column_dimensions[column[0].column_letter].width = max(12, len(title) + 2)

    sheet(
        "Training",
        ["SAP number", "Person", "Unit", "Course", "Status", "Expires"],
        [
            [
                i.staff.sap_number,
                i.staff.full_name,
                i.staff.home_unit.name,
                i.course.name,
                STATUS_LABELS[i.status],
                i.expires_on,
            ]
            for i in report.attention
        ],
    )
    sheet(
        "Supervision",
        ["SAP number", "Person", "Unit", "Last supervision", "Due", "Days overdue"],
        [
            [
                r.staff.sap_number,
                r.staff.full_name,
                r.staff.home_unit.name,
                r.last_held,
                r.next_due,
                r.overdue_days,
            ]
            for r in report.supervision_overdue
        ],
    )
    sheet(
        "Registrations",
        ["SAP number", "Person", "Role", "Body", "Number", "Expires", "Status"],
        [
            [
                r.staff.sap_number,
                r.staff.full_name,
                r.staff.job_role.name,
                r.staff.registration_body,
                r.staff.registration_number,
                r.staff.registration_expiry,
                r.status,
            ]
            for r in report.registrations
        ],
    )
    staffing = report.incidents.staffing
    sheet(
        "Incidents",
        ["When", "Home", "Unit", "Category", "Severity", "Status", "On shift", "Minimum"],
        [
            [
                timezone.localtime(i.occurred_at).replace(tzinfo=None),
                i.care_home.name,
                i.unit.name,
                i.get_category_display(),
                i.get_severity_display(),
                i.get_status_display(),
                staffing[i.pk].scheduled if staffing[i.pk].shift_type else None,
                staffing[i.pk].minimum if staffing[i.pk].shift_type else None,
            ]
            for i in report.incidents.incidents
        ],
    )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- inspection evidence pack -----------------------------------------------------------------


@dataclass
class StaffingLine:
    unit: str
    role: str
    required_hours: float
    rostered_hours: float
    worked_hours: float
    agency_hours: float
    short_places: int


def planned_against_worked(*, home: CareHome, start: date, end: date) -> list[StaffingLine]:
    """By unit and role: hours the minimums require, hours rostered, hours worked. Four queries."""
    units = dict(Unit.objects.filter(care_home=home).values_list("pk", "name"))
    paid = dict(ShiftType.objects.filter(care_home=home).values_list("pk", "paid_hours"))
    from staffrota.organisation.models import JobRole

    roles = dict(JobRole.objects.values_list("pk", "name"))
    counts: dict[tuple, int] = defaultdict(int)
    lines: dict[tuple[int, int], StaffingLine] = {}

    def line(unit_id: int, role_id: int) -> StaffingLine:
        key = (unit_id, role_id)
        if key not in lines:
            lines[key] = StaffingLine(units[unit_id], roles[role_id], 0.0, 0.0, 0.0, 0.0, 0)
        return lines[key]

    staffed = Q(staff__isnull=False) | Q(source=ShiftSource.AGENCY)
    for row in (
        Shift.objects.filter(care_home=home, date__range=(start, end), status=ShiftStatus.PUBLISHED)
        .values("unit_id", "job_role_id", "shift_type_id", "date")
        .annotate(
            rostered=Sum("paid_hours"),
            worked=Sum("paid_hours", filter=staffed),
            agency=Sum("paid_hours", filter=Q(source=ShiftSource.AGENCY)),
            people=Count("pk", filter=staffed),
        )
        .order_by()
    ):
        entry = line(row["unit_id"], row["job_role_id"])
        entry.rostered_hours += float(row["rostered"] or 0)
        entry.worked_hours += float(row["worked"] or 0)
        entry.agency_hours += float(row["agency"] or 0)
        counts[(row["unit_id"], row["job_role_id"], row["shift_type_id"], row["date"])] += row[
            "people"
        ]
    requirements = list(
        StaffingRequirement.objects.filter(care_home=home).values(
            "unit_id", "job_role_id", "shift_type_id", "weekday", "minimum"
        )
    )
    day = start
    while day <= end:
        for req in requirements:
            if req["weekday"] != day.weekday():
                continue
            entry = line(req["unit_id"], req["job_role_id"])
            entry.required_hours += (
                float(paid.get(req["shift_type_id"], Decimal(0))) * req["minimum"]
            )
            have = counts.get((req["unit_id"], req["job_role_id"], req["shift_type_id"], day), 0)
            entry.short_places += max(0, req["minimum"] - have)
        day += timedelta(days=1)
    return sorted(lines.values(), key=lambda item: (item.unit, item.role))


def evidence_pack_pdf(*, home: CareHome, start: date, end: date, access: Access, user) -> bytes:
    """Planned against worked staffing, rule breaches, training, supervision, registrations
    and incidents for one home and period."""
    staff = staff_visible(access, on=end).filter(care_home=home)
    lines = planned_against_worked(home=home, start=start, end=end)
    first = timezone.make_aware(datetime.combine(start, time.min))
    last = timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min))
    breaches = list(
        AuditEntry.objects.filter(care_home=home, at__gte=first, at__lt=last)
        .filter(reason__startswith="Override of")
        .order_by("at")
    )
    matrix = training_matrix(staff_qs=staff, today=end)
    supervision = supervision_rows(staff_qs=staff, today=end)
    registrations = registration_rows(staff_qs=staff, today=end)
    incidents = incident_summary(
        incidents_qs=incidents_visible(access, user).filter(care_home=home),
        start=start,
        end=end,
        dimension="unit",
    )
    flow = [_h("Staffing: planned against worked, by unit and role")]
    if lines:
        flow.append(
            _table(
                [
                    "Unit",
                    "Role",
                    "Hours the minimum needs",
                    "Hours rostered",
                    "Hours worked",
                    "of which agency",
                    "Places short",
                ],
                [
                    [
                        x.unit,
                        x.role,
                        f"{x.required_hours:,.0f}",
                        f"{x.rostered_hours:,.0f}",
                        f"{x.worked_hours:,.0f}",
                        f"{x.agency_hours:,.0f}",
                        x.short_places,
                    ]
                    for x in lines
                ],
            )
        )
    else:
        flow.append(_none("No requirements or shifts in this period."))
    flow.append(_h("Rota rule breaches (manager overrides)"))
    if breaches:
        flow.append(
            _table(
                ["When", "By", "What", "Reason"],
                [
                    [
                        f"{timezone.localtime(b.at):%d %b %Y %H:%M}",
                        b.actor_label,
                        b.action,
                        b.reason,
                    ]
                    for b in breaches
                ],
                widths=[32 * mm, 50 * mm, 30 * mm, 150 * mm],
            )
        )
    else:
        flow.append(_none("No rota rule was overridden in this period."))
    flow.append(_h("Training"))
    flow.append(
        Paragraph(
            f"{matrix.percent_current:.0f}% of {matrix.applicable} required courses in date on "
            f"{_d(end)}: {matrix.totals['valid']} valid, {matrix.totals['expiring']} expiring "
            f"within 30 days, {matrix.totals['expired']} expired, {matrix.totals['missing']} "
            "missing.",
            _STYLES["Normal"],
        )
    )
    attention = training_attention(matrix)
    if attention:
        flow.append(
            _table(
                ["Person", "Unit", "Course", "Status", "Expires"],
                [
                    [
                        i.staff.full_name,
                        i.staff.home_unit.name,
                        i.course.name,
                        STATUS_LABELS[i.status],
                        _d(i.expires_on),
                    ]
                    for i in attention
                ],
            )
        )
    flow.append(_h("Supervision"))
    overdue = [row for row in supervision if row.overdue]
    flow.append(
        Paragraph(
            f"{len(supervision) - len(overdue)} of {len(supervision)} people are up to date; "
            f"{sum(1 for r in overdue if r.long_overdue)} are more than 6 weeks overdue.",
            _STYLES["Normal"],
        )
    )
    if overdue:
        flow.append(
            _table(
                ["Person", "Unit", "Last supervision", "Due", "Days overdue"],
                [
                    [
                        r.staff.full_name,
                        r.staff.home_unit.name,
                        _d(r.last_held),
                        _d(r.next_due),
                        r.overdue_days,
                    ]
                    for r in overdue
                ],
            )
        )
    flow.append(_h("Professional registrations"))
    flow.append(
        _table(
            ["Person", "Role", "Body", "Number", "Expires", "Status"],
            [
                [
                    r.staff.full_name,
                    r.staff.job_role.name,
                    r.staff.registration_body or "–",
                    r.staff.registration_number or "–",
                    _d(r.staff.registration_expiry),
                    r.status,
                ]
                for r in registrations
            ],
        )
        if registrations
        else _none("Nobody in this home needs a registration.")
    )
    flow.append(_h("Incidents"))
    if incidents.incidents:
        staffing = incidents.staffing
        flow.append(
            _table(
                ["When", "Unit", "Category", "Severity", "Status", "On shift / minimum"],
                [
                    [
                        f"{timezone.localtime(i.occurred_at):%d %b %Y %H:%M}",
                        i.unit.name,
                        i.get_category_display(),
                        i.get_severity_display(),
                        i.get_status_display(),
                        f"{staffing[i.pk].scheduled}/{staffing[i.pk].minimum}"
                        if staffing[i.pk].shift_type
                        else "–",
                    ]
                    for i in incidents.incidents
                ],
            )
        )
    else:
        flow.append(_none("No incidents in this period."))
    return _pdf(
        f"Inspection evidence pack: {home.name}",
        f"{_d(start)} to {_d(end)} · produced {timezone.localtime():%d %b %Y %H:%M}",
        flow,
        wide=True,
    )


# --- weekly staffing report -------------------------------------------------------------------


def weekly_staffing_text(*, access: Access, today: date, name: str) -> str:
    """The Monday e-mail to an Operational Manager: the week ahead on their units."""
    from staffrota.dashboards.services import om_dashboard

    board = om_dashboard(access=access, today=today)
    lines = [
        f"Good morning {name},",
        "",
        f"Your units for the week from {today:%A %d %B %Y}:",
        f"- {board.short_next_7} places below the minimum and {board.vacancies_next_7} vacant "
        "shifts in the next 7 days",
        f"- {len(board.pending_leave)} leave requests waiting for you",
        f"- {len(board.off_sick)} people off sick today",
        f"- {board.compliance_flags} compliance flags (training, supervision, registrations)",
        "",
    ]
    for unit in board.units:
        short_days = [f"{d.day:%a %d} short {d.short}" for d in unit.week if d.short]
        lines.append(
            f"{unit.name}: {unit.short_next_7} places short, {unit.vacancies_next_7} vacant"
            + (f" ({', '.join(short_days)})" if short_days else "")
        )
    if board.pending_leave:
        lines += ["", "Leave waiting:"]
        lines += [
            f"- {i['name']} ({i['unit']}): {i['type']} {i['start']:%d %b} to {i['end']:%d %b}"
            for i in board.pending_leave
        ]
    return "\n".join(lines) + "\n"
