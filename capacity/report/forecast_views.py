"""Forecast results shaped for the report: fan-chart inputs, methodology, recommendations.

Pure functions over canonical frames and the tidy frames of
:mod:`capacity.forecast` (``time_to_threshold``, ``growth_vs_plan``,
``auto_forecast``'s choice). No I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "ACTIONS",
    "methodology",
    "recommendations",
    "threshold_fans",
]

#: what to do before each planning threshold of capacity/defaults/planning.yaml is crossed
ACTIONS: dict[str, str] = {
    "disk": "Grow the disk volumes (or free space)",
    "db_connections": "Raise the PostgreSQL connection pool or add a connection pooler",
    "memory": "Add memory or nodes to the cluster",
    "cpu": "Add CPU capacity (nodes or replicas)",
    "db_size": "Grow the database volume",
    "storage": "Raise the file-storage quota",
}


def methodology(choice: pd.DataFrame) -> pd.DataFrame:
    """Backtest accuracy and interval coverage per forecast series, for the methodology section.

    Columns: series, model, mase, seasonal_naive_mase, skill (1 - mase / seasonal_naive_mase:
    above 0 beats the seasonal naive baseline), coverage_80, coverage_95 (out of sample: share of the
    choosing backtest windows' actual values inside the 80%/95% interval calibrated on other, earlier
    windows alone, which the published one is as wide as or wider than; NaN when the history is too
    short to hold windows out), calibration_80 (the typical factor the model's own 80% interval was
    scaled by: above 1 the model was over-confident and its interval was widened), windows.
    """
    c = choice
    if c.empty:  # nothing was forecast
        cols = ["series", "model", "mase", "seasonal_naive_mase", "skill", "coverage_80", "coverage_95"]
        return pd.DataFrame(columns=[*cols, "calibration_80", "windows"])
    sn = c["seasonal_naive_mase"].to_numpy(dtype=float)
    mase = c["mase"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        skill = np.where(sn > 0, 1 - mase / sn, np.nan)
    return pd.DataFrame(
        {
            "series": c["unique_id"].astype(str),
            "model": c["model"].astype(str),
            "mase": mase,
            "seasonal_naive_mase": sn,
            "skill": skill,
            "coverage_80": c["coverage-80"].to_numpy(dtype=float),
            "coverage_95": c["coverage-95"].to_numpy(dtype=float),
            "calibration_80": (
                c["calibration-80"] if "calibration-80" in c else pd.Series(np.nan, index=c.index)
            ).to_numpy(dtype=float),
            "windows": c["windows"].to_numpy(),
        }
    )


def _d(ts: pd.Timestamp) -> str:
    return f"{ts:%Y-%m-%d}"


def recommendations(
    ttt: pd.DataFrame,
    growth: pd.DataFrame | None = None,
    *,
    actions: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Concrete actions with dates, most urgent first.

    From ``time_to_threshold``: a threshold already crossed -> act now; one the mean forecast
    crosses -> act before the *earliest* (95% bound) crossing; one only the 95% bound crosses ->
    watch, and act before that date if growth continues. From ``growth_vs_plan``: a plan the
    forecast outgrows ("plan too tight") -> revise the plan. Columns: priority (1 = most urgent),
    by (UTC date or NaT), action, reason. ``units`` (metric -> catalog unit) shows values in their
    unit; numbers in the text are shown by :mod:`capacity.present`, like the tables.
    """
    from ..present import in_unit, percent

    def g(v: Any) -> str:
        return percent(v, 1, signed=True, trim=True)

    def u(v: Any, metric: Any) -> str:
        return in_unit(v, (units or {}).get(str(metric), ""))

    acts = {**ACTIONS, **(actions or {})}
    rows: list[dict[str, Any]] = []
    r: Any  # a row of the time-to-threshold frame: a record of mixed columns
    for r in ttt.itertuples(index=False):
        what = acts.get(r.threshold, f"Add capacity for {r.metric}")
        if r.status == "already crossed":
            rows.append(
                {
                    "priority": 1,
                    "by": r.last_ds,
                    "action": f"{what} now",
                    "reason": f"{r.text}: already crossed ({u(r.last, r.metric)} against {u(r.level, r.metric)})",
                }
            )
        elif r.status == "crosses within horizon":
            rows.append(
                {
                    "priority": 2,
                    "by": r.earliest,
                    "action": f"{what} before {_d(r.earliest)}",
                    "reason": f"{r.text}: most likely on {_d(r.most_likely)}; "
                    f"the 95% interval reaches it from {_d(r.earliest)}",
                }
            )
        elif r.status == "may cross within horizon":
            rows.append(
                {
                    "priority": 3,
                    "by": r.earliest,
                    "action": f"Watch: {what[:1].lower() + what[1:]} before {_d(r.earliest)} if the trend holds",
                    "reason": f"{r.text}: only the pessimistic 95% bound reaches it within the horizon, "
                    f"from {_d(r.earliest)}",
                }
            )
    if growth is not None and len(growth):
        for row in growth.itertuples(index=False):
            if getattr(row, "verdict", None) == "plan too tight":
                rows.append(
                    {
                        "priority": 2,
                        "by": pd.NaT,
                        "action": f"Revise the plan: {row.text}",
                        "reason": f"forecast growth {g(row.growth)} (95%: {g(row.growth_lo_95)} to "
                        f"{g(row.growth_hi_95)}) against a plan of {g(row.plan)}; "
                        f"P(growth > plan) = {percent(row.p_exceed, 0)}",
                    }
                )
    out = pd.DataFrame(rows, columns=["priority", "by", "action", "reason"])
    out["by"] = pd.to_datetime(out["by"], utc=True)
    return out.sort_values(["priority", "by"], na_position="last", kind="stable").reset_index(drop=True)


def threshold_fans(
    history: pd.DataFrame,
    forecast: pd.DataFrame,
    table: pd.DataFrame,
    rules: Any,
    units: Mapping[str, str],
    *,
    tail: int = 180,
    titles: Mapping[str, str] | None = None,
    tz: str = "UTC",
) -> list[Any]:
    """One fan chart per planning threshold that has history, forecast and a level: the last
    ``tail`` days observed, the forecast with its intervals, and the threshold line. ``titles``:
    metric -> its display name (the catalog's ``title``), else the metric's name; ``tz``: whose days
    the series are (:func:`capacity.forecasting.planning.worst_per_period`)."""
    from . import figures

    out = []
    for t in rules.thresholds:
        h, f = history[history["unique_id"] == t.name], forecast[forecast["unique_id"] == t.name]
        level = table.loc[table["threshold"] == t.name, "level"]
        if len(h) and len(f) and len(level):
            kind = "min" if t.direction == "below" else "max"
            out.append(
                figures.fan_chart(
                    h.tail(tail),
                    f,
                    title=f"{t.text}: {(titles or {}).get(t.metric, t.metric)}, worst of each day ({kind})",
                    x_title=f"date (days in {tz})",
                    unit=units.get(t.metric, ""),
                    threshold=float(level.iloc[0]),
                    threshold_label=t.name,
                )
            )
    return out
