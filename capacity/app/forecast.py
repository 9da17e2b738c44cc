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

from ..core.errors import CapacityError, ConfigError, ForecastError
from ..core.status import history_length, too_little
from ..core.timeutil import format_duration, parse_duration
from ..forecasting import PUBLISHED, auto_forecast, cross_validation, evaluate, published_cv
from ..forecasting import forecast as _forecast
from ..forecasting.backtest import DEFAULT_WINDOWS
from ..forecasting.freq import horizon_steps, infer_step
from ..forecasting.planning import horizon_needs, needs, time_to_threshold
from ..forecasting.thresholds import daily_extreme, threshold_metrics
from ..metrics.catalog import Catalog
from ..report.ci import CiResult, Fan, write_ci
from ..report.summary import from_time_to_threshold, no_data, summarize
from ..sources import Source
from .history import History, forecast_history, time_range
from .project import Project, source_of
from .project import resolve as resolve_project
from .span import recheck

__all__ = [
    "ForecastResult",
    "Inputs",
    "Models",
    "backtest",
    "bounds_for",
    "forecast",
    "forecast_ci",
    "threshold_history",
]

Bounds = dict[str, tuple[float | None, float | None]]


@dataclass(frozen=True)
class ForecastResult:
    """The published forecast, the model choice per series (None for named models), the history used."""

    forecast: pd.DataFrame
    choice: pd.DataFrame | None
    history: History
    warnings: tuple[str, ...] = field(default=())
    #: series not forecast, and why (``too little data (have 45 min of 1 d)``)
    skipped: Mapping[str, str] = field(default_factory=dict)


def short_series(frame: pd.DataFrame, horizon: pd.Timedelta) -> dict[str, str]:
    """The series of ``frame`` with less history than a forecast ``horizon`` ahead needs
    (:func:`~capacity.forecasting.planning.horizon_needs`), each with how much it has."""
    need = horizon_needs(horizon)
    out = {}
    for uid, g in frame.groupby("unique_id", observed=True, sort=True):
        have = history_length(g.loc[g["y"].notna(), "ds"])
        if have < need:
            out[str(uid)] = too_little(have, need)
    return out


def bounds_for(metrics: Sequence[str], catalog: Catalog) -> Bounds | None:
    """Physical bounds of the catalog's metrics among ``metrics`` (None when it knows none); a series id
    ``name{label="..."}`` (one series of a metric that has several) is its metric's."""
    out: Bounds = {}
    for m in metrics:
        entry = catalog.find(m) or (catalog.find(m.split("{", 1)[0]) if m.endswith("}") else None)
        if entry is not None:
            out[m] = (entry.lower, entry.upper)
    return out or None


@dataclass(frozen=True)
class Inputs:
    """The history a forecast learns from: ``metrics`` (or the only series of a file source) from
    ``source`` over ``start..end`` on ``step`` (the rules of :func:`capacity.app.history.forecast_history`).
    ``fields`` names start and end in messages (``--start``/``--end`` for the CLI)."""

    metrics: Sequence[str] = ()
    source: str | os.PathLike[str] | Source | None = None
    start: Any = None
    end: Any = None
    step: Any = None
    project: Project | None = None
    fields: tuple[str, str] = ("start", "end")

    def history(
        self,
        horizon: pd.Timedelta,
        command: str,
        metrics: Sequence[str] | None = None,
        *,
        require_all: bool = True,
        allow_empty: bool = False,
    ) -> History:
        return forecast_history(
            self.metrics if metrics is None else metrics,
            source=self.source,
            horizon=horizon,
            start=self.start,
            end=self.end,
            step=self.step,
            project=resolve_project(self.project),
            fields=self.fields,
            command=command,
            require_all=require_all,
            allow_empty=allow_empty,
        )


@dataclass(frozen=True)
class Models:
    """Which models and how they are chosen: ``models`` ("auto", "all" or aliases), ``windows`` backtest
    windows, seasonal periods (``season``, default inferred), the ``executor`` (None: auto)."""

    models: str | Sequence[str] = "auto"
    windows: int | None = None  # None: 3, stretched to span a week on sub-daily series (backtest.choice_windows)
    season: tuple[int, ...] | None = None
    executor: Any = None

    def __post_init__(self) -> None:
        if self.windows is not None and self.windows < 1:
            raise ConfigError(f"windows must be at least 1, got {self.windows}", field="windows")


def forecast(inputs: Inputs, horizon: Any, models: Models | None = None, *, thorough: bool = False) -> ForecastResult:
    """Forecast the inputs ``horizon`` ahead; the model is chosen per series by backtest
    (``models.models="auto"``; ``thorough`` chooses among every model) unless named."""
    h = parse_duration(horizon, field="horizon")
    m = models or Models()
    if thorough and m.models != "auto":
        raise ConfigError(
            "thorough (--thorough) chooses among every model; leave out models (--models)", field="thorough"
        )
    hist = inputs.history(h, "forecast")
    # a series shorter than the horizon needs is not forecast (45 minutes extrapolated a day drift
    # anywhere); the others are, and an error only when none is left
    skipped = short_series(hist.frame, h)
    frame = hist.frame[~hist.frame["unique_id"].isin(list(skipped))].reset_index(drop=True)
    if frame.empty:
        uid, why = next(iter(skipped.items()))
        raise ForecastError(
            f"{uid}: {why} for a forecast {format_duration(h)} ahead (pull a longer history, or "
            "forecast a shorter horizon)",
            series=uid,
        )
    catalog = resolve_project(inputs.project).catalog
    bounds = bounds_for(list(frame["unique_id"].unique()), catalog)
    common: dict[str, Any] = dict(season=m.season, bounds=bounds, executor=m.executor)
    choice = None
    if m.models == "auto" or thorough:
        fc, choice = auto_forecast(frame, h, models="all" if thorough else "auto", n_windows=m.windows, **common)
    else:
        fc = _forecast(frame, h, models=m.models, **common)
    notes = [
        f"{uid}: {note}"
        for uid, note in fc.drop_duplicates("unique_id")[["unique_id", "note"]].itertuples(index=False)
        if isinstance(note, str) and "fallback" in note
    ]
    skips = [f"{uid}: not forecast: {why} for {format_duration(h)} ahead" for uid, why in skipped.items()]
    return ForecastResult(fc, choice, hist, tuple(hist.warnings) + tuple(notes) + tuple(skips), skipped)


def backtest(
    inputs: Inputs, horizon: Any, models: Models | None = None, *, step_size: Any = None, refit: bool = False
) -> tuple[pd.DataFrame, History]:
    """How each model would have done: one row per series and model (MASE, sMAPE, coverage, Winkler),
    ``chosen`` marking the lowest MASE among models that never failed; origins ``step_size`` apart
    (default: the horizon). The row ``published`` is what ``forecast`` would have published from each
    origin (its own choice on the history before it, combination, calibrated intervals), scored on the
    same windows: its coverage is the one a user would have seen; ``picked`` lists what it chose."""
    h = parse_duration(horizon, field="horizon")
    m = models or Models()
    size_td = parse_duration(step_size, field="step-size") if step_size is not None else None
    hist = inputs.history(h, "backtest")
    frame = hist.frame
    size = None
    if size_td is not None:
        first = frame["unique_id"].iloc[0]
        size = horizon_steps(size_td, infer_step(frame["ds"][frame["unique_id"] == first]))
    catalog = resolve_project(inputs.project).catalog
    windows = m.windows or DEFAULT_WINDOWS  # the origins scored; the published replay chooses as forecast does
    cv = cross_validation(
        frame,
        h,
        windows,
        size,
        models=m.models,
        refit=refit,
        season=m.season,
        bounds=bounds_for(list(frame["unique_id"].unique()), catalog),
        executor=m.executor,
    )
    published = published_cv(
        frame,
        h,
        windows,
        size,
        models=m.models,
        season=m.season,
        bounds=bounds_for(list(frame["unique_id"].unique()), catalog),
        executor=m.executor,
    )
    table = evaluate(pd.concat([cv, published], ignore_index=True) if len(published) else cv)
    if len(published):
        picks = published.groupby("unique_id", observed=True)["note"].agg(lambda s: ", ".join(dict.fromkeys(s)))
        table["picked"] = table["unique_id"].map(picks).where(table["model"] == PUBLISHED, "")
    ok = table["mase"].notna() & (table["model"] != PUBLISHED)
    table["chosen"] = False
    for _, g in table[ok].groupby("unique_id"):
        table.loc[g["mase"].idxmin(), "chosen"] = True
    table = table.sort_values(["unique_id", "mase"], na_position="last", kind="stable").reset_index(drop=True)
    table["mase"] = table["mase"].astype(np.float64)
    return table, hist


def threshold_history(
    *,
    source: str | os.PathLike[str] | Source | None = None,
    history_days: float = 365,
    end: Any = None,
    step: Any = "1h",
    project: Project | None = None,
) -> History:
    """The planning thresholds' metrics over the ``history_days`` before ``end`` (clipped to the source's
    span), on ``step`` (hourly: thresholds are checked on each day's worst hour)."""
    from .history import pull

    proj = resolve_project(project)
    src = source_of(source, proj)
    _, stop = time_range(src, None, end)
    begin = stop - pd.Timedelta(days=history_days)
    span = src.span()
    if span:
        begin = max(begin, span[0])
    return pull(
        threshold_metrics(proj.rules), source=src, start=begin, end=stop, step=step, project=proj, tolerant=True
    )


def _with_headroom(
    ttt: pd.DataFrame, inputs: Inputs, h: pd.Timedelta, proj: Project, units: dict[str, str]
) -> tuple[pd.DataFrame, dict[str, str]]:
    """The time-to-threshold table with each service's "latency SLO at forecast load" after the rules'."""
    from .headroom import headroom, threshold_rows

    try:
        rows = threshold_rows(headroom(source=inputs.source, end=inputs.end, horizon=h, project=proj), proj)
    except CapacityError as exc:
        rows = threshold_rows(None, proj, str(exc))
    units = {**units, **{s.throughput: "1/s" for s in proj.services}}
    return (pd.concat([ttt, rows], ignore_index=True) if len(rows) else ttt), units


def forecast_ci(
    inputs: Inputs,
    horizon: Any,
    *,
    out_dir: str | os.PathLike[str] = "reports",
    windows: int | None = None,
    charts: bool = True,
) -> CiResult:
    """The planning thresholds (their metrics, whatever ``inputs.metrics`` says) forecast ``horizon``
    ahead, written as CI files into ``out_dir`` (``capacity-forecast.md`` + PNG charts, ``.json``)."""
    h = parse_duration(horizon, field="horizon")
    proj = resolve_project(inputs.project)
    metrics = threshold_metrics(proj.rules)
    # every threshold that has data is forecast; the rest are listed as missing (an error only if none has)
    # (with no data at all, the files still say so, rule by rule)
    hist = inputs.history(h, "forecast --ci", metrics, require_all=False, allow_empty=True)
    units: dict[str, str] = {m: proj.catalog[m].unit for m in metrics if m in proj.catalog}
    frame = hist.frame
    options: dict[str, Any] = {"bounds": bounds_for(metrics, proj.catalog), "n_windows": windows}
    zone = proj.time_zone  # thresholds are checked on the platform's days, as in the quarterly review
    ttt = time_to_threshold(frame, h, rules=proj.rules, tz=zone, **options)
    ttt = recheck(ttt, "status", hist.spans, {t.name: needs(t) for t in proj.rules.thresholds}, key="threshold")
    ttt, units = _with_headroom(ttt, inputs, h, proj, units)
    as_of = pd.Timestamp(frame["ds"].max()) if len(frame) else hist.end
    start = pd.Timestamp(frame["ds"].min()) if len(frame) else None
    summary = summarize(
        from_time_to_threshold(ttt, units), as_of=as_of, horizon=h, source=hist.source, history_start=start
    )
    fans = []
    by_rule = {t.name: t for t in proj.rules.thresholds}
    table = summary.table
    row: Any  # a row of the summary table: a record of mixed columns
    for row in table[table["within"] | table["within_early"]].itertuples(index=False):
        rule = by_rule.get(row.rule)
        if rule is None or not charts:
            continue
        daily = daily_extreme(frame, rule.metric, rule.direction, tz=zone)
        fc, _ = auto_forecast(daily, h, executor="serial", **options)
        fans.append(Fan(row.name, rule, float(row.threshold), daily, fc))
    return write_ci(
        summary, fans, horizon=h, out_dir=out_dir, units=units, missing=no_data(ttt), charts=charts, tz=zone
    )
