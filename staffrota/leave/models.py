"""Leave requests, sickness absences and each home's leave policy.

The workflows live in `services.py` (writes), `entitlement.py` (balances), `engine.py`
(automatic decisions), `impact.py` (cost of cover) and `bradford.py`.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from staffrota.tenancy import HomeOwned, HomeScopedManager


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
    part_day = models.BooleanField(default=False, help_text="Part of one day, in hours.")
    # Hours per ISO date: how the total was worked out, split across leave years.
    hours_by_day = models.JSONField(default=dict, blank=True)
    # Each rule the engine checked: {"rule", "label", "passed", "message"}.
    rule_results = models.JSONField(default=list, blank=True)
    # Each shift that would fall short, with the cheapest eligible cover and its cost.
    impact = models.JSONField(default=list, blank=True)
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
    notes = models.TextField(blank=True)

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


class HolidayTreatment(models.TextChoices):
    WITHIN = "within", "Bank holidays count within the 5.6 weeks"
    ON_TOP = "on_top", "Bank holidays are given on top of the 5.6 weeks"


class LeavePolicy(models.Model):
    """A home's leave rules. Homes without a row use the defaults (see `policy_for`)."""

    care_home = models.OneToOneField(
        "organisation.CareHome", on_delete=models.CASCADE, related_name="leave_policy"
    )
    bank_holidays = models.CharField(
        max_length=6, choices=HolidayTreatment.choices, default=HolidayTreatment.WITHIN
    )
    carry_over_cap_hours = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
        help_text="Most unused hours carried into the next leave year.",
    )
    notice_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days' notice for annual leave, unpaid leave and time off in lieu."
    )
    same_role_cap = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=None,
        validators=[MinValueValidator(1)],
        help_text=(
            "The planned leave allowance for every unit and role: most people of one role in "
            "one unit on leave on the same day. Blank: worked out from each unit's headcount "
            "of the role (5.6 weeks a year each, at twice the average day). A leave "
            "allowance set for one unit and role overrides both."
        ),
    )
    bradford_monitor = models.PositiveIntegerField(default=51)
    bradford_discussion = models.PositiveIntegerField(default=101)
    bradford_formal = models.PositiveIntegerField(
        default=201, help_text="Bradford score at which a formal (possibly disciplinary) review."
    )
    auto_cover = models.BooleanField(
        default=False,
        help_text=(
            "When leave would leave a shift short, approve it automatically if a contracted "
            "colleague who is free and under their contracted hours that week can take the "
            "shift at no extra cost; the shift is booked for them and they are e-mailed."
        ),
    )
    auto_cover_notice_days = models.PositiveSmallIntegerField(
        default=7,
        help_text="Book such cover automatically only for shifts at least this many days away.",
    )
    overtime_multiplier = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(1), MaxValueValidator(3)],
        help_text="Pay multiplier for overtime when costing cover.",
    )

    objects = HomeScopedManager()

    class Meta:
        verbose_name_plural = "leave policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(bradford_monitor__lt=F("bradford_discussion"))
                & Q(bradford_discussion__lt=F("bradford_formal")),
                name="leave_policy_bradford_bands_rise",
            ),
            models.CheckConstraint(
                condition=Q(carry_over_cap_hours__gte=0), name="leave_policy_carry_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Leave policy of {self.care_home_id}"


class BlackoutPeriod(HomeOwned):
    """Dates on which annual leave is not approved automatically (Christmas and the like)."""

    name = models.CharField(max_length=80)
    start_date = models.DateField()
    end_date = models.DateField()

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="blackout_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.start_date} to {self.end_date})"


class LeaveAllowance(HomeOwned):
    """The planned leave allowance of one unit and role, set by the home: how many of its
    people may be on leave on the same day. The rota is drawn around them with bank,
    overtime or agency, so leave within it is approved without a published rota."""

    unit = models.ForeignKey(
        "organisation.Unit", on_delete=models.CASCADE, related_name="leave_allowances"
    )
    job_role = models.ForeignKey("organisation.JobRole", on_delete=models.CASCADE, related_name="+")
    places = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1)],
        help_text="Most people of this role in this unit on leave on the same day.",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "job_role"], name="leave_allowance_once"),
            models.CheckConstraint(condition=Q(places__gte=1), name="leave_allowance_places"),
        ]

    def __str__(self) -> str:
        return f"{self.places} on leave at once ({self.unit_id}, {self.job_role_id})"
