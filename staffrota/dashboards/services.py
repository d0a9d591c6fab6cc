"""What each manager's dashboard shows, picked from the cached per-home figures.

Every function takes the request's `Access`, so a dashboard can only ever show the homes
and units the user may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from staffrota.accounts.access import Access
from staffrota.compliance.queries import EXPIRED, EXPIRING, MISSING
from staffrota.dashboards import forecast
from staffrota.dashboards.cache import home_stats_many
from staffrota.dashboards.charts import Series, bar_chart, line_chart
from staffrota.dashboards.stats import HomeStats, UnitStats
from staffrota.organisation.models import CareHome, JobRole
from staffrota.rota.costs import agency_rate

SOURCE_LABELS = {
    "contracted": "Permanent",
    "overtime": "Overtime",
    "bank": "Bank",
    "agency": "Agency",
}


def _month_labels(stats: list[HomeStats]) -> tuple[list[date], list[str]]:
    months = [figures.month for figures in stats[0].months] if stats else []
    return months, [f"{m:%b %y}" for m in months]


# --- Operational Manager ---------------------------------------------------------------------


@dataclass
class OmDashboard:
    days: list[date]
    units: list[UnitStats]
    pending_leave: list[dict] = field(default_factory=list)
    off_sick: list[dict] = field(default_factory=list)
    registration_alerts: list[dict] = field(default_factory=list)

    @property
    def short_next_7(self) -> int:
        return sum(unit.short_next_7 for unit in self.units)

    @property
    def vacancies_next_7(self) -> int:
        return sum(unit.vacancies_next_7 for unit in self.units)

    @property
    def compliance_flags(self) -> int:
        return sum(unit.compliance_flags for unit in self.units)


def om_dashboard(*, access: Access, today: date) -> OmDashboard:
    """Coverage for the next 7 days, vacancies, pending leave, off sick, compliance flags."""
    stats = home_stats_many(access.home_ids, today)
    allowed = set(access.unit_ids)
    units = sorted(
        (
            unit
            for home in stats.values()
            for unit in home.units.values()
            if unit.unit_id in allowed
        ),
        key=lambda unit: (stats[unit.home_id].name, unit.name),
    )
    board = OmDashboard(days=[today + timedelta(days=i) for i in range(7)], units=units)
    for unit in units:
        board.pending_leave += [{**item, "unit": unit.name} for item in unit.pending_leave]
        board.off_sick += [{**item, "unit": unit.name} for item in unit.off_sick]
        board.registration_alerts += [
            {**item, "unit": unit.name} for item in unit.registration_alerts
        ]
    board.pending_leave.sort(key=lambda item: item["start"])
    board.off_sick.sort(key=lambda item: item["since"])
    board.registration_alerts.sort(key=lambda item: item["expiry"] or date.min)
    return board


# --- Service Manager -------------------------------------------------------------------------


@dataclass
class HomeComparison:
    home: HomeStats
    month: date | None
    occupied_beds: float | None
    cost_per_bed_day: float | None
    hours_per_bed_day: float | None
    agency_share: float | None


@dataclass
class SmDashboard:
    homes: list[HomeStats]
    month_labels: list[str]
    cost_chart: str
    hours_chart: str
    overtime_chart: str
    totals: dict[str, dict[str, float]]
    comparison: list[HomeComparison]
    accuracy: list | None
    accuracy_chart: str = ""
    agency_rates: list[tuple[str, object]] = field(default_factory=list)


def sm_dashboard(*, access: Access, today: date) -> SmDashboard:
    """Agency against permanent cost and hours, overtime, forecast accuracy, per-bed comparison."""
    stats_by_home = home_stats_many(access.home_ids, today)
    homes = sorted(stats_by_home.values(), key=lambda home: home.name)
    months, labels = _month_labels(homes)

    def by_source(attr: str) -> list[Series]:
        return [
            Series(
                label,
                [
                    sum(getattr(home.months[i], attr).get(source, 0.0) for home in homes)
                    for i in range(len(months))
                ],
            )
            for source, label in SOURCE_LABELS.items()
        ]

    cost_series, hours_series = by_source("cost"), by_source("hours")
    totals = {
        "cost": {s.name: sum(s.values) for s in cost_series},
        "hours": {s.name: sum(s.values) for s in hours_series},
    }
    overtime = [
        Series(home.name, [figures.hours.get("overtime", 0.0) for figures in home.months])
        for home in homes
    ]
    comparison = []
    for home in homes:
        month = home.last_full_month
        comparison.append(
            HomeComparison(
                home=home,
                month=month.month if month else None,
                occupied_beds=month.occupied_beds if month else None,
                cost_per_bed_day=month.cost_per_bed_day if month else None,
                hours_per_bed_day=month.hours_per_bed_day if month else None,
                agency_share=month.agency_share if month else None,
            )
        )
    accuracy = forecast.forecast_accuracy(home_ids=[h.home_id for h in homes], months=months)
    accuracy_chart = ""
    if accuracy:
        series = []
        for home in homes:
            points = {p.month: p.mape for p in accuracy if p.home_id == home.home_id}
            series.append(Series(home.name, [points.get(m) for m in months]))
        accuracy_chart = line_chart("Forecast error (MAPE) by month", labels, series, "%")
    return SmDashboard(
        homes=homes,
        month_labels=labels,
        cost_chart=bar_chart("Staff cost by month and source", labels, cost_series, "£"),
        hours_chart=bar_chart("Hours worked by month and source", labels, hours_series, " h"),
        overtime_chart=line_chart("Overtime hours by month", labels, overtime, " h"),
        totals=totals,
        comparison=comparison,
        accuracy=accuracy,
        accuracy_chart=accuracy_chart,
        agency_rates=[(role.name, agency_rate(role)) for role in JobRole.objects.all()],
    )


# --- Head of Service -------------------------------------------------------------------------

GREEN, AMBER, RED, GREY = "green", "amber", "red", "grey"


def _rag(value: float | None, green: float, amber: float) -> str:
    if value is None:
        return GREY
    if value >= green:
        return GREEN
    return AMBER if value >= amber else RED


@dataclass
class Readiness:
    """How ready a home is for a Care Inspectorate visit, one light per area."""

    home: HomeStats
    training: str
    supervision: str
    registrations: str
    incidents: str
    staffing: str

    @property
    def overall(self) -> str:
        lights = [
            self.training,
            self.supervision,
            self.registrations,
            self.incidents,
            self.staffing,
        ]
        if RED in lights:
            return RED
        return AMBER if AMBER in lights else GREEN


def readiness(home: HomeStats) -> Readiness:
    if home.registrations(EXPIRED) or home.registrations(MISSING):
        registrations = RED
    elif home.registrations(EXPIRING):
        registrations = AMBER
    else:
        registrations = GREEN
    incidents = GREEN
    if home.severe_90:
        incidents = AMBER if home.severe_90 <= 2 else RED
    return Readiness(
        home=home,
        training=_rag(home.training_percent, 95, 85),
        supervision=_rag(home.supervision_percent, 90, 75),
        registrations=registrations,
        incidents=incidents,
        staffing=_rag(home.fill_28, 98, 90),
    )


@dataclass
class HosDashboard:
    homes: list[HomeStats]
    readiness: list[Readiness]
    cost_chart: str
    agency_chart: str
    incidents_chart: str
    hours_chart: str
    month_labels: list[str] = field(default_factory=list)

    @property
    def staff(self) -> int:
        return sum(home.staff for home in self.homes)

    @property
    def beds(self) -> int:
        return sum(home.beds for home in self.homes)

    @property
    def short_next_7(self) -> int:
        return sum(home.short_next_7 for home in self.homes)

    @property
    def incidents_open(self) -> int:
        return sum(home.incidents_open for home in self.homes)


def hos_dashboard(*, access: Access, today: date) -> HosDashboard:
    """Every home's KPIs, 12-month trends and inspection readiness (capacity gaps: below).

    Made only from the cached per-home figures, so the page can keep it rendered until any
    of the homes changes (`cache.stats_token`)."""
    stats_by_home = home_stats_many(access.home_ids, today)
    homes = sorted(stats_by_home.values(), key=lambda home: home.name)
    months, labels = _month_labels(homes)
    cost = [Series(h.name, [m.total_cost for m in h.months]) for h in homes]
    agency = [Series(h.name, [m.agency_share for m in h.months]) for h in homes]
    incidents = [Series(h.name, [m.incidents for m in h.months]) for h in homes]
    hours = [Series(h.name, [m.hours_per_bed_day for m in h.months]) for h in homes]
    return HosDashboard(
        homes=homes,
        readiness=[readiness(home) for home in homes],
        cost_chart=bar_chart("Staff cost by month, all homes", labels, cost, "£"),
        agency_chart=line_chart("Agency share of hours by month", labels, agency, "%"),
        incidents_chart=bar_chart("Incidents by month", labels, incidents),
        hours_chart=line_chart("Hours per occupied bed-day", labels, hours, " h"),
        month_labels=labels,
    )


@dataclass
class GapRow:
    gap: forecast.CapacityGap
    home: str


def hos_capacity_gaps(*, access: Access, today: date) -> list[GapRow] | None:
    """Forecast care hours against hours planned, next 4 weeks; None until there are forecasts.

    Not part of the cached board: a new forecast does not change the homes' figures."""
    home_ids = list(access.home_ids)
    gaps = forecast.capacity_gaps(home_ids=home_ids, start=today, days=28)
    if not gaps:
        return gaps
    names = dict(CareHome.objects.filter(pk__in=home_ids).values_list("pk", "name"))
    return [GapRow(gap, names.get(gap.home_id, "")) for gap in gaps]


__all__ = ["EXPIRING", "hos_capacity_gaps", "hos_dashboard", "om_dashboard", "sm_dashboard"]
