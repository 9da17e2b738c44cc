"""SLI kinds: raw series in, per-step good/total events out.

Every SLI becomes an :class:`Events` on a regular grid ``start + i*step``
(``i = 0..n-1``). Element ``i`` holds what happened in ``(t_i - step, t_i]``:
for event SLIs the increase of the counters (reset-aware, summed over
series) attributed to the sample that observed it; for time-slice SLIs one
slice per series and step. ``observed[i]`` says whether any data arrived at
``t_i``; steps without data are *no data*, steps with data but no traffic
are *zero traffic*: neither is good or bad.

Pure functions: frames in, arrays out. Frames follow the canonical contract
(:mod:`capacity.frame`: sorted by ``unique_id``, ``ds``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import DataError
from .model import SLI, Query
from .series import (  # noqa: F401 - re-exported: the primitives the SLI kinds are built from
    Grid,
    bucket_increments,
    count_below,
    counter_increments,
    gauge_matrix,
    histogram_quantile,
    select,
)

Data = Mapping[str, pd.DataFrame]
#: per-evaluation memo shared by the SLIs reading the same data: (operation, query text) -> arrays
Cache = dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Events:
    """Per-step events of one SLI on a grid (float64 arrays, bool ``observed``).

    ``good``/``total`` are events (requests) or slices (minutes x series).
    ``above``/``below``: for range SLIs, slices above/below the range.
    ``value``: for time-slice latency SLIs, the per-step quantile (NaN without traffic).
    """

    grid: Grid
    good: np.ndarray
    total: np.ndarray
    observed: np.ndarray
    time_based: bool
    above: np.ndarray | None = None
    below: np.ndarray | None = None
    value: np.ndarray | None = None

    @property
    def bad(self) -> np.ndarray:
        out: np.ndarray = self.total - self.good
        return out


# --------------------------------------------------------------------------- helpers


def _frame_for(data: Data, q: Query) -> pd.DataFrame:
    if q.text not in data:
        raise DataError(f"no data for query {q.text!r} (have: {', '.join(sorted(data)) or 'nothing'})", series=q.text)
    return data[q.text]


def _ratio(sli: SLI, data: Data, grid: Grid, cache: Cache | None = None) -> Events:
    def get(q: Query | None) -> tuple[np.ndarray, np.ndarray] | None:
        if q is None:
            return None
        f = _frame_for(data, q)
        if q.counter:
            return counter_increments(f, grid)
        m, _ = gauge_matrix(f, grid)  # a rate expression: events per second
        seen = ~np.all(np.isnan(m), axis=1) if m.shape[1] else np.zeros(grid.n, dtype=bool)
        return np.nansum(m, axis=1) * grid.step.total_seconds(), seen

    good, bad, total = get(sli.good), get(sli.bad), get(sli.total)
    if total is None:
        assert good is not None and bad is not None
        t = (good[0] + bad[0], good[1] | bad[1])
        return Events(grid, good[0], t[0], t[1], False)
    if good is None:
        assert bad is not None
        return Events(grid, total[0] - bad[0], total[0], total[1], False)
    return Events(grid, good[0], total[0], total[1], False)


def _buckets(data: Data, q: Query, grid: Grid, cache: Cache | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    key = ("buckets", q.text)
    if cache is not None and key in cache:
        return cache[key]
    out: tuple[np.ndarray, np.ndarray, np.ndarray] = bucket_increments(_frame_for(data, q), grid)
    if cache is not None:
        cache[key] = out
    return out


def _latency_threshold(sli: SLI, data: Data, grid: Grid, cache: Cache | None = None) -> Events:
    assert sli.buckets is not None
    bounds, counts, seen = _buckets(data, sli.buckets, grid, cache)
    total = counts[:, -1]
    good = np.minimum(count_below(bounds, counts, sli.threshold), total)
    return Events(grid, good, total, seen, False)


def _latency_timeslice(sli: SLI, data: Data, grid: Grid, cache: Cache | None = None) -> Events:
    assert sli.buckets is not None
    bounds, counts, seen = _buckets(data, sli.buckets, grid, cache)
    qv = histogram_quantile(sli.quantile, bounds, counts)
    has = ~np.isnan(qv)
    total = has.astype(np.float64)
    good = (has & (qv <= sli.threshold)).astype(np.float64)
    return Events(grid, good, total, seen, True, value=qv)


def _gauge_range(sli: SLI, data: Data, grid: Grid, cache: Cache | None = None) -> Events:
    assert sli.metric is not None
    m, _ = gauge_matrix(_frame_for(data, sli.metric), grid)
    present = ~np.isnan(m)
    with np.errstate(invalid="ignore"):
        if sli.strict:
            below = (m <= sli.lower) if not math.isnan(sli.lower) else np.zeros_like(present)
            above = (m >= sli.upper) if not math.isnan(sli.upper) else np.zeros_like(present)
        else:
            below = (m < sli.lower) if not math.isnan(sli.lower) else np.zeros_like(present)
            above = (m > sli.upper) if not math.isnan(sli.upper) else np.zeros_like(present)
    total = present.sum(axis=1).astype(np.float64)
    a = (above & present).sum(axis=1).astype(np.float64)
    b = (below & present).sum(axis=1).astype(np.float64)
    return Events(grid, total - a - b, total, total > 0, True, above=a, below=b)


def _utilization(sli: SLI, data: Data, grid: Grid, cache: Cache | None = None) -> Events:
    assert sli.usage is not None and sli.capacity is not None
    u, _ = gauge_matrix(_frame_for(data, sli.usage), grid)
    c, _ = gauge_matrix(_frame_for(data, sli.capacity), grid)
    if u.shape[1] and c.shape[1]:
        both = (~np.all(np.isnan(u), axis=1)) & (~np.all(np.isnan(c), axis=1))
    else:
        both = np.zeros(grid.n, dtype=bool)
    us, cs = np.nansum(u, axis=1), np.nansum(c, axis=1)
    ok = both & (cs > 0)
    ratio = np.divide(us, cs, out=np.full(grid.n, np.nan), where=ok)
    total = ok.astype(np.float64)
    with np.errstate(invalid="ignore"):
        above = (ok & (ratio > sli.upper)).astype(np.float64)
    return Events(grid, total - above, total, both, True, above=above, below=np.zeros(grid.n), value=ratio)


KINDS = {
    "ratio": _ratio,
    "latency_threshold": _latency_threshold,
    "latency_timeslice": _latency_timeslice,
    "gauge_range": _gauge_range,
    "utilization": _utilization,
}


def sli_events(sli: SLI, data: Data, grid: Grid, cache: Cache | None = None) -> Events:
    """Per-step events of ``sli`` from ``data`` (query text -> canonical frame) on ``grid``.

    ``cache``: a dict shared by the SLIs of one evaluation over the same data
    and grid (histogram bucket increments are computed once).
    """
    return KINDS[sli.kind](sli, data, grid, cache)


def timeslices(ev: Events, k: int, method: str, target: float = math.nan) -> Events:
    """Turn per-step events into time slices of ``k`` steps (OpenSLO Timeslices / RatioTimeslices).

    Each slice's events are credited to its last step. ``Timeslices``: a slice
    with traffic is one good slice when its good ratio >= ``target``, else one
    bad slice; ``RatioTimeslices``: it counts its good ratio as good and 1 as
    total (the window's compliance is the mean of the slice ratios). Slices
    without traffic count neither way.
    """
    n = ev.grid.n
    if k <= 1 and method == "Timeslices" and not ev.time_based:
        k = 1
    m = n // k * k
    off = n - m  # leading steps that do not fill a slice are dropped (no data)
    g = ev.good[off:].reshape(-1, k).sum(axis=1)
    t = ev.total[off:].reshape(-1, k).sum(axis=1)
    obs = ev.observed[off:].reshape(-1, k).any(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(t > 0, g / t, np.nan)
    has = t > 0
    if method == "Timeslices":
        good_s = (has & (ratio >= target)).astype(np.float64)
    else:
        good_s = np.where(has, ratio, 0.0)
    good = np.zeros(n)
    total = np.zeros(n)
    observed = np.zeros(n, dtype=bool)
    last = off + np.arange(len(g)) * k + (k - 1)
    good[last] = good_s
    total[last] = has.astype(np.float64)
    observed[off:] = np.repeat(obs, k)
    return Events(ev.grid, good, total, observed, True)
