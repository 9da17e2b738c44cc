"""Frequency and seasonal-period inference, and putting a series on a regular grid.

A step is either a fixed :class:`pandas.Timedelta` (sub-daily, daily, weekly data: ``start + i*step``)
or a :class:`CalendarStep` (monthly and quarterly data: calendar months, whose lengths vary from 28
to 31 days, so that no fixed step fits them).
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from typing import TypeAlias

import numpy as np
import pandas as pd

from ..core.errors import ForecastError
from ..core.timeutil import format_duration, parse_duration

_HOUR = pd.Timedelta(hours=1)
_DAY = pd.Timedelta(days=1)
_WEEK = pd.Timedelta(days=7)
#: the average calendar month (of the Gregorian 400-year cycle)
_MONTH = pd.Timedelta(days=365.2425 / 12)
#: the most common gap of monthly (quarterly) data, with an hour or a day of slack for DST or a late sample
_MONTHLY_GAPS = (pd.Timedelta(days=27), pd.Timedelta(days=32))
_QUARTERLY_GAPS = (pd.Timedelta(days=88), pd.Timedelta(days=93))
#: the share of timestamps that must fall on the calendar grid for a series to be taken as monthly/quarterly
#: (the others are snapped to it; a fixed 28- or 30-day step drifts through the month and has few on any day)
_ON_CALENDAR = 0.75

#: the longest seasonal period a model is asked to handle (longer cycles are dropped)
MAX_PERIOD = 1440


@dataclass(frozen=True)
class CalendarStep:
    """A step of ``months`` calendar months (1: monthly, 3: quarterly).

    The grid is absolute: its points are on day ``day`` of their month (0: the month's last day; a day
    past a month's end is its last day, so day 30 is February 28), in the months whose number since
    January counts ``phase`` modulo ``months`` (quarters from January, April, July, October: 0; ending
    in March, June, September, December: 2), at ``time`` after midnight (wall-clock time of the
    timestamps' zone; UTC for the canonical frame).
    """

    months: int = 1
    day: int = 1
    phase: int = 0
    time: pd.Timedelta = pd.Timedelta(0)

    def __post_init__(self) -> None:
        if self.months not in (1, 2, 3, 4, 6, 12):
            raise ForecastError(f"calendar step: months must divide a year, got {self.months}")
        if not 0 <= self.day <= 31:
            raise ForecastError(f"calendar step: day must be 1..31 or 0 (the last day), got {self.day}")
        if not 0 <= self.phase < self.months:
            raise ForecastError(f"calendar step: phase must be 0..{self.months - 1}, got {self.phase}")
        if not pd.Timedelta(0) <= self.time < _DAY:
            raise ForecastError(f"calendar step: time must be within a day, got {self.time}")
        if self.day == 31:  # the same grid as the last day: one spelling, so that equal steps compare equal
            object.__setattr__(self, "day", 0)

    @property
    def nominal(self) -> pd.Timedelta:
        """The step's average length (what a duration is divided by to count steps)."""
        return self.months * _MONTH

    def _naive(self, index: np.ndarray) -> np.ndarray:
        """The grid points ``index`` (grid point 0 is in January 1970, or the first month of the phase
        after it) as naive wall-clock datetime64[ns]."""
        month = self.phase + self.months * np.asarray(index, dtype="int64")
        first = month.astype("datetime64[M]").astype("datetime64[D]")
        length = ((month + 1).astype("datetime64[M]").astype("datetime64[D]") - first).astype("int64")
        day = length if self.day == 0 else np.minimum(self.day, length)
        dates = first + (day - 1).astype("timedelta64[D]")
        return dates.astype("datetime64[ns]") + np.timedelta64(int(self.time.value), "ns")

    def points(self, index: np.ndarray, tz: object = None) -> pd.DatetimeIndex:
        """The grid points ``index`` (integers), in ``tz`` (None: naive)."""
        idx = pd.DatetimeIndex(self._naive(index))
        return idx.tz_localize(tz) if tz is not None else idx  # type: ignore[arg-type]

    def nearest(self, ds: pd.DatetimeIndex) -> np.ndarray:
        """The index of the grid point nearest to each timestamp (int64)."""
        wall = _wall(ds)
        w = wall.as_unit("ns").asi8
        month = wall.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype("int64")
        j = (month - self.phase) // self.months  # the point in the timestamp's period, then its neighbours
        cands = j[None, :] + np.array([-1, 0, 1], dtype="int64")[:, None]
        times = self._naive(cands.ravel()).astype("int64").reshape(cands.shape)
        best = np.argmin(np.abs(times - w[None, :]), axis=0)
        return np.asarray(cands[best, np.arange(len(w))], dtype="int64")

    def __str__(self) -> str:
        unit = {1: "month", 3: "quarter", 12: "year"}.get(self.months, f"{self.months} months")
        text = f"calendar {unit} on {'the last day' if self.day == 0 else f'day {self.day}'}"
        if self.months > 1:
            text += " of " + "/".join(calendar.month_abbr[m + 1] for m in range(self.phase, 12, self.months))
        if self.time:
            text += f" at {self.time}"
        return text


#: the sampling step of a series: fixed, or calendar months
Step: TypeAlias = pd.Timedelta | CalendarStep

#: ``freq`` names of calendar steps (pandas' aliases)
CALENDAR_ALIASES: dict[str, CalendarStep] = {
    "MS": CalendarStep(1, day=1),
    "ME": CalendarStep(1, day=0),
    "QS": CalendarStep(3, day=1, phase=0),
    "QE": CalendarStep(3, day=0, phase=2),
}


def _wall(ds: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Naive wall-clock time (of the timestamps' own zone)."""
    return ds.tz_localize(None) if ds.tz is not None else ds


def _mode(values: np.ndarray) -> int:
    uniq, counts = np.unique(values, return_counts=True)
    return int(uniq[np.argmax(counts)])


def parse_step(freq: str | pd.Timedelta | CalendarStep, *, field: str = "freq") -> Step:
    """A step given as a duration (``'1h'``, ``'7d'``), a calendar alias (``'MS'``, ``'ME'``, ``'QS'``,
    ``'QE'``) or a :class:`CalendarStep`."""
    if isinstance(freq, CalendarStep):
        return freq
    if isinstance(freq, str) and freq.strip() in CALENDAR_ALIASES:
        return CALENDAR_ALIASES[freq.strip()]
    return parse_duration(freq, field=field)


def _calendar(ds: pd.DatetimeIndex, gap: pd.Timedelta) -> CalendarStep | None:
    """The calendar step of timestamps whose most common gap is ``gap``, if they are monthly or
    quarterly: on one day of the month (or the month's last day), one month (or one month of each
    quarter) apart. None otherwise."""
    if _MONTHLY_GAPS[0] <= gap <= _MONTHLY_GAPS[1]:
        months = 1
    elif _QUARTERLY_GAPS[0] <= gap <= _QUARTERLY_GAPS[1]:
        months = 3
    else:
        return None
    wall = _wall(ds.sort_values().unique())
    day = np.asarray(wall.day, dtype="int64")
    length = np.asarray(wall.days_in_month, dtype="int64")
    end = day == length
    if end.mean() > 0.5:
        anchor, on = 0, end
    else:
        anchor = _mode(day)
        on = day == np.minimum(anchor, length)
    month = wall.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype("int64")
    phase = _mode(month % months)
    on &= month % months == phase
    if on.mean() < _ON_CALENDAR:
        return None
    tod = (wall - wall.normalize()).as_unit("ns").asi8
    return CalendarStep(months, anchor, phase, pd.Timedelta(_mode(tod), unit="ns"))


def infer_step(ds: pd.Series | pd.DatetimeIndex | np.ndarray, *, series: str = "") -> Step:
    """The sampling step: the most common gap between consecutive timestamps, or calendar months
    (quarters) for timestamps on one day of each month (of each quarter), 28-31 (89-92) days apart."""
    idx = pd.DatetimeIndex(ds).as_unit("ns")
    values = np.asarray(idx.asi8, dtype="int64")
    if len(values) < 2:
        raise ForecastError(f"series {series!r}: cannot infer a frequency from fewer than 2 timestamps", series=series)
    diffs = np.diff(np.sort(values))
    diffs = diffs[diffs > 0]
    if not len(diffs):
        raise ForecastError(f"series {series!r}: all timestamps are equal", series=series)
    uniq, counts = np.unique(diffs, return_counts=True)
    gap = pd.Timedelta(int(uniq[np.argmax(counts)]), unit="ns")
    cal = _calendar(idx, gap)
    return cal if cal is not None else gap


def seasonal_periods(step: Step, n: int) -> tuple[int, ...]:
    """Seasonal periods (in steps) worth modelling for data sampled every ``step``, given ``n`` points.

    Daily and weekly cycles for sub-daily data, weekly (and yearly from three years on) for daily data,
    yearly for weekly, monthly (12) and quarterly (4) data;
    a cycle is kept only when at least two full cycles are in the history and it is at most MAX_PERIOD steps.
    """
    candidates: list[int] = []
    if isinstance(step, CalendarStep):
        candidates.append(12 // step.months)
    elif step < _DAY:
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


def horizon_steps(h: int | str | pd.Timedelta, step: Step) -> int:
    """A horizon given as a number of steps or a duration (``'90d'``), in steps (at least 1).

    A duration counts whole fixed steps; on calendar months it is rounded to the nearest number of
    average months (``'365d'`` is 12 months, ``'90d'`` 3, ``'365d'`` on quarterly data 4 quarters).
    """
    if isinstance(h, (int, np.integer)) and not isinstance(h, bool):
        if h < 1:
            raise ForecastError(f"horizon must be at least 1 step, got {h}")
        return int(h)
    td = parse_duration(h, field="horizon")
    if isinstance(step, CalendarStep):
        steps = int(np.floor(td / step.nominal + 0.5))
        if steps < 1:
            raise ForecastError(f"horizon {format_duration(td)} is less than half the data's step ({step})")
        return steps
    steps = int(td // step)
    if steps < 1:
        raise ForecastError(f"horizon {format_duration(td)} is shorter than the data's step {format_duration(step)}")
    return steps


@dataclass(frozen=True)
class Regular:
    """One series on a regular grid: ``y[i]`` is the value at ``at(i)`` (``start + i*step`` for a fixed step,
    ``i`` calendar months (quarters) after ``start`` for a :class:`CalendarStep`)."""

    unique_id: str
    start: pd.Timestamp
    step: Step
    y: np.ndarray
    filled: int  # how many grid points were missing or NaN and were interpolated
    infinite: int = 0  # how many of those were +-Inf samples (a model cannot learn from them)

    def dates(self, index: int, periods: int) -> pd.DatetimeIndex:
        """``periods`` grid timestamps from point ``index`` on."""
        if isinstance(self.step, CalendarStep):
            j0 = int(self.step.nearest(pd.DatetimeIndex([self.start]))[0]) + index
            return self.step.points(np.arange(j0, j0 + periods), self.start.tz).as_unit("ns")
        return pd.date_range(self.at(index), periods=periods, freq=self.step).as_unit("ns")

    def future(self, h: int) -> pd.DatetimeIndex:
        if isinstance(self.step, CalendarStep):
            return self.dates(len(self.y), h)
        last = self.start + (len(self.y) - 1) * self.step
        return pd.date_range(last + self.step, periods=h, freq=self.step).as_unit("ns")

    def at(self, index: int) -> pd.Timestamp:
        if isinstance(self.step, CalendarStep):
            return self.dates(index, 1)[0]
        return self.start + index * self.step


def regularize(unique_id: str, ds: pd.Series, y: pd.Series, step: Step | None = None) -> Regular:
    """Put one series on its regular grid; interpolate missing points (linearly, never at the ends)."""
    s = pd.Series(np.asarray(y, dtype="float64"), index=pd.DatetimeIndex(ds).as_unit("ns")).sort_index()
    s = s[~s.index.duplicated(keep="last")]
    infinite = np.isinf(s.to_numpy())
    if infinite.any():  # +-Inf (a ratio over 0, a quantile past the top bucket): missing to a model
        s = s.mask(infinite)
    reg = _regular(unique_id, s, step)
    if not infinite.any():
        return reg
    at = s.index[infinite]
    inside = (at >= reg.start) & (at <= reg.at(len(reg.y) - 1))  # (the ends are trimmed, not filled)
    return replace(reg, infinite=int(inside.sum()))


def _regular(unique_id: str, s: pd.Series, step: Step | None) -> Regular:
    s = s.iloc[int(np.argmax(s.notna().to_numpy())) :] if s.notna().any() else s
    if s.notna().sum() == 0:
        raise ForecastError(f"series {unique_id!r}: no values to forecast from", series=unique_id)
    s = s.loc[: s.last_valid_index()]
    step = step if step is not None else infer_step(pd.DatetimeIndex(s.index), series=unique_id)
    if isinstance(step, CalendarStep):
        return _regularize_calendar(unique_id, s, step)
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


def _regularize_calendar(unique_id: str, s: pd.Series, step: CalendarStep) -> Regular:
    """``regularize`` on calendar months: each point goes to the nearest grid point (a collision, as two
    samples in one month, is averaged)."""
    idx = pd.DatetimeIndex(s.index)
    j = step.nearest(idx)
    by_point = pd.Series(s.to_numpy(dtype="float64"), index=j).groupby(level=0).mean()
    grid_index = np.arange(int(j.min()), int(j.max()) + 1, dtype="int64")
    r = by_point.reindex(grid_index)
    missing = int(r.isna().sum())
    if missing:
        r = r.interpolate(method="linear", limit_area="inside")
    grid = step.points(grid_index, idx.tz).as_unit("ns")
    return Regular(unique_id, grid[0], step, r.to_numpy(dtype="float64"), missing)
