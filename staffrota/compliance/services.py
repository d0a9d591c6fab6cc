"""Writes: training records and their CSV import, supervisions, registrations, incidents.

Each validates before saving, raises `ComplianceError` with a message a manager can act on,
and leaves an entry in the audit chain.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from staffrota.accounts.access import Access
from staffrota.audit.services import audit_record
from staffrota.compliance.models import (
    Incident,
    IncidentAction,
    IncidentStatus,
    Supervision,
    TrainingCourse,
    TrainingRecord,
)
from staffrota.compliance.queries import add_months, staff_visible
from staffrota.notifications.services import email_queue
from staffrota.organisation.models import RegistrationBody, StaffMember, Unit


class ComplianceError(Exception):
    """A change that cannot be made, with the reason in words a manager uses."""


def _training_snapshot(record: TrainingRecord) -> dict:
    return {
        "staff": record.staff_id,
        "course": record.course_id,
        "completed_on": record.completed_on,
        "expires_on": record.expires_on,
    }


def training_expiry(*, course: TrainingCourse, completed_on: date) -> date:
    """The last day a course completed on `completed_on` counts."""
    return add_months(completed_on, course.validity_months)


def training_record_create(
    *,
    staff: StaffMember,
    course: TrainingCourse,
    completed_on: date,
    actor,
    expires_on: date | None = None,
) -> TrainingRecord:
    """Record that `staff` completed `course`; the expiry follows the course's validity."""
    today = timezone.localdate()
    if completed_on > today:
        raise ComplianceError(
            "The completion date is in the future; training is recorded once done."
        )
    expires_on = expires_on or training_expiry(course=course, completed_on=completed_on)
    if expires_on <= completed_on:
        raise ComplianceError("The expiry date must be after the completion date.")
    record = TrainingRecord(
        care_home_id=staff.care_home_id,
        staff=staff,
        course=course,
        completed_on=completed_on,
        expires_on=expires_on,
    )
    with transaction.atomic():
        record.save()
        audit_record(
            actor=actor, action="training.record", target=record, after=_training_snapshot(record)
        )
    return record


# --- CSV import ----------------------------------------------------------------------------

IMPORT_COLUMNS = ("sap_number", "course", "completed_on", "expires_on")
IMPORT_MAX_ROWS = 5000
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")


@dataclass
class ImportRow:
    line: int
    values: dict[str, str]
    staff: StaffMember | None = None
    course: TrainingCourse | None = None
    completed_on: date | None = None
    expires_on: date | None = None
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportPreview:
    rows: list[ImportRow]
    problems: list[str] = field(default_factory=list)  # about the file as a whole

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows) and not any(row.errors for row in self.rows)

    @property
    def bad_rows(self) -> int:
        return sum(1 for row in self.rows if row.errors)


def _parse_date(text: str) -> date | None:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def training_import_preview(*, text: str, access: Access) -> ImportPreview:
    """Read a CSV of training records and check every row; nothing is saved.

    Columns: sap_number, course (code or name), completed_on (YYYY-MM-DD or DD/MM/YYYY),
    expires_on (optional; defaults from the course). People must be in the user's units.
    """
    today = timezone.localdate()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in IMPORT_COLUMNS[:3] if name not in headers]
    if missing:
        return ImportPreview(
            rows=[],
            problems=[
                "The first line must name the columns sap_number, course, completed_on "
                f"(and optionally expires_on); missing: {', '.join(missing)}."
            ],
        )
    reader.fieldnames = headers
    rows = []
    try:
        for number, raw in enumerate(reader, start=2):
            if len(rows) >= IMPORT_MAX_ROWS:
                return ImportPreview(
                    rows=[], problems=[f"Import at most {IMPORT_MAX_ROWS} rows at a time."]
                )
            values = {key: (raw.get(key) or "").strip() for key in IMPORT_COLUMNS}
            if not any(values.values()):
                continue  # a blank line
            rows.append(ImportRow(line=number, values=values))
    except csv.Error as error:
        return ImportPreview(rows=[], problems=[f"The file is not valid CSV: {error}."])
    if not rows:
        return ImportPreview(rows=[], problems=["The file has no rows under the header line."])

    saps = {row.values["sap_number"].upper() for row in rows}
    people = {
        member.sap_number.upper(): member
        for member in staff_visible(access)
        .filter(sap_number__in=saps | {s.lower() for s in saps})
        .select_related("user")
    }
    courses = {}
    for course in TrainingCourse.objects.all():
        courses[course.code.lower()] = course
        courses[course.name.lower()] = course
    existing = set(
        TrainingRecord.objects.filter(staff__in=[p.pk for p in people.values()]).values_list(
            "staff_id", "course_id", "completed_on"
        )
    )
    seen: dict[tuple, int] = {}
    for row in rows:
        sap, course_text = row.values["sap_number"], row.values["course"]
        row.staff = people.get(sap.upper())
        if not sap:
            row.errors.append("No SAP number.")
        elif row.staff is None:
            row.errors.append(f"No one with SAP number {sap} works in your units.")
        row.course = courses.get(course_text.lower())
        if row.course is None:
            row.errors.append(
                f"Unknown course “{course_text}”: use a course code or name from the list."
            )
        row.completed_on = _parse_date(row.values["completed_on"])
        if row.completed_on is None:
            row.errors.append(
                f"Completion date “{row.values['completed_on']}” is not a date: "
                "use YYYY-MM-DD or DD/MM/YYYY."
            )
        elif row.completed_on > today:
            row.errors.append("The completion date is in the future.")
        if row.values["expires_on"]:
            row.expires_on = _parse_date(row.values["expires_on"])
            if row.expires_on is None:
                row.errors.append(
                    f"Expiry date “{row.values['expires_on']}” is not a date: "
                    "use YYYY-MM-DD or DD/MM/YYYY."
                )
        elif row.course and row.completed_on:
            row.expires_on = training_expiry(course=row.course, completed_on=row.completed_on)
        if row.expires_on and row.completed_on and row.expires_on <= row.completed_on:
            row.errors.append("The expiry date must be after the completion date.")
        if row.staff and row.course and row.completed_on:
            key = (row.staff.pk, row.course.pk, row.completed_on)
            if key in existing:
                row.errors.append("This record is already on file.")
            elif key in seen:
                row.errors.append(f"Same person, course and date as line {seen[key]}.")
            else:
                seen[key] = row.line
    return ImportPreview(rows=rows)


def training_import_commit(*, text: str, access: Access, actor) -> int:
    """Check the file again and save every row, or none: one transaction, all or nothing."""
    preview = training_import_preview(text=text, access=access)
    if not preview.ok:
        raise ComplianceError(
            "Nothing was imported: correct the rows marked in the preview and upload again."
        )
    records = [
        TrainingRecord(
            care_home_id=row.staff.care_home_id,
            staff=row.staff,
            course=row.course,
            completed_on=row.completed_on,
            expires_on=row.expires_on,
        )
        for row in preview.rows
    ]
    with transaction.atomic():
        for record in records:
            record.save()
            audit_record(
                actor=actor,
                action="training.import",
                target=record,
                after=_training_snapshot(record),
            )
    return len(records)


# --- supervision ---------------------------------------------------------------------------


def supervision_record(
    *, staff: StaffMember, held_on: date, next_due_on: date, notes: str, supervisor
) -> Supervision:
    """Record a supervision held with `staff` and when the next one is due."""
    if held_on > timezone.localdate():
        raise ComplianceError("The supervision date is in the future; record it once held.")
    if next_due_on <= held_on:
        raise ComplianceError("The next supervision must be due after this one.")
    supervision = Supervision(
        care_home_id=staff.care_home_id,
        staff=staff,
        supervisor=supervisor,
        held_on=held_on,
        next_due_on=next_due_on,
        notes=notes.strip(),
    )
    with transaction.atomic():
        supervision.save()
        # Notes are confidential: the audit keeps that a supervision happened, not what was said.
        audit_record(
            actor=supervisor,
            action="supervision.record",
            target=supervision,
            after={"staff": staff.pk, "held_on": held_on, "next_due_on": next_due_on},
        )
    return supervision


# --- registration --------------------------------------------------------------------------


def registration_update(
    *, staff: StaffMember, body: str, number: str, expiry: date | None, actor
) -> StaffMember:
    """Change a person's professional registration (NMC or SSSC number and expiry)."""
    number = number.strip().upper()
    if body not in RegistrationBody.values:
        raise ComplianceError("Choose the NMC, the SSSC or none.")
    if body and (not number or expiry is None):
        raise ComplianceError("A registration needs both its number and its expiry date.")
    if not body and (number or expiry):
        raise ComplianceError("Choose the body the registration is with (NMC or SSSC).")
    with transaction.atomic():
        locked = StaffMember.objects.select_for_update().get(pk=staff.pk)
        before = {
            "body": locked.registration_body,
            "number": locked.registration_number,
            "expiry": locked.registration_expiry,
        }
        locked.registration_body = body
        locked.registration_number = number
        locked.registration_expiry = expiry
        locked.save(
            update_fields=["registration_body", "registration_number", "registration_expiry"]
        )
        audit_record(
            actor=actor,
            action="registration.update",
            target=locked,
            before=before,
            after={"body": body, "number": number, "expiry": expiry},
        )
    return locked


# --- incidents -----------------------------------------------------------------------------


def _incident_snapshot(incident: Incident) -> dict:
    return {
        "unit": incident.unit_id,
        "occurred_at": incident.occurred_at,
        "category": incident.category,
        "severity": incident.severity,
        "status": incident.status,
    }


def incident_report(
    *,
    reporter,
    unit: Unit,
    occurred_at: datetime,
    category: str,
    severity: str,
    description: str,
    location: str = "",
    immediate_action: str = "",
    people: list[StaffMember] | tuple = (),
) -> Incident:
    """A staff member reports an incident; the unit's managers are e-mailed once it is saved."""
    now = timezone.now()
    if occurred_at > now:
        raise ComplianceError("The incident time is in the future: give when it happened.")
    if (now - occurred_at).days > 366:
        raise ComplianceError("That is more than a year ago; ask a manager to record it.")
    if not description.strip():
        raise ComplianceError("Describe what happened.")
    if any(person.care_home_id != unit.care_home_id for person in people):
        raise ComplianceError("People involved must work in the same home as the unit.")
    incident = Incident(
        care_home_id=unit.care_home_id,
        unit=unit,
        occurred_at=occurred_at,
        location=location.strip(),
        category=category,
        severity=severity,
        description=description.strip(),
        immediate_action=immediate_action.strip(),
        reported_by=reporter,
    )
    with transaction.atomic():
        incident.save()
        incident.people_involved.set(people)
        audit_record(
            actor=reporter,
            action="incident.report",
            target=incident,
            after=_incident_snapshot(incident),
        )
        managers = list(unit.managers.filter(is_active=True).values_list("email", flat=True))
        email_queue(
            to=managers,
            subject=f"Incident reported on {unit.name}: {incident.get_category_display()} "
            f"({incident.get_severity_display().lower()})",
            body=(
                f"{incident.get_category_display()} on {unit.name} at "
                f"{timezone.localtime(occurred_at):%d %b %Y %H:%M}, severity "
                f"{incident.get_severity_display().lower()}.\n\n{incident.description}\n\n"
                f"Open it: {reverse('compliance:incident_detail', args=[incident.pk])}"
            ),
        )
    return incident


ALLOWED_STEPS = {
    IncidentStatus.OPEN: {IncidentStatus.OPEN, IncidentStatus.INVESTIGATING, IncidentStatus.CLOSED},
    IncidentStatus.INVESTIGATING: {IncidentStatus.INVESTIGATING, IncidentStatus.CLOSED},
    IncidentStatus.CLOSED: {IncidentStatus.INVESTIGATING},  # reopen to investigate further
}


def incident_progress(*, incident: Incident, actor, to_status: str, note: str) -> Incident:
    """A manager records an action on an incident and, if asked, moves its status on.

    Closing needs a note saying what was found and done; it becomes the outcome.
    """
    note = note.strip()
    if not note:
        raise ComplianceError("Write what was done: every step of the workflow needs a note.")
    with transaction.atomic():
        locked = Incident.objects.select_for_update().get(pk=incident.pk)
        if to_status not in ALLOWED_STEPS[locked.status]:
            raise ComplianceError(
                f"This incident is {locked.get_status_display().lower()}; it cannot move to "
                f"{IncidentStatus(to_status).label.lower()}."
            )
        before = _incident_snapshot(locked)
        from_status = locked.status
        locked.status = to_status
        if to_status == IncidentStatus.CLOSED:
            locked.outcome = note
            locked.closed_at = timezone.now()
        elif from_status == IncidentStatus.CLOSED:
            locked.closed_at = None
        locked.save(update_fields=["status", "outcome", "closed_at"])
        IncidentAction.objects.create(
            care_home_id=locked.care_home_id,
            incident=locked,
            actor=actor,
            from_status=from_status,
            to_status=to_status,
            note=note,
        )
        audit_record(
            actor=actor,
            action="incident.progress",
            target=locked,
            before=before,
            after=_incident_snapshot(locked),
            reason=note,
        )
    return locked
