"""Equal-weight combinations of engines: errors of different models partly cancel."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from .base import Engine, EngineUnavailable
from .schema import History, Prediction


class EnsembleEngine(Engine):
    """Averages its members' point forecasts and, bound by bound, their quantiles.

    Averaging quantiles (not widening for disagreement) keeps the intervals as sharp as the
    members' own; the members' calibration carries over. A member whose optional package
    is missing is left out with a note, so the ensemble still runs on a bare install.
    """

    name = "ensemble"

    def __init__(self, name: str, members: Sequence[Callable[[], Engine]]) -> None:
        self.name = name  # type: ignore[misc]  # each configured ensemble has its own name
        self._factories = list(members)
        self._notes: list[str] = []

    def fit(self, history: History) -> None:
        self._fitted: list[Engine] = []
        self._notes = []
        for factory in self._factories:
            member = factory()
            try:
                member.fit(history)
            except EngineUnavailable as exc:
                self._notes.append(f"{member.name} left out of {self.name}: {exc}")
                continue
            self._fitted.append(member)
        if not self._fitted:
            raise EngineUnavailable(f"no member of {self.name} could run")

    def predict(self, horizon: int) -> Prediction:
        parts = [member.predict(horizon) for member in self._fitted]
        return Prediction(
            *(
                np.mean([getattr(p, field) for p in parts], axis=0)
                for field in ("mean", "lo80", "hi80", "lo95", "hi95")
            )
        )

    def notes(self) -> tuple[str, ...]:
        return tuple(self._notes)
