"""Windows of time: rolling (``30d`` ending at a time) and calendar (month,
quarter) in a chosen time zone. Calendar boundaries are local midnights, so a
month that crosses a daylight-saving change is 1 hour shorter or longer.

A window is the half-open interval ``(start, end]`` in UTC. This module is the
one place for the window grammar (:func:`parse_window`: ``30d``, ``2026-09``,
``2026Q3``), the time-zone check (:func:`check_tz`), quarter arithmetic and a
report's period (:func:`report_quarter`, ``"latest"``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from .errors import ConfigError
from .timeutil import TimeLike, format_duration, parse_duration, parse_time


@dataclass(frozen=True)
class Window:
    label: str
    start: pd.Timestamp
    end: pd.Timestamp
    kind: str  # rolling | month | quarter

    @property
    def length(self) -> pd.Timedelta:
        return self.end - self.start


_ONE_DAY = pd.Timedelta(days=1)
_MONTH_RE = re.compile(r"(\d{4})-(\d{2})")
_QUARTER_RE = re.compile(r"(\d{4})-?[Qq]([1-4])")


def check_tz(tz: str, *, field: str = "tz") -> str:
    """``tz`` when it is a time zone pandas knows, else a ConfigError naming ``field``."""
    try:
        pd.Timestamp("2026-01-01", tz=tz)
    except Exception as exc:  # noqa: BLE001 - pytz/zoneinfo raise different types
        raise ConfigError(
            f"{field}: unknown time zone {tz!r} (use an IANA name like America/New_York)", field=field.lstrip("-")
        ) from exc
    return str(tz)


def calendar_kind(text: str) -> str | None:
    """``"month"`` for ``2026-09``, ``"quarter"`` for ``2026Q3`` / ``2026-Q3``, None otherwise."""
    s = str(text).strip()
    if _MONTH_RE.fullmatch(s):
        return "month"
    if _QUARTER_RE.fullmatch(s):
        return "quarter"
    return None


def parse_window(text: str | pd.Timedelta, end: TimeLike | None, tz: str = "UTC") -> Window:
    """The window grammar: ``30d`` (rolling, ending at ``end``), ``2026-09`` (a month in ``tz``)
    or ``2026Q3`` (a quarter in ``tz``). ``end`` may be None for a month or a quarter only."""
    kind = calendar_kind(str(text)) if isinstance(text, str) else None
    if kind == "month":
        return month(str(text), tz)
    if kind == "quarter":
        return quarter(str(text), tz)
    if end is None:
        raise ConfigError(f"end: a rolling window ({text}) needs an end time", field="end")
    return rolling(text, end)


def quarter_of(ts: pd.Timestamp, tz: str) -> str:
    """The local quarter ``ts`` falls in: ``2026Q3``."""
    local = pd.Timestamp(ts).tz_convert(tz)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def month_of(ts: pd.Timestamp, tz: str) -> str:
    """The local month ``ts`` falls in: ``2026-09``."""
    local = pd.Timestamp(ts).tz_convert(tz)
    return f"{local.year:04d}-{local.month:02d}"


def previous_quarter(label: str) -> str:
    """``2026Q1`` -> ``2025Q4``."""
    w = quarter(label)
    return quarter_of(w.start - pd.Timedelta(days=1), "UTC")


def to_date(kind: str, end: pd.Timestamp, tz: str) -> Window:
    """The calendar ``kind`` (month or quarter) in ``tz`` that ``end`` closes, up to ``end``:
    ``2026-09 to date`` while the month runs, ``2026-09`` when ``end`` is its last instant."""
    last = pd.Timestamp(end) - pd.Timedelta(1)  # a window ending exactly at a boundary is the period before it
    w = month(month_of(last, tz), tz) if kind == "month" else quarter(quarter_of(last, tz), tz)
    return Window(f"{w.label} to date" if end < w.end else w.label, w.start, min(pd.Timestamp(end), w.end), w.kind)


def rolling(length: str | pd.Timedelta, end: TimeLike) -> Window:
    """The window of ``length`` ending at ``end``."""
    td = parse_duration(length, field="window")
    e = parse_time(end, field="end")
    return Window(f"{format_duration(td, weeks=False)} to {e.strftime('%Y-%m-%dT%H:%M:%SZ')}", e - td, e, "rolling")


def month(text: str, tz: str = "UTC") -> Window:
    """``'2026-10'``: local midnight of the 1st to local midnight of the next month's 1st."""
    check_tz(tz)
    m = _MONTH_RE.fullmatch(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ConfigError(f"month: cannot read {text!r} (expected YYYY-MM, e.g. 2026-10)", field="month")
    start = pd.Timestamp(year=int(m.group(1)), month=int(m.group(2)), day=1).tz_localize(tz)
    end = (start.tz_localize(None) + pd.offsets.MonthBegin(1)).tz_localize(tz)
    return Window(f"{m.group(1)}-{m.group(2)}", start.tz_convert("UTC"), end.tz_convert("UTC"), "month")


def quarter(text: str, tz: str = "UTC") -> Window:
    """``'2026Q3'`` (or ``2026-Q3``): local midnight of the quarter's first day to the next quarter's."""
    check_tz(tz)
    m = _QUARTER_RE.fullmatch(str(text).strip())
    if not m:
        raise ConfigError(f"quarter: cannot read {text!r} (expected YYYYQn, e.g. 2026Q3)", field="quarter")
    y, q = int(m.group(1)), int(m.group(2))
    start = pd.Timestamp(year=y, month=3 * q - 2, day=1).tz_localize(tz)
    end = (start.tz_localize(None) + pd.offsets.MonthBegin(3)).tz_localize(tz)
    return Window(f"{y}Q{q}", start.tz_convert("UTC"), end.tz_convert("UTC"), "quarter")


def calendar_windows(start: pd.Timestamp, end: pd.Timestamp, tz: str = "UTC", *, kind: str = "month") -> list[Window]:
    """Every whole month (or quarter) in ``tz`` lying inside ``(start, end]``."""
    check_tz(tz)
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


# -- a report's period ------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """A report's period: its label, its UTC bounds, and the bounds clipped to the data."""

    label: str
    start: pd.Timestamp
    end: pd.Timestamp
    data_start: pd.Timestamp
    data_end: pd.Timestamp
    tz: str

    @property
    def days(self) -> float:
        return (self.data_end - self.data_start) / pd.Timedelta(days=1)

    @property
    def partial(self) -> bool:
        """The data covers less than the whole period (by more than a day)."""
        return self.data_start - self.start > _ONE_DAY or self.end - self.data_end > _ONE_DAY

    def describe(self) -> str:
        """``2026Q3: 2026-07-01 to 2026-09-30 (America/New_York), data through 2026-09-30 20:00 EDT``;
        a partial period says where its data starts and that it is partial."""
        s, e = self.start.tz_convert(self.tz), (self.end - pd.Timedelta(1, "ns")).tz_convert(self.tz)
        first, last = self.data_start.tz_convert(self.tz), self.data_end.tz_convert(self.tz)
        text = f"{self.label}: {s:%Y-%m-%d} to {e:%Y-%m-%d} ({self.tz}), data "
        if self.partial:
            return text + f"from {first:%Y-%m-%d %H:%M} through {last:%Y-%m-%d %H:%M %Z} only (partial quarter)"
        return text + f"through {last:%Y-%m-%d %H:%M %Z}"


def report_quarter(
    text: str,
    span: tuple[pd.Timestamp, pd.Timestamp] | None,
    tz: str,
    *,
    tolerance: pd.Timedelta = _ONE_DAY,
) -> Period:
    """Resolve ``"2026Q3"`` or ``"latest"`` against the history ``span`` (UTC start, end).

    ``"latest"`` is the latest quarter the history covers whole (within ``tolerance`` at each end);
    a history shorter than any whole quarter gets the quarter in progress at its end, clipped to
    the data (:attr:`Period.partial`). ``span`` None (a server whose history could not be found)
    cannot resolve ``"latest"``: the error says which parameter to give. A named quarter outside
    the history is a ConfigError naming it.
    """
    if str(text).strip().lower() == "latest":
        if span is None:
            raise ConfigError(
                "quarter: 'latest' needs the span of the history, and the source holds no data for the "
                "report's queries; name the quarter (e.g. -p quarter=2026Q3)",
                field="quarter",
            )
        label = quarter_of(span[1], tz)
        w = quarter(label, tz)
        while w.end - tolerance > span[1] or w.start < span[0] - tolerance:
            if w.end < span[0]:  # no whole quarter: the one in progress at the end of the data
                w = quarter(quarter_of(span[1], tz), tz)
                break
            label = previous_quarter(label)
            w = quarter(label, tz)
    else:
        w = quarter(str(text), tz)
    data_start, data_end = w.start, w.end
    if span is not None:
        if w.end <= span[0] or w.start >= span[1]:
            raise ConfigError(
                f"quarter: {w.label} lies outside the history {span[0]:%Y-%m-%d}..{span[1]:%Y-%m-%d}", field="quarter"
            )
        data_start, data_end = max(w.start, span[0]), min(w.end, span[1])
    return Period(w.label, w.start, w.end, data_start, data_end, tz)
