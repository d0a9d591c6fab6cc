"""Each home's figures for each completed month, stored so a year of history is computed once.

A completed month's hours, costs, occupied beds and incidents do not change unless someone
edits that month, so they are kept here rather than recomputed from a year of shifts on
every cold dashboard (`staffrota.dashboards.months`). The current month is always live.
"""

from django.db import models

from staffrota.tenancy import HomeOwned


class HomeMonth(HomeOwned):
    """One home's figures for one completed month, and whether they are still current.

    `generation` goes up with every change to a row the month's figures come from (in the
    writer's transaction); `computed_generation` is the generation read before the figures
    were computed. They match only if nothing changed since, so a computation that raced a
    change is never taken for current.
    """

    # Derived rows: they go with their home (HomeOwned protects real records).
    care_home = models.ForeignKey(
        "organisation.CareHome", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(help_text="First day of the month.")
    generation = models.PositiveIntegerField(default=0)
    computed_generation = models.PositiveIntegerField(null=True, blank=True)
    figures = models.JSONField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["care_home", "month"], name="home_month_unique"),
            # No CHECK on the day of the month: on SQLite it would need Django's own SQL
            # function, and a backup could not be opened (and verified) without Django.
        ]

    def __str__(self) -> str:
        return f"{self.care_home_id} {self.month:%Y-%m}"
