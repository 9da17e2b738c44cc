"""Baselines every model must beat: naive, seasonal naive, drift, linear trend.

Intervals follow Hyndman & Athanasopoulos, *Forecasting: Principles and
Practice* (3rd ed.), section 5.5, with the residual standard deviation of the
one-step in-sample errors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Prediction, normal_prediction, primary


def _sd(resid: np.ndarray) -> float:
    resid = resid[np.isfinite(resid)]
    if len(resid) < 2:
        return 0.0
    return float(np.sqrt(np.mean(resid**2)))


@dataclass(frozen=True)
class Naive:
    alias: str = "naive"

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        return len(y) >= 2

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
        sd = _sd(np.diff(y))
        steps = np.arange(1, h + 1)
        return normal_prediction(np.full(h, y[-1]), sd * np.sqrt(steps), levels)


@dataclass(frozen=True)
class SeasonalNaive:
    alias: str = "seasonal_naive"

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        return len(y) >= primary(periods) + 2

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
        m = primary(periods)
        steps = np.arange(1, h + 1)
        last_cycle = y[-m:]
        mean = last_cycle[(steps - 1) % m]
        sd = _sd(y[m:] - y[:-m])
        k = (steps - 1) // m + 1
        return normal_prediction(mean, sd * np.sqrt(k), levels)


@dataclass(frozen=True)
class Drift:
    alias: str = "drift"

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        return len(y) >= 3

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
        n = len(y)
        slope = (y[-1] - y[0]) / (n - 1)
        steps = np.arange(1, h + 1)
        sd = _sd(np.diff(y) - slope)
        return normal_prediction(y[-1] + slope * steps, sd * np.sqrt(steps * (1 + steps / (n - 1))), levels)


@dataclass(frozen=True)
class LinearTrend:
    """Least-squares line through the history, extrapolated: what PromQL ``predict_linear`` does."""

    alias: str = "linear_trend"

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        return len(y) >= 3

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
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
        return normal_prediction(intercept + slope * tf, se, levels)


BASELINES: tuple[str, ...] = ("naive", "seasonal_naive", "drift", "linear_trend")
