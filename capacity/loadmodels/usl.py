"""The Universal Scalability Law on throughput against concurrency. Pure numpy/scipy.

``X(N) = lam * N / (1 + sigma * (N - 1) + kappa * N * (N - 1))`` (Gunther): ``lam`` the throughput
of one request in flight, ``sigma`` contention (the serial share: throughput levels off at
``lam / sigma``), ``kappa`` coherency (crosstalk: past ``N* = sqrt((1 - sigma) / kappa)`` throughput
falls). Concurrency is the in-flight gauge when a service has one, else Little's law
``N = X * mean latency``. Fitted by bounded least squares on binned points (a few dozen, the size
of a load test), with a residual bootstrap for the parameters, the peak and where it is reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._fit import BOOT, Binned, best_least_squares, bootstrap, interval

__all__ = ["USLFit", "fit_usl", "peak"]


def throughput(params: np.ndarray, n: np.ndarray) -> np.ndarray:
    lam, sigma, kappa = params
    n = np.asarray(n, dtype=np.float64)
    return lam * n / (1 + sigma * (n - 1) + kappa * n * (n - 1))


def peak(params: np.ndarray) -> tuple[float, float]:
    """(peak throughput, concurrency where it is reached); the concurrency is inf when throughput only
    levels off (``kappa`` = 0), and both are inf with neither contention nor coherency."""
    lam, sigma, kappa = (float(v) for v in params)
    if kappa > 0:
        n = math.sqrt(max(1 - sigma, 0.0) / kappa)
        n = max(n, 1.0)
        return float(throughput(params, np.array([n]))[0]), n
    return (lam / sigma if sigma > 0 else math.inf), math.inf


def _fit(n: np.ndarray, x: np.ndarray, start: np.ndarray | None = None) -> np.ndarray | None:
    def resid(p: np.ndarray) -> np.ndarray:
        return throughput(p, n) - x

    lam0 = float(np.median(x / n))
    starts = [start] if start is not None else [np.array([lam0, 0.01, 1e-4]), np.array([lam0 * 1.5, 0.1, 1e-3])]
    return best_least_squares(resid, starts, np.array([1e-12, 0.0, 0.0]), np.array([np.inf, 1.0, np.inf]))


@dataclass(frozen=True)
class USLFit:
    """``params`` (lam, sigma, kappa), the binned (concurrency, throughput) points, the bootstrap draws."""

    params: np.ndarray
    points: Binned
    boot: np.ndarray

    @property
    def peak(self) -> tuple[float, float]:
        return peak(self.params)

    def predict(self, n: np.ndarray | float) -> np.ndarray:
        return throughput(self.params, np.atleast_1d(np.asarray(n, dtype=np.float64)))

    def intervals(self, level: float = 0.8) -> dict[str, tuple[float, float]]:
        """Central ``level`` intervals of lam, sigma, kappa, the peak throughput and its concurrency."""
        if not len(self.boot):
            nan = (math.nan, math.nan)
            return {k: nan for k in ("lam", "sigma", "kappa", "peak", "peak_at")}
        peaks = np.array([peak(p) for p in self.boot])
        return {
            "lam": interval(self.boot[:, 0], level),
            "sigma": interval(self.boot[:, 1], level),
            "kappa": interval(self.boot[:, 2], level),
            "peak": interval(peaks[:, 0], level),
            "peak_at": interval(peaks[:, 1], level),
        }


def fit_usl(points: Binned, *, boot: int = BOOT, seed: int = 0) -> USLFit | None:
    """USL through binned (concurrency, throughput) ``points``; None with fewer than four bins or when
    the fit does not converge."""
    ok = np.isfinite(points.y) & (points.x > 0)
    n, x = points.x[ok], points.y[ok]
    if len(n) < 4:
        return None
    params = _fit(n, x)
    if params is None:
        return None
    fitted = throughput(params, n)
    resid = x - fitted
    draws = bootstrap(
        fitted, resid - resid.mean(), lambda xb: _fit(n, xb, params), multiplicative=False, boot=boot, seed=seed
    )
    return USLFit(params, Binned(n, x, points.n), draws)
