"""Series primitives: canonical frames to arrays on a regular time grid.

Counter increases (reset-aware, summed over series), gauge matrices,
histogram bucket increases, in-bucket interpolation and Prometheus'
``histogram_quantile`` rule, label selection. Frames follow the canonical
contract (:mod:`capacity.frame`: sorted by ``unique_id``, ``ds``). Pure.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..metrics.histogram import histogram_quantile  # noqa: F401 - re-exported: the one implementation lives there
from ..metrics.promql import parse_selector

__all__ = [
    "Grid",
    "counter_increments",
    "gauge_matrix",
    "bucket_increments",
    "count_below",
    "histogram_quantile",
    "select",
]


@dataclass(frozen=True)
class Grid:
    start: pd.Timestamp
    step: pd.Timedelta
    n: int

    @staticmethod
    def between(start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta) -> Grid:
        """Grid from ``start`` to ``end`` inclusive (``start`` snapped down to the step)."""
        s = pd.Timestamp(start).tz_convert("UTC").floor(step)
        n = int((pd.Timestamp(end) - s) // step) + 1
        return Grid(s, step, max(n, 0))

    @property
    def times(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.n, freq=self.step)

    def index(self, ts: pd.Timestamp) -> int:
        """Index of the last grid point at or before ``ts`` (may be -1 or >= n)."""
        return int((pd.Timestamp(ts) - self.start) // self.step)

    def positions(self, ds: np.ndarray) -> np.ndarray:
        """Grid index of each timestamp (ns int64); timestamps between points go to the next point."""
        s = self.start.value
        st = self.step.value
        return -((s - ds) // st)  # ceil((ds - s) / st)


def _codes(frame: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    """Integer series codes (0..k-1, in order of first appearance) and series names."""
    uid = frame["unique_id"]
    if len(uid) == 0:
        return np.zeros(0, dtype=np.int64), []
    if isinstance(uid.dtype, pd.CategoricalDtype):
        raw = uid.cat.codes.to_numpy().astype(np.int64)
        change = np.flatnonzero(raw[1:] != raw[:-1]) + 1
        firsts = raw[np.r_[0, change]]
        if len(np.unique(firsts)) == len(firsts):  # one contiguous block per series (sorted frame)
            codes = np.zeros(len(raw), dtype=np.int64)
            codes[change] = 1
            return np.cumsum(codes), [str(uid.cat.categories[c]) for c in firsts]
        seen_codes, uniques = pd.factorize(raw, sort=False)
        return seen_codes.astype(np.int64), [str(uid.cat.categories[int(c)]) for c in uniques]
    first = uid.iloc[0]
    if first == uid.iloc[-1]:  # canonical frames are sorted by unique_id: one series (catalog gauges)
        return np.zeros(len(uid), dtype=np.int64), [str(first)]
    uid_codes, uid_uniques = pd.factorize(uid, sort=False)
    return np.asarray(uid_codes, dtype=np.int64), [str(u) for u in uid_uniques]


def _finite(codes: np.ndarray, ds: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Drop samples whose value is NaN (a source-reported NaN is no observation of a counter)."""
    bad = np.isnan(y)
    if bad.any():
        return codes[~bad], ds[~bad], y[~bad]
    return codes, ds, y


def _sorted(codes: np.ndarray, ds: np.ndarray, *more: np.ndarray) -> tuple[np.ndarray, ...]:
    """Order rows by (code, ds) unless they already are."""
    if len(codes) < 2 or ((np.diff(codes) >= 0).all() and ((np.diff(ds) > 0) | (codes[1:] != codes[:-1])).all()):
        return (codes, ds, *more)
    order = np.lexsort((ds, codes))
    return tuple(a[order] for a in (codes, ds, *more))


def counter_increments(frame: pd.DataFrame, grid: Grid) -> tuple[np.ndarray, np.ndarray]:
    """Per-step increase of the counters in ``frame`` summed over series, and
    whether any increment was observed at each step.

    Increments are taken between consecutive samples of one series; a drop is
    a counter reset and the new value is the increase (as Prometheus'
    ``increase``). A series' first sample contributes no increment.
    """
    inc = np.zeros(grid.n)
    seen = np.zeros(grid.n, dtype=bool)
    if not len(frame):
        return inc, seen
    codes, _ = _codes(frame)
    p, _, w = _step_increases(frame, codes, grid)
    inc += np.bincount(p, weights=w, minlength=grid.n)
    seen[p] = True
    return inc, seen


def _step_increases(frame: pd.DataFrame, codes: np.ndarray, grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each sample's increase over its series' previous sample (a drop is a counter reset: the new
    value is the increase), as (grid position, series code, increase) for samples on the grid,
    ordered by series then time. A series' first sample contributes nothing."""
    ds = frame["ds"].array.asi8
    y = frame["y"].to_numpy(dtype=np.float64)
    codes, ds, y = _sorted(*_finite(codes, ds, y))
    same = codes[1:] == codes[:-1]
    d = y[1:] - y[:-1]
    d = np.where(d < 0, y[1:], d)
    pos = grid.positions(ds[1:])
    keep = same & (pos >= 0) & (pos < grid.n)
    return pos[keep], codes[1:][keep], d[keep]


def gauge_matrix(frame: pd.DataFrame, grid: Grid) -> tuple[np.ndarray, list[str]]:
    """Values of each series on the grid (``NaN`` where the series has no sample): shape (n, series)."""
    codes, names = _codes(frame)
    out = np.full((grid.n, max(len(names), 0)), np.nan)
    if not len(frame):
        return out, names
    ds = frame["ds"].array.asi8
    pos = grid.positions(ds)
    keep = (pos >= 0) & (pos < grid.n)
    out[pos[keep], codes[keep]] = frame["y"].to_numpy(dtype=np.float64)[keep]
    return out, names


@lru_cache(maxsize=4096)
def _le_of(uid: str) -> float:
    sel = parse_selector(uid)
    le = None
    if sel is not None:
        le = next((m.value for m in sel.matchers if m.label == "le" and m.op == "="), None)
    if le is None:
        raise DataError(f"histogram series {uid!r} has no le label", series=uid)
    try:
        return float(le)
    except ValueError as exc:
        raise DataError(f"histogram series {uid!r} has a non-numeric le label {le!r}", series=uid) from exc


def bucket_increments(frame: pd.DataFrame, grid: Grid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-step bucket increases summed over series by ``le``: (bounds, counts (n, B), observed)."""
    if not len(frame):
        return np.array([math.inf]), np.zeros((grid.n, 1)), np.zeros(grid.n, dtype=bool)
    codes, names = _codes(frame)
    les = np.array([_le_of(u) for u in names])
    bounds = np.unique(les)
    if not np.isinf(bounds[-1]):
        raise DataError(f'histogram {names[0]!r}: no le="+Inf" bucket', series=names[0])
    col_of_code = np.searchsorted(bounds, les)
    counts = np.zeros((grid.n, len(bounds)), order="F")
    seen = np.zeros(grid.n, dtype=bool)
    p, c, w = _step_increases(frame, codes, grid)
    # rows are ordered by series: each series is one contiguous slice
    edges = np.searchsorted(c, np.arange(len(names) + 1))
    for code in range(len(names)):
        lo, hi = edges[code], edges[code + 1]
        if hi > lo:
            counts[:, col_of_code[code]] += np.bincount(p[lo:hi], weights=w[lo:hi], minlength=grid.n)
    seen[p] = True
    return bounds, counts, seen


def count_below(bounds: np.ndarray, counts: np.ndarray, threshold: float) -> np.ndarray:
    """Observations <= ``threshold`` per row, interpolating linearly inside the
    bucket that holds it (the assumption ``histogram_quantile`` makes)."""
    finite = bounds[np.isfinite(bounds)]
    j = int(np.searchsorted(bounds, threshold, side="left"))
    if j < len(bounds) and bounds[j] == threshold:
        return counts[:, j].copy()
    if j >= len(finite):  # above the largest finite bound
        return counts[:, len(finite) - 1].copy() if len(finite) else np.zeros(len(counts))
    hi, c_hi = bounds[j], counts[:, j]
    if j == 0:
        lo, c_lo = (0.0 if hi > 0 else hi), np.zeros(len(counts))
        if hi <= 0:
            return c_hi.copy()
    else:
        lo, c_lo = bounds[j - 1], counts[:, j - 1]
    below: np.ndarray = c_lo + (c_hi - c_lo) * (threshold - lo) / (hi - lo)
    return below


# --------------------------------------------------------------------------- SLI kinds


def select(frame: pd.DataFrame, labels: pd.DataFrame, query: str) -> pd.DataFrame:
    """The rows of ``frame`` whose series match the plain selector ``query`` (labels table by unique_id)."""
    sel = parse_selector(query)
    if sel is None:
        raise DataError(f"{query!r} is not a plain selector", series=query)
    cols = [c for c in labels.columns if c != "unique_id"]
    ids = [
        r["unique_id"]
        for r in labels.to_dict("records")
        if sel.matches({k: r[k] for k in cols if isinstance(r[k], str)})
    ]
    return frame[frame["unique_id"].isin(ids)]
