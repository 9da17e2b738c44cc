"""CPU against load: utilisation as a straight line in the request rate per replica (the
utilisation law: each request costs the same CPU time, on top of a floor of background work).
Ordinary least squares on binned points, residual bootstrap for the intervals. Pure numpy."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._fit import BOOT, Binned, bootstrap, interval

__all__ = ["CpuFit", "fit_cpu"]


def _ols(x: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    a = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    return coef if np.all(np.isfinite(coef)) else None


def _rate_at(coef: np.ndarray, level: float) -> float:
    floor, per = float(coef[0]), float(coef[1])
    if per <= 0:
        return math.inf if floor < level else 0.0
    return max((level - floor) / per, 0.0)


@dataclass(frozen=True)
class CpuFit:
    """``coef`` (floor, utilisation per request/s per replica), the binned points, the bootstrap draws."""

    coef: np.ndarray
    points: Binned
    boot: np.ndarray

    @property
    def floor(self) -> float:
        return float(self.coef[0])

    @property
    def per_request(self) -> float:
        return float(self.coef[1])

    def predict(self, x: np.ndarray | float) -> np.ndarray:
        return self.coef[0] + self.coef[1] * np.atleast_1d(np.asarray(x, dtype=np.float64))

    def rate_at(self, level: float) -> float:
        """Rate per replica at which utilisation reaches ``level`` (inf when it does not grow with load)."""
        return _rate_at(self.coef, level)

    def rate_interval(self, level: float, conf: float = 0.8) -> tuple[float, float]:
        return interval(np.array([_rate_at(c, level) for c in self.boot]), conf)


def fit_cpu(points: Binned, *, boot: int = BOOT, seed: int = 0) -> CpuFit | None:
    """The line through binned (rate per replica, utilisation) ``points``; None with fewer than four bins."""
    ok = np.isfinite(points.y)
    x, y = points.x[ok], points.y[ok]
    if len(x) < 4:
        return None
    coef = _ols(x, y)
    if coef is None:
        return None
    fitted = coef[0] + coef[1] * x
    resid = y - fitted
    draws = bootstrap(fitted, resid - resid.mean(), lambda yb: _ols(x, yb), multiplicative=False, boot=boot, seed=seed)
    return CpuFit(coef, Binned(x, y, points.n), draws)
