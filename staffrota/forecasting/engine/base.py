"""The interface every engine implements, and helpers for building intervals."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import numpy as np
from scipy.stats import norm

from .schema import History, Prediction

Z80 = float(norm.ppf(0.90))
Z95 = float(norm.ppf(0.975))


class EngineUnavailable(RuntimeError):
    """An engine's optional dependency is not installed (for example Prophet)."""


class Engine(ABC):
    """Fit on one clean daily `History`, then predict `horizon` days ahead.

    A fresh instance serves one series: `fit` keeps whatever state `predict` needs.
    """

    name: ClassVar[str]
    #: Shortest history (days) the engine can fit; shorter ones go to the baseline.
    min_history: ClassVar[int] = 56

    @abstractmethod
    def fit(self, history: History) -> None:
        """Estimate the model from `history` (calendar features derive from its dates)."""

    @abstractmethod
    def predict(self, horizon: int) -> Prediction:
        """Point forecast and 80%/95% bounds for the `horizon` days after the history."""

    def notes(self) -> tuple[str, ...]:
        """Anything the last fit wants a reader to know (for example a dropped member)."""
        return ()


def normal_prediction(mean: np.ndarray, sd: np.ndarray) -> Prediction:
    """Symmetric Gaussian bounds around `mean` with per-day standard deviation `sd`."""
    return Prediction(
        mean=mean,
        lo80=mean - Z80 * sd,
        hi80=mean + Z80 * sd,
        lo95=mean - Z95 * sd,
        hi95=mean + Z95 * sd,
    )


def from_log(prediction: Prediction) -> Prediction:
    """Back-transform a prediction made on log1p(y).

    Quantiles survive a monotone transform exactly; the back-transformed mean is the
    median of y, which is also what minimises absolute error (MAE, MASE).
    """
    return prediction.map(np.expm1)
