"""Small problems for the tests, built in code so each test shows what it relies on."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest

from staffrota.optimiser.engine.model import (
    Agency,
    Contract,
    Cover,
    FairnessGoal,
    Pay,
    Problem,
    Request,
    ShiftType,
    Staff,
)

# The public benchmark lives beside the work tree (shared/) on development and CI machines;
# SHIFT_BENCHMARK_DIR points elsewhere. Without it the tests that read it are skipped.
BENCHMARK = Path(
    os.environ.get("SHIFT_BENCHMARK_DIR")
    or Path(__file__).resolve().parents[5] / "shared" / "benchmarks" / "shift-scheduling"
)
if not BENCHMARK.is_dir():
    BENCHMARK = Path("/work/shared/benchmarks/shift-scheduling")
needs_benchmark = pytest.mark.skipif(
    not BENCHMARK.is_dir(),
    reason="the public shift-scheduling benchmark is not on this machine: "
    "set SHIFT_BENCHMARK_DIR to its folder to run these tests",
)

DAY = ShiftType("D", 720, start_minute=8 * 60)
NIGHT = ShiftType("N", 720, start_minute=20 * 60, forbidden_next=frozenset({"D"}), night=True)


def care_home(days: int = 7, leave: dict[str, dict[int, str]] | None = None) -> Problem:
    """A unit with two nurses, three carers, bank and agency cover, and real costs."""
    leave = leave or {}
    contract = Contract(
        min_minutes=0,
        max_minutes=48 * 60,
        max_consecutive_shifts=4,
        min_consecutive_days_off=1,
        max_weekends=1,
    )

    def person(sid: str, role: str, hourly: int, source: str = "contracted") -> Staff:
        return Staff(
            id=sid,
            name=sid.title(),
            roles=frozenset({role}),
            contract=contract,
            pay=Pay(
                source=source,
                hourly=hourly,
                overtime_hourly=hourly * 3 // 2,
                contracted_minutes=36 * 60 if source == "contracted" else None,
            ),
            unavailable=leave.get(sid, {}),
        )

    staff = (
        person("nurse_a", "nurse", 2200),
        person("nurse_b", "nurse", 2300),
        person("carer_a", "carer", 1200),
        person("carer_b", "carer", 1250),
        person("carer_c", "carer", 1300, source="bank"),
    )
    covers = []
    for d in range(days):
        for shift in ("D", "N"):
            covers.append(
                Cover(
                    d,
                    shift,
                    preferred=1,
                    role="nurse",
                    minimum=1,
                    under_weight=500,
                    over_weight=50,
                    shortfall_weight=5000,
                    hard=True,
                )
            )
            covers.append(
                Cover(
                    d,
                    shift,
                    preferred=1,
                    role="carer",
                    minimum=1,
                    under_weight=500,
                    over_weight=50,
                    shortfall_weight=5000,
                )
            )
    return Problem(
        days=days,
        shift_types=(DAY, NIGHT),
        staff=staff,
        covers=tuple(covers),
        requests=(Request("carer_a", 0, None, 300, on=False),),
        agency=Agency(hourly=4000),
        fairness=(FairnessGoal("nights", 100),),
        start=dt.date(2026, 3, 2),
    )
