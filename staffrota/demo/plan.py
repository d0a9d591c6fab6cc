"""Plan the homes before touching the database: units, beds, shift pattern, minimum staffing,
and how many people of which role each home employs. Pure Python, no Django."""

import math
import random
from dataclasses import dataclass, field

from staffrota.demo.reference import (
    HOME_NAMES,
    HOME_PATTERNS,
    HOME_UNIT_TYPES,
    SHIFT_PATTERNS,
    UNIT_NAMES,
    ShiftSpec,
)

STAFF_PER_REPLICA = 821

# Residents per carer on each shift, by care type. No official UK ratios exist
# (DOMAIN.md §2); these give 3.5-4.5 care hours per resident a day, typical of needs-based
# staffing tools for older people's homes.
CARER_RATIO: dict[str, dict[str, int]] = {
    "residential": {"E": 9, "L": 10, "LD": 9, "N": 15},
    "dementia": {"E": 6, "L": 8, "LD": 7, "N": 12},
    "nursing": {"E": 6, "L": 8, "LD": 7, "N": 12},
}
# Occupancy 85-95% (DOMAIN.md §2: Scottish homes ~85% full) and mean IoRN-like dependency.
DEPENDENCY_BASE = {"residential": 3.4, "dementia": 5.4, "nursing": 6.6}

AGENCY_SHARE = 0.04  # agency workers on the books, of all headcount (DOMAIN.md §3: 3.7-7.3%)
BANK_SHARE = 0.17  # bank staff, of employees


@dataclass
class UnitPlan:
    name: str
    care_type: str
    beds: int
    occupancy: float
    dependency: float
    # (shift code, role code, weekday) -> minimum
    requirements: dict[tuple[str, str, int], int] = field(default_factory=dict)


@dataclass
class HomePlan:
    index: int  # global, 0-based; replica = index // 5
    name: str
    code: str
    address: str
    pattern: str
    units: list[UnitPlan]
    headcount: int = 0

    @property
    def shift_specs(self) -> list[ShiftSpec]:
        return SHIFT_PATTERNS[self.pattern]

    def weekly_hours(self) -> dict[tuple[int, str, str], float]:
        """Required hours a week per (unit index, role, day/night group)."""
        paid = {s.code: float(s.paid_hours) for s in self.shift_specs}
        night = {s.code: s.is_night for s in self.shift_specs}
        cells: dict[tuple[int, str, str], float] = {}
        for u, unit in enumerate(self.units):
            for (code, role, _weekday), minimum in unit.requirements.items():
                key = (u, role, "night" if night[code] else "day")
                cells[key] = cells.get(key, 0.0) + minimum * paid[code]
        return cells


def _minimums(care_type: str, beds: int, pattern: str, weekday: int) -> dict[tuple[str, str], int]:
    ratio = CARER_RATIO[care_type]
    weekend = weekday >= 5
    need: dict[tuple[str, str], int] = {}
    if pattern == "el":
        day_codes = ["E", "L"]
        need[("E", "carer")] = math.ceil(beds / ratio["E"])
        need[("L", "carer")] = math.ceil(beds / ratio["L"])
    else:
        day_codes = ["LD"]
        need[("LD", "carer")] = math.ceil(beds / ratio["LD"])
        if beds >= 20:
            # A short early shift covers the breakfast and personal-care peak.
            need[("E", "carer")] = 1
    need[("N", "carer")] = max(1, round(beds / ratio["N"]))
    if care_type == "nursing":
        # A registered nurse on duty 24/7 defines a nursing unit (DOMAIN.md §2).
        for code in day_codes:
            need[(code, "rn")] = 1 + (1 if beds >= 24 and code != "L" else 0)
        need[("N", "rn")] = 1
        if beds >= 16:
            need[(day_codes[0], "senior")] = 1
    else:
        # Small units share a senior on the late with the unit next door.
        for code in day_codes:
            if code != "L" or beds >= 14:
                need[(code, "senior")] = 1
        if beds >= 20:
            need[("N", "senior")] = 1
    # Domestic and kitchen cover on weekdays; big units keep it at weekends too, and the
    # smallest units are covered by the home's central team.
    if beds >= 20 or (beds >= 12 and not weekend):
        need[("E", "ancillary")] = 1
    return need


def plan_home(index: int, rng: random.Random) -> HomePlan:
    """The units, beds and minimum staffing of the home with this global index."""
    template = index % len(HOME_NAMES)
    replica = index // len(HOME_NAMES)
    name, code, address = HOME_NAMES[template]
    if replica:
        name, code = f"{name} {replica + 1}", f"{code}-{replica + 1}"
    pattern = HOME_PATTERNS[template]
    names = list(UNIT_NAMES)
    rng.shuffle(names)
    units = []
    for u, care_type in enumerate(HOME_UNIT_TYPES[template]):
        # Mostly 10-20 beds a unit, a few small (8) and large (up to 30) ones.
        beds = max(8, min(30, round(rng.triangular(8, 28, 9))))
        unit = UnitPlan(
            name=names[u],
            care_type=care_type,
            beds=beds,
            occupancy=rng.uniform(0.85, 0.95),
            dependency=DEPENDENCY_BASE[care_type] + rng.uniform(-0.4, 0.4),
        )
        for weekday in range(7):
            for (shift_code, role), minimum in _minimums(care_type, beds, pattern, weekday).items():
                unit.requirements[(shift_code, role, weekday)] = minimum
        units.append(unit)
    return HomePlan(index, name, code, address, pattern, units)


def split_largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` that add up exactly."""
    weight_sum = sum(weights)
    if total <= 0 or weight_sum <= 0:
        return [0] * len(weights)
    exact = [total * w / weight_sum for w in weights]
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def plan_replica(replica: int, seed: int) -> list[HomePlan]:
    """Plan the five homes of one replica and share 821 staff among them by workload."""
    plans = []
    for template in range(len(HOME_NAMES)):
        index = replica * len(HOME_NAMES) + template
        plans.append(plan_home(index, random.Random(f"{seed}:plan:{index}")))
    weights = [sum(p.weekly_hours().values()) for p in plans]
    for plan, heads in zip(plans, split_largest_remainder(STAFF_PER_REPLICA, weights), strict=True):
        plan.headcount = heads
    return plans
