"""Prometheus' ``histogram_quantile`` over classic (``le``) buckets, in numpy. Pure.

The one implementation of the rule: the sample source's PromQL evaluator
(:mod:`capacity.sample.evaluator`) and the SLO engine (:mod:`capacity.slo.series`)
both call :func:`histogram_quantile`, so the sample's truth and time-slice
latency SLIs agree with a real server and with each other.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["histogram_quantile"]


def histogram_quantile(q: float, bounds: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Prometheus 2.x ``bucketQuantile`` for each row of ``counts``.

    ``bounds``: the buckets' upper bounds (``le``), ascending, the last one
    ``+Inf``. ``counts``: cumulative counts, shape (points, buckets), columns in
    the order of ``bounds``. Returns one value per row:

    * ``q`` NaN gives NaN, ``q < 0`` gives -Inf and ``q > 1`` +Inf;
    * NaN with fewer than two buckets, without a ``+Inf`` bucket, or for a row
      with no observations;
    * counts are first made monotonic (``ensureMonotonic``: a bucket lower than
      one below it counts as that one);
    * the quantile's rank ``q * observations`` is found in the first bucket
      whose count reaches it (the ``+Inf`` bucket left out of the search), and
      interpolated linearly inside it, the first bucket starting at 0;
    * a rank in the ``+Inf`` bucket gives the largest finite bound; a rank in a
      first bucket whose bound is <= 0 gives that bound.
    """
    bounds = np.asarray(bounds, dtype=np.float64)
    counts = np.asarray(counts, dtype=np.float64)
    n, b = counts.shape
    if math.isnan(q):
        return np.full(n, np.nan)
    if q < 0 or q > 1:
        return np.full(n, -np.inf if q < 0 else np.inf)
    if b < 2 or len(bounds) != b or not np.isposinf(bounds[-1]):
        return np.full(n, np.nan)
    c = np.maximum.accumulate(counts, axis=1)  # ensureMonotonic
    total = c[:, -1]
    rank = q * total
    reached = c[:, :-1] >= rank[:, None]  # sort.Search over all but the +Inf bucket
    k = np.where(reached.any(axis=1), reached.argmax(axis=1), b - 1)
    rows = np.arange(n)
    below = np.maximum(k - 1, 0)
    c_lo = np.where(k > 0, c[rows, below], 0.0)
    lower = np.where(k > 0, bounds[below], 0.0)
    upper = bounds[k]
    with np.errstate(invalid="ignore", divide="ignore"):
        inside = lower + (upper - lower) * ((rank - c_lo) / (c[rows, k] - c_lo))
    value = np.where(k == b - 1, bounds[-2], inside)
    value = np.where((k == 0) & (bounds[0] <= 0), bounds[0], value)
    return np.where(total == 0, np.nan, value)
