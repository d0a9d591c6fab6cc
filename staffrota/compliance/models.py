"""Training, supervision and incidents, and the record of which reports went to whom.

The workflows are in `services`; the reads every page, export and job share are in `queries`.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from staffrota.tenancy import HomeOwned


class TrainingCourse(models.Model):
    """A mandatory course. Shared reference data: the same list for every home."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=80, unique=True)
    validity_months = models.PositiveSmallIntegerField()
    roles = models.ManyToManyField("organisation.JobRole", related_name="+", blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(validity_months__gt=0), name="course_validity_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TrainingRecord(HomeOwned):
    staff = models.ForeignKey(
        "organisation.StaffMember", on_delete=models.CASCADE, related_name="training_records"
    )
    course = models.ForeignKey(TrainingCourse, on_delete=models.PROTECT, related_name="+")
    completed_on = models.DateField()
    expires_on = models.DateField()

    class Meta:
        ordering = ["-completed_on"]
        indexes = [
            models.Index(fields=["staff", "course", "expires_on"], name="training_staff_course"),
            # Dashboards: latest expiry per person and course for a set of homes, read from
            # the index alone (staffrota.dashboards.stats._compliance).
            models.Index(
                fields=["care_home", "staff", "course", "expires_on"],
                name="training_home_staff_course",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__gt=F("completed_on")), name="training_expires_after_done"
            ),
        ]


class Supervision(HomeOwned):
    staff = models.ForeignKey(
        "organisation.StaffMember", on_delete=models.CASCADE, related_name="supervisions"
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    held_on = models.DateField()
    next_due_on = models.DateField()
    notes = models.TextField(blank=True, help_text="Visible to managers only.")

    class Meta:
        ordering = ["-held_on"]
        indexes = [models.Index(fields=["staff", "held_on"], name="supervision_staff_held")]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_due_on__gt=F("held_on")), name="supervision_due_after_held"
            ),
        ]


class IncidentCategory(models.TextChoices):
    FALL = "fall", "Fall"
    MEDICATION = "medication", "Medication error"
    SAFEGUARDING = "safeguarding", "Safeguarding concern"
    BEHAVIOUR = "behaviour", "Stressed or distressed behaviour"
    PRESSURE_ULCER = "pressure", "Pressure ulcer"
    INFECTION = "infection", "Infection"
    OTHER = "other", "Other"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MODERATE = "moderate", "Moderate"
    HIGH = "high", "High"
    SEVERE = "severe", "Severe"


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Investigating"
    CLOSED = "closed", "Closed"


class Incident(HomeOwned):
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="+")
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=120, blank=True)
    category = models.CharField(max_length=14, choices=IncidentCategory.choices)
    severity = models.CharField(max_length=10, choices=Severity.choices)
    description = models.TextField()
    immediate_action = models.TextField(blank=True)
    people_involved = models.ManyToManyField(
        "organisation.StaffMember", related_name="incidents", blank=True
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=14, choices=IncidentStatus.choices, default=IncidentStatus.OPEN
    )
    reported_at = models.DateTimeField(auto_now_add=True)
    outcome = models.TextField(blank=True, help_text="What was found and done; set on closing.")
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["care_home", "occurred_at"], name="incident_home_when")]


class IncidentAction(HomeOwned):
    """One step of a manager's handling of an incident: a note, a status change, or both."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=14, choices=IncidentStatus.choices)
    to_status = models.CharField(max_length=14, choices=IncidentStatus.choices)
    note = models.TextField()

    class Meta:
        ordering = ["at", "pk"]


class ReportKind(models.TextChoices):
    MONTHLY_COMPLIANCE = "monthly_compliance", "Monthly compliance report"
    WEEKLY_STAFFING = "weekly_staffing", "Weekly staffing report"


class ReportDispatch(models.Model):
    """A report sent (or being sent) to one person for one period.

    The unique constraint is the claim: a second worker running the same periodic job
    fails to insert the row and skips, so nobody gets a report twice.
    """

    kind = models.CharField(max_length=20, choices=ReportKind.choices)
    period = models.CharField(max_length=10, help_text="2026-03 for a month, 2026-W10 a week.")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "period", "recipient"], name="report_dispatch_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period} to {self.recipient_id}"
