"""Forecast use cases: forecast and backtest what a source holds, and the CI capacity forecast.

The history range rules are :func:`capacity.app.history.forecast_history`'s; bounds come from the
project's catalog (ratios stay in 0..1, sizes non-negative); the CI forecast reads the planning
thresholds of the project's rules.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import ConfigError
from ..core.timeutil import parse_duration
from ..forecasting import auto_forecast, cross_validation, evaluate
from ..forecasting import forecast as _forecast
from ..forecasting.freq import horizon_steps, infer_step
from ..forecasting.planning import time_to_threshold
from ..forecasting.thresholds import daily_extreme, threshold_metrics
from ..metrics.catalog import Catalog
from ..report.ci import CiResult, Fan, write_ci
from ..report.summary import from_time_to_threshold, no_data, summarize
from ..sources import Source, resolve
from .history import History, forecast_history, time_range
from .project import Project
from .project import resolve as resolve_project

__all__ = ["ForecastResult", "backtest", "bounds_for", "forecast", "forecast_ci", "threshold_history"]

Bounds = dict[str, tuple[float | None, float | None]]


@dataclass(frozen=True)
class ForecastResult:
    """The published forecast, the model choice per series (None for named models), the history used."""

    forecast: pd.DataFrame
    choice: pd.DataFrame | None
    history: History
    warnings: tuple[str, ...] = field(default=())


def bounds_for(metrics: Sequence[str], catalog: Catalog) -> Bounds | None:
    """Physical bounds of the catalog's metrics among ``metrics`` (None when it knows none)."""
    out: Bounds = {}
    for m in metrics:
        entry = catalog.find(m)
        if entry is not None:
            out[m] = (entry.lower, entry.upper)
    return out or None


def forecast(
    metrics: Sequence[str] = (),
    *,
    source: str | os.PathLike[str] | Source = "sample",
    horizon: Any,
    models: str | Sequence[str] = "auto",
    windows: int = 3,
    season: tuple[int, ...] | None = None,
    executor: Any = None,
    thorough: bool = False,
    start: Any = None,
    end: Any = None,
    step: Any = None,
    project: Project | None = None,
    fields: tuple[str, str] = ("start", "end"),
) -> ForecastResult:
    """Forecast ``metrics`` (or the only series of a file) ``horizon`` ahead; the model is chosen per
    series by backtest (``models="auto"``; ``thorough`` chooses among every model) unless named."""
    h = parse_duration(horizon, field="horizon")
    if windows < 1:
        raise ConfigError(f"windows must be at least 1, got {windows}", field="windows")
    if thorough and models != "auto":
        raise ConfigError(
            "thorough (--thorough) chooses among every model; leave out models (--models)", field="thorough"
        )
    proj = resolve_project(project)
    hist = forecast_history(
        metrics, source=source, horizon=h, start=start, end=end, step=step, project=proj, fields=fields
    )
    common: dict[str, Any] = dict(
        season=season, bounds=bounds_for(list(hist.frame["unique_id"].unique()), proj.catalog), executor=executor
    )
    choice = None
    if models == "auto" or thorough:
        fc, choice = auto_forecast(hist.frame, h, models="all" if thorough else "auto", n_windows=windows, **common)
    else:
        fc = _forecast(hist.frame, h, models=models, **common)
    notes = [
        f"{uid}: {note}"
        for uid, note in fc.drop_duplicates("unique_id")[["unique_id", "note"]].itertuples(index=False)
        if isinstance(note, str) and "fallback" in note
    ]
    return ForecastResult(fc, choice, hist, tuple(hist.warnings) + tuple(notes))


def backtest(
    metrics: Sequence[str] = (),
    *,
    source: str | os.PathLike[str] | Source = "sample",
    horizon: Any,
    windows: int = 3,
    step_size: Any = None,
    models: str | Sequence[str] = "auto",
    refit: bool = False,
    season: tuple[int, ...] | None = None,
    executor: Any = None,
    start: Any = None,
    end: Any = None,
    step: Any = None,
    project: Project | None = None,
    fields: tuple[str, str] = ("start", "end"),
) -> tuple[pd.DataFrame, History]:
    """How each model would have done: one row per series and model (MASE, sMAPE, coverage, Winkler),
    ``chosen`` marking the lowest MASE among models that never failed."""
    h = parse_duration(horizon, field="horizon")
    if windows < 1:
        raise ConfigError(f"windows must be at least 1, got {windows}", field="windows")
    size_td = parse_duration(step_size, field="step-size") if step_size is not None else None
    proj = resolve_project(project)
    hist = forecast_history(
        metrics,
        source=source,
        horizon=h,
        start=start,
        end=end,
        step=step,
        project=proj,
        fields=fields,
        command="backtest",
    )
    frame = hist.frame
    size = None
    if size_td is not None:
        first = frame["unique_id"].iloc[0]
        size = horizon_steps(size_td, infer_step(frame["ds"][frame["unique_id"] == first]))
    cv = cross_validation(
        frame,
        h,
        windows,
        size,
        models=models,
        refit=refit,
        season=season,
        bounds=bounds_for(list(frame["unique_id"].unique()), proj.catalog),
        executor=executor,
    )
    table = evaluate(cv)
    ok = table["mase"].notna()
    table["chosen"] = False
    for _, g in table[ok].groupby("unique_id"):
        table.loc[g["mase"].idxmin(), "chosen"] = True
    table = table.sort_values(["unique_id", "mase"], na_position="last", kind="stable").reset_index(drop=True)
    table["mase"] = table["mase"].astype(np.float64)
    return table, hist


def threshold_history(
    *,
    source: str | os.PathLike[str] | Source = "sample",
    history_days: float = 365,
    end: Any = None,
    step: Any = "1h",
    project: Project | None = None,
) -> History:
    """The planning thresholds' metrics over the ``history_days`` before ``end`` (clipped to the source's
    span), on ``step`` (hourly: thresholds are checked on each day's worst hour)."""
    from .history import pull

    proj = resolve_project(project)
    src = resolve(source)
    _, stop = time_range(src, None, end)
    begin = stop - pd.Timedelta(days=history_days)
    span = src.span()
    if span:
        begin = max(begin, span[0])
    return pull(threshold_metrics(proj.rules), source=src, start=begin, end=stop, step=step, project=proj)


def forecast_ci(
    *,
    source: str | os.PathLike[str] | Source = "sample",
    horizon: Any,
    out_dir: str | os.PathLike[str] = "reports",
    windows: int = 3,
    start: Any = None,
    end: Any = None,
    step: Any = "1h",
    charts: bool = True,
    project: Project | None = None,
    fields: tuple[str, str] = ("start", "end"),
) -> CiResult:
    """The planning thresholds forecast ``horizon`` ahead, written as CI files into ``out_dir``
    (``capacity-forecast.md`` + PNG charts, ``capacity-forecast.json``)."""
    h = parse_duration(horizon, field="horizon")
    proj = resolve_project(project)
    metrics = threshold_metrics(proj.rules)
    hist = forecast_history(
        metrics,
        source=source,
        horizon=h,
        start=start,
        end=end,
        step=step,
        project=proj,
        fields=fields,
        command="forecast --ci",
    )
    units: Mapping[str, str] = {m: proj.catalog[m].unit for m in metrics if m in proj.catalog}
    frame = hist.frame
    options: dict[str, Any] = {"bounds": bounds_for(metrics, proj.catalog), "n_windows": windows}
    ttt = time_to_threshold(frame, h, rules=proj.rules, **options)
    summary = summarize(
        from_time_to_threshold(ttt, units), as_of=pd.Timestamp(frame["ds"].max()), horizon=h, source=hist.source
    )
    fans = []
    by_rule = {t.name: t for t in proj.rules.thresholds}
    table = summary.table
    row: Any  # a row of the summary table: a record of mixed columns
    for row in table[table["within"] | table["within_early"]].itertuples(index=False):
        rule = by_rule.get(row.rule)
        if rule is None or not charts:
            continue
        daily = daily_extreme(frame, rule.metric, rule.direction)
        fc, _ = auto_forecast(daily, h, executor="serial", **options)
        fans.append(Fan(row.name, rule, float(row.threshold), daily, fc))
    return write_ci(summary, fans, horizon=h, out_dir=out_dir, units=units, missing=no_data(ttt), charts=charts)
