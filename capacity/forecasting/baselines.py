"""Baselines every model must beat: naive, seasonal naive, drift, linear trend.

Intervals follow Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice* (3rd ed.), section 5.5, with the residual standard deviation of the
one-step in-sample errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .base import Prediction, normal_prediction, primary


def _sd(resid: np.ndarray) -> float:
    resid = resid[np.isfinite(resid)]
    if len(resid) < 2:
        return 0.0
    return float(np.sqrt(np.mean(resid**2)))


class _Baseline:
    """A point forecast with normal intervals: subclasses give the mean and standard deviation per step."""

    alias: str
    #: the fewest points of history the model needs
    min_points: ClassVar[int]

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        return len(y) >= self.min_points

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
        mean, sd = self.mean_sd(y, h, periods)
        return normal_prediction(mean, sd, levels)

    def mean_sd(self, y: np.ndarray, h: int, periods: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The forecast mean and its standard deviation, ``h`` steps each."""
        raise NotImplementedError


@dataclass(frozen=True)
class Naive(_Baseline):
    alias: str = "naive"
    min_points = 2

    def mean_sd(self, y: np.ndarray, h: int, periods: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        sd = _sd(np.diff(y))
        steps = np.arange(1, h + 1)
        return np.full(h, y[-1]), sd * np.sqrt(steps)


@dataclass(frozen=True)
class SeasonalNaive(_Baseline):
    alias: str = "seasonal_naive"

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        return len(y) >= primary(periods) + 2

    def mean_sd(self, y: np.ndarray, h: int, periods: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        m = primary(periods)
        steps = np.arange(1, h + 1)
        last_cycle = y[-m:]
        mean = last_cycle[(steps - 1) % m]
        sd = _sd(y[m:] - y[:-m])
        k = (steps - 1) // m + 1
        return mean, sd * np.sqrt(k)


@dataclass(frozen=True)
class Drift(_Baseline):
    alias: str = "drift"
    min_points = 3

    def mean_sd(self, y: np.ndarray, h: int, periods: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        n = len(y)
        slope = (y[-1] - y[0]) / (n - 1)
        steps = np.arange(1, h + 1)
        sd = _sd(np.diff(y) - slope)
        return y[-1] + slope * steps, sd * np.sqrt(steps * (1 + steps / (n - 1)))


def drift_supported(y: np.ndarray) -> bool:
    """Whether a drift term earns its place in a random walk: it lowers the AICc of the random walk's
    steps (a mean step against none), the test R's ``auto.arima`` makes before it includes a drift.

    Where it does not, ``drift`` is only naive with a slope drawn from the history's ends: on a cycle
    (monthly sunspots, whose fifty-year first-to-last slope said -4 a year at the 2008 solar minimum) it
    won a backtest by noise and lost out of sample. Too few steps to judge (under 4): supported."""
    d = np.diff(np.asarray(y, dtype="float64"))
    m = len(d)
    if m < 4:
        return True
    var_without, var_with = float(np.mean(d**2)), float(np.var(d))  # the steps' variance without / with a mean
    if var_without == 0.0:
        return False  # flat: no drift to estimate
    if var_with == 0.0:
        return True  # every step the same: a straight line

    def aicc(s2: float, k: int) -> float:
        return m * np.log(s2) + 2 * k + 2 * k * (k + 1) / (m - k - 1)

    return bool(aicc(var_with, 2) < aicc(var_without, 1))


@dataclass(frozen=True)
class LinearTrend(_Baseline):
    """Least-squares line through the history, extrapolated: what PromQL ``predict_linear`` does."""

    alias: str = "linear_trend"
    min_points = 3

    def mean_sd(self, y: np.ndarray, h: int, periods: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        n = len(y)
        t = np.arange(n, dtype="float64")
        tbar = t.mean()
        sxx = float(((t - tbar) ** 2).sum())
        slope = float(((t - tbar) * (y - y.mean())).sum() / sxx)
        intercept = float(y.mean() - slope * tbar)
        resid = y - (intercept + slope * t)
        s = float(np.sqrt((resid**2).sum() / max(n - 2, 1)))
        tf = np.arange(n, n + h, dtype="float64")
        se = s * np.sqrt(1 + 1 / n + (tf - tbar) ** 2 / sxx)
        return intercept + slope * tf, se


BASELINES: tuple[str, ...] = ("naive", "seasonal_naive", "drift", "linear_trend")
