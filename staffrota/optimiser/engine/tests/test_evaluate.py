import csv

import pytest

from staffrota.optimiser.engine.benchmark import read_instance, read_roster
from staffrota.optimiser.engine.evaluate import evaluate
from staffrota.optimiser.engine.model import Contract, Cover, Problem, Request, Roster, Staff

from .factories import BENCHMARK, DAY, NIGHT, needs_benchmark

pytestmark = needs_benchmark

with (BENCHMARK / "reference-rosters" / "expected.csv").open(newline="") as _f:
    EXPECTED = list(csv.DictReader(_f))


@pytest.mark.parametrize("row", EXPECTED, ids=[r["instance"] for r in EXPECTED])
def test_evaluator_reproduces_reference_penalty(row):
    problem = read_instance(BENCHMARK / "instances" / f"{row['instance']}.txt")
    roster = read_roster(BENCHMARK / "reference-rosters" / f"{row['instance']}.roster.csv", problem)

    result = evaluate(problem, roster)

    assert result.violations == []
    assert result.cover_penalty == int(row["cover_penalty"])
    assert result.request_penalty == int(row["request_penalty"])
    assert result.total == int(row["total_penalty"])


def test_evaluator_all_off_roster_scores_cover_and_requests_and_breaks_minimum_minutes():
    problem = read_instance(BENCHMARK / "instances" / "Instance1.txt")
    roster = Roster({p.id: [None] * problem.days for p in problem.staff})

    result = evaluate(problem, roster)

    # FORMAT.md section 5, arithmetic check: S3 = 7100, S1 = 37, S2 = 0.
    assert (result.cover_penalty, result.penalties["request_on"]) == (7100, 37)
    assert result.penalties["request_off"] == 0
    assert {v.rule for v in result.violations} == {"min_minutes"}
    assert len(result.violations) == len(problem.staff)


def _one_person(contract: Contract, days: int = 7, **kwargs) -> Problem:
    return Problem(
        days=days,
        shift_types=(DAY, NIGHT),
        staff=(Staff("A", name="Ann", contract=contract, **kwargs),),
    )


@pytest.mark.parametrize(
    ("contract", "row", "rule"),
    [
        (Contract(), ["N", "D", None, None, None, None, None], "rest"),
        (Contract(max_shifts={"N": 1}), ["N", "N", None, None, None, None, None], "max_shifts"),
        (Contract(max_minutes=720), ["D", "D", None, None, None, None, None], "max_minutes"),
        (Contract(min_minutes=3000), ["D", None, None, None, None, None, None], "min_minutes"),
        (
            Contract(max_consecutive_shifts=2),
            ["D", "D", "D", None, None, None, None],
            "max_consecutive",
        ),
        (
            Contract(min_consecutive_shifts=2),
            [None, "D", None, None, None, None, None],
            "min_consecutive",
        ),
        (
            Contract(min_consecutive_days_off=2),
            ["D", None, "D", None, None, None, None],
            "min_days_off",
        ),
        (Contract(max_weekends=0), [None, None, None, None, None, "D", None], "max_weekends"),
    ],
)
def test_evaluator_reports_each_broken_hard_rule(contract, row, rule):
    problem = _one_person(contract)

    result = evaluate(problem, Roster({"A": row}))

    assert [v.rule for v in result.violations] == [rule]
    assert result.violations[0].message.startswith("Ann: ")


def test_evaluator_exempts_runs_touching_the_horizon_edges():
    contract = Contract(min_consecutive_shifts=3, min_consecutive_days_off=3)
    problem = _one_person(contract)

    result = evaluate(problem, Roster({"A": ["D", None, None, None, "D", "D", None]}))

    # Day 0 work and day 6 off touch the edges; the run of days 4-5 does not.
    assert [(v.rule, v.day) for v in result.violations] == [("min_consecutive", 4)]


def test_evaluator_flags_work_on_leave_and_changed_published_shift():
    problem = _one_person(Contract(), unavailable={2: "annual leave"}, fixed={0: "D"})

    result = evaluate(problem, Roster({"A": ["N", None, "D", None, None, None, None]}))

    messages = " | ".join(v.message for v in result.violations)
    assert "annual leave" in messages
    assert "published shift D" in messages


def test_evaluator_scores_requests_and_over_cover():
    problem = Problem(
        days=2,
        shift_types=(DAY,),
        staff=(Staff("A"), Staff("B")),
        covers=(Cover(0, "D", preferred=1, under_weight=100, over_weight=7),),
        requests=(Request("A", 1, "D", 3, on=True), Request("B", 0, None, 5, on=False)),
    )

    result = evaluate(problem, Roster({"A": ["D", None], "B": ["D", None]}))

    assert result.penalties["cover_over"] == 7
    assert result.penalties["request_on"] == 3
    assert result.penalties["request_off"] == 5
    assert result.total == 15
