"""Small tidy summaries of a canonical frame for the report's tables.

Pure functions: canonical frame in, one row per series out. NaN where a
value cannot be computed (no sample in a stretch), never a sentinel.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..core import frame as _frame

__all__ = ["history_summary", "growth"]


def history_summary(frame: pd.DataFrame, units: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Per series: unit, samples, first and last time, min, mean, 95th percentile, max, last value.

    ``units`` maps unique ids to units (missing: empty string).
    """
    _frame.validate(frame, name="history_summary")
    rows = []
    for uid, part in frame.groupby("unique_id", sort=True):
        y = part["y"].to_numpy(dtype=float)
        finite = y[np.isfinite(y)]
        rows.append(
            {
                "series": str(uid),
                "unit": (units or {}).get(str(uid), ""),
                "samples": int(len(part)),
                "from": part["ds"].iloc[0],
                "to": part["ds"].iloc[-1],
                "min": _stat(np.min, finite),
                "mean": _stat(np.mean, finite),
                "p95": _stat(lambda a: np.quantile(a, 0.95), finite),
                "max": _stat(np.max, finite),
                "last": float(y[-1]) if y.size else np.nan,
            }
        )
    cols = ["series", "unit", "samples", "from", "to", "min", "mean", "p95", "max", "last"]
    return pd.DataFrame(rows, columns=cols)


def _stat(f: Callable[[np.ndarray], Any], finite: np.ndarray) -> float:
    """``f`` of the finite values, NaN when there are none."""
    return float(f(finite)) if finite.size else np.nan


_WEEK = pd.Timedelta(days=7)


def growth(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, *, edge: pd.Timedelta = _WEEK) -> pd.DataFrame:
    """Per series: median of the first and of the last ``edge`` of ``[start, end)``,
    the change between them, in percent, and scaled to a 91-day quarter
    (compound: ``(end/start) ** (91 d / elapsed) - 1``).

    Medians over a week wash out the daily and weekly cycles. ``pct`` is NaN when
    the start value is 0 or missing.
    """
    _frame.validate(frame, name="growth")
    rows = []
    for uid, part in frame.groupby("unique_id", sort=True):
        inside = part[(part["ds"] >= start) & (part["ds"] < end)]
        head = inside[inside["ds"] < start + edge]["y"]
        tail = inside[inside["ds"] >= end - edge]["y"]
        a = float(head.median()) if head.notna().any() else np.nan
        b = float(tail.median()) if tail.notna().any() else np.nan
        elapsed = (end - edge / 2) - (start + edge / 2)
        ratio = b / a if np.isfinite(a) and a != 0 and np.isfinite(b) else np.nan
        quarters = elapsed / pd.Timedelta(days=91)
        per_q = (ratio ** (1 / quarters) - 1) * 100 if np.isfinite(ratio) and ratio > 0 and quarters > 0 else np.nan
        rows.append(
            {
                "series": str(uid),
                "start_value": a,
                "end_value": b,
                "change": b - a,
                "pct": (ratio - 1) * 100 if np.isfinite(ratio) else np.nan,
                "pct_per_quarter": per_q,
            }
        )
    return pd.DataFrame(rows, columns=["series", "start_value", "end_value", "change", "pct", "pct_per_quarter"])
