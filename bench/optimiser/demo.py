"""Greedy fill against the optimiser on the demo homes, one whole home at a time.

    python -m bench.optimiser.demo --database-url postgres://.../mycopy \
        [--weeks 4] [--time-limit 60] [--workers 2] [--start YYYY-MM-DD] [--out DIR]

For each home, the period's cover lines (the minimums, raised by forecasts and open
vacancies) are filled two ways from the same problem (same people, leave, published shifts
before, in and after the period, same rules, same costs): a greedy fill that gives each
missing person of each line, in date order, to the cheapest candidate both rule sets allow
(or leaves it to an agency when that is cheaper or nobody may), and the product's plan
(`staffrota.optimiser.fill.plan`: the greedy fill, the CP-SAT solver from it, the rules
engine over the solver's roster). Both rosters are then checked again, shift by shift, by
the rota's rules engine and by the engine's evaluator, and costed by one function.

Reads the database and writes nothing to it. Prints a table and writes results.csv and
results.json into --out.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path


def _setup(database_url: str | None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "staffrota.settings")
    import django

    django.setup()


def default_start() -> date:
    """The first Monday after the last shift on the rota: a period nobody has planned yet."""
    from django.db.models import Max
    from django_scopes import scopes_disabled

    from staffrota.rota.models import Shift

    with scopes_disabled():
        last = Shift.objects.aggregate(last=Max("date"))["last"]
    day = (last or date.today()) + timedelta(days=1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def pounds(pence: float) -> str:
    return f"{pence / 100:,.2f}"


def lp_bound(mapping) -> float | None:
    """A lower bound on the period cost of any rota, from a linear relaxation solved by GLOP.

    Kept: cover with agency at its price, one shift a day, units and roles, leave, the
    weekly and 17-week hour limits, contracted hours and overtime. Dropped: rest between
    shifts, days in a row, weekly rest, and that people come in whole shifts. Every rota
    the product may propose satisfies what is kept, so none costs less than this.
    """
    from ortools.linear_solver import pywraplp

    from staffrota.optimiser import fill

    problem = mapping.problem
    shifts = problem.shift_by_id
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:
        return None
    base = fill.fixed_roster(mapping)
    staffed = fill.cover_count(mapping, base)
    terms = {key: [] for key in mapping.needs}
    objective = solver.Objective()
    weeks = mapping.period_days // 7
    constant = 0.0
    for person in problem.staff:
        fixed_minutes = sum(
            shifts[s].minutes for d, s in person.fixed.items() if d < mapping.period_days
        )
        work = []  # (day, minutes, var)
        for key in mapping.needs:
            d, s, role = key
            if (
                role not in person.roles
                or d in person.unavailable
                or d in person.fixed
                or not problem.can_work(person, s)
            ):
                continue
            var = solver.NumVar(0, 1, "")
            terms[key].append(var)
            work.append((d, shifts[s].minutes, var))
        by_day = {}
        for d, _m, var in work:
            by_day.setdefault(d, []).append(var)
        for vars_ in by_day.values():
            if len(vars_) > 1:
                row = solver.Constraint(0, 1)
                for var in vars_:
                    row.SetCoefficient(var, 1)
        for w in person.contract.windows:
            if w.max_minutes is None:
                continue
            used = sum(
                shifts[s].minutes
                for d, s in person.fixed.items()
                if w.first_day <= d < w.first_day + w.days
            )
            row = solver.Constraint(-solver.infinity(), w.max_minutes - used)
            for d, m, var in work:
                if w.first_day <= d < w.first_day + w.days:
                    row.SetCoefficient(var, m)
        pay = person.pay
        for _d, m, var in work:
            objective.SetCoefficient(var, pay.hourly * m / 60)
        constant += pay.hourly * fixed_minutes / 60
        if pay.source != "bank" and pay.overtime_hourly and pay.overtime_hourly > pay.hourly:
            limit = int(mapping.staff[person.id].contracted_hours * 60 * weeks)
            extra = solver.NumVar(0, solver.infinity(), "")
            # extra >= worked minutes - contracted minutes
            row = solver.Constraint(fixed_minutes - limit, solver.infinity())
            row.SetCoefficient(extra, 1)
            for _d, m, var in work:
                row.SetCoefficient(var, -m)
            objective.SetCoefficient(extra, (pay.overtime_hourly - pay.hourly) / 60)
    for key, need in mapping.needs.items():
        short = solver.NumVar(0, need.minimum, "")
        objective.SetCoefficient(short, need.agency_pence)
        row = solver.Constraint(need.minimum - staffed[key], solver.infinity())
        row.SetCoefficient(short, 1)
        for var in terms[key]:
            row.SetCoefficient(var, 1)
    objective.SetMinimization()
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return objective.Value() + constant


def bench_home(home, start: date, weeks: int, time_limit: float, workers: int) -> dict:
    from staffrota.optimiser import adapter, fill
    from staffrota.organisation.models import Unit
    from staffrota.tenancy import home_scope

    with home_scope([home.pk]):
        t0 = time.monotonic()
        units = list(Unit.objects.filter(care_home=home).select_related("care_home"))
        mapping = adapter.build_problem(units=units, start=start, weeks=weeks)
        book = fill.RuleBook(mapping)
        build_s = time.monotonic() - t0
        # The greedy fill on its own, timed on its own.
        t = time.monotonic()
        greedy = fill.greedy_fill(mapping, book)
        greedy_s = time.monotonic() - t
        # The product's plan, with the whole time limit (problem building included).
        result = fill.plan(mapping, time_limit_s=time_limit - build_s, workers=workers, book=book)
        plan_s = build_s + result.seconds["total"]
        rows = {}
        for name, roster in (("greedy", greedy), ("optimiser", result.roster)):
            cost = fill.period_cost(mapping, roster)
            have, needed = fill.cover_achieved(mapping, roster)
            breaches = book.breaches(roster)
            rows[name] = {
                "cost": cost,
                "cover": have,
                "needed": needed,
                "breaches": sum(len(v) for v in breaches.values()),
                "breach_examples": [m for v in list(breaches.values())[:3] for m in v][:3],
                "new_shifts": sum(len(book.new_shifts(roster, sid)) for sid in roster.shifts),
            }
    problem = mapping.problem
    solution = result.solution
    g, o = rows["greedy"]["cost"]["total"], rows["optimiser"]["cost"]["total"]
    # The solver's objective is the period cost plus the pay of the shifts already held
    # after the period (a constant), so its lower bound bounds every possible rota.
    tail = mapping.tail_pay()
    bound = objective = None
    if solution is not None and solution.bound is not None:
        bound = round(solution.bound - tail)
    with home_scope([home.pk]):
        t = time.monotonic()
        relaxed = lp_bound(mapping)
        lp_s = time.monotonic() - t
    if relaxed is not None:
        bound = max(bound or 0, round(relaxed))
    if solution is not None and solution.roster is not None:
        objective = round(solution.objective - tail)
        solver_cost = fill.period_cost(mapping, solution.roster)["total"]
        rows["solver_agrees"] = abs(objective - solver_cost) <= 1
    return {
        "home": home.name,
        "start": start.isoformat(),
        "weeks": weeks,
        "staff": len(problem.staff),
        "cover_lines": len(problem.covers),
        "greedy": rows["greedy"],
        "optimiser": rows["optimiser"],
        "saving_pct": round(100 * (g - o) / g, 2) if g else 0.0,
        "lower_bound": bound,
        "solver_objective": objective,
        "solver_cost_agrees": rows.pop("solver_agrees", None),
        "best_possible_saving_pct": round(100 * (g - bound) / g, 2) if g and bound else None,
        "lp_bound_s": round(lp_s, 1),
        "greedy_s": round(greedy_s, 1),
        "build_s": round(build_s, 1),
        "optimiser_s": round(plan_s, 1),
        "phases_s": {k: round(v, 1) for k, v in result.seconds.items()},
        "solver_status": solution.status if solution else "not run",
        "solver_removed_by_rules": sum(len(v) for v in result.removed.values()),
        "removed_examples": [m for v in list(result.removed.values())[:3] for m in v][:3],
        "chosen": result.chosen,
        "load_average": os.getloadavg(),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the demo database (default: DATABASE_URL)")
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--start", type=date.fromisoformat, help="first day (a Monday)")
    parser.add_argument("--homes", nargs="*", help="only these homes (names)")
    parser.add_argument("--out", default="var/bench/optimiser-demo")
    args = parser.parse_args(argv)
    if not 1 <= args.weeks <= 6:
        parser.error("--weeks must be 1 to 6")
    _setup(args.database_url)
    from django_scopes import scopes_disabled

    from staffrota.organisation.models import CareHome

    start = args.start or default_start()
    with scopes_disabled():
        homes = list(CareHome.objects.order_by("pk"))
    if args.homes:
        homes = [h for h in homes if h.name in args.homes]
    if not homes:
        print("no homes found", file=sys.stderr)
        return 1
    print(f"period {start} + {args.weeks} weeks, time limit {args.time_limit} s")
    header = (
        f"{'home':20} {'staff':>5} {'greedy £':>12} {'optimiser £':>12} {'saving':>7} "
        f"{'cover g':>11} {'cover o':>11} {'breaches':>8} {'time s':>6} {'load':>5} "
        f"{'bound £':>12} {'max saving':>10}"
    )
    print(header)
    results = []
    for home in homes:
        r = bench_home(home, start, args.weeks, args.time_limit, args.workers)
        results.append(r)
        g, o = r["greedy"], r["optimiser"]
        print(
            f"{r['home']:20} {r['staff']:>5} {pounds(g['cost']['total']):>12} "
            f"{pounds(o['cost']['total']):>12} {r['saving_pct']:>6.1f}% "
            f"{g['cover']:>5}/{g['needed']:<5} {o['cover']:>5}/{o['needed']:<5} "
            f"{g['breaches']:>3}/{o['breaches']:<4} {r['optimiser_s']:>6.1f} "
            f"{r['load_average'][0]:>5.2f} "
            f"{pounds(r['lower_bound'] or 0):>12} {r['best_possible_saving_pct'] or 0:>9.1f}%",
            flush=True,
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=2, default=str))
    with (out / "results.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "home", "start", "weeks", "staff", "greedy_total", "optimiser_total",
                "saving_pct", "greedy_contracted", "greedy_overtime", "greedy_bank",
                "greedy_agency", "opt_contracted", "opt_overtime", "opt_bank", "opt_agency",
                "greedy_cover", "optimiser_cover", "needed", "greedy_breaches",
                "optimiser_breaches", "greedy_s", "optimiser_s", "solver_status", "chosen",
                "lower_bound", "best_possible_saving_pct", "load1",
            ]
        )  # fmt: skip
        for r in results:
            g, o = r["greedy"], r["optimiser"]
            writer.writerow(
                [
                    r["home"], r["start"], r["weeks"], r["staff"],
                    pounds(g["cost"]["total"]), pounds(o["cost"]["total"]), r["saving_pct"],
                    *(pounds(g["cost"][k]) for k in ("contracted", "overtime", "bank", "agency")),
                    *(pounds(o["cost"][k]) for k in ("contracted", "overtime", "bank", "agency")),
                    g["cover"], o["cover"], g["needed"], g["breaches"], o["breaches"],
                    r["greedy_s"], r["optimiser_s"], r["solver_status"], r["chosen"],
                    pounds(r["lower_bound"] or 0), r["best_possible_saving_pct"],
                    round(r["load_average"][0], 2),
                ]
            )  # fmt: skip
    bad = [r for r in results if r["greedy"]["breaches"] or r["optimiser"]["breaches"]]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
