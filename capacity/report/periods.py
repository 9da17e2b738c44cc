"""Which stretch of history a report covers.

Quarters are calendar quarters in the platform's time zone (local midnights).
``"latest"`` is the latest quarter the history covers: a quarter counts as
covered when the history starts no later than its first day and ends less
than ``tolerance`` (default one day) before its end, since a UTC-dated export
may stop a few hours short of a local quarter end.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..core.errors import ConfigError
from ..core.windows import quarter as _quarter

__all__ = ["Period", "report_quarter"]


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

    def describe(self) -> str:
        """``2026Q3: 2026-07-01 to 2026-09-30 (America/New_York), data through 2026-09-30 20:00 EDT``."""
        s, e = self.start.tz_convert(self.tz), (self.end - pd.Timedelta(1, "ns")).tz_convert(self.tz)
        last = self.data_end.tz_convert(self.tz)
        return (f"{self.label}: {s:%Y-%m-%d} to {e:%Y-%m-%d} ({self.tz}), "
                f"data through {last:%Y-%m-%d %H:%M %Z}")


def _quarter_of(ts: pd.Timestamp, tz: str) -> str:
    local = ts.tz_convert(tz)
    return f"{local.year}Q{(local.month - 1) // 3 + 1}"


def _previous(label: str) -> str:
    y, q = int(label[:4]), int(label[-1])
    return f"{y - 1}Q4" if q == 1 else f"{y}Q{q - 1}"


def report_quarter(
    text: str, span: tuple[pd.Timestamp, pd.Timestamp] | None, tz: str, *,
    tolerance: pd.Timedelta = pd.Timedelta(days=1),
) -> Period:
    """Resolve ``"2026Q3"`` or ``"latest"`` against the history ``span`` (UTC start, end).

    ``span`` None (a server source) resolves ``"latest"`` impossible: name the quarter.
    A named quarter outside the history is a ConfigError naming it.
    """
    if str(text).strip().lower() == "latest":
        if span is None:
            raise ConfigError("quarter: 'latest' needs a source with a known span; name the quarter (e.g. 2026Q3)",
                              field="quarter")
        label = _quarter_of(span[1], tz)
        w = _quarter(label, tz)
        while w.end - tolerance > span[1] or w.start < span[0] - tolerance:
            if w.end < span[0]:
                raise ConfigError(f"quarter: the history {span[0]:%Y-%m-%d}..{span[1]:%Y-%m-%d} holds no full quarter",
                                  field="quarter")
            label = _previous(label)
            w = _quarter(label, tz)
    else:
        w = _quarter(str(text), tz)
    data_start, data_end = w.start, w.end
    if span is not None:
        if w.end <= span[0] or w.start >= span[1]:
            raise ConfigError(f"quarter: {w.label} lies outside the history {span[0]:%Y-%m-%d}..{span[1]:%Y-%m-%d}",
                              field="quarter")
        data_start, data_end = max(w.start, span[0]), min(w.end, span[1])
    return Period(w.label, w.start, w.end, data_start, data_end, tz)
