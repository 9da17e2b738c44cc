"""The quarterly review and the capacity forecast report, computed phase by phase for the notebooks.

:func:`data` fetches everything a review reads (the SLO queries with their warm-up before the
quarter, the growth and threshold metrics over the learning history); :func:`slo` and
:func:`capacity` compute the tables the notebook shows; :func:`thresholds` is the
days-to-threshold analysis both the review and the capacity-forecast report present.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..core import frame as _frame
from ..core import timeutil
from ..core.status import NO_DATA, OK, TOO_LITTLE, UNAVAILABLE, Status, rows_status
from ..core.windows import Period, Window, previous_quarter, report_quarter
from ..core.windows import quarter as quarter_window
from ..forecasting.peak import PEAK_NEEDS, peak_load
from ..forecasting.planning import growth_vs_plan, needs, time_to_threshold
from ..forecasting.thresholds import threshold_forecasts, threshold_metrics
from ..report import decisions as dc
from ..report import digest
from ..report import forecast_views as fv
from ..report import slo_views as sv
from ..report.summary import CiSummary, from_time_to_threshold, summarize
from ..slo import engine, overtime
from ..slo.alerts import summarize as alert_summary
from ..slo.policy import verdicts
from ..sources import Source
from .forecast import bounds_for
from .headroom import HeadroomResult, threshold_rows
from .history import History, pull
from .project import Project, source_of
from .project import resolve as resolve_project
from .slo import fetch, score
from .span import data_span, missing_status, recheck

__all__ = [
    "Capacity",
    "Headroom",
    "headroom",
    "Data",
    "Decisions",
    "Slo",
    "Thresholds",
    "capacity",
    "data",
    "decisions",
    "slo",
    "thresholds",
]


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
    #: a server's span of each metric a pull found nothing of (None: no sample at all)
    spans: dict[str, tuple[pd.Timestamp, pd.Timestamp] | None] = field(default_factory=dict)
    #: growth metrics over the quarter before, on the report's step (to compare growth with)
    previous_history: pd.DataFrame = field(default_factory=_frame.empty)
    #: the source itself (the headroom section pulls its services' series from it)
    src: Source | None = None


def _history_start(span: tuple[pd.Timestamp, pd.Timestamp] | None, end: pd.Timestamp, days: float) -> pd.Timestamp:
    start = end - pd.Timedelta(days=days)
    return max(start, span[0]) if span else start


def _pull(metrics: list[str], src: Source, proj: Project, start: pd.Timestamp, end: pd.Timestamp, step: Any) -> History:
    """A tolerant pull (a metric the source lacks is missing, not an error); none asked: empty."""
    if not metrics:
        return History(_frame.empty(), _frame.empty_labels(), src.name, start, end)
    return pull(metrics, source=src, start=start, end=end, step=step, project=proj, tolerant=True)


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
    spec, rules = proj.spec, proj.rules
    growth_metrics = list(
        dict.fromkeys([g.metric for g in rules.growth] + [g.capacity for g in rules.growth if g.capacity])
    )
    thresholds_read = threshold_metrics(rules)
    # a server does not know its span: the earliest and latest samples of what the review reads
    queries = [*spec.query_texts(None, None), *growth_metrics, *thresholds_read, heatmap_metric]
    span = data_span(src, queries, proj.catalog)
    period = report_quarter(quarter, span, zone)
    # the quarter before it too, to compare against (compliance, budget, burn episodes)
    before = quarter_window(previous_quarter(period.label), zone)
    slo_start = min(period.data_start - max(s.window for s in spec.slos), before.start) - engine.warmup(spec)
    slo_data, notes = fetch(spec, src, spec.query_texts(None, None), slo_start, period.data_end)
    busy = _pull([heatmap_metric], src, proj, period.data_start, period.data_end, step)
    quarter_hist = _pull(growth_metrics, src, proj, period.data_start, period.data_end, step)
    previous_hist = _pull(growth_metrics, src, proj, before.start, before.end, step)
    begin = _history_start(span, period.data_end, history_days)
    daily = _pull(growth_metrics, src, proj, begin, period.data_end, "1d")
    hourly = _pull(thresholds_read, src, proj, begin, period.data_end, step)
    warnings = notes + tuple(w for h in (busy, quarter_hist, daily, hourly) for w in h.warnings)
    # what a pull found nothing of: none at all on the server, or too little to reach the grid?
    spans = {m: sp for h in (busy, quarter_hist, daily, hourly) for m, sp in h.spans.items()}
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
        spans,
        previous_hist.frame,
        src,
    )


#: a heat map by local hour and weekday needs every weekday once
HEATMAP_NEEDS = pd.Timedelta(days=7)
#: the quarter's growth compares its first week with its last: two weeks at least
GROWTH_NEEDS = pd.Timedelta(days=14)


@dataclass(frozen=True)
class Slo:
    """The review's SLO phase: compliance over the quarter and over time, budgets, alerts, incidents.

    ``status`` says per section (``compliance``, ``burn``, ``alerts``) whether it was computed and,
    when not (or only in part), why: the notebook shows the sentence instead of an empty chart.
    """

    window: Window
    compliance: pd.DataFrame
    rolling: pd.DataFrame
    burndown: pd.DataFrame
    burn_episodes: pd.DataFrame
    alerts: pd.DataFrame
    alert_summary: pd.DataFrame
    timeline: pd.DataFrame
    incidents: pd.DataFrame
    status: dict[str, Status] = field(default_factory=dict)
    #: the same SLOs over the quarter before (compliance table), and its burn-rate episodes
    previous: pd.DataFrame = field(default_factory=pd.DataFrame)
    previous_episodes: pd.DataFrame = field(default_factory=pd.DataFrame)


def _alerts_status(d: Data) -> Status:
    spec = d.project.spec
    if not spec.alerts:
        return Status(NO_DATA, "the spec has no alert rules")
    start, end = d.period.data_start, d.period.data_end
    silent = []
    for a in spec.alerts:
        f = d.slo_data.get(a.metric.text)
        if f is None or not f.loc[(f["ds"] > start) & (f["ds"] <= end), "y"].notna().any():
            silent.append(a.name)
    why = f"no data in {d.period.label} for {', '.join(silent)}"
    if len(silent) == len(spec.alerts):
        return Status(NO_DATA, f"alerts not replayed: {why}")
    return Status(OK, f"not replayed: {why}" if silent else "")


def slo(d: Data) -> Slo:
    """Score the project's SLOs and replay its alerts over the review's quarter (the whole quarter:
    a history that covers less of it than the coverage floor is ``too little data``, not a verdict)."""
    spec, p = d.project.spec, d.period
    window = Window(p.label, p.start, p.data_end, "quarter")
    times = overtime.checkpoints(p.data_start, p.data_end)
    table = score(spec, d.slo_data, [window], None, d.project, d.source)
    alerts = engine.replay_alerts(spec, d.slo_data, p.data_start, p.data_end)
    summary = sv.by_priority(alert_summary(alerts, tz=d.tz, by="quarter"), then=["firing_seconds"])
    scored = rows_status(table, "status", "slo", "SLO", note="reason")
    before = quarter_window(previous_quarter(p.label), d.tz)
    prev_window = Window(before.label, before.start, before.end, "quarter")
    previous = score(spec, d.slo_data, [prev_window], None, d.project, d.source)
    previous_episodes = engine.replay_burn_alerts(spec, d.slo_data, before.start, before.end)
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
        {"compliance": scored, "burn": scored if not scored.ok else Status(), "alerts": _alerts_status(d)},
        previous,
        previous_episodes,
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
    #: computed for at least one threshold, or why not (and which were not, when some were)
    status: Status = field(default_factory=Status)

    @property
    def not_forecast(self) -> list[str]:
        """The thresholds with too little data, or none, to forecast (the table says why)."""
        return [str(n) for n in self.table.loc[self.table["status"].isin(UNAVAILABLE), "threshold"]]


def _days(start: pd.Series, end: pd.Series) -> pd.Series:
    """``end - start`` in days (NaN where either is NaT)."""
    return pd.to_timedelta(end - start) / pd.Timedelta(days=1)


def thresholds(
    hourly: pd.DataFrame | History,
    horizon: Any,
    *,
    source: str = "",
    project: Project | None = None,
    spans: Mapping[str, tuple[pd.Timestamp, pd.Timestamp] | None] | None = None,
    extra: pd.DataFrame | None = None,
) -> Thresholds:
    """Time to each planning threshold from ``hourly`` history (a frame, or a History: then its source
    and the spans of what it missed are used), with the forecasts behind it. ``spans``: a server's
    span of each metric the history lacks, so that minutes of data read ``too little data``. ``extra``:
    rows of the same table computed elsewhere (the services' latency SLO at forecast load,
    :func:`capacity.app.headroom.threshold_rows`), shown and judged with the rules'."""
    if isinstance(hourly, History):
        source, spans, hourly = source or hourly.source, hourly.spans if spans is None else spans, hourly.frame
    proj = resolve_project(project)
    h = pd.Timedelta(horizon) if not isinstance(horizon, (int, float)) else pd.Timedelta(days=horizon)
    metrics = threshold_metrics(proj.rules)
    bounds = bounds_for(metrics, proj.catalog)
    units = {m: proj.catalog[m].unit for m in proj.catalog}
    zone = proj.time_zone  # thresholds are checked on the platform's days
    ttt = time_to_threshold(hourly, h, rules=proj.rules, bounds=bounds, tz=zone)
    ttt = recheck(ttt, "status", spans or {}, {t.name: needs(t) for t in proj.rules.thresholds}, key="threshold")
    if extra is not None and len(extra):
        ttt = pd.concat([ttt, extra], ignore_index=True)
        units = {**units, **{m: "1/s" for m in extra["metric"].dropna() if m}}
    if ttt.empty:
        status = Status(NO_DATA, "the planning rules have no threshold")
    else:
        status = rows_status(ttt, "status", "text", "threshold")
    days = pd.DataFrame(
        {
            "name": ttt["text"],
            "days": _days(ttt["last_ds"], ttt["most_likely"]),
            "days_lo": _days(ttt["last_ds"], ttt["earliest"]),
            "days_hi": _days(ttt["last_ds"], ttt["latest"]),
        }
    )
    hist, fc, choice = threshold_forecasts(hourly, h, proj.rules, bounds=bounds, tz=zone)
    as_of = hourly["ds"].max() if len(hourly) else timeutil.now().floor("min")
    start = pd.Timestamp(hourly["ds"].min()) if len(hourly) else None
    verdict = summarize(from_time_to_threshold(ttt, units), as_of=as_of, horizon=h, source=source, history_start=start)
    return Thresholds(ttt, days, hist, fc, choice, verdict, units, status)


@dataclass(frozen=True)
class Headroom:
    """The review's headroom section: the use case's result (None when it failed), one sentence per
    service, and whether any service got an answer."""

    result: HeadroomResult | None
    lines: tuple[str, ...]
    status: Status


def headroom(d: Data) -> Headroom:
    """Each service's headroom at the end of the quarter, its request rate forecast ``d.horizon`` ahead."""
    from ..core.errors import CapacityError
    from ..present.headroom import sentence
    from .headroom import headroom as measure

    try:
        got = measure(
            source=d.src if d.src is not None else d.source, end=d.period.data_end, horizon=d.horizon, project=d.project
        )
    except CapacityError as exc:
        return Headroom(None, (), Status(NO_DATA, f"headroom: {exc}"))
    t = got.table
    lines = tuple(sentence(row, d.tz, got.end + got.horizon) for _, row in t.iterrows())
    return Headroom(got, lines, rows_status(t, "status", "service", "service"))


@dataclass(frozen=True)
class Capacity:
    """The review's capacity phase: peak load, growth against the plan, thresholds, recommendations.

    ``status`` says per section (``heatmap``, ``peak``, ``growth``, ``plan``, ``thresholds``)
    whether it was computed and why not; ``peak`` is None when it was not. ``growth_series``: the
    growth metrics with data in the quarter (the ones to chart).
    """

    peak: pd.Series | None
    history_summary: pd.DataFrame
    growth: pd.DataFrame
    plan: pd.DataFrame
    thresholds: Thresholds
    recommendations: pd.DataFrame
    methodology: pd.DataFrame
    status: dict[str, Status] = field(default_factory=dict)
    growth_series: tuple[str, ...] = ()
    #: the services' headroom (its rows are also in ``thresholds``)
    headroom: Headroom | None = None


def _history_status(d: Data, frame: pd.DataFrame, metric: str, needs: pd.Timedelta) -> Status:
    """Whether ``metric``'s history in ``frame`` covers ``needs``; a metric the pull found nothing of
    is read through the server's span of it (minutes of data: too little, not none)."""
    ds = frame.loc[(frame["unique_id"] == metric) & frame["y"].notna(), "ds"]
    if ds.empty:
        return Status(*missing_status(metric, d.spans, needs))
    return Status.of_history(ds, needs, metric)


def capacity(d: Data) -> Capacity:
    """Peak, growth, plan verdicts and thresholds of the review's history; each section that has too
    little data is left out with its status, never a crash."""
    proj = d.project
    units = {m: proj.catalog[m].unit for m in proj.catalog}
    status: dict[str, Status] = {
        "heatmap": _history_status(d, d.busy, d.heatmap_metric, HEATMAP_NEEDS),
        "peak": _history_status(d, d.busy, d.heatmap_metric, PEAK_NEEDS),
    }
    peak = None
    if status["peak"].ok:
        rule = proj.rules.peak
        peak = peak_load(d.busy, "14d", tz=d.tz, business_hours=rule.business_hours).iloc[0]
    growth_metrics = [g.metric for g in proj.rules.growth]
    shown = tuple(m for m in growth_metrics if (d.quarter_history["unique_id"] == m).any())
    if not growth_metrics:
        status["growth"] = Status(NO_DATA, "the planning rules have no growth rule")
    else:
        each = [_history_status(d, d.quarter_history, m, GROWTH_NEEDS) for m in growth_metrics]
        short = "; ".join(st.reason for st in each if not st.ok)
        if any(st.ok for st in each):
            status["growth"] = Status(OK, f"not computed: {short}" if short else "")
        else:
            worst = NO_DATA if all(st.status == NO_DATA for st in each) else TOO_LITTLE
            status["growth"] = Status(worst, f"no growth metric has enough data in {d.period.label}: {short}")
    plan = growth_vs_plan(d.daily, rules=proj.rules)
    plan = recheck(plan, "verdict", d.spans, {g.name: needs(g) for g in proj.rules.growth}, key="rule")
    if plan.empty:
        status["plan"] = Status(NO_DATA, "the planning rules have no growth rule")
    else:
        status["plan"] = rows_status(plan, "verdict", "text", "growth rule")
    hr = headroom(d)
    extra = threshold_rows(hr.result, proj, hr.status.reason)
    th = thresholds(d.hourly, d.horizon, source=d.source, project=proj, spans=d.spans, extra=extra)
    status["thresholds"] = th.status
    ok_growth = [m for m in growth_metrics if m in shown]
    quarter = d.quarter_history[d.quarter_history["unique_id"].isin(ok_growth)] if status["growth"].ok else None
    return Capacity(
        peak,
        digest.history_summary(d.quarter_history, units),
        digest.growth(quarter, d.period.data_start, d.period.data_end) if quarter is not None else _NO_GROWTH,
        plan,
        th,
        fv.recommendations(th.table, plan, units=units),
        fv.methodology(th.choice),
        status,
        shown,
        hr,
    )


_NO_GROWTH = pd.DataFrame(columns=["series", "start_value", "end_value", "change", "pct", "pct_per_quarter"])


@dataclass(frozen=True)
class Decisions:
    """The review's first screen and what feeds it: ``summary`` (areas and top actions, dated
    against ``summary.today``), ``incidents`` (page-level burn episodes merged with threshold-alert
    incidents), ``slo_actions`` (one per missed or at-risk SLO) and ``meanings`` (SLO -> what good
    means, in words)."""

    summary: dc.Summary
    incidents: pd.DataFrame
    slo_actions: pd.DataFrame
    meanings: dict[str, str]
    #: the spec's error budget policy per SLO: slo, used, verdict, action
    policy: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: each SLO against the quarter before (:func:`capacity.report.decisions.compare_quarters`)
    comparison: pd.DataFrame = field(default_factory=pd.DataFrame)
    previous_label: str = ""
    #: each growth metric's growth this quarter and the one before (digest.growth of both)
    growth_comparison: pd.DataFrame = field(default_factory=pd.DataFrame)


def _with_budget(incidents: pd.DataFrame, d: Data, s: Slo) -> pd.DataFrame:
    """``incidents`` plus ``budget``: for each SLO of an incident, the share of its quarter's error
    budget the incident's own minutes spent (the engine's bad events in the incident's window over the
    events the quarter allows), as ``latency-p95-timeslice 27%``."""
    spec = d.project.spec
    names = {x.name for x in spec.slos}
    ok = s.compliance[s.compliance["status"] == "ok"]
    allowed = {str(k): float(v) for k, v in zip(ok["slo"], ok["allowed_bad"], strict=True)}
    spent: list[str] = []
    for start, end, what in zip(incidents["start"], incidents["end"], incidents["what"], strict=True):
        mine = [n for n in str(what).split(", ") if n in names and allowed.get(n, 0) > 0]
        if not mine:
            spent.append("")
            continue
        window = Window("incident", pd.Timestamp(start) - spec.step, pd.Timestamp(end), "rolling")
        table = engine.compliance(spec, d.slo_data, [window], mine)
        parts = [
            f"{slo_name} {float(bad) / allowed[str(slo_name)]:.0%}"
            for slo_name, bad in zip(table["slo"], table["bad"], strict=True)
            if pd.notna(bad)
        ]
        spent.append(", ".join(parts))
    return incidents.assign(budget=spent)


def decisions(d: Data, s: Slo, c: Capacity, *, today: Any = None, top: int = 5) -> Decisions:
    """Rank what the review found (``s`` and ``c`` of ``d``) into the summary. ``today``: the day the
    report is read (default: now), which every due date is said against."""
    proj = d.project
    units = {m: proj.catalog[m].unit for m in proj.catalog}
    meanings = {}
    for item in proj.spec.slos:
        metric = item.sli.metric.text if item.sli.metric is not None else ""
        meanings[item.name] = dc.good_means(item, units.get(metric, "ratio" if item.sli.kind == "gauge_range" else ""))
    incidents = _with_budget(dc.incidents(s.burn_episodes, s.incidents), d, s)
    actions = dc.slo_actions(s.compliance, proj.spec, d.slo_data, units=units)
    when = timeutil.parse_time(today, field="today") if today is not None else timeutil.now()
    kinds = {item.name: item.sli.kind for item in proj.spec.slos}
    policy = verdicts(proj.spec.budget_policy, s.compliance, kinds)
    before = previous_quarter(d.period.label)
    comparison = dc.compare_quarters(s.compliance, s.previous, s.burn_episodes, s.previous_episodes)
    summary = dc.summary(
        s.compliance,
        incidents,
        c.recommendations,
        actions,
        today=when,
        thresholds=c.thresholds.table,
        policy=policy,
        comparison=comparison,
        plan=c.plan,
        previous_label=before,
        top=top,
    )
    prev_q = quarter_window(before, d.tz)
    growth_then = digest.growth(d.previous_history, prev_q.start, prev_q.end) if len(d.previous_history) else _NO_GROWTH
    growth_comparison = dc.compare_growth(c.growth, growth_then)
    return Decisions(
        summary,
        incidents,
        actions,
        meanings,
        policy,
        comparison,
        before,
        growth_comparison,
    )
