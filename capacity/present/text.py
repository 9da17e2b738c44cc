"""Tables as text for the command line: an aligned plain-text table, JSON records, CSV.

The table shows a column with a :class:`~capacity.present.Col` spec (the same specs, kinds and
formatters as the HTML tables of :func:`capacity.present.format_frame`) in the CLI's spelling:
blank when missing, ``+Inf``/``-Inf``, measures compact (``2.17s``, ``0.573/s``). A column
without a spec shows under its own name, numbers rounded for display only (a float column with
one number of decimals for all its rows, chosen by its largest value; others by :func:`plain`) and
timestamps in UTC with a `` (UTC)`` header suffix. JSON and CSV keep the field names and full
precision: ISO-8601 UTC timestamps; JSON writes NaN as null and +/-Inf as ``"+Inf"``/``"-Inf"``,
CSV writes NaN as ``NaN``.
"""

from __future__ import annotations

import io
import json
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import ConfigError
from . import MISSING, Col, cells, is_missing

__all__ = ["FORMATS", "Specs", "render", "table", "records", "csv_text", "plain", "printable", "spell", "formatter"]

FORMATS = ("table", "json", "csv")

Specs = Mapping[str, Col]

_SPELLING = {MISSING: "", "∞": "+Inf", "−∞": "-Inf"}
#: what a terminal acts on instead of showing: C0/C1 controls (escape sequences, newlines, bells) and
#: the bidirectional overrides that make text read in another order than it is
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe on a terminal: each control character as its escape (``\\x1b``, ``\\n``)."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def spell(text: str) -> str:
    """The CLI's spelling of a cell :mod:`capacity.present` wrote: blank when missing, ``+Inf``/``-Inf``."""
    return _SPELLING.get(text, text)


def formatter(col: Col) -> Callable[[Any], str]:
    """One value as the CLI table shows it under ``col``: ``formatter(Col("no data", "minutes"))(253) == "4h 13m"``."""
    return lambda v: spell(cells(pd.DataFrame({"v": [v]}), "v", col, compact=True)[0][0])


def plain(v: Any) -> str:
    """A value of a column without a spec: numbers rounded for display only, timestamps in UTC."""
    if v is None or v is pd.NA or v is pd.NaT:
        return ""
    if isinstance(v, (float, np.floating)):
        f = float(v)
        if math.isnan(f):
            return "NaN"
        if math.isinf(f):
            return "+Inf" if f > 0 else "-Inf"
        if f != 0 and (abs(f) >= 1e9 or abs(f) < 1e-4):
            return f"{f:.4g}"
        return f"{f:,.6f}".rstrip("0").rstrip(".") if abs(f) < 1000 else f"{f:,.2f}"
    if isinstance(v, pd.Timestamp):
        return v.tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S") if v.tzinfo else v.strftime("%Y-%m-%d %H:%M:%S")
    return str(v)


def _float_column(values: pd.Series) -> list[str] | None:
    """A float column with one number of decimals for all its values: enough for each to keep four
    significant digits (``223,312,004,211``, not ``2.233e+11`` beside ``327,735.36``);
    None when it holds no finite number (each cell then shows as :func:`plain` does)."""
    v = values.to_numpy(dtype="float64", na_value=np.nan)
    finite = v[np.isfinite(v)]
    if not len(finite):
        return None
    mags = np.abs(finite[finite != 0])
    if len(mags) and (mags.max() >= 1e15 or mags.min() < 1e-4):
        return [plain(x) if not np.isfinite(x) else f"{x:.6g}" for x in v]
    # enough decimals for every value to keep 4 significant digits (at most 6)
    decimals = int(np.clip(3 - np.floor(np.log10(mags)), 0, 6).max()) if len(mags) else 0
    return [plain(x) if not np.isfinite(x) else f"{x:,.{decimals}f}" for x in v]


def table(
    frame: pd.DataFrame,
    *,
    specs: Specs | None = None,
    units: Mapping[str, str] | None = None,
    max_rows: int | None = None,
    tz: str | None = None,
) -> str:
    """An aligned text table; ``specs`` maps column names to how they show (display only).

    ``units`` maps keys to catalog units for ``measure`` columns with a ``unit_key`` (as in
    :func:`capacity.present.format_frame`); ``max_rows`` cuts the table with a ``... N more rows`` line;
    ``tz`` shows time columns as that zone's wall clock (the header says which), else UTC.
    """
    if frame.empty:
        return "(no rows)\n"
    specs = specs or {}
    rows = frame if max_rows is None or len(frame) <= max_rows else frame.head(max_rows)
    headers: list[str] = []
    columns: list[list[str]] = []
    right: list[bool] = []
    for name in frame.columns:
        col = specs.get(name)
        if col is not None:
            values, is_right = cells(rows, name, col, units=units, compact=True)
            headers.append(printable(col.header))
            columns.append([printable(spell(v)) for v in values])
            right.append(is_right)
            continue
        is_time = pd.api.types.is_datetime64_any_dtype(frame[name].dtype)
        zone = tz if is_time and tz and isinstance(frame[name].dtype, pd.DatetimeTZDtype) else None
        headers.append(printable(str(name)) + (f" ({zone or 'UTC'})" if is_time else ""))
        col_values: pd.Series = rows[name].dt.tz_convert(zone).dt.tz_localize(None) if zone else rows[name]
        shown = _float_column(col_values) if pd.api.types.is_float_dtype(frame[name].dtype) else None
        columns.append(shown if shown is not None else [printable(plain(v)) for v in col_values])
        right.append(pd.api.types.is_numeric_dtype(frame[name].dtype))
    lines = [list(r) for r in zip(*columns, strict=True)]
    widths = [max([len(h)] + [len(r[i]) for r in lines]) for i, h in enumerate(headers)]

    def line(values: list[str]) -> str:
        cells = (v.rjust(w) if r else v.ljust(w) for v, w, r in zip(values, widths, right, strict=True))
        return "  ".join(cells).rstrip()

    buf = io.StringIO()
    buf.write(line(headers) + "\n")
    for r in lines:
        buf.write(line(r) + "\n")
    if len(rows) < len(frame):
        buf.write(f"... {len(frame) - len(rows)} more rows\n")
    return buf.getvalue()


def _iso(ts: pd.Series) -> pd.Series:
    utc = ts.dt.tz_convert("UTC") if ts.dt.tz is not None else ts.dt.tz_localize("UTC")
    has_frac = bool(((utc.dt.microsecond != 0) | (utc.dt.nanosecond != 0)).any())
    out = utc.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if has_frac else "%Y-%m-%dT%H:%M:%SZ")
    return out.astype(object).where(ts.notna(), None)


def _iso_times(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col].dtype):
            out[col] = _iso(out[col])
    return out


def _json_value(v: Any) -> Any:
    if isinstance(v, (float, np.floating)) and math.isinf(float(v)):
        return "+Inf" if float(v) > 0 else "-Inf"
    if is_missing(v):
        return None
    if isinstance(v, (float, np.floating)):
        return float(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, pd.Timedelta):
        return v.isoformat()
    return v


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as JSON-ready dicts: ISO-8601 UTC times, NaN -> None, +/-Inf -> ``"+Inf"``/``"-Inf"``."""
    out = _iso_times(frame)
    names = [str(c) for c in out.columns]
    rows = out.itertuples(index=False, name=None)
    return [{c: _json_value(v) for c, v in zip(names, row, strict=True)} for row in rows]


def csv_text(frame: pd.DataFrame) -> str:
    """The frame as CSV at full precision: ISO-8601 UTC times, NaN as ``NaN``."""
    return _iso_times(frame).to_csv(index=False, na_rep="NaN", lineterminator="\n")


def render(
    frame: pd.DataFrame,
    fmt: str,
    *,
    specs: Specs | None = None,
    units: Mapping[str, str] | None = None,
    tz: str | None = None,
) -> str:
    """``frame`` as text in ``fmt`` (table, json or csv); ``specs``, ``units`` and ``tz`` apply to the
    table only (JSON and CSV keep ISO-8601 UTC times).

    Raises :class:`~capacity.core.errors.ConfigError` (field ``format``) for another ``fmt``.
    """
    if fmt == "table":
        return table(frame, specs=specs, units=units, tz=tz)
    if fmt == "json":
        return json.dumps(records(frame), allow_nan=False, ensure_ascii=False) + "\n"
    if fmt == "csv":
        return csv_text(frame)
    raise ConfigError(f"--format: unknown format {fmt!r} (use {', '.join(FORMATS)})", field="format")
