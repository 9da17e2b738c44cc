"""Frequency and seasonal-period inference, and putting a series on a regular grid."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.errors import ForecastError
from ..core.timeutil import parse_duration

_HOUR = pd.Timedelta(hours=1)
_DAY = pd.Timedelta(days=1)
_WEEK = pd.Timedelta(days=7)

#: the longest seasonal period a model is asked to handle (longer cycles are dropped)
MAX_PERIOD = 1440


def infer_step(ds: pd.Series | pd.DatetimeIndex | np.ndarray, *, series: str = "") -> pd.Timedelta:
    """The sampling step: the most common gap between consecutive timestamps."""
    values = np.asarray(pd.DatetimeIndex(ds).as_unit("ns").asi8, dtype="int64")
    if len(values) < 2:
        raise ForecastError(f"series {series!r}: cannot infer a frequency from fewer than 2 timestamps", series=series)
    diffs = np.diff(np.sort(values))
    diffs = diffs[diffs > 0]
    if not len(diffs):
        raise ForecastError(f"series {series!r}: all timestamps are equal", series=series)
    uniq, counts = np.unique(diffs, return_counts=True)
    return pd.Timedelta(int(uniq[np.argmax(counts)]), unit="ns")


def seasonal_periods(step: pd.Timedelta, n: int) -> tuple[int, ...]:
    """Seasonal periods (in steps) worth modelling for data sampled every ``step``, given ``n`` points.

    Daily and weekly cycles for sub-daily data, weekly (and yearly from three years on) for daily data,
    yearly for weekly and monthly data;
    a cycle is kept only when at least two full cycles are in the history and it is at most MAX_PERIOD steps.
    """
    candidates: list[int] = []
    if step < _DAY:
        for cycle in (_DAY, _WEEK):
            if cycle % step == pd.Timedelta(0):
                candidates.append(int(cycle / step))
    elif step == _DAY:
        candidates.append(7)
        if n >= 3 * 365:  # a yearly cycle needs three years to be told apart from the trend
            candidates.append(365)
    elif step == _WEEK:
        candidates.append(52)
    elif pd.Timedelta(days=28) <= step <= pd.Timedelta(days=31):
        candidates.append(12)
    return tuple(p for p in candidates if 1 < p <= MAX_PERIOD and n >= 2 * p)


def horizon_steps(h: int | str | pd.Timedelta, step: pd.Timedelta) -> int:
    """A horizon given as a number of steps or a duration (``'90d'``), in steps (at least 1)."""
    if isinstance(h, (int, np.integer)) and not isinstance(h, bool):
        if h < 1:
            raise ForecastError(f"horizon must be at least 1 step, got {h}")
        return int(h)
    td = parse_duration(h, field="horizon")
    steps = int(td // step)
    if steps < 1:
        raise ForecastError(f"horizon {h} is shorter than the data's step {step}")
    return steps


@dataclass(frozen=True)
class Regular:
    """One series on a regular grid: ``y[i]`` is the value at ``start + i*step``."""

    unique_id: str
    start: pd.Timestamp
    step: pd.Timedelta
    y: np.ndarray
    filled: int  # how many grid points were missing or NaN and were interpolated

    def future(self, h: int) -> pd.DatetimeIndex:
        last = self.start + (len(self.y) - 1) * self.step
        return pd.date_range(last + self.step, periods=h, freq=self.step).as_unit("ns")

    def at(self, index: int) -> pd.Timestamp:
        return self.start + index * self.step


def regularize(unique_id: str, ds: pd.Series, y: pd.Series, step: pd.Timedelta | None = None) -> Regular:
    """Put one series on its regular grid; interpolate missing points (linearly, never at the ends)."""
    s = pd.Series(np.asarray(y, dtype="float64"), index=pd.DatetimeIndex(ds).as_unit("ns")).sort_index()
    s = s[~s.index.duplicated(keep="last")]
    s = s.iloc[int(np.argmax(s.notna().to_numpy())) :] if s.notna().any() else s
    if s.notna().sum() == 0:
        raise ForecastError(f"series {unique_id!r}: no values to forecast from", series=unique_id)
    s = s.loc[: s.last_valid_index()]
    step = step if step is not None else infer_step(pd.DatetimeIndex(s.index), series=unique_id)
    off_grid = ((s.index - s.index[0]) % step) != pd.Timedelta(0)
    if off_grid.any():
        # Snap to the grid (nearest point), averaging collisions, rather than refusing the data.
        snapped = s.index[0] + ((s.index - s.index[0]) / step).round().astype("int64") * step
        s = s.groupby(snapped).mean()
    grid = pd.date_range(s.index[0], s.index[-1], freq=step).as_unit("ns")
    r = s.reindex(grid)
    missing = int(r.isna().sum())
    if missing:
        r = r.interpolate(method="linear", limit_area="inside")
    return Regular(unique_id, grid[0], step, r.to_numpy(dtype="float64"), missing)
