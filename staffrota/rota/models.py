"""Shifts: who works where and when.

A shift with no staff member is a vacancy. The rule that one person never holds two
overlapping shifts is enforced by the database itself (see migration 0002): an exclusion
constraint on PostgreSQL, triggers inside the writing transaction on SQLite.
"""

from django.db import models
from django.db.models import F, Q

from staffrota.tenancy import HomeOwned


class ShiftStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"


class ShiftSource(models.TextChoices):
    CONTRACTED = "contracted", "Contracted"
    OVERTIME = "overtime", "Overtime"
    BANK = "bank", "Bank"
    AGENCY = "agency", "Agency"


class Shift(HomeOwned):
    unit = models.ForeignKey("organisation.Unit", on_delete=models.PROTECT, related_name="shifts")
    date = models.DateField(help_text="The day the shift starts.")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    shift_type = models.ForeignKey(
        "organisation.ShiftType", on_delete=models.PROTECT, related_name="+"
    )
    job_role = models.ForeignKey("organisation.JobRole", on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        "organisation.StaffMember",
        on_delete=models.PROTECT,
        related_name="shifts",
        null=True,
        blank=True,
    )
    paid_hours = models.DecimalField(max_digits=4, decimal_places=2)
    status = models.CharField(max_length=10, choices=ShiftStatus.choices, default=ShiftStatus.DRAFT)
    source = models.CharField(
        max_length=10, choices=ShiftSource.choices, default=ShiftSource.CONTRACTED
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        indexes = [
            models.Index(fields=["unit", "date"], name="shift_unit_date"),
            models.Index(fields=["staff", "starts_at"], name="shift_staff_start"),
            models.Index(fields=["care_home", "date"], name="shift_home_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(paid_hours__gt=0) & Q(paid_hours__lte=24),
                name="shift_paid_hours_positive",
            ),
        ]

    def __str__(self) -> str:
        who = self.staff.full_name if self.staff_id else "vacant"
        return f"{self.date:%a %d %b} {self.shift_type.code} {self.job_role.name}: {who}"

    @property
    def is_vacant(self) -> bool:
        return self.staff_id is None and self.status != ShiftStatus.CANCELLED
