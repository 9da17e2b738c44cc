"""What every load model shares: points binned by load, and a residual bootstrap. Pure numpy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import least_squares

__all__ = ["BINS", "BOOT", "Binned", "best_least_squares", "bin_by_load", "bootstrap", "interval"]

#: load bins a model is fitted on (equal counts of points): a few dozen points, the size of a load test
BINS = 30
#: bootstrap refits for the intervals
BOOT = 200
#: fewest points a bin may hold
MIN_PER_BIN = 3


@dataclass(frozen=True)
class Binned:
    """Each bin's median load ``x`` and median response ``y``; ``n`` points in all."""

    x: np.ndarray
    y: np.ndarray
    n: int


def bin_by_load(x: np.ndarray, y: np.ndarray, bins: int = BINS) -> Binned:
    """Pairs with finite, positive ``x`` and finite ``y`` in up to ``bins`` equal-count bins of ``x``
    (medians: a few minutes of an incident do not move a bin)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    ok = np.isfinite(x) & np.isfinite(y) & (x > 0)
    x, y = x[ok], y[ok]
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    k = int(min(bins, len(x) // MIN_PER_BIN))
    if k < 1:
        return Binned(np.empty(0), np.empty(0), len(x))
    parts = np.array_split(np.arange(len(x)), k)
    return Binned(
        np.array([np.median(x[p]) for p in parts]),
        np.array([np.median(y[p]) for p in parts]),
        len(x),
    )


def bootstrap(
    fitted: np.ndarray,
    residuals: np.ndarray,
    refit: Callable[[np.ndarray], np.ndarray | None],
    *,
    multiplicative: bool,
    boot: int = BOOT,
    seed: int = 0,
) -> np.ndarray:
    """Parameters refitted on ``boot`` resamples: the fitted values with resampled ``residuals``
    (times ``exp(residual)`` when ``multiplicative``, else plus). A refit that fails is left out."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(boot):
        e = rng.choice(residuals, size=len(residuals), replace=True)
        y = fitted * np.exp(e) if multiplicative else fitted + e
        params = refit(y)
        if params is not None:
            out.append(params)
    return np.array(out) if out else np.empty((0, 0))


def interval(values: np.ndarray, level: float) -> tuple[float, float]:
    """The central ``level`` interval of the finite ``values`` (NaN, NaN when there are none)."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not len(v):
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(v, [tail, 100 - tail])
    return float(lo), float(hi)


def best_least_squares(
    resid: Callable[[np.ndarray], np.ndarray], starts: list[np.ndarray], lower: np.ndarray, upper: np.ndarray
) -> np.ndarray | None:
    """The parameters of the lowest-cost bounded least-squares fit of ``resid`` from each of ``starts``
    (nudged inside the bounds); None when none converges."""
    best = None
    for p0 in starts:
        try:
            res = least_squares(resid, np.clip(p0, lower * 1.0000001, upper * 0.9999999), bounds=(lower, upper))
        except ValueError:
            continue
        if res.success and (best is None or res.cost < best.cost):
            best = res
    return None if best is None else np.asarray(best.x, dtype=np.float64)
