"""A quantile of a classic (``le``) histogram, interpolated the way a log-normal tail falls. Pure.

Prometheus' ``histogram_quantile`` interpolates linearly inside the bucket the rank falls in. With
the coarse buckets of most services (0.1, 0.25, 0.5, 1 s) that is far off in the tail, where the
density falls steeply across a bucket: a log-normal p95 of 0.155 s reads 0.21 s. A model of latency
against load fitted on such values learns the buckets, not the queue.

:func:`bucket_quantile` instead passes a log-normal through the two bucket bounds around the rank
(its cumulative shares there fix the two parameters) and reads the quantile off it: exact for
log-normal latencies at any bucket width, and within the bucket (so close to linear) otherwise.
Where that cannot be done (a share of 0 or 1 at a bound, a bound of 0, too few buckets) it falls
back to Prometheus' rule (:func:`capacity.metrics.histogram.histogram_quantile`).
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from ..metrics.histogram import histogram_quantile

__all__ = ["bucket_quantile", "share_within"]


def _shares(bounds: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c = np.maximum.accumulate(np.asarray(counts, dtype=np.float64), axis=1)  # Prometheus' ensureMonotonic
    total = c[:, -1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return c[:, :-1] / total[:, None], total


def bucket_quantile(q: float, bounds: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The ``q`` quantile of each row of cumulative bucket ``counts`` (columns in the order of the
    ascending ``bounds``, the last ``+Inf``); NaN for a row without observations."""
    bounds = np.asarray(bounds, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    linear = histogram_quantile(q, bounds, counts)
    finite = bounds[:-1]
    if len(finite) < 2 or not 0 < q < 1 or len(bounds) != counts.shape[1]:
        return linear
    share, total = _shares(bounds, counts)
    n = len(finite)
    reached = share >= q
    k = np.where(reached.any(axis=1), reached.argmax(axis=1), n)  # first bound whose share reaches q
    i = np.clip(k - 1, 0, n - 2)
    j = i + 1
    rows = np.arange(len(counts))
    f_i, f_j = share[rows, i], share[rows, j]
    b_i, b_j = finite[i], finite[j]
    ok = (f_i > 0) & (f_j < 1) & (f_j > f_i) & (b_i > 0) & (total > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z_i, z_j = ndtri(np.clip(f_i, 1e-12, 1)), ndtri(np.clip(f_j, 0, 1 - 1e-12))
        sigma = (np.log(b_j) - np.log(b_i)) / (z_j - z_i)
        mu = np.log(b_i) - sigma * z_i
        fitted = np.exp(mu + sigma * ndtri(q))
    return np.where(ok & np.isfinite(fitted), fitted, linear)


def share_within(bound: float, bounds: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The share of observations at or below ``bound``, which must be one of the finite ``bounds``
    (exact: no interpolation); NaN for a row without observations."""
    bounds = np.asarray(bounds, dtype=np.float64)
    at = np.flatnonzero(np.isclose(bounds[:-1], bound, rtol=1e-9, atol=0.0))
    if not len(at):
        raise ValueError(f"{bound:g} s is not a bucket bound (bounds: {', '.join(f'{b:g}' for b in bounds[:-1])})")
    share, _ = _shares(bounds, counts)
    return share[:, int(at[0])]
