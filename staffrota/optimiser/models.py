"""A "Generate rota" run: what was asked, how far the solver got, and what it proposed."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from staffrota.tenancy import HomeOwned

MAX_WEEKS = 6


class RunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


FINISHED = (RunStatus.DONE, RunStatus.FAILED, RunStatus.CANCELLED)


class OptimiserRun(HomeOwned):
    units = models.ManyToManyField("organisation.Unit", related_name="+")
    whole_home = models.BooleanField(default=False)
    start = models.DateField()
    weeks = models.PositiveSmallIntegerField()
    time_limit_s = models.PositiveSmallIntegerField(default=30)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Progress, written by the job while the solver runs.
    best_cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    elapsed_s = models.FloatField(default=0)
    cancel_requested = models.BooleanField(default=False)
    # Result: cost by source before/after, unfilled slots, refused drafts, solver status.
    summary = models.JSONField(default=dict, blank=True)
    #: Sentences for the manager: why there is no rota, which requirement stays unmet.
    messages = models.JSONField(default=list, blank=True)
    discarded = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weeks__gte=1) & Q(weeks__lte=MAX_WEEKS), name="optimiser_run_weeks"
            ),
        ]

    def __str__(self) -> str:
        return f"Rota run {self.pk} from {self.start:%d %b %Y}, {self.weeks} weeks"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def open(self) -> bool:
        """Finished with a draft that is neither published nor discarded yet."""
        return self.finished and not self.discarded and self.published_at is None

    @property
    def end(self):
        from datetime import timedelta

        return self.start + timedelta(days=7 * self.weeks - 1)


class ChangeKind(models.TextChoices):
    ADD = "add", "New shift"
    FILL = "fill", "Fills a vacancy"


class ProposedChange(HomeOwned):
    """One change the draft makes to the rota; nothing is written to the rota until the
    manager publishes the run, and then each change goes through the rota's services."""

    run = models.ForeignKey(OptimiserRun, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=4, choices=ChangeKind.choices)
    unit = models.ForeignKey("organisation.Unit", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    shift_type = models.ForeignKey(
        "organisation.ShiftType", on_delete=models.CASCADE, related_name="+"
    )
    job_role = models.ForeignKey("organisation.JobRole", on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(
        "organisation.StaffMember", on_delete=models.CASCADE, related_name="+"
    )
    #: The open vacancy this change fills (kind "fill").
    vacancy = models.ForeignKey(
        "rota.Shift", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: How the hours would be paid and what they add to the period's cost.
    source = models.CharField(max_length=10)
    cost = models.DecimalField(max_digits=8, decimal_places=2)
    #: Why this person, for the manager: cost, hours, rules passed, who else could.
    reason = models.TextField(blank=True)
    #: The shift on the rota once published.
    shift = models.ForeignKey(
        "rota.Shift", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["date", "shift_type__starts", "unit__name", "pk"]

    def __str__(self) -> str:
        return f"{self.date:%a %d %b} {self.shift_type.name}: {self.staff}"
