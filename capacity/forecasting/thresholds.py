"""The planning thresholds' series: what each threshold is checked on (each local day's worst value)
and its forecast. Pure: a canonical frame in, canonical frames out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..core import frame as _frame
from ..core.status import history_length
from .pipeline import auto_forecast
from .planning import THRESHOLD_NEEDS, worst_per_period
from .rules import Planning, load_rules

__all__ = ["daily_extreme", "threshold_forecasts", "threshold_history", "threshold_metrics"]


def threshold_metrics(rules: Planning | None = None) -> list[str]:
    """Catalog names the planning thresholds read (their metric and the series they are relative to)."""
    r = rules or load_rules()
    names = [t.metric for t in r.thresholds] + [t.relative_to for t in r.thresholds if t.relative_to]
    return list(dict.fromkeys(names))


def daily_extreme(
    frame: pd.DataFrame, metric: str, direction: str, *, name: str | None = None, tz: str = "UTC"
) -> pd.DataFrame:
    """The series a threshold is checked on: each day's max (min for ``direction="below"``) in ``tz``,
    without a partial last day: :func:`~.planning.worst_per_period`, the reduction
    :func:`~.planning.time_to_threshold` makes. ``name`` becomes the ``unique_id`` (default: the metric)."""
    return worst_per_period(frame[frame["unique_id"] == metric], direction, name=name or metric, tz=tz)


def threshold_history(frame: pd.DataFrame, rules: Any, *, tz: str = "UTC") -> pd.DataFrame:
    """One daily series per threshold rule (days of ``tz``), ``unique_id`` = the rule's name (canonical frame)."""
    parts = [
        daily_extreme(frame, t.metric, t.direction, name=t.name, tz=tz)
        for t in rules.thresholds
        if (frame["unique_id"] == t.metric).any()
    ]
    return _frame.concat(parts)


def threshold_forecasts(
    frame: pd.DataFrame,
    horizon: Any,
    rules: Any = None,
    *,
    bounds: Mapping[str, tuple[float | None, float | None]] | None = None,
    min_history: pd.Timedelta = THRESHOLD_NEEDS,
    tz: str = "UTC",
    **options: Any,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Forecast each threshold's daily series: ``(history, forecast, choice)`` keyed by rule name.

    ``bounds`` maps *metric* names to physical bounds (catalog ``lower``/``upper``). Series shorter
    than ``min_history`` are left out of all three, as :func:`~.planning.time_to_threshold` does not
    forecast them (three empty frames when none is long enough).
    """
    r = rules or load_rules()
    hist = threshold_history(frame, r, tz=tz)
    long_enough = [u for u, g in hist.groupby("unique_id", observed=True) if history_length(g["ds"]) >= min_history]
    hist = hist[hist["unique_id"].isin(long_enough)].reset_index(drop=True)
    if hist.empty:
        return hist, _frame.empty(), pd.DataFrame()
    by_rule = {t.name: (bounds or {}).get(t.metric) for t in r.thresholds}
    b = {k: v for k, v in by_rule.items() if v is not None} or None
    fc, choice = auto_forecast(hist, horizon, bounds=b, **options)
    return hist, fc, choice
