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
    proposed = models.ManyToManyField("rota.Shift", related_name="+", blank=True)
    discarded = models.BooleanField(default=False)

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
    def end(self):
        from datetime import timedelta

        return self.start + timedelta(days=7 * self.weeks - 1)
