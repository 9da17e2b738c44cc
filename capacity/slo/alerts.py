"""Alert replay with Prometheus' ``for:`` semantics.

Rules are evaluated on a regular evaluation grid. At each evaluation the
condition holds or not (no sample = does not hold, as an empty query result).
A run of consecutive evaluations where it holds starts *pending* at its first
evaluation ``a``; the alert *fires* at the first evaluation ``t`` with
``t - a >= for`` and resolves at the first evaluation where the condition no
longer holds. An episode is reported from its first firing evaluation to its
resolution (``end``); one still firing at the end of the data has
``ongoing=True`` and ends one step after the last evaluation.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..core.windows import period_label

EPISODE_COLUMNS = (
    "alert",
    "series",
    "priority",
    "severity",
    "pending_since",
    "start",
    "end",
    "duration_seconds",
    "peak",
    "ongoing",
    "clipped",
)

_OPS = {
    ">": np.greater,
    ">=": np.greater_equal,
    "<": np.less,
    "<=": np.less_equal,
    "==": np.equal,
    "!=": np.not_equal,
}


def condition(values: np.ndarray, op: str, threshold: float) -> np.ndarray:
    """``values op threshold`` with NaN (no sample) never holding."""
    with np.errstate(invalid="ignore"):
        held: np.ndarray = _OPS[op](values, threshold) & ~np.isnan(values)
    return held


def runs(cond: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximal runs of True: arrays of first indexes and (last index + 1)."""
    c = np.concatenate(([False], np.asarray(cond, dtype=bool), [False]))
    d = np.diff(c.astype(np.int8))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


_EP_COLS = ("pending_since", "start", "end", "duration_seconds", "peak", "ongoing", "clipped")


def episodes(
    times: pd.DatetimeIndex,
    cond: np.ndarray,
    values: np.ndarray | None,
    for_: pd.Timedelta,
    *,
    peak: str = "max",
    score_from: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Firing episodes of one series on an evaluation grid ``times`` (regular step).

    Columns: pending_since, start, end (UTC), duration_seconds, peak, ongoing, clipped.
    """
    n = len(times)
    if n == 0:
        return pd.DataFrame({c: [] for c in _EP_COLS})
    t = times.as_unit("ns").asi8
    step = int(t[1] - t[0]) if n > 1 else pd.Timedelta(minutes=1).value
    k = int(np.ceil(for_.value / step)) if for_ > pd.Timedelta(0) else 0
    a, b = runs(cond)
    f = a + k
    keep = f < b  # resolved while pending otherwise
    a, b, f = a[keep], b[keep], f[keep]
    ongoing = b == n
    start = t[f]
    end = np.where(ongoing, t[-1] + step, t[np.minimum(b, n - 1)])
    clipped = np.zeros(len(f), dtype=bool)
    if score_from is not None:
        sf = pd.Timestamp(score_from).value
        live = end > sf
        a, b, f, ongoing, start, end = a[live], b[live], f[live], ongoing[live], start[live], end[live]
        clipped = start < sf
    if values is not None and len(f):
        fill = -np.inf if peak == "max" else np.inf
        pk = _seg_extreme(np.where(np.isnan(values), fill, values), f, b, peak)
        pk = np.where(np.isinf(pk), np.nan, pk)
    else:
        pk = np.full(len(f), np.nan)
    utc = "datetime64[ns, UTC]"
    return pd.DataFrame(
        {
            "pending_since": pd.to_datetime(t[a], utc=True).astype(utc),
            "start": pd.to_datetime(start, utc=True).astype(utc),
            "end": pd.to_datetime(end, utc=True).astype(utc),
            "duration_seconds": (end - start) / 1e9,
            "peak": pk.astype(np.float64),
            "ongoing": ongoing,
            "clipped": clipped,
        }
    )


def _seg_extreme(v: np.ndarray, f: np.ndarray, b: np.ndarray, peak: str) -> np.ndarray:
    """Max (or min) of v[f_i:b_i] for disjoint ascending segments, vectorised."""
    v = np.r_[v, v[-1]]  # a sentinel so that a segment may end at len(v)
    idx = np.c_[f, b].ravel()
    red = np.maximum.reduceat(v, idx) if peak == "max" else np.minimum.reduceat(v, idx)
    return red[0::2]


def episode_frame(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        out = pd.DataFrame({c: [] for c in EPISODE_COLUMNS})
        for c in ("pending_since", "start", "end"):
            out[c] = pd.to_datetime(out[c], utc=True)
        return out
    out = pd.concat(parts, ignore_index=True)[list(EPISODE_COLUMNS)]
    return out.sort_values(["start", "alert", "series"], kind="stable").reset_index(drop=True)


def summarize(episodes_: pd.DataFrame, tz: str = "UTC", by: str = "month") -> pd.DataFrame:
    """Episode counts and time firing per calendar month or quarter (in ``tz``), by priority and alert.

    An episode belongs to the period in which it started firing.
    """
    cols = ["period", "priority", "alert", "episodes", "firing_seconds"]
    if not len(episodes_):
        return pd.DataFrame(columns=cols)
    e = episodes_.assign(period=period_label(episodes_["start"], tz, by).to_numpy())
    g = e.groupby(["period", "priority", "alert"], sort=True)
    out = g.agg(episodes=("start", "size"), firing_seconds=("duration_seconds", "sum")).reset_index()
    return out[cols]
