"""Leave requests and sickness absences (the workflows come with the leave issue)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from staffrota.tenancy import HomeOwned


class LeaveType(models.TextChoices):
    ANNUAL = "annual", "Annual leave"
    SICKNESS = "sickness", "Sickness"
    COMPASSIONATE = "compassionate", "Compassionate leave"
    UNPAID = "unpaid", "Unpaid leave"
    TRAINING = "training", "Training"
    PARENTAL = "parental", "Parental leave"
    TOIL = "toil", "Time off in lieu"


class LeaveStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Cancelled"


class LeaveRequest(HomeOwned):
    staff = models.ForeignKey(
        "organisation.StaffMember", on_delete=models.CASCADE, related_name="leave_requests"
    )
    leave_type = models.CharField(max_length=14, choices=LeaveType.choices)
    start_date = models.DateField()
    end_date = models.DateField()
    hours = models.DecimalField(max_digits=6, decimal_places=2)
    comment = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=LeaveStatus.choices, default=LeaveStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_automatically = models.BooleanField(default=False)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date"]
        indexes = [models.Index(fields=["staff", "start_date"], name="leave_staff_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="leave_ends_after_start"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="leave_hours_positive"),
        ]


class SicknessReason(models.TextChoices):
    MUSCULOSKELETAL = "msk", "Musculoskeletal"
    RESPIRATORY = "respiratory", "Cold, flu or respiratory"
    GASTRO = "gastro", "Stomach upset"
    MENTAL_HEALTH = "mental", "Stress, anxiety or mental health"
    INJURY = "injury", "Injury"
    OTHER = "other", "Other"


class SicknessAbsence(HomeOwned):
    staff = models.ForeignKey(
        "organisation.StaffMember", on_delete=models.CASCADE, related_name="sickness_absences"
    )
    start_date = models.DateField()
    expected_end_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True, help_text="Empty while still off.")
    reason = models.CharField(max_length=12, choices=SicknessReason.choices)
    fit_note = models.BooleanField(default=False)
    return_to_work_on = models.DateField(null=True, blank=True)
    return_to_work_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="sickness_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(expected_end_date__isnull=True)
                | Q(expected_end_date__gte=F("start_date")),
                name="sickness_expected_end_after_start",
            ),
        ]
