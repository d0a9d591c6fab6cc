"""GDPR: subject access export, erasure by anonymisation, consent records, retention.

Export: everything held about one person, as JSON. A person's own download leaves out
supervision notes (written by their manager, "visible to managers only") and incident
descriptions (they are about residents and other staff); an admin answering a formal
subject access request gets those too, to review for third-party data before sending.

Erasure anonymises personal fields and keeps every row that rota, cost and audit depend on:
shifts keep their hours and the (now anonymous) person, so totals and costs do not move;
audit entries are never changed (they are append-only and chained) and a new entry
records the erasure.
"""

from datetime import date, datetime
from decimal import Decimal

from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from staffrota.accounts.models import User
from staffrota.audit.models import AuditEntry
from staffrota.audit.services import audit_record
from staffrota.security.models import ConsentRecord, Erasure

EXPORT_FORMAT = "staffrota.subject-access/1"


class PrivacyError(Exception):
    """A request the privacy rules refuse, with a message an admin can read."""


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(instance, fields: list[str]) -> dict:
    return {name: _plain(getattr(instance, name)) for name in fields}


def person_export(*, user: User, full: bool) -> dict:
    """Everything held about `user`; `full` adds managers' notes (admins only)."""
    from staffrota.compliance.models import Incident, Supervision, TrainingRecord
    from staffrota.leave.models import LeaveRequest, SicknessAbsence
    from staffrota.organisation.models import StaffMember
    from staffrota.rota.models import Shift

    with scopes_disabled():
        staff = StaffMember.objects.filter(user=user).select_related("home_unit", "job_role")
        staff = staff.first()
        data: dict = {
            "format": EXPORT_FORMAT,
            "exported_at": timezone.now().isoformat(),
            "scope": "full (admin)" if full else "self-service",
            "user": _row(
                user,
                ["id", "username", "first_name", "last_name", "email", "role", "is_active"],
            )
            | {"date_joined": _plain(user.date_joined), "last_login": _plain(user.last_login)},
            "staff_record": None,
            "shifts": [],
            "leave_requests": [],
            "sickness_absences": [],
            "training": [],
            "supervisions": [],
            "incidents": [],
        }
        if staff is not None:
            data["staff_record"] = _row(
                staff,
                [
                    "id",
                    "care_home_id",
                    "sap_number",
                    "contract_type",
                    "contracted_hours",
                    "hourly_rate",
                    "registration_body",
                    "registration_number",
                    "registration_expiry",
                    "wtr_opt_out",
                    "started_on",
                    "left_on",
                ],
            ) | {"home_unit": staff.home_unit.name, "job_role": staff.job_role.name}
            shifts = Shift.objects.filter(staff=staff).select_related("unit", "shift_type")
            data["shifts"] = [
                _row(s, ["id", "date", "starts_at", "ends_at", "paid_hours", "status", "source"])
                | {"unit": s.unit.name, "shift_type": s.shift_type.code, "note": s.note}
                for s in shifts.order_by("starts_at")
            ]
            data["leave_requests"] = [
                _row(
                    r,
                    [
                        "id",
                        "leave_type",
                        "start_date",
                        "end_date",
                        "hours",
                        "comment",
                        "status",
                        "decided_at",
                        "decision_note",
                    ],
                )
                for r in LeaveRequest.objects.filter(staff=staff).order_by("start_date")
            ]
            data["sickness_absences"] = [
                _row(
                    a,
                    [
                        "id",
                        "start_date",
                        "expected_end_date",
                        "end_date",
                        "reason",
                        "fit_note",
                        "return_to_work_on",
                        "return_to_work_notes",
                    ],
                )
                for a in SicknessAbsence.objects.filter(staff=staff).order_by("start_date")
            ]
            data["training"] = [
                _row(t, ["id", "completed_on", "expires_on"]) | {"course": t.course.name}
                for t in TrainingRecord.objects.filter(staff=staff).select_related("course")
            ]
            supervision_fields = ["id", "held_on", "next_due_on"] + (["notes"] if full else [])
            data["supervisions"] = [
                _row(s, supervision_fields)
                for s in Supervision.objects.filter(staff=staff).order_by("held_on")
            ]
            incident_fields = ["id", "occurred_at", "category", "severity", "status"]
            if full:
                incident_fields += ["location", "description", "immediate_action"]
            data["incidents"] = [
                _row(i, incident_fields)
                for i in Incident.objects.filter(people_involved=staff).order_by("occurred_at")
            ]
        data["consents"] = [
            _row(c, ["purpose", "given", "at", "notice_version"])
            for c in ConsentRecord.objects.filter(user=user).order_by("at")
        ]
        data["audit_entries"] = [
            _row(
                e,
                ["id", "at", "actor_label", "action", "object_type", "object_id", "reason"],
            )
            | {"before": e.before, "after": e.after}
            for e in audit_about(user=user, staff=staff)
        ]
        data["two_factor_devices"] = _devices(user)
    return data


def audit_about(*, user: User, staff=None):
    """Audit entries by this person or about them, their staff record or their shifts."""
    about = Q(actor=user) | Q(object_type="accounts.user", object_id=str(user.pk))
    if staff is not None:
        from staffrota.rota.models import Shift

        shift_ids = [
            str(pk) for pk in Shift.objects.filter(staff=staff).values_list("pk", flat=True)
        ]
        about |= Q(object_type="organisation.staffmember", object_id=str(staff.pk))
        about |= Q(object_type="rota.shift", object_id__in=shift_ids)
    return AuditEntry.all_homes.filter(about).order_by("pk")


def _devices(user) -> list[dict]:
    from django_otp import devices_for_user

    return [
        {"type": d.__class__.__name__, "name": d.name, "confirmed": d.confirmed}
        for d in devices_for_user(user, confirmed=None)
    ]


@transaction.atomic
def person_erase(*, user: User, actor, reason: str) -> Erasure:
    """Anonymise one person's personal data; rota, cost and audit rows stay consistent."""
    from axes.models import AccessAttempt, AccessLog
    from django_otp import devices_for_user

    from staffrota.compliance.models import Supervision
    from staffrota.leave.models import LeaveRequest, SicknessAbsence, SicknessReason
    from staffrota.organisation.models import StaffMember

    if not reason.strip():
        raise PrivacyError("Give the reason for the erasure (it goes into the audit log).")
    if Erasure.objects.filter(user=user).exists():
        raise PrivacyError("This person's data has already been erased.")
    if user.is_superuser:
        raise PrivacyError("Remove the superuser flag before erasing this account.")
    with scopes_disabled():
        old_username = user.username
        alias = f"ERASED{user.pk:06d}"[:12]
        staff = StaffMember.objects.filter(user=user).first()
        if staff is not None:
            staff.sap_number = alias
            staff.registration_number = ""
            staff.registration_expiry = None
            staff.left_on = staff.left_on or max(timezone.localdate(), staff.started_on)
            staff.save()
            LeaveRequest.objects.filter(staff=staff).update(comment="", decision_note="")
            SicknessAbsence.objects.filter(staff=staff).update(
                reason=SicknessReason.OTHER, return_to_work_notes=""
            )
            Supervision.objects.filter(staff=staff).update(notes="")
        user.username = alias
        user.first_name = "Erased"
        user.last_name = "person"
        user.email = ""
        user.is_active = False
        user.is_staff = False
        user.set_unusable_password()
        user.save()
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        AccessAttempt.objects.filter(username__iexact=old_username).delete()
        AccessLog.objects.filter(username__iexact=old_username).delete()
        _end_sessions(user)
        erasure = Erasure.objects.create(user=user, by=actor, reason=reason.strip()[:200])
        audit_record(
            actor=actor,
            action="gdpr.erase",
            target=user,
            after={"erased": True, "staff_record": staff.pk if staff else None},
            reason=reason.strip(),
            care_home_id=staff.care_home_id if staff else None,
        )
    return erasure


def _end_sessions(user) -> None:
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
            session.delete()


def consent_record(*, user: User, purpose: str, given: bool, recorded_by=None, notice_version=""):
    """Append a consent decision (rows are never edited: the history is the evidence)."""
    return ConsentRecord.objects.create(
        user=user,
        purpose=purpose,
        given=given,
        recorded_by=recorded_by,
        notice_version=notice_version,
    )


def consents_current(*, user: User) -> dict[str, bool]:
    """The decision in force for each purpose the person has answered."""
    current: dict[str, bool] = {}
    for record in ConsentRecord.objects.filter(user=user).order_by("at", "pk"):
        current[record.purpose] = record.given
    return current


def retention_due(*, today: date | None = None, years: int):
    """Users whose staff record ended more than `years` ago and who are not yet erased."""
    from staffrota.organisation.models import StaffMember

    today = today or timezone.localdate()
    try:
        cutoff = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        cutoff = today.replace(year=today.year - years, day=28)
    with scopes_disabled():
        user_ids = StaffMember.objects.filter(left_on__lt=cutoff).values_list("user_id", flat=True)
        return User.objects.filter(pk__in=list(user_ids), erasure__isnull=True, is_superuser=False)
