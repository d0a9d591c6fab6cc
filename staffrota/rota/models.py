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
            # Agency shifts are a few percent of all: the dashboards' agency bookings by
            # month start here rather than from every shift of the month.
            models.Index(
                fields=["care_home", "date"],
                name="shift_agency_home_date",
                condition=Q(source="agency"),
            ),
            # Vacancies are about 3 % of the shifts. The vacancy lists (a group's run to
            # 5,000 rows at 50 homes) read them by date; from the staff_id index they
            # fetched every unassigned shift ever from the table, 53 ms a list under the
            # 10x load test. Every column those lists read is in the key, so PostgreSQL
            # answers from the index alone. The condition is VACANT's (below; a test keeps
            # the two the same).
            models.Index(
                fields=["date", "unit", "care_home", "starts_at", "id"],
                name="shift_vacant_date",
                condition=Q(staff__isnull=True) & ~Q(source="agency") & ~Q(status="cancelled"),
            ),
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
        """Nobody on it and no confirmed agency worker either."""
        return (
            self.staff_id is None
            and self.source != ShiftSource.AGENCY
            and self.status != ShiftStatus.CANCELLED
        )


# A shift is covered by a person, or by agency staff once their booking is confirmed.
VACANT = Q(staff__isnull=True) & ~Q(source=ShiftSource.AGENCY) & ~Q(status=ShiftStatus.CANCELLED)


class OfferStatus(models.TextChoices):
    OPEN = "open", "Open"
    CLAIMED = "claimed", "Claimed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class OpenShiftOffer(HomeOwned):
    """A vacancy offered to eligible staff; the first valid claim takes it."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="offers")
    offered_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True
    )
    offered_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    claimed_by = models.ForeignKey(
        "organisation.StaffMember", on_delete=models.PROTECT, related_name="+", null=True
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One live offer per shift at a time.
            models.UniqueConstraint(
                fields=["shift"], condition=Q(status="open"), name="one_open_offer_per_shift"
            ),
        ]


class AgencyStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    CONFIRMED = "confirmed", "Confirmed"
    CANCELLED = "cancelled", "Cancelled"


class AgencyBooking(HomeOwned):
    """Agency cover asked for a vacancy. Once confirmed, the shift counts as covered."""

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="agency_bookings")
    agency = models.CharField(max_length=80)
    hourly_rate = models.DecimalField(max_digits=6, decimal_places=2)
    worker_name = models.CharField(max_length=80, blank=True)
    status = models.CharField(
        max_length=10, choices=AgencyStatus.choices, default=AgencyStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+", null=True
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(hourly_rate__gt=0), name="agency_rate_positive"),
            models.UniqueConstraint(
                fields=["shift"],
                condition=Q(status__in=["requested", "confirmed"]),
                name="one_live_agency_booking_per_shift",
            ),
        ]

    @property
    def cost(self):
        return self.hourly_rate * self.shift.paid_hours


class SwapStatus(models.TextChoices):
    PROPOSED = "proposed", "Waiting for colleague"
    ACCEPTED = "accepted", "Waiting for manager"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined by colleague"
    REJECTED = "rejected", "Rejected by manager"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ShiftSwap(HomeOwned):
    """One person offers their shift for a colleague's; the colleague accepts, a manager
    approves, and the rules are checked again at approval."""

    proposer = models.ForeignKey(
        "organisation.StaffMember", on_delete=models.CASCADE, related_name="swaps_proposed"
    )
    proposer_shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="+")
    colleague = models.ForeignKey(
        "organisation.StaffMember", on_delete=models.CASCADE, related_name="swaps_received"
    )
    colleague_shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        max_length=10, choices=SwapStatus.choices, default=SwapStatus.PROPOSED
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, related_name="+", null=True, blank=True
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(proposer=F("colleague")), name="swap_between_two_people"
            ),
        ]


class CalendarFeed(HomeOwned):
    """A private calendar address for one person; a new token revokes the old one."""

    staff = models.OneToOneField(
        "organisation.StaffMember", on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)


class VacancyAlert(HomeOwned):
    """Records that a unit's managers were told about tomorrow's vacancies, once per day."""

    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    vacancies = models.PositiveIntegerField()
    shifts = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "date"], name="one_vacancy_alert_per_day"),
        ]
