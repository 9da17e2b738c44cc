"""What a model is: numpy in, mean and interval bounds out.

A model never sees pandas or timestamps: it gets the history ``y`` (float64,
regular grid, no NaN), the horizon ``h`` in steps, the seasonal periods and the
interval levels, and returns a :class:`Prediction`. ``params`` lets a caller
reuse the parameters fitted on one window for the next (``refit=False`` in a
backtest), or, wrapped in :class:`Warm`, to start an estimation from; models without
parameters ignore it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any, Protocol

import numpy as np

LEVELS: tuple[int, ...] = (80, 95)


@dataclass(frozen=True)
class Prediction:
    mean: np.ndarray
    lo: dict[int, np.ndarray]
    hi: dict[int, np.ndarray]
    params: Any = None
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Warm:
    """``params`` given as a starting point for estimation, not to be kept: the final fit on the whole
    history starts from the parameters of the last backtest window (an L-BFGS fit from there takes a
    few iterations instead of twenty). Models that estimate nothing, or cheaply, may ignore it."""

    params: Any


def fixed_and_start(params: Any) -> tuple[Any, Any]:
    """``(parameters to keep, parameters to start from)``: one of them is None."""
    return (None, params.params) if isinstance(params, Warm) else (params, None)


class Model(Protocol):
    @property
    def alias(self) -> str:
        """The name the registry and the results know the model by."""
        ...

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        """Whether the model can be fitted to this history (length, sign, seasonality)."""
        ...

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction: ...


@functools.lru_cache(maxsize=64)
def z(level: int) -> float:
    """The standard normal quantile for a central ``level``% interval."""
    return NormalDist().inv_cdf(0.5 + level / 200.0)


def normal_prediction(mean: np.ndarray, sd: np.ndarray, levels: tuple[int, ...], params: Any = None) -> Prediction:
    mean = np.asarray(mean, dtype="float64")
    sd = np.asarray(sd, dtype="float64")
    lo = {lv: mean - z(lv) * sd for lv in levels}
    hi = {lv: mean + z(lv) * sd for lv in levels}
    return Prediction(mean, lo, hi, params)


def primary(periods: tuple[int, ...]) -> int:
    """The shortest seasonal period, or 1 for non-seasonal data."""
    return min(periods) if periods else 1
