"""Latency against load: a quantile of the response time as a convex function of the request rate
per replica, rising without bound as the rate nears the replica's capacity. Pure numpy/scipy.

The curve is the queueing form ``latency(x) = base + scale * rho**m / (1 - rho)``, ``rho = x / capacity``:

* ``base``: the latency with no queue (the service time's quantile);
* ``scale * rho**m / (1 - rho)``: the wait in the queue. ``1 / (1 - rho)`` is how every queue's wait
  grows near saturation (M/M/1 exactly); ``rho**m`` with ``m = sqrt(2 (workers + 1)) - 1`` is
  Sakasegawa's approximation of a queue served by ``workers`` at once (M/M/c, G/G/c): the more
  workers, the longer the curve stays flat before it rises;
* ``capacity``: the rate per replica at which the queue saturates.

A fixed convex curve (a polynomial, an exponential) fits the history as well but has no saturation
point, so it under-predicts exactly where the answer matters; a full M/M/c model needs the service
time distribution, which a histogram of response times does not give. This form keeps the queue's
asymptote with three parameters a history can pin down, fitted on log latency (errors are relative)
by bounded least squares, with a residual bootstrap for the intervals.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._fit import BOOT, Binned, best_least_squares, bootstrap, interval

__all__ = ["LatencyFit", "fit_latency", "queue_shape"]


def queue_shape(workers: int) -> float:
    """Sakasegawa's exponent for a queue with ``workers`` servers: 1 for one."""
    return math.sqrt(2 * (max(int(workers), 1) + 1)) - 1


def curve(params: np.ndarray, x: np.ndarray, m: float) -> np.ndarray:
    base, scale, cap = params
    rho = np.clip(np.asarray(x, dtype=np.float64) / cap, 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        wait = np.where(rho < 1, scale * rho**m / (1 - rho), np.inf)
    return base + wait


def rate_at(params: np.ndarray, latency: float, m: float) -> float:
    """The rate per replica at which the curve reaches ``latency`` (0 when even an idle replica is slower)."""
    base, scale, cap = (float(v) for v in params)
    if latency <= base:
        return 0.0

    def g(rho: float) -> float:
        return base + scale * rho**m / (1 - rho) - latency

    hi = 1 - 1e-12
    return cap * float(brentq(g, 0.0, hi, xtol=1e-12)) if g(hi) > 0 else cap


def _starts(x: np.ndarray, y: np.ndarray, m: float) -> list[np.ndarray]:
    top = float(x.max())
    out = []
    for mult in (1.3, 2.0, 5.0):
        rho = 1 / mult
        base = max(float(y.min()) * 0.95, 1e-9)
        scale = max((float(y.max()) - base) * (1 - rho) / rho**m, 1e-9)
        out.append(np.array([base, scale, top * mult]))
    return out


def _fit(x: np.ndarray, y: np.ndarray, m: float, start: np.ndarray | None = None) -> np.ndarray | None:
    """Least squares from three starting saturation points (or from ``start`` alone)."""
    top = float(x.max())
    logy = np.log(y)

    def resid(p: np.ndarray) -> np.ndarray:
        return np.log(curve(p, x, m)) - logy

    lower, upper = np.array([0.0, 1e-12, top * 1.0001]), np.array([np.inf, np.inf, top * 1e3])
    return best_least_squares(resid, [start] if start is not None else _starts(x, y, m), lower, upper)


@dataclass(frozen=True)
class LatencyFit:
    """A fitted latency curve: ``params`` (base, scale, capacity per replica), the queue exponent ``m``,
    the binned points it was fitted on, and the bootstrap's refitted parameters."""

    params: np.ndarray
    m: float
    points: Binned
    boot: np.ndarray

    @property
    def base(self) -> float:
        return float(self.params[0])

    @property
    def capacity(self) -> float:
        """Rate per replica at which the queue saturates."""
        return float(self.params[2])

    def predict(self, x: np.ndarray | float) -> np.ndarray:
        return curve(self.params, np.atleast_1d(np.asarray(x, dtype=np.float64)), self.m)

    def band(self, x: np.ndarray, level: float = 0.8) -> tuple[np.ndarray, np.ndarray]:
        """The central ``level`` band of the bootstrap curves at ``x``."""
        curves = np.array([curve(p, x, self.m) for p in self.boot]) if len(self.boot) else np.empty((0, len(x)))
        if not len(curves):
            nan = np.full(len(x), np.nan)
            return nan, nan
        tail = (1 - level) / 2 * 100
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an x past every draw's saturation: all inf
            lo, hi = np.nanpercentile(np.where(np.isfinite(curves), curves, np.nan), [tail, 100 - tail], axis=0)
        return lo, hi

    def rate_at(self, latency: float) -> float:
        """Rate per replica at which the latency reaches ``latency``."""
        return rate_at(self.params, latency, self.m)

    def rate_interval(self, latency: float, level: float = 0.8) -> tuple[float, float]:
        return interval(np.array([rate_at(p, latency, self.m) for p in self.boot]), level)


def fit_latency(points: Binned, *, workers: int = 1, boot: int = BOOT, seed: int = 0) -> LatencyFit | None:
    """The curve through the binned (rate per replica, latency quantile) ``points``; None when the
    least squares do not converge. Needs at least four bins with a positive latency."""
    ok = np.isfinite(points.y) & (points.y > 0)
    x, y = points.x[ok], points.y[ok]
    if len(x) < 4:
        return None
    m = queue_shape(workers)
    params = _fit(x, y, m)
    if params is None:
        return None
    fitted = curve(params, x, m)
    resid = np.log(y) - np.log(fitted)
    draws = bootstrap(
        fitted, resid - resid.mean(), lambda yb: _fit(x, yb, m, params), multiplicative=True, boot=boot, seed=seed
    )
    return LatencyFit(params, m, Binned(x, y, points.n), draws)
