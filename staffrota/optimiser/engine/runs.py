"""The run rules of one person's line (most days in a row, fewest days in a row, fewest days
off in a row) as one automaton over "works that day".

The linear inequalities in ``cpmodel`` already keep these rules; the automaton states them
again as a flow through the days (CP-SAT unrolls it into one literal per state and day),
whose linear relaxation holds every run rule at once. It is a redundant constraint: it
removes no roster the inequalities allow.

Runs that touch either end of the horizon are exempt from the minimums, as in the
inequalities (benchmark rules H7 and H8); a run of work before the period counts towards
the maximum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

#: A state: (working, length of the run so far (capped), run started at the horizon's start).
State = tuple[bool, int, bool]


class RunAutomaton:
    """States and transitions of the run rules of one contract."""

    def __init__(self, kmin: int, kmax: int | None, koff: int, before: int = 0) -> None:
        self.kmin = max(1, kmin)
        self.kmax = kmax
        self.koff = max(1, koff)
        self.work_cap = kmax if kmax is not None else self.kmin
        self.start: State | None = None
        if before > 0:
            self.start = self._norm((True, min(before, self.work_cap), True))
        self.states: list[State] = []
        self.index: dict[State | None, int] = {}
        self.triples: list[tuple[int, int, int]] = []
        self._explore()

    def _norm(self, state: State) -> State:
        working, length, exempt = state
        if working:
            length = min(length, self.work_cap)
            exempt = exempt and length < self.kmin
        else:
            length = min(length, self.koff)
            exempt = exempt and length < self.koff
        return (working, length, exempt)

    def step(self, state: State | None, works: int) -> State | None:
        """The state after one more day (``works`` 0 or 1), or None if a rule breaks."""
        if state is None:
            # The day before the horizon counts as off, and the run it starts is exempt.
            return (bool(works), 1, True) if self._ok_first(works) else None
        working, length, exempt = state
        if works:
            if working:
                if self.kmax is not None and length + 1 > self.kmax:
                    return None
                return self._norm((True, length + 1, exempt))
            if length < self.koff and not exempt:
                return None
            return self._norm((True, 1, False))
        if working:
            if length < self.kmin and not exempt:
                return None
            return self._norm((False, 1, False))
        return self._norm((False, length + 1, exempt))

    def _ok_first(self, works: int) -> bool:
        return not (works and self.kmax is not None and self.kmax < 1)

    def _explore(self) -> None:
        todo: list[State | None] = [self.start]
        self.index[self.start] = 0
        while todo:
            state = todo.pop()
            for works in (0, 1):
                nxt = self.step(state, works)
                if nxt is None:
                    continue
                if nxt not in self.index:
                    self.index[nxt] = len(self.index)
                    todo.append(nxt)
                self.triples.append((self.index[state], works, self.index[nxt]))

    def walk(self, state: State | None, days: Sequence[int]) -> tuple[bool, State | None]:
        """Follow ``days`` (0/1) from ``state``: (all rules kept, the state at the end)."""
        for works in days:
            state = self.step(state, works)
            if state is None:
                return False, None
        return True, state

    def finals(self, tail: Sequence[int]) -> list[int]:
        """States from which the fixed days ``tail`` can follow; every run may end with
        the horizon, so with no tail every state is final."""
        return [i for s, i in self.index.items() if self.walk(s, tail)[0]]


def add_runs(
    model: object,
    automaton: RunAutomaton,
    head: Sequence[int],
    days: Sequence[object],
    tail: Sequence[int],
    add: Callable[..., object],
) -> bool:
    """Add the automaton over ``days`` (literals or 0/1), after the fixed days ``head`` and
    before the fixed days ``tail``. False (and nothing added) when the fixed days break a
    rule themselves."""
    ok, start = automaton.walk(automaton.start, head)
    if not ok:
        return False
    if start not in automaton.index:
        return False
    finals = automaton.finals(tail)
    if not finals:
        return False
    add(days, automaton.index[start], finals, automaton.triples)
    return True
