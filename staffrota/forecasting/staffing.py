"""The staffing a forecast implies, and the hook that raises minimums with it.

Conversion (care hours to people): a unit's staffing minimums are taken to be sized for its
recent demand, the mean care hours needed on that weekday over the 8 weeks before the
forecast (the *baseline*). On a forecast day the unit needs `y_hat / baseline` times that
staffing, so each minimum (per shift type and role) is scaled by that ratio and rounded to
the nearest whole person, halves up: `implied = max(minimum, round(minimum * ratio))`.
The mix of roles and shifts stays the unit's own; a role with no minimum stays at none.
The ratio is capped at 2 so one odd forecast cannot double a rota, and a fallback
(baseline engine) forecast raises nothing: it is shown, with its note, but not trusted
to add staff.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from staffrota.forecasting.cache import StoredForecast, forecast_latest

MAX_RATIO = 2.0


def demand_ratio(stored: StoredForecast | None, day: date) -> float | None:
    """Forecast care hours on `day` over the unit's baseline for that weekday."""
    if stored is None or stored.fallback:
        return None
    forecast_day = stored.day(day)
    if forecast_day is None or len(stored.baseline_by_weekday) != 7:
        return None
    baseline = stored.baseline_by_weekday[day.weekday()]
    if not baseline:
        return None
    return min(MAX_RATIO, forecast_day.y_hat / baseline)


def implied_minimum(minimum: int, ratio: float | None) -> int:
    """People implied by scaling `minimum` by `ratio`, never below the minimum."""
    if ratio is None or minimum <= 0:
        return minimum
    return max(minimum, math.floor(minimum * ratio + 0.5))


def forecast_raiser(unit_id: int, shift_type_id: int, job_role_id: int, day: date, minimum: int):
    """The REQUIREMENT_RAISERS entry: the minimum the unit's forecast implies."""
    return implied_minimum(minimum, demand_ratio(forecast_latest(unit_id), day))


def register() -> None:
    from staffrota.leave import coverage

    if forecast_raiser not in coverage.REQUIREMENT_RAISERS:
        coverage.REQUIREMENT_RAISERS.append(forecast_raiser)


def _pk(value) -> int:
    return getattr(value, "pk", value)


def requirement_for(unit, shift_type, role, day: date) -> int:
    """People of `role` that `unit` needs on `shift_type` on `day`: the minimum from the
    requirement table, raised by the forecast (and any other registered raiser).

    Takes model instances or ids; call it inside the unit's home scope.
    """
    from staffrota.leave.coverage import minimum_for
    from staffrota.organisation.models import StaffingRequirement

    unit_id, type_id, role_id = _pk(unit), _pk(shift_type), _pk(role)
    minimum = (
        StaffingRequirement.objects.filter(
            unit_id=unit_id, shift_type_id=type_id, job_role_id=role_id, weekday=day.weekday()
        )
        .values_list("minimum", flat=True)
        .first()
    )
    base = {(unit_id, type_id, role_id, day.weekday()): minimum or 0}
    return minimum_for(base, unit_id, type_id, role_id, day)


@dataclass(frozen=True)
class StaffingCell:
    day: date
    minimum: int
    implied: int

    @property
    def raised(self) -> bool:
        return self.implied > self.minimum


@dataclass(frozen=True)
class StaffingRow:
    shift_type: str
    role: str
    cells: list[StaffingCell]


def implied_staffing(*, unit, stored: StoredForecast | None, days: list[date]) -> list[StaffingRow]:
    """Per shift type and role, the minimum and the forecast-implied people on each day."""
    from staffrota.organisation.models import StaffingRequirement

    minimums: dict[tuple, dict[int, int]] = {}
    labels: dict[tuple, tuple[str, str]] = {}
    requirements = (
        StaffingRequirement.objects.filter(unit=unit)
        .select_related("shift_type", "job_role")
        .order_by("shift_type__starts", "job_role__rank", "job_role__name")
    )
    for req in requirements:
        key = (req.shift_type_id, req.job_role_id)
        labels.setdefault(key, (req.shift_type.name, req.job_role.name))
        minimums.setdefault(key, {})[req.weekday] = req.minimum
    ratios = {day: demand_ratio(stored, day) for day in days}
    rows = []
    for key, (type_name, role_name) in labels.items():
        cells = []
        for day in days:
            minimum = minimums[key].get(day.weekday(), 0)
            cells.append(StaffingCell(day, minimum, implied_minimum(minimum, ratios[day])))
        rows.append(StaffingRow(type_name, role_name, cells))
    return rows
