"""How tables show values (reports and the CLI): one unit-aware presentation layer, display only.

The frames behind a table keep full precision; these functions turn single
values into text at the last moment, so rounding never happens before a
threshold check. Conventions:

- bytes in **SI decimal** units (1 kB = 1000 B, 1 GB = 10^9 B), four
  significant digits: ``199.4 GB``; the charts' byte axes use the same SI
  prefixes (:func:`capacity.report.style.unit_axis`);
- ratios (0..1) as percentages, never ``100%`` for a share strictly below 1
  (``>99.99%``) nor ``0%`` for one strictly above 0; growth signed: ``+64.5%``;
- durations as ``1d 2h 16m`` (the three largest units); counts with thousands
  separators; other numbers to four significant digits, never ``1.994e+11``;
- times in the report's time zone with its abbreviation (``2026-09-03 11:06
  EDT``), dates alone when every time of a column is a local midnight;
- booleans of an objective as ``✓ met`` / ``✗ missed`` (symbol and word, so
  they read without colour);
- a missing value (NaN, None, NaT) as ``–``.

A column is shown by a :class:`Col`: its header and a *kind* (a name in
:data:`KINDS`), optionally a unit. :data:`COLUMNS` holds the specs of the
column names the report frames use; a name whose meaning depends on the table
has its spec in that table's set instead (:data:`ALERT_EPISODES`,
:data:`BURN_EPISODES`: ``peak`` is a value in the metric's unit in one, a burn
rate in the other); :func:`infer` falls back on the dtype.

The same specs drive the HTML tables (:func:`format_frame`) and the CLI's
plain-text tables (:mod:`capacity.present.text`), which keep the CLI's own
spelling: blank when missing, ``+Inf``/``-Inf``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypedDict

import numpy as np
import pandas as pd

__all__ = [
    "MISSING",
    "TableOptions",
    "Col",
    "COLUMNS",
    "KINDS",
    "is_missing",
    "number",
    "count",
    "bytes_si",
    "percent",
    "growth",
    "duration",
    "multiple",
    "in_unit",
    "timestamp",
    "met",
    "yes_no",
    "infer",
    "format_frame",
    "Formatted",
    "ALERT_EPISODES",
    "BURN_EPISODES",
    "cells",
]

MISSING = "–"
_SI = ("", "k", "M", "G", "T", "P", "E")


def is_missing(v: Any) -> bool:
    """None, pandas NA/NaT or a float NaN."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    return isinstance(v, (float, np.floating)) and math.isnan(float(v))


def _inf(f: float) -> str | None:
    return ("∞" if f > 0 else "−∞") if math.isinf(f) else None


def _sig(f: float, digits: int = 4) -> str:
    """``f`` to ``digits`` significant digits, with thousands separators and without exponent
    for |f| >= 1e-3 (integers of 1,000 and more are shown whole)."""
    if f == 0:
        return "0"
    a = abs(f)
    if a >= 10**digits:
        return f"{f:,.0f}"
    if a < 1e-3:
        return f"{f:.{digits - 1}e}"
    decimals = max(0, digits - 1 - math.floor(math.log10(a)))
    text = f"{f:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def number(v: Any, digits: int = 4) -> str:
    """A plain number to ``digits`` significant digits: ``0.1387``, ``86.81``, ``12,345``."""
    if is_missing(v):
        return MISSING
    f = float(v)
    return _inf(f) or _sig(f, digits)


def count(v: Any) -> str:
    """A count to the unit with thousands separators: ``2,217,179``."""
    if is_missing(v):
        return MISSING
    f = float(v)
    return _inf(f) or f"{f:,.0f}"


def bytes_si(v: Any, suffix: str = "B") -> str:
    """Bytes with SI decimal prefixes, four significant digits: ``199.4 GB``, ``4.442 TB``, ``512 B``."""
    if is_missing(v):
        return MISSING
    f = float(v)
    if (s := _inf(f)) is not None:
        return s
    i = 0
    a = abs(f)
    while a >= 999.95 and i < len(_SI) - 1:
        a /= 1000.0
        i += 1
    if i and float(_sig(a).replace(",", "")) >= 1000 and i < len(_SI) - 1:  # 999.96 kB rounds to 1 MB
        a /= 1000.0
        i += 1
    return ("-" if f < 0 else "") + f"{_sig(a)} {_SI[i]}{suffix}"


def percent(v: Any, digits: int = 1, *, signed: bool = False, trim: bool = False) -> str:
    """A ratio (0.9968) as a percentage with ``digits`` decimals: ``99.7%``.

    A ratio strictly between 0 and 1 never shows as ``0%`` or ``100%`` (``<0.1%``, ``>99.9%``);
    ``signed`` prefixes ``+`` to positive values (growth), ``trim`` drops trailing zeros.
    """
    if is_missing(v):
        return MISSING
    f = float(v) * 100.0
    if (s := _inf(f)) is not None:
        return s
    smallest = 10.0**-digits
    if not signed:
        if 0 < f < smallest / 2:
            return f"<{smallest:.{digits}f}%"
        if 100 - smallest / 2 <= f < 100:
            return f">{100 - smallest:.{digits}f}%"
    text = f"{f:,.{digits}f}"
    if trim and "." in text:
        text = text.rstrip("0").rstrip(".")
    if text.lstrip("-").strip("0.,") == "":
        text = text.lstrip("-")  # no "-0.0%"
    elif signed and f > 0:
        text = "+" + text
    return text + "%"


def growth(v: Any, digits: int = 1) -> str:
    """A relative change (0.6447) signed: ``+64.5%``, ``-3.0%``."""
    return percent(v, digits, signed=True)


def duration(seconds: Any) -> str:
    """Seconds as ``45s``, ``22m``, ``1h 5m``, ``1d 2h 16m``: the three largest units from the first
    non-zero one, trailing zero units dropped (rounded to the second)."""
    if is_missing(seconds):
        return MISSING
    total = float(seconds)
    if (s := _inf(total)) is not None:
        return s
    sign, rest = ("-" if total < 0 else ""), int(round(abs(total)))
    parts: list[tuple[int, str]] = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        q, rest = divmod(rest, size)
        if parts or q:
            parts.append((q, unit))
    shown = parts[:3]
    while len(shown) > 1 and shown[-1][0] == 0:
        shown.pop()
    return sign + (" ".join(f"{q}{u}" for q, u in shown) if shown else "0s")


def multiple(v: Any, digits: int = 3) -> str:
    """A factor: ``2.67×``."""
    return MISSING if is_missing(v) else number(v, digits) + "×"


def in_unit(v: Any, unit: str | None, *, compact: bool = False) -> str:
    """A measurement in a catalog unit (:attr:`capacity.catalog.Metric.unit`).

    ``bytes`` -> SI bytes, ``bytes/s`` -> ``12.3 MB/s``, ``ratio`` -> percent, ``seconds`` ->
    ``250 ms`` / ``1.5 s`` below a minute and a duration above, ``boolean`` -> ``yes``/``no``,
    ``1/s`` -> ``86.81 /s``, ``×`` (a factor such as a burn rate) -> ``2.67×``, anything else ->
    number and unit (``206,800 users``). ``compact`` (the CLI's tables) writes sub-minute seconds
    and rates to three digits without a space (``2.17s``, ``0.573/s``), and booleans and other
    units as the bare number.
    """
    if is_missing(v):
        return MISSING
    u = (unit or "").strip()
    if u == "bytes":
        return bytes_si(v)
    if u == "bytes/s":
        return bytes_si(v, "B/s")
    if u == "ratio":
        return percent(v, 1)
    if u == "seconds":
        f = float(v)
        if compact and abs(f) < 60:
            return _inf(f) or f"{_sig(f, 3)}s"
        if abs(f) < 1:
            return f"{_sig(f * 1000, 3)} ms"
        return f"{_sig(f, 3)} s" if abs(f) < 60 else duration(f)
    if compact and u not in ("1/s", "×"):
        return number(v)
    if u == "boolean":
        return yes_no(v)
    if u == "1/s":
        return f"{number(v, 3)}/s" if compact else f"{number(v)} /s"
    if u == "×":
        return multiple(v)
    return f"{number(v)} {u}" if u else number(v)


def timestamp(v: Any, tz: str = "UTC", *, date_only: bool = False) -> str:
    """A time in ``tz`` with the zone's abbreviation (``2026-09-03 11:06 EDT``), or the local date."""
    if is_missing(v):
        return MISSING
    t = pd.Timestamp(v)
    t = (t.tz_localize("UTC") if t.tzinfo is None else t).tz_convert(tz)
    return f"{t:%Y-%m-%d}" if date_only else f"{t:%Y-%m-%d %H:%M} {t.tzname()}"


def met(v: Any) -> str:
    """Whether an objective was met, readable without colour: ``✓ met`` / ``✗ missed``."""
    if is_missing(v):
        return MISSING
    return "✓ met" if bool(v) else "✗ missed"


def yes_no(v: Any) -> str:
    """A boolean as ``yes`` / ``no``."""
    return MISSING if is_missing(v) else ("yes" if bool(v) else "no")


def _text(v: Any) -> str:
    return MISSING if is_missing(v) else str(v)


@dataclass(frozen=True)
class Col:
    """How one column is shown.

    ``kind`` names a formatter in :data:`KINDS`. For kind ``"measure"`` the unit is ``unit``, else
    the row's value of column ``unit_col``, else ``units[row[unit_key]]`` (``units`` given to
    :func:`format_frame`: e.g. series name -> catalog unit).
    """

    header: str
    kind: str = "auto"
    digits: int | None = None
    unit: str | None = None
    unit_col: str | None = None
    unit_key: str | None = None


def _digits(f: Callable[..., str], default: int) -> Callable[[Any, int | None], str]:
    return lambda v, d: f(v, default if d is None else d)


#: kind -> (formatter(value, digits), right-aligned)
KINDS: dict[str, tuple[Callable[[Any, int | None], str], bool]] = {
    "text": (lambda v, d: _text(v), False),
    "number": (_digits(number, 4), True),
    "count": (lambda v, d: count(v), True),
    "bytes": (lambda v, d: bytes_si(v), True),
    "ratio": (_digits(lambda v, d: percent(v, d), 1), True),
    "ratio_trim": (_digits(lambda v, d: percent(v, d, trim=True), 2), True),
    "growth": (_digits(growth, 1), True),
    "growth_pct": (_digits(lambda v, d: growth(float(v) / 100 if not is_missing(v) else v, d), 1), True),
    "seconds": (lambda v, d: duration(v), True),
    "minutes": (lambda v, d: duration(float(v) * 60 if not is_missing(v) else v), True),
    "multiple": (_digits(multiple, 3), True),
    "met": (lambda v, d: met(v), False),
    "bool": (lambda v, d: yes_no(v), False),
}

#: the report frames' column names
COLUMNS: dict[str, Col] = {
    # SLO compliance (capacity.slo.engine.compliance)
    "slo": Col("SLO", "text"),
    "sli_kind": Col("SLI", "text"),
    "window": Col("Window", "text"),
    "objective": Col("Objective", "ratio_trim", 2),
    "compliance": Col("Compliance", "ratio", 2),
    "met": Col("Result", "met"),
    "budget_consumed": Col("Budget used", "ratio", 1),
    "budget_remaining": Col("Budget left", "ratio", 1),
    "bad": Col("Bad", "count"),
    "allowed_bad": Col("Bad allowed", "count"),
    "good": Col("Good", "count"),
    "total": Col("Total", "count"),
    "unit": Col("Unit", "text"),
    "coverage": Col("Data coverage", "ratio", 2),
    # alerts, episodes, incidents
    "period": Col("Period", "text"),
    "priority": Col("Priority", "text"),
    "alert": Col("Alert", "text"),
    "alerts": Col("Alerts", "text"),
    "severity": Col("Severity", "text"),
    "episodes": Col("Episodes", "count"),
    "firing_seconds": Col("Time firing", "seconds"),
    "duration_seconds": Col("Duration", "seconds"),
    "minutes": Col("Duration", "minutes"),
    "start": Col("Start", "time"),
    "end": Col("End", "time"),
    "series": Col("Series", "text"),
    # history and growth (capacity.report.digest)
    "samples": Col("Samples", "count"),
    "from": Col("From", "time"),
    "to": Col("To", "time"),
    "min": Col("Min", "measure", unit_col="unit"),
    "mean": Col("Mean", "measure", unit_col="unit"),
    "p95": Col("95th pct", "measure", unit_col="unit"),
    "max": Col("Max", "measure", unit_col="unit"),
    "last": Col("Last", "measure", unit_col="unit", unit_key="metric"),
    "start_value": Col("First week", "measure", unit_key="series"),
    "end_value": Col("Last week", "measure", unit_key="series"),
    "change": Col("Change", "measure", unit_key="series"),
    "pct": Col("Growth", "growth_pct"),
    "pct_per_quarter": Col("Growth per 91 days", "growth_pct"),
    # planning (capacity.forecast.planning)
    "text": Col("Rule", "text"),
    "status": Col("Status", "text"),
    "level": Col("Threshold", "measure", unit_key="metric"),
    "earliest": Col("Earliest (95%)", "date"),
    "most_likely": Col("Most likely", "date"),
    "latest": Col("Latest (95%)", "date"),
    "model": Col("Model", "text"),
    "metric": Col("Metric", "text"),
    "growth": Col("Forecast growth", "growth"),
    "growth_lo_95": Col("95% low", "growth"),
    "growth_hi_95": Col("95% high", "growth"),
    "growth_lo_80": Col("80% low", "growth"),
    "growth_hi_80": Col("80% high", "growth"),
    "past_growth": Col("Past growth", "growth"),
    "plan": Col("Plan", "growth", 0),
    "p_exceed": Col("P(over plan or capacity)", "ratio", 0),
    "verdict": Col("Verdict", "text"),
    # methodology (capacity.report.forecast_views.methodology)
    "mase": Col("MASE", "number", 3),
    "seasonal_naive_mase": Col("MASE of seasonal naive", "number", 3),
    "skill": Col("Skill vs seasonal naive", "growth", 1),
    "coverage_80": Col("Inside 80% interval", "ratio", 0),
    "coverage_95": Col("Inside 95% interval", "ratio", 0),
    "calibration_80": Col("Interval scaled by", "multiple", 2),
    "windows": Col("Backtest windows", "count"),
    # catalog
    "name": Col("Name", "text"),
    "group": Col("Group", "text"),
    "kind": Col("Kind", "text"),
    "description": Col("Description", "text"),
    "action": Col("Action", "text"),
    "reason": Col("Why", "text"),
    "by": Col("By", "date"),
}


#: alert episodes (capacity.slo.alerts.replay): ``peak`` in the unit of each alert's metric, given to
#: :func:`format_frame` as ``units`` (alert name -> catalog unit; ``×`` for a burn-rate alert's rows)
ALERT_EPISODES: dict[str, Col] = {
    "pending_since": Col("Pending since", "time"),
    "duration_seconds": Col("Duration", "seconds"),
    "peak": Col("Peak value", "measure", unit_key="alert"),
    "ongoing": Col("Ongoing", "bool"),
    "clipped": Col("Clipped", "bool"),
}

#: burn-rate alert episodes (capacity.slo.engine.replay_burn_alerts): ``peak`` is the long window's burn rate
BURN_EPISODES: dict[str, Col] = {**ALERT_EPISODES, "peak": Col("Peak burn rate", "multiple")}


def _header(name: object) -> str:
    text = str(name).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def infer(name: object, dtype: Any) -> Col:
    """The spec for a column: :data:`COLUMNS` by name, else from the dtype (times, booleans, integers
    as counts, floats as numbers, anything else as text), headed by the name in words."""
    if isinstance(name, str) and name in COLUMNS:
        return COLUMNS[name]
    if pd.api.types.is_datetime64_any_dtype(dtype):
        kind = "time"
    elif pd.api.types.is_bool_dtype(dtype):
        kind = "bool"
    elif pd.api.types.is_integer_dtype(dtype):
        kind = "count"
    elif pd.api.types.is_float_dtype(dtype):
        kind = "number"
    else:
        kind = "text"
    return Col(_header(name), kind)


@dataclass(frozen=True)
class Formatted:
    """A table ready to show: headers, rows of text, and which columns align right."""

    headers: list[str]
    rows: list[list[str]]
    right: list[bool]


def _times(s: pd.Series, tz: str, date_only: bool) -> list[str]:
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = pd.to_datetime(s, utc=True)
    local = (s.dt.tz_localize("UTC") if s.dt.tz is None else s).dt.tz_convert(tz)
    ok = local.dropna()
    if not date_only and len(ok) and bool((ok == ok.dt.normalize()).all()):
        date_only = True  # every value a local midnight: the dates say it all
    return [timestamp(v, tz, date_only=date_only) for v in local]


def cells(
    frame: pd.DataFrame,
    name: Any,
    col: Col,
    *,
    tz: str = "UTC",
    units: Mapping[str, str] | None = None,
    compact: bool = False,
) -> tuple[list[str], bool]:
    """Column ``name`` of ``frame`` as ``col`` shows it: its cells as text and whether they align right.

    ``compact``: measures as the CLI writes them (see :func:`in_unit`)."""
    s = frame[name]
    kind = col.kind if col.kind != "auto" else infer(None, s.dtype).kind
    if kind in ("time", "date"):
        return _times(s, tz, kind == "date"), False
    if kind == "measure":
        if col.unit is not None:
            per_row = [col.unit] * len(s)
        elif col.unit_col and col.unit_col in frame.columns:
            per_row = [str(u) for u in frame[col.unit_col]]
        elif col.unit_key and col.unit_key in frame.columns:
            per_row = [(units or {}).get(str(k), "") for k in frame[col.unit_key]]
        else:
            per_row = [""] * len(s)
        return [in_unit(v, u, compact=compact) for v, u in zip(s, per_row, strict=True)], True
    fmt, is_right = KINDS.get(kind, KINDS["text"])
    return [fmt(v, col.digits) for v in s], is_right


class TableOptions(TypedDict, total=False):
    """The keyword options of :func:`format_frame`, for functions that pass them on (the report's tables)."""

    specs: Mapping[str, Col | str] | None
    tz: str
    units: Mapping[str, str] | None


def format_frame(
    frame: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    specs: Mapping[str, Col | str] | None = None,
    tz: str = "UTC",
    units: Mapping[str, str] | None = None,
) -> Formatted:
    """``frame``'s ``columns`` (default all) as text, for display only; ``frame`` is not changed.

    ``specs`` overrides :data:`COLUMNS` per column name (a :class:`Col`, or a string: just the header),
    e.g. a table's own set (:data:`ALERT_EPISODES`, :data:`BURN_EPISODES`); ``tz`` is the report's
    time zone; ``units`` maps keys (series, metric or alert names) to catalog units for ``measure``
    columns with a ``unit_key``. Other columns of ``frame`` may carry the units.
    """
    names = list(frame.columns if columns is None else columns)
    specs = specs or {}
    headers, columns_text, right = [], [], []
    for name in names:
        base = infer(name, frame[name].dtype)
        given = specs.get(name)
        col = replace(base, header=given) if isinstance(given, str) else (given or base)
        values, is_right = cells(frame, name, col, tz=tz, units=units)
        headers.append(col.header)
        columns_text.append(values)
        right.append(is_right)
    rows = [list(r) for r in zip(*columns_text, strict=True)] if columns_text else []
    return Formatted(headers, rows, right)
