"""Compliance windows: rolling (``30d`` ending at a time) and calendar (month,
quarter) in a chosen time zone. Calendar boundaries are local midnights, so a
month that crosses a daylight-saving change is 1 hour shorter or longer.

A window is the half-open interval ``(start, end]`` in UTC.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .errors import ConfigError
from .timeutil import format_duration, parse_duration, parse_time


@dataclass(frozen=True)
class Window:
    label: str
    start: pd.Timestamp
    end: pd.Timestamp
    kind: str  # rolling | month | quarter

    @property
    def length(self) -> pd.Timedelta:
        return self.end - self.start


def _check_tz(tz: str) -> str:
    try:
        pd.Timestamp("2026-01-01", tz=tz)
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(f"tz: unknown time zone {tz!r} (use an IANA name like America/New_York)", field="tz") from exc
    return tz


def rolling(length: str | pd.Timedelta, end: object) -> Window:
    """The window of ``length`` ending at ``end``."""
    td = parse_duration(length, field="window")
    e = parse_time(end, field="end")
    return Window(f"{format_duration(td, weeks=False)} to {e.strftime('%Y-%m-%dT%H:%M:%SZ')}", e - td, e, "rolling")


def month(text: str, tz: str = "UTC") -> Window:
    """``'2026-10'``: local midnight of the 1st to local midnight of the next month's 1st."""
    _check_tz(tz)
    m = re.fullmatch(r"(\d{4})-(\d{2})", str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ConfigError(f"month: cannot read {text!r} (expected YYYY-MM, e.g. 2026-10)", field="month")
    start = pd.Timestamp(year=int(m.group(1)), month=int(m.group(2)), day=1).tz_localize(tz)
    end = (start.tz_localize(None) + pd.offsets.MonthBegin(1)).tz_localize(tz)
    return Window(f"{m.group(1)}-{m.group(2)}", start.tz_convert("UTC"), end.tz_convert("UTC"), "month")


def quarter(text: str, tz: str = "UTC") -> Window:
    """``'2026Q3'`` (or ``2026-Q3``): local midnight of the quarter's first day to the next quarter's."""
    _check_tz(tz)
    m = re.fullmatch(r"(\d{4})-?[Qq]([1-4])", str(text).strip())
    if not m:
        raise ConfigError(f"quarter: cannot read {text!r} (expected YYYYQn, e.g. 2026Q3)", field="quarter")
    y, q = int(m.group(1)), int(m.group(2))
    start = pd.Timestamp(year=y, month=3 * q - 2, day=1).tz_localize(tz)
    end = (start.tz_localize(None) + pd.offsets.MonthBegin(3)).tz_localize(tz)
    return Window(f"{y}Q{q}", start.tz_convert("UTC"), end.tz_convert("UTC"), "quarter")


def calendar_windows(start: pd.Timestamp, end: pd.Timestamp, tz: str = "UTC", *, kind: str = "month") -> list[Window]:
    """Every whole month (or quarter) in ``tz`` lying inside ``(start, end]``."""
    _check_tz(tz)
    out = []
    local = pd.Timestamp(start).tz_convert(tz)
    y, mth = local.year, local.month
    if kind == "quarter":
        mth = 3 * ((mth - 1) // 3) + 1
    while True:
        w = month(f"{y:04d}-{mth:02d}", tz) if kind == "month" else quarter(f"{y}Q{(mth - 1) // 3 + 1}", tz)
        if w.start > end:
            break
        if w.start >= start and w.end <= end:
            out.append(w)
        mth += 1 if kind == "month" else 3
        if mth > 12:
            y, mth = y + 1, mth - 12
    return out


def period_label(ts: pd.Series, tz: str, kind: str) -> pd.Series:
    """Label each UTC timestamp with its local month (``2026-09``) or quarter (``2026Q3``)."""
    local = pd.DatetimeIndex(ts).tz_convert(tz)
    if kind == "month":
        return pd.Series([f"{t.year:04d}-{t.month:02d}" for t in local], index=getattr(ts, "index", None))
    return pd.Series([f"{t.year}Q{(t.month - 1) // 3 + 1}" for t in local], index=getattr(ts, "index", None))
