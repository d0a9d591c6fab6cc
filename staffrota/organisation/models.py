"""Care homes, their units, job roles, staff, shift types and staffing requirements."""

from datetime import time
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from staffrota.tenancy import HomeOwned, HomeScopedManager


class Nation(models.TextChoices):
    SCOTLAND = "SCT", "Scotland"
    ENGLAND_WALES = "ENG", "England and Wales"


class CareHome(models.Model):
    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=20, unique=True)
    nation = models.CharField(max_length=3, choices=Nation.choices, default=Nation.SCOTLAND)
    address = models.TextField(blank=True)
    max_consecutive_days = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(13)],
        help_text="Most days in a row one person may be rostered.",
    )
    leave_year_start_month = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    overtime_premium = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("1.50"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text="Overtime pays the hourly rate times this.",
    )
    # Enhancements for unsocial hours, reported by the payroll export. No survey of care
    # pay gives a norm (DOMAIN.md section 3), so the defaults are modest and each home sets
    # its own: hours inside the window earn the base rate plus this percentage.
    night_enhancement_start = models.TimeField(
        default=time(22), help_text="Night enhancement starts (local time)."
    )
    night_enhancement_end = models.TimeField(
        default=time(6), help_text="Night enhancement ends, next morning if before the start."
    )
    night_enhancement_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("15.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("200"))],
        help_text="Extra pay for night hours, as a percentage of the hourly rate.",
    )
    weekend_enhancement_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("10.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("200"))],
        help_text="Extra pay for hours from Saturday 00:00 to Sunday 24:00, as a percentage.",
    )

    # A home is its own tenant: scoped by primary key.
    objects = HomeScopedManager("pk")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(max_consecutive_days__gte=1), name="home_max_consecutive_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CareType(models.TextChoices):
    RESIDENTIAL = "residential", "Residential"
    NURSING = "nursing", "Nursing"
    DEMENTIA = "dementia", "Dementia"


class Unit(HomeOwned):
    name = models.CharField(max_length=80)
    care_type = models.CharField(max_length=12, choices=CareType.choices)
    beds = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["care_home__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["care_home", "name"], name="unit_name_unique_in_home"),
            models.CheckConstraint(condition=Q(beds__gt=0), name="unit_beds_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class RegistrationBody(models.TextChoices):
    NONE = "", "None"
    NMC = "NMC", "Nursing and Midwifery Council"
    SSSC = "SSSC", "Scottish Social Services Council"


class JobRole(models.Model):
    """A job a shift asks for. Shared reference data, not owned by one home."""

    code = models.SlugField(max_length=20, unique=True)
    name = models.CharField(max_length=60, unique=True)
    requires_registration = models.BooleanField(default=False)
    registration_body = models.CharField(
        max_length=4, choices=RegistrationBody.choices, blank=True, default=""
    )
    rank = models.PositiveSmallIntegerField(default=0, help_text="Sort order on the rota.")
    agency_hourly_rate = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="What an agency charges per hour for this role; empty uses the default.",
    )

    class Meta:
        ordering = ["rank", "name"]

    def __str__(self) -> str:
        return self.name


class ContractType(models.TextChoices):
    PERMANENT = "permanent", "Permanent"
    BANK = "bank", "Bank"


class StaffMember(HomeOwned):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_member"
    )
    sap_number = models.CharField("SAP number", max_length=12, unique=True)
    job_role = models.ForeignKey(JobRole, on_delete=models.PROTECT, related_name="+")
    contract_type = models.CharField(max_length=10, choices=ContractType.choices)
    contracted_hours = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0"), help_text="Hours per week."
    )
    hourly_rate = models.DecimalField(max_digits=6, decimal_places=2)
    home_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="home_staff")
    other_units = models.ManyToManyField(
        Unit, through="UnitCover", related_name="cover_staff", blank=True
    )
    registration_body = models.CharField(
        max_length=4, choices=RegistrationBody.choices, blank=True, default=""
    )
    registration_number = models.CharField(max_length=20, blank=True)
    registration_expiry = models.DateField(null=True, blank=True)
    wtr_opt_out = models.BooleanField(
        "opted out of the 48-hour week",
        default=False,
        help_text="Signed a written opt-out of the Working Time Regulations' 48-hour average.",
    )
    started_on = models.DateField()
    left_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(contracted_hours__gte=0) & Q(contracted_hours__lte=60),
                name="staff_contracted_hours_in_range",
            ),
            models.CheckConstraint(condition=Q(hourly_rate__gt=0), name="staff_rate_positive"),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("started_on")),
                name="staff_left_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return self.user.get_full_name() or self.sap_number


class UnitCover(HomeOwned):
    """A unit, other than their own, that a staff member may be rostered on."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "unit"], name="unit_cover_unique"),
        ]


class ShiftType(HomeOwned):
    code = models.CharField(max_length=4)
    name = models.CharField(max_length=40)
    starts = models.TimeField()
    ends = models.TimeField(help_text="Before the start time means the shift ends next day.")
    paid_hours = models.DecimalField(max_digits=4, decimal_places=2)
    is_night = models.BooleanField(default=False)

    class Meta:
        ordering = ["starts"]
        constraints = [
            models.UniqueConstraint(fields=["care_home", "code"], name="shift_type_code_unique"),
            models.CheckConstraint(
                condition=Q(paid_hours__gt=0) & Q(paid_hours__lte=24),
                name="shift_type_paid_hours_positive",
            ),
            models.CheckConstraint(condition=~Q(starts=F("ends")), name="shift_type_has_length"),
        ]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class StaffingRequirement(HomeOwned):
    """The fewest people of a role a unit needs on a shift type on a weekday."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="requirements")
    shift_type = models.ForeignKey(ShiftType, on_delete=models.CASCADE, related_name="+")
    job_role = models.ForeignKey(JobRole, on_delete=models.PROTECT, related_name="+")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    minimum = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "shift_type", "job_role", "weekday"],
                name="requirement_unique_slot",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0) & Q(weekday__lte=6), name="requirement_weekday_valid"
            ),
        ]


class DemandRecord(HomeOwned):
    """One day's demand on a unit: what the forecaster learns from."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="demand")
    date = models.DateField()
    occupied_beds = models.PositiveSmallIntegerField()
    dependency = models.DecimalField(
        max_digits=4, decimal_places=2, help_text="Mean dependency score of residents, 1 to 9."
    )
    care_hours_needed = models.DecimalField(max_digits=7, decimal_places=1)

    class Meta:
        ordering = ["unit", "date"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "date"], name="demand_one_row_per_unit_day"),
            models.CheckConstraint(
                condition=Q(care_hours_needed__gte=0), name="demand_hours_not_negative"
            ),
        ]


__all__ = [
    "CareHome",
    "CareType",
    "ContractType",
    "DemandRecord",
    "JobRole",
    "Nation",
    "RegistrationBody",
    "ShiftType",
    "StaffMember",
    "StaffingRequirement",
    "Unit",
    "UnitCover",
    "Weekday",
    "HomeScopedManager",
]
