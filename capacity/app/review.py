"""The quarterly review and the capacity forecast report, computed phase by phase for the notebooks.

:func:`data` fetches everything a review reads (the SLO queries with their warm-up before the
quarter, the growth and threshold metrics over the learning history); :func:`slo` and
:func:`capacity` compute the tables the notebook shows; :func:`thresholds` is the
days-to-threshold analysis both the review and the capacity-forecast report present.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..core.windows import Period, Window, report_quarter
from ..forecasting.peak import peak_load
from ..forecasting.planning import growth_vs_plan, time_to_threshold
from ..forecasting.thresholds import threshold_forecasts, threshold_metrics
from ..report import digest
from ..report import forecast_views as fv
from ..report import slo_views as sv
from ..report.summary import CiSummary, from_time_to_threshold, summarize
from ..slo import engine, overtime
from ..slo.alerts import summarize as alert_summary
from ..sources import Source
from .forecast import bounds_for
from .history import pull
from .project import Project, source_of
from .project import resolve as resolve_project
from .slo import fetch, score

__all__ = ["Capacity", "Data", "Slo", "Thresholds", "capacity", "data", "slo", "thresholds"]


@dataclass(frozen=True)
class Data:
    """What a quarterly review reads, with the period and the settings it was read with."""

    project: Project
    source: str
    period: Period
    tz: str
    horizon: pd.Timedelta
    heatmap_metric: str
    slo_data: dict[str, pd.DataFrame]
    busy: pd.DataFrame  # the heat-map metric over the quarter
    quarter_history: pd.DataFrame  # growth metrics over the quarter, on the report's step
    daily: pd.DataFrame  # growth metrics over the learning history, daily
    hourly: pd.DataFrame  # threshold metrics over the learning history, on the report's step
    warnings: tuple[str, ...] = field(default=())


def _history_start(src: Source, end: pd.Timestamp, history_days: float) -> pd.Timestamp:
    start = end - pd.Timedelta(days=history_days)
    span = src.span()
    return max(start, span[0]) if span else start


def data(
    *,
    source: str | os.PathLike[str] | Source | None = None,
    quarter: str = "latest",
    tz: str | None = None,
    step: Any = "1h",
    horizon_days: float = 90,
    history_days: float = 365,
    heatmap_metric: str = "request_rate",
    project: Project | None = None,
) -> Data:
    """Fetch a quarterly review's history (``quarter``: ``2026Q3`` or ``latest``, in ``tz``)."""
    proj = resolve_project(project)
    zone = tz or proj.time_zone
    src = source_of(source, proj)
    period = report_quarter(quarter, src.span(), zone)
    spec, rules = proj.spec, proj.rules
    slo_start = period.data_start - max(s.window for s in spec.slos) - engine.warmup(spec)
    slo_data, notes = fetch(spec, src, spec.query_texts(None, None), slo_start, period.data_end)
    busy = pull(heatmap_metric, source=src, start=period.data_start, end=period.data_end, step=step, project=proj)
    growth_metrics = list(
        dict.fromkeys([g.metric for g in rules.growth] + [g.capacity for g in rules.growth if g.capacity])
    )
    quarter_hist = pull(
        growth_metrics, source=src, start=period.data_start, end=period.data_end, step=step, project=proj
    )
    begin = _history_start(src, period.data_end, history_days)
    daily = pull(growth_metrics, source=src, start=begin, end=period.data_end, step="1d", project=proj)
    hourly = pull(threshold_metrics(rules), source=src, start=begin, end=period.data_end, step=step, project=proj)
    warnings = notes + tuple(w for h in (busy, quarter_hist, daily, hourly) for w in h.warnings)
    return Data(
        proj,
        src.name,
        period,
        zone,
        pd.Timedelta(days=horizon_days),
        heatmap_metric,
        slo_data,
        busy.frame,
        quarter_hist.frame,
        daily.frame,
        hourly.frame,
        tuple(dict.fromkeys(warnings)),
    )


@dataclass(frozen=True)
class Slo:
    """The review's SLO phase: compliance over the quarter and over time, budgets, alerts, incidents."""

    window: Window
    compliance: pd.DataFrame
    rolling: pd.DataFrame
    burndown: pd.DataFrame
    burn_episodes: pd.DataFrame
    alerts: pd.DataFrame
    alert_summary: pd.DataFrame
    timeline: pd.DataFrame
    incidents: pd.DataFrame


def slo(d: Data) -> Slo:
    """Score the project's SLOs and replay its alerts over the review's quarter."""
    spec, p = d.project.spec, d.period
    window = Window(p.label, p.data_start, p.data_end, "quarter")
    times = overtime.checkpoints(p.data_start, p.data_end)
    table = score(spec, d.slo_data, [window], None, d.project, d.source)
    alerts = engine.replay_alerts(spec, d.slo_data, p.data_start, p.data_end)
    summary = sv.by_priority(alert_summary(alerts, tz=d.tz, by="quarter"), then=["firing_seconds"])
    return Slo(
        window,
        table,
        overtime.rolling_compliance(spec, d.slo_data, times),
        overtime.budget_burndown(spec, d.slo_data, p.data_start, times),
        engine.replay_burn_alerts(spec, d.slo_data, p.data_start, p.data_end),
        alerts,
        summary,
        sv.timeline_episodes(alerts),
        sv.incidents(alerts),
    )


@dataclass(frozen=True)
class Thresholds:
    """When each planning threshold is crossed, its daily history and forecast, and the verdict."""

    table: pd.DataFrame  # time_to_threshold's frame
    days: pd.DataFrame  # name, days, days_lo, days_hi: the days-to-threshold chart's frame
    history: pd.DataFrame
    forecast: pd.DataFrame
    choice: pd.DataFrame
    verdict: CiSummary
    units: dict[str, str]


def _days(start: pd.Series, end: pd.Series) -> pd.Series:
    """``end - start`` in days (NaN where either is NaT)."""
    return pd.to_timedelta(end - start) / pd.Timedelta(days=1)


def thresholds(hourly: pd.DataFrame, horizon: Any, *, source: str = "", project: Project | None = None) -> Thresholds:
    """Time to each planning threshold from ``hourly`` history, with the forecasts behind it."""
    proj = resolve_project(project)
    h = pd.Timedelta(horizon) if not isinstance(horizon, (int, float)) else pd.Timedelta(days=horizon)
    metrics = threshold_metrics(proj.rules)
    bounds = bounds_for(metrics, proj.catalog)
    units = {m: proj.catalog[m].unit for m in proj.catalog}
    ttt = time_to_threshold(hourly, h, rules=proj.rules, bounds=bounds)
    days = pd.DataFrame(
        {
            "name": ttt["text"],
            "days": _days(ttt["last_ds"], ttt["most_likely"]),
            "days_lo": _days(ttt["last_ds"], ttt["earliest"]),
            "days_hi": _days(ttt["last_ds"], ttt["latest"]),
        }
    )
    hist, fc, choice = threshold_forecasts(hourly, h, proj.rules, bounds=bounds)
    verdict = summarize(from_time_to_threshold(ttt, units), as_of=hourly["ds"].max(), horizon=h, source=source)
    return Thresholds(ttt, days, hist, fc, choice, verdict, units)


@dataclass(frozen=True)
class Capacity:
    """The review's capacity phase: peak load, growth against the plan, thresholds, recommendations."""

    peak: pd.Series
    history_summary: pd.DataFrame
    growth: pd.DataFrame
    plan: pd.DataFrame
    thresholds: Thresholds
    recommendations: pd.DataFrame
    methodology: pd.DataFrame


def capacity(d: Data) -> Capacity:
    """Peak, growth, plan verdicts and thresholds of the review's history."""
    units = {m: d.project.catalog[m].unit for m in d.project.catalog}
    peak = peak_load(d.busy, "14d", tz=d.tz).iloc[0]
    plan = growth_vs_plan(d.daily, rules=d.project.rules)
    th = thresholds(d.hourly, d.horizon, source=d.source, project=d.project)
    return Capacity(
        peak,
        digest.history_summary(d.quarter_history, units),
        digest.growth(d.quarter_history, d.period.data_start, d.period.data_end),
        plan,
        th,
        fv.recommendations(th.table, plan, units=units),
        fv.methodology(th.choice),
    )
