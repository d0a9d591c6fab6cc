"""Solve a rota problem: CP-SAT on the whole model (or a roster built person by person when
the problem is large), then our own large-neighbourhood search."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

from ortools.sat.python import cp_model

from . import columns, construct, diagnose, lns, polish
from .cpmodel import MONEY_SCALE, RotaModel
from .evaluate import Evaluation, evaluate
from .model import Problem, Progress, Roster, Solution

log = logging.getLogger(__name__)

#: Share of the time limit given to the whole-model solve before the LNS takes over.
FULL_SHARE = 0.15
#: Person-days above which the whole model is not built: a first roster is built person by
#: person and improved by neighbourhoods only.
LARGE_CELLS = 5_000
#: Whether to end with the polish (``polish.py``) where it applies. Off: in its one full
#: benchmark run it put instance 9 within 1 % while 5 and 8 fell into their worst modes,
#: and one run cannot say whether it caused that (bench/optimiser/README.md, session 10).
#: `python -m bench.optimiser --polish` turns it on to measure it over more seeds.
POLISH = False
#: Until this share of the time limit, one thread generates columns (``columns.py``) beside
#: the neighbourhoods, where it applies and the whole model is built. It proves instance 4
#: optimal and held instance 5 at 1143-1148 (best known 1143) in most runs, where the
#: neighbourhoods alone end at 1233-1248 in most runs of earlier sessions.
COLUMNS_SHARE = 0.6


class CancelToken(Protocol):
    """Anything with ``is_set()``, such as ``threading.Event``."""

    def is_set(self) -> bool: ...


ProgressCallback = Callable[[Progress], None]


class _Best:
    def __init__(self) -> None:
        self.roster: Roster | None = None
        self.objective: int | None = None  # internal (scaled) units
        self.bound = float("-inf")
        self.proven = False


class Search:
    """State shared by the phases and LNS threads: the best roster so far and the clock."""

    def __init__(
        self,
        problem: Problem,
        scale: int,
        deadline: float,
        started: float,
        progress: ProgressCallback | None,
        cancel: CancelToken | None,
        end: float | None = None,
        parent: Search | None = None,
    ) -> None:
        self.problem = problem
        #: A search this one works for (a restart): its better rosters are offered there.
        self.parent = parent
        self.scale = scale
        self._deadline = deadline
        #: When the caller must have its answer (the time limit); defaults to the deadline.
        self.end = deadline if end is None else end
        self.started = started
        self.progress = progress
        self.cancel = cancel
        self.best = _Best()
        self.lock = threading.Lock()
        #: Longest a whole-roster evaluation took so far: what answering needs at the end.
        self.scoring_s = 0.0
        #: Set once ``solve`` has answered: a search still running may not report or offer.
        self.answered = threading.Event()
        #: Rosters the whole-model solve found, and that solve while it runs.
        self.full_rosters = 0
        self._full: cp_model.CpSolver | None = None
        self._full_given_up = False

    def cancelled(self) -> bool:
        """True once the caller asked to stop."""
        return bool(self.cancel is not None and self.cancel.is_set())

    def proven(self) -> bool:
        """True once the best roster is known to be optimal."""
        return self.best.proven

    @property
    def deadline(self) -> float:
        """When the search stops: before the time limit by what answering takes."""
        return min(self._deadline, self.answer_by())

    def remaining(self) -> float:
        """Seconds left before the deadline."""
        return self.deadline - time.monotonic()

    def snapshot(self) -> tuple[Roster | None, int | None]:
        """The best roster and its objective."""
        with self.lock:
            return self.best.roster, self.best.objective

    def offer(self, roster: Roster, objective: int, phase: str) -> bool:
        """Keep a roster that is at least as good as the best (ties move the search on)."""
        with self.lock:
            best = self.best.objective
            if self.answered.is_set() or (best is not None and objective > best):
                return False
            self.best.roster = roster
            self.best.objective = objective
            if objective <= self.best.bound:
                self.best.proven = True
        if self.parent is not None:
            self.parent.offer(roster, objective, phase)
        if best is None or objective < best:
            self.report(objective, phase)
            return True
        return False

    def raise_bound(self, bound: float) -> None:
        """Record a proven lower bound of the objective."""
        with self.lock:
            self.best.bound = max(self.best.bound, _bound(bound))
            if self.best.objective is not None and self.best.objective <= self.best.bound:
                self.best.proven = True

    def report(self, objective: float, phase: str) -> None:
        """Tell the caller about a better roster; a failing callback must not stop a solve."""
        if self.progress is None or self.answered.is_set():
            return
        scale = self.scale
        bound = self.best.bound / scale if self.best.bound > float("-inf") else float("nan")
        try:
            self.progress(
                Progress(time.monotonic() - self.started, objective / scale, bound, phase)
            )
        except Exception:
            log.exception("progress callback failed")

    def full_solve(self, rota: RotaModel, limit: float, workers: int, seed: int) -> int:
        """CP-SAT on the whole model; proves small problems optimal and gives a lower bound."""
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.max_time_in_seconds = max(0.01, min(limit, self.remaining()))
        p.num_workers = max(1, workers)
        # The LP relaxation is strong for cover + sequence rules: use all of it.
        p.linearization_level = 2
        p.random_seed = seed
        with self.lock:
            if self._full_given_up:
                return cp_model.UNKNOWN
            self._full = solver
        status = solver.solve(rota.model, _Callback(self, rota))
        with self.lock:
            self._full = None
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            self.raise_bound(solver.best_objective_bound)
            values = solver.response_proto.solution
            roster = rota.roster(lambda v: values[v.index])
            objective = round(solver.objective_value)
            if status != cp_model.OPTIMAL:
                # A roster found before the end may carry slack in its penalty variables:
                # its value is the evaluator's.
                objective = round(self.score(roster).total * self.scale)
            self.offer(roster, objective, "full")
        if status == cp_model.OPTIMAL:
            self.best.proven = True
        return status

    def give_up_full(self) -> None:
        """Stop the whole-model solve (or keep it from starting)."""
        with self.lock:
            self._full_given_up = True
            if self._full is not None:
                self._full.stop_search()

    def score(self, roster: Roster) -> Evaluation:
        """The evaluator's verdict on a whole roster, timed: answering needs one more."""
        began = time.monotonic()
        check = evaluate(self.problem, roster)
        self.scoring_s = max(self.scoring_s, time.monotonic() - began)
        return check

    def answer_by(self) -> float:
        """The last moment to stop waiting for the search and still answer by ``end``:
        the best roster is scored once more before it is returned (allow three times the
        longest scoring so far, as the CPU share can drop meanwhile)."""
        return self.end - 0.05 - 3 * self.scoring_s

    def adopt(self, roster: Roster) -> bool:
        """Make a roster the incumbent if it keeps every hard rule; its value is the
        evaluator's, and every later change is an exact difference from it."""
        check = self.score(roster)
        if not check.feasible:
            log.info("constructed roster breaks %d rules; not adopted", len(check.violations))
            return False
        self.offer(roster, round(check.total * self.scale), "greedy")
        return True


class _Callback(cp_model.CpSolverSolutionCallback):
    """Hands every better roster of a whole-model solve to the search at once, and stops
    the search on cancel or deadline. `bounds`: whether the solve's bound is one of the
    problem's (not for the polish, whose model holds the cover fixed and so bounds less)."""

    def __init__(
        self, search: Search, rota: RotaModel, source: str = "full", bounds: bool = True
    ) -> None:
        super().__init__()
        self.search = search
        self.rota = rota
        self.source = source
        self.bounds = bounds

    def on_solution_callback(self) -> None:
        s = self.search
        if s.cancelled() or time.monotonic() > s.deadline:
            self.stop_search()
        if self.source == "full":
            s.full_rosters += 1
        if self.bounds:
            s.raise_bound(self.best_objective_bound)
        _, best = s.snapshot()
        if best is None or round(self.objective_value) < best:
            roster = self.rota.roster(self.value)
            # The penalty variables of a roster found on the way may carry slack: score it.
            objective = round(s.score(roster).total * s.scale)
            s.offer(roster, objective, self.source)


def _bound(value: float) -> float:
    # The objective is integral; CP-SAT's float bound can sit a hair below a proven optimum.
    return float(math.ceil(value - 1e-6))


def solve(
    problem: Problem,
    time_limit_s: float,
    workers: int = 2,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
    seed: int = 0,
    hint: Roster | None = None,
) -> Solution:
    """Find a low-cost roster within ``time_limit_s`` seconds of wall time (always respected).

    ``workers`` is the number of CPU threads used. ``progress`` is called with every better
    roster; ``cancel.is_set()`` stops early with the best roster so far. The result always has
    a status and, when there is no roster, messages saying which requirement cannot be met.
    """
    started = time.monotonic()
    end = started + max(0.0, time_limit_s)
    # Keep a little time back for reading the roster out and scoring it.
    deadline = end - min(1.0, 0.05 + 0.005 * time_limit_s)
    fatal, warnings = diagnose.precheck(problem)
    if fatal:
        return Solution("INFEASIBLE", None, None, None, time.monotonic() - started, fatal)

    money = any(p.pay.hourly for p in problem.staff) or bool(
        problem.agency and problem.agency.hourly
    )
    scale = MONEY_SCALE if money else 1
    search = Search(problem, scale, deadline, started, progress, cancel, end=end)
    answers: list[Solution | None] = []
    failures: list[BaseException] = []

    def run() -> None:
        try:
            answers.append(_search(search, workers, seed, hint))
        except BaseException as exc:  # handed to the caller below, as if raised here
            failures.append(exc)

    thread = threading.Thread(
        target=run,
        name="rota-search",
        daemon=True,
    )
    thread.start()
    # The search stops itself by the deadline, but some of its steps (building a model,
    # scoring a roster) cannot be cut short, and on a year of 150 people with a small share
    # of a busy CPU one of them can outlast any fixed margin. So the caller is answered from
    # the best roster so far at the last moment that allows it, whatever the search is doing.
    while thread.is_alive():
        wait = search.answer_by() - time.monotonic()
        if wait <= 0:
            break
        thread.join(min(wait, 0.25))
    search.answered.set()
    if failures:
        raise failures[0]
    if answers and answers[0] is not None:
        return answers[0]
    if not answers:
        log.warning(
            "search still busy %.2f s after its deadline: answering without it",
            time.monotonic() - deadline,
        )
    return _finish(search, warnings)


def _search(search: Search, workers: int, seed: int, hint: Roster | None) -> Solution | None:
    """The phases of a solve, each stopping by ``search.deadline``; the answer is the best
    roster they leave in ``search``, or the Solution returned when there can be none."""
    problem, started = search.problem, search.started
    cells = problem.days * len(problem.staff)
    if hint is not None:
        search.adopt(hint)
    if cells <= LARGE_CELLS:
        # CP-SAT on the whole model proves small problems optimal and gives a bound; on a
        # larger one its first rosters are poor, so meanwhile another thread builds one
        # person by person and improves it with neighbourhoods.
        rota = RotaModel(problem)
        if hint is not None:
            rota.hint(hint)
        until = started + max(1.0, FULL_SHARE * (search.deadline - started))
        helpers = workers - 1
        result: list[int] = []
        thread = threading.Thread(
            target=lambda: result.append(
                search.full_solve(rota, until - time.monotonic(), max(1, helpers), seed)
            ),
            daemon=True,
        )
        thread.start()
        if helpers >= 1:
            if _first_roster(search) and search.full_rosters == 0:
                # The whole model has found nothing in the time a roster took to build
                # person by person: on a problem this big (Instance12: 60 people, ten
                # shifts) its first rosters come too late to matter, and the core serves
                # the neighbourhoods better (12 ended 17-206 points lower in 3 of 3 runs).
                search.give_up_full()
            if search.best.roster is not None:
                lns.run(search, 1, seed, min(until, search.deadline), stop=thread.is_alive)
        thread.join()
        del rota
        if result and result[0] == cp_model.INFEASIBLE:
            why = diagnose.explain_infeasible(problem, search.remaining())
            return Solution("INFEASIBLE", None, None, None, time.monotonic() - started, why)
    if search.best.roster is None:
        _first_roster(search)
    if search.best.roster is not None and not search.best.proven and not search.cancelled():
        if cells <= LARGE_CELLS and workers >= 2 and columns.applicable(problem):
            _columns_beside_neighbourhoods(search, workers, seed)
        if cells <= LARGE_CELLS and POLISH and polish.applicable(problem):
            # Neighbourhoods until the cover settles, then the whole model around it.
            limit = search.end - started
            watch = polish.CoverWatch(search)
            lns.run(
                search,
                workers,
                seed,
                search.deadline,
                stop=lambda: not polish.due(search, watch, limit),
            )
            if polish.due(search, watch, limit) and not search.cancelled():
                polish.run(search, workers, seed)
        else:
            lns.run(search, workers, seed, search.deadline)
    return None


def _columns_beside_neighbourhoods(search: Search, workers: int, seed: int) -> None:
    """One thread generates columns while the others search neighbourhoods, until
    ``COLUMNS_SHARE`` of the time; the neighbourhoods get it back as soon as it stops."""
    until = search.started + COLUMNS_SHARE * (search.deadline - search.started)
    thread = threading.Thread(target=columns.run, args=(search, seed, until), daemon=True)
    thread.start()
    # (A restart keeps the thread past ``until``: the neighbourhoods keep theirs meanwhile.)
    lns.run(search, workers - 1, seed, search.deadline, stop=thread.is_alive)
    thread.join()


def _first_roster(search: Search) -> bool:
    """Build a roster one person at a time and make it the incumbent; whether it did."""
    if search.remaining() > 0.5 and not search.cancelled() and search.best.roster is None:
        roster = construct.greedy(
            search.problem, search.deadline, cancel=lambda: search.cancelled() or search.proven()
        )
        if roster is not None:
            return search.adopt(roster)
    return False


def _finish(search: Search, warnings: list[str]) -> Solution:
    wall = time.monotonic() - search.started
    roster, objective = search.snapshot()
    if roster is None or objective is None:
        if search.cancelled():
            return Solution(
                "CANCELLED", None, None, None, wall, ["cancelled before a rota was found"]
            )
        why = "no rota found within the time limit; allow more time"
        return Solution("UNKNOWN", None, None, None, wall, [why, *warnings])
    scale = search.scale
    bound = search.best.bound / scale if search.best.bound > float("-inf") else None
    status = "FEASIBLE"
    if search.best.proven:
        status = "OPTIMAL"
    elif search.cancelled():
        status = "CANCELLED"
    messages = list(warnings)
    evaluation = evaluate(search.problem, roster)
    messages += [f"below minimum cover: {u}" for u in evaluation.unmet]
    return Solution(status, roster, objective / scale, bound, wall, messages)
