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

from .windows import period_label

EPISODE_COLUMNS = (
    "alert", "series", "priority", "severity", "pending_since", "start", "end", "duration_seconds",
    "peak", "ongoing", "clipped",
)

_OPS = {
    ">": np.greater, ">=": np.greater_equal, "<": np.less, "<=": np.less_equal, "==": np.equal, "!=": np.not_equal,
}


def condition(values: np.ndarray, op: str, threshold: float) -> np.ndarray:
    """``values op threshold`` with NaN (no sample) never holding."""
    with np.errstate(invalid="ignore"):
        return _OPS[op](values, threshold) & ~np.isnan(values)


def runs(cond: np.ndarray) -> list[tuple[int, int]]:
    """Maximal runs of True as (first index, last index + 1)."""
    c = np.concatenate(([False], np.asarray(cond, dtype=bool), [False]))
    d = np.diff(c.astype(np.int8))
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1)
    return list(zip(starts.tolist(), ends.tolist()))


def episodes(
    times: pd.DatetimeIndex,
    cond: np.ndarray,
    values: np.ndarray | None,
    for_: pd.Timedelta,
    *,
    peak: str = "max",
    score_from: pd.Timestamp | None = None,
) -> list[dict[str, object]]:
    """Firing episodes of one series on an evaluation grid ``times`` (regular step)."""
    if len(times) == 0:
        return []
    step = times[1] - times[0] if len(times) > 1 else pd.Timedelta(minutes=1)
    k = int(np.ceil(for_ / step)) if for_ > pd.Timedelta(0) else 0
    out = []
    for a, b in runs(cond):
        f = a + k
        if f >= b:
            continue  # resolved while pending
        start = times[f]
        ongoing = b == len(times)
        end = times[b] if not ongoing else times[-1] + step
        clipped = False
        if score_from is not None and start < score_from:
            if end <= score_from:
                continue
            clipped = True
        seg = values[f:b] if values is not None else None
        pk = (np.nanmax(seg) if peak == "max" else np.nanmin(seg)) if seg is not None and len(seg) else np.nan
        out.append({
            "pending_since": times[a],
            "start": start,
            "end": end,
            "duration_seconds": (end - start).total_seconds(),
            "peak": float(pk),
            "ongoing": ongoing,
            "clipped": clipped,
        })
    return out


def episode_frame(rows: Sequence[dict[str, object]]) -> pd.DataFrame:
    out = pd.DataFrame(list(rows), columns=list(EPISODE_COLUMNS))
    for c in ("pending_since", "start", "end"):
        out[c] = pd.to_datetime(out[c], utc=True)
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
