"""Stored forecasts per unit (one row per run, one per forecast day) and daily accuracy."""

from django.db import models
from django.db.models import Q

from staffrota.tenancy import HomeOwned


class UnitForecast(HomeOwned):
    """One run of the forecaster for one unit: care hours needed per day, 30 days ahead."""

    unit = models.ForeignKey(
        "organisation.Unit", on_delete=models.CASCADE, related_name="forecasts"
    )
    engine = models.CharField(max_length=40, help_text="The engine that made the numbers.")
    engine_version = models.CharField(max_length=20)
    requested_engine = models.CharField(max_length=40)
    created_at = models.DateTimeField(db_index=True)
    history_start = models.DateField(null=True, blank=True)
    history_end = models.DateField(
        null=True, blank=True, help_text="The last day of demand history it was fitted on."
    )
    history_days = models.PositiveIntegerField(default=0)
    fallback = models.BooleanField(default=False)
    notes = models.TextField(blank=True)
    # Mean care hours per weekday (Monday first) over the 8 weeks before the forecast:
    # the baseline the staffing minimums are taken to be sized for.
    baseline_by_weekday = models.JSONField(default=list)
    seconds = models.FloatField(default=0, help_text="Wall time of the fit and prediction.")

    class Meta:
        ordering = ["-created_at", "-pk"]
        get_latest_by = "created_at"
        indexes = [models.Index(fields=["unit", "-created_at"], name="forecast_unit_latest")]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.engine} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def note_lines(self) -> list[str]:
        return [line for line in self.notes.splitlines() if line]


class ForecastDay(HomeOwned):
    forecast = models.ForeignKey(UnitForecast, on_delete=models.CASCADE, related_name="days")
    date = models.DateField()
    y_hat = models.FloatField()
    lo80 = models.FloatField()
    hi80 = models.FloatField()
    lo95 = models.FloatField()
    hi95 = models.FloatField()

    class Meta:
        ordering = ["forecast", "date"]
        constraints = [
            models.UniqueConstraint(fields=["forecast", "date"], name="forecast_day_unique"),
            models.CheckConstraint(
                condition=Q(lo95__lte=models.F("lo80"))
                & Q(lo80__lte=models.F("y_hat"))
                & Q(y_hat__lte=models.F("hi80"))
                & Q(hi80__lte=models.F("hi95")),
                name="forecast_day_bounds_ordered",
            ),
        ]


class ForecastAccuracy(HomeOwned):
    """One day's actual care hours against what the unit's forecast said for it."""

    unit = models.ForeignKey(
        "organisation.Unit", on_delete=models.CASCADE, related_name="forecast_accuracy"
    )
    forecast = models.ForeignKey(UnitForecast, on_delete=models.SET_NULL, null=True, blank=True)
    date = models.DateField()
    engine = models.CharField(max_length=40)
    engine_version = models.CharField(max_length=20)
    actual = models.FloatField()
    predicted = models.FloatField()
    # |actual - predicted| / actual; empty when the actual is zero (MAPE skips those days).
    ape = models.FloatField(null=True, blank=True)
    lead_days = models.PositiveSmallIntegerField(help_text="Days after the forecast's origin.")

    class Meta:
        ordering = ["unit", "-date"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "date"], name="forecast_accuracy_one_per_day"),
        ]
        indexes = [models.Index(fields=["care_home", "date"], name="forecast_acc_home_date")]
