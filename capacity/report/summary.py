"""The CI capacity forecast: GitHub-flavoured Markdown and JSON from a time-to-threshold table.

Input (one row per series and threshold), the *threshold table*:

``name``        what is forecast (a series id or catalog name; any text, escaped on output)
``threshold``   the level that matters, in ``unit``
``unit``        unit of ``threshold`` and ``last`` (may be empty)
``last``        the last observed value
``crossing``    UTC time the forecast mean crosses the threshold, NaT when not within the horizon
``crossing_early`` UTC time the pessimistic 95% bound crosses (NaT: not within the horizon)

:func:`summarize` turns it into a :class:`CiSummary`; :func:`to_markdown`,
:func:`to_json` and :func:`exit_code` present it. Nothing is rounded before
the comparison with the horizon.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import DataError
from ..core.status import UNAVAILABLE
from ..present import in_unit

__all__ = [
    "CiSummary",
    "THRESHOLD_COLUMNS",
    "summarize",
    "to_markdown",
    "to_json",
    "exit_code",
    "md_escape",
    "from_time_to_threshold",
    "no_data",
]

THRESHOLD_COLUMNS = ("name", "threshold", "unit", "last", "crossing", "crossing_early")
EXIT_CLEAR, EXIT_CROSSING = 0, 1
#: nothing could be forecast (every threshold without data or with too little): as an error
EXIT_NOTHING = 2
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~<>&\"'=:])")


def md_escape(text: object) -> str:
    """Text safe inside a GFM paragraph or table cell: every ASCII punctuation mark that
    Markdown or HTML gives a meaning (``< > & | * _ [ ] ( ) ` # !`` ...) is
    backslash-escaped (CommonMark shows an escaped mark as itself), line breaks
    are folded to spaces."""
    s = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", s)


@dataclass(frozen=True)
class CiSummary:
    """The verdict: which thresholds are crossed within ``horizon`` after ``as_of``."""

    as_of: pd.Timestamp
    horizon: pd.Timedelta
    source: str
    table: pd.DataFrame  # THRESHOLD_COLUMNS + days, days_early, days_late, within, within_early
    #: where the history the forecasts learned from starts (None: not said): two views that learned
    #: from different histories give different dates, and say so
    history_start: pd.Timestamp | None = None

    @property
    def crossed(self) -> list[str]:
        return [str(n) for n in self.table.loc[self.table["within"], "name"]]

    @property
    def at_risk(self) -> list[str]:
        """Crossed by the 95% pessimistic bound but not by the mean."""
        t = self.table
        return [str(n) for n in t.loc[t["within_early"] & ~t["within"], "name"]]


def summarize(
    table: pd.DataFrame,
    *,
    as_of: pd.Timestamp,
    horizon: pd.Timedelta,
    source: str,
    history_start: pd.Timestamp | None = None,
) -> CiSummary:
    """Add days-to-crossing and within-horizon flags; sort soonest first."""
    missing = [c for c in THRESHOLD_COLUMNS if c not in table.columns]
    if missing:
        raise DataError(f"capacity forecast summary: missing column(s) {', '.join(missing)}", column=missing[0])
    t = table.loc[:, list(THRESHOLD_COLUMNS) + [c for c in table.columns if c not in THRESHOLD_COLUMNS]].copy()
    for col in ("crossing", "crossing_early"):
        t[col] = pd.to_datetime(t[col], utc=True)
    end = as_of + horizon
    # (a date, at its UTC midnight, may lie hours before ``as_of``: the first forecast day is "in 0 days")
    t["days"] = ((t["crossing"] - as_of) / pd.Timedelta(days=1)).clip(lower=0)
    t["days_early"] = ((t["crossing_early"] - as_of) / pd.Timedelta(days=1)).clip(lower=0)
    if "already" not in t.columns:  # crossed at the end of the history, not forecast to
        t["already"] = False
    t["already"] = t["already"].fillna(False).astype(bool)
    if "crossing_late" not in t.columns:
        t["crossing_late"] = pd.NaT
    t["crossing_late"] = pd.to_datetime(t["crossing_late"], utc=True)
    t["days_late"] = ((t["crossing_late"] - as_of) / pd.Timedelta(days=1)).clip(lower=0)
    t["within"] = t["crossing"].notna() & (t["crossing"] <= end)
    t["within_early"] = t["crossing_early"].notna() & (t["crossing_early"] <= end)
    t = t.sort_values(
        ["within", "days", "days_early", "name"], ascending=[False, True, True, True], na_position="last", kind="stable"
    ).reset_index(drop=True)
    return CiSummary(as_of, horizon, source, t, history_start)


def exit_code(summary: CiSummary) -> int:
    """0 when no threshold is crossed (by the mean forecast) within the horizon, 1 when one is, 2 when
    no threshold could be forecast at all."""
    if summary.table.empty:
        return EXIT_NOTHING
    return EXIT_CROSSING if summary.crossed else EXIT_CLEAR


def history_words(summary: CiSummary, lead: str = "History") -> str:
    """``History 2025-10-01 to 2026-10-01 00:00 UTC (365 days)``: what the forecasts learned from."""
    end = f"{summary.as_of:%Y-%m-%d %H:%M} UTC"
    if summary.history_start is None or pd.isna(summary.history_start):
        return f"{lead} up to {end}"
    days = (summary.as_of - summary.history_start) / pd.Timedelta(days=1)
    return f"{lead} {summary.history_start:%Y-%m-%d} to {end} ({days:,.0f} days)"


def crossing_words(crossing: pd.Timestamp, days: float, already: bool) -> str:
    """``on 2026-10-23 (in 22 days)``, or ``already crossed`` (at the history's end)."""
    return "already crossed" if already else f"on {crossing:%Y-%m-%d} (in {days:,.0f} days)"


def _when(ts: pd.Timestamp, days: float, within: bool) -> str:
    if pd.isna(ts):
        return "not within the horizon"
    tag = f"{ts:%Y-%m-%d} (in {days:,.0f} d)"
    return f"**{tag}**" if within else f"{tag}, after the horizon"


def to_markdown(
    summary: CiSummary,
    charts: Mapping[str, str] | None = None,
    *,
    title: str = "Capacity forecast",
    not_forecast: int = 0,
) -> str:
    """The report as GitHub-flavoured Markdown; ``charts`` maps names to PNG file names beside it;
    ``not_forecast``: how many thresholds had too little history (listed after it by the caller)."""
    days = summary.horizon / pd.Timedelta(days=1)
    lines = [f"# {md_escape(title)}", ""]
    if summary.table.empty:
        lines.append("> **NOT FORECAST**: no threshold has the history a forecast needs (listed below).")
    elif summary.crossed:
        t = summary.table[summary.table["within"]]
        names = "; ".join(
            md_escape(f"{name}: {crossing_words(crossing, days, already)}")
            for name, crossing, days, already in zip(t["name"], t["crossing"], t["days"], t["already"], strict=True)
        )
        lines.append(f"> **FORECAST TO CROSS** within {days:g} days: {names}.")
    else:
        but = f" ({not_forecast} not forecast: listed below)" if not_forecast else ""
        lines.append(f"> **OK**: no threshold is crossed by the forecast within {days:g} days{but}.")
    if summary.at_risk:
        lines.append(
            f">\n> **At risk** (the pessimistic 95% bound crosses): {', '.join(md_escape(n) for n in summary.at_risk)}."
        )
    lines += [
        "",
        f"{history_words(summary)} from {md_escape(summary.source)}; "
        f"horizon {days:g} days (to {summary.as_of + summary.horizon:%Y-%m-%d}).",
        "",
    ]
    lines += [
        "| Status | Metric | Threshold | Last value | Mean forecast crosses | 95% bound crosses |",
        "|:--|:--|--:|--:|:--|:--|",
    ]
    r: Any  # a row of the summary table: a record of mixed columns
    for r in summary.table.itertuples(index=False):
        status = (
            ("ALREADY CROSSED" if bool(r.already) else "FORECAST TO CROSS")
            if r.within
            else ("at risk" if r.within_early else "ok")
        )
        unit = r.unit if isinstance(r.unit, str) else ""
        lines.append(
            f"| {status} | {md_escape(r.name)} | {md_escape(in_unit(r.threshold, unit))} | "
            f"{md_escape(in_unit(r.last, unit))} | "
            f"{_when(r.crossing, r.days, r.within)} | {_when(r.crossing_early, r.days_early, r.within_early)} |"
        )
    if charts:
        lines += ["", "## Charts", ""]
        for name, file in charts.items():
            lines += [f"![forecast of {md_escape(name)}]({_url(file)})", ""]
    lines += ["", "_Mean and 95% bounds from `capacity forecast`; intervals calibrated by backtest._", ""]
    return "\n".join(lines)


def _url(file: str) -> str:
    from urllib.parse import quote

    return quote(file, safe="/._-")


def _jsonable(v: Any) -> Any:
    if isinstance(v, (pd.Timestamp,)):
        return None if pd.isna(v) else v.isoformat()
    if v is pd.NaT:
        return None
    if isinstance(v, (np.bool_, bool)):
        return bool(v)
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return None if not math.isfinite(float(v)) else float(v)
    return v


def to_json(summary: CiSummary, missing: Sequence[str] | Mapping[str, str] = ()) -> str:
    """The report as JSON: verdict, horizon, one object per threshold (NaN/NaT as null), and the
    thresholds not forecast (``missing``: names, and ``missing_reasons``: name -> why)."""
    rows = [{k: _jsonable(v) for k, v in rec.items()} for rec in summary.table.to_dict(orient="records")]
    doc = {
        "as_of": summary.as_of.isoformat(),
        "history_start": summary.history_start.isoformat() if summary.history_start is not None else None,
        "horizon_days": summary.horizon / pd.Timedelta(days=1),
        "source": summary.source,
        "status": "not forecast" if summary.table.empty else ("crossed" if summary.crossed else "ok"),
        "exit_code": exit_code(summary),
        "crossed": summary.crossed,
        "at_risk": summary.at_risk,
        "thresholds": rows,
        "missing": list(missing),
        "missing_reasons": dict(missing) if isinstance(missing, Mapping) else {},
    }
    return json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def from_time_to_threshold(ttt: pd.DataFrame, units: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The threshold table from :func:`capacity.forecast.planning.time_to_threshold`'s frame.

    ``name`` is the rule's text with its name (``Disk space below 10% free (disk)``);
    ``crossing`` is the mean forecast's crossing (``most_likely``) and
    ``crossing_early`` the pessimistic 95% bound's (``earliest``), ``crossing_late`` the optimistic
    one's (``latest``; NaT when it does not cross within the horizon). A threshold already crossed
    at the end of the history crosses at ``last_ds``; one without data is left out
    (``no_data`` lists them).
    """
    need = ("threshold", "metric", "text", "status", "level", "last", "last_ds", "earliest", "most_likely")
    missing = [c for c in need if c not in ttt.columns]
    if missing:
        raise DataError(f"time-to-threshold table: missing column(s) {', '.join(missing)}", column=missing[0])
    t = ttt[~ttt["status"].isin(UNAVAILABLE)]
    already = (t["status"] == "already crossed").to_numpy()
    last_ds = pd.to_datetime(t["last_ds"], utc=True)
    out = pd.DataFrame(
        {
            "name": [f"{text} ({name})" for text, name in zip(t["text"], t["threshold"], strict=False)],
            "threshold": t["level"].to_numpy(dtype=float),
            "unit": [(units or {}).get(m, "") for m in t["metric"]],
            "last": t["last"].to_numpy(dtype=float),
            "crossing": pd.to_datetime(t["most_likely"], utc=True).where(~already, last_ds).to_numpy(),
            "crossing_early": pd.to_datetime(t["earliest"], utc=True).where(~already, last_ds).to_numpy(),
            "crossing_late": pd.to_datetime(t["latest"], utc=True).where(~already, last_ds).to_numpy()
            if "latest" in t.columns
            else pd.NaT,
            "metric": t["metric"].to_numpy(),
            "rule": t["threshold"].to_numpy(),
            "already": already,
        }
    )
    for col in ("crossing", "crossing_early", "crossing_late"):
        out[col] = pd.to_datetime(out[col], utc=True)
    return out.reset_index(drop=True)


def no_data(ttt: pd.DataFrame) -> dict[str, str]:
    """Rules of a time-to-threshold frame that were not forecast (no data, or too little), each with
    why (``{"disk": "too little data: disk_free_ratio: too little data (have 0.1 d of 28 d)"}``)."""
    if "status" not in ttt.columns:
        return {}
    out = {}
    for row in ttt[ttt["status"].isin(UNAVAILABLE)].itertuples(index=False):
        note = str(getattr(row, "note", "") or "")
        out[str(row.threshold)] = note if str(row.status) in note else f"{row.status}: {note}"
    return out
