"""Headroom use case: for each service, pull the history its load models need, fit them, forecast
the daily peak request rate, and answer (capacity/loadmodels/ does the computing).

Which series and limits each service has comes from the project's services (``services:`` in
capacity.yaml, else the bundled platform's); the API, the CLI and the notebooks all come here.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import ConfigError
from ..core.status import TOO_LITTLE, history_length, too_little
from ..core.timeutil import format_duration, parse_duration
from ..forecasting import auto_forecast
from ..forecasting.planning import horizon_needs, worst_per_period
from ..loadmodels.answers import COLUMNS, NO_FORECAST, WhatIf, answer
from ..loadmodels.compute import MIN_POINTS, Fitted, Limit, Series, fit_service
from ..loadmodels.spec import Service
from ..sources import Source
from .history import History, pull, time_range
from .project import Project, source_of
from .project import resolve as resolve_project

#: the first and last time a server holds a query (None: not known)
Span = tuple[pd.Timestamp, pd.Timestamp] | None

__all__ = ["HeadroomResult", "headroom", "threshold_rows", "PEAK_WINDOW", "FORECAST_HISTORY"]

#: today's peak: the busiest point of the last week of the history
PEAK_WINDOW = pd.Timedelta(days=7)
#: the request-rate forecast learns from up to this much history (daily peaks on the service's step)
FORECAST_HISTORY = pd.Timedelta(days=365)


@dataclass(frozen=True)
class HeadroomResult:
    """``table``: one row per service (:data:`capacity.loadmodels.answers.COLUMNS`); ``fitted``: the
    models per service (for charts); ``peaks``: per service, the daily peak request rate (``y``) and
    its forecast (``mean``, ``lo-80``, ``hi-80``) in one frame; what the pulls noticed."""

    table: pd.DataFrame
    fitted: Mapping[str, Fitted]
    peaks: Mapping[str, pd.DataFrame]
    start: pd.Timestamp
    end: pd.Timestamp
    horizon: pd.Timedelta
    source: str
    warnings: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        """Every service got every answer it was configured for (latency, and CPU when it has a range)."""
        if not len(self.table):
            return False
        t = self.table
        answered = (t["status"] == "ok") & (t["latency_status"] == "ok") & t["cpu_status"].isin(["ok", "not set"])
        return bool(answered.all())


def _series(h: History) -> pd.Series:
    """The pull's only series on its grid (the first, when a query gave several)."""
    if h.frame.empty:
        return pd.Series(dtype=np.float64)
    uid = h.frame["unique_id"].iloc[0]
    g = h.frame[h.frame["unique_id"] == uid]
    return pd.Series(g["y"].to_numpy(dtype=np.float64), index=pd.DatetimeIndex(g["ds"]))


def _buckets(h: History, grid: pd.DatetimeIndex, what: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(bounds, cumulative counts on ``grid``) from a pull of one series per ``le``; None without them."""
    if h.frame.empty:
        return None
    if "le" not in h.labels.columns:
        raise ConfigError(f"{what}: expected one series per bucket (an 'le' label), got none", field="latency_buckets")
    les = {}
    for uid, le in h.labels[["unique_id", "le"]].itertuples(index=False):
        try:
            les[uid] = float(le)
        except (TypeError, ValueError):
            continue
    if len(les) < 2 or not any(math.isinf(v) for v in les.values()):
        raise ConfigError(
            f'{what}: need at least two buckets including le="+Inf", got {len(les)}', field="latency_buckets"
        )
    order = sorted(les, key=lambda u: les[u])
    wide = h.frame.pivot_table(index="ds", columns="unique_id", values="y", aggfunc="last").reindex(grid)
    counts = np.column_stack(
        [wide[u].to_numpy(dtype=np.float64) if u in wide else np.full(len(grid), np.nan) for u in order]
    )
    return np.array([les[u] for u in order]), counts


def _pull(
    query: str | None,
    src: Source,
    start: pd.Timestamp,
    end: pd.Timestamp,
    step: pd.Timedelta,
    proj: Project,
    notes: list[str],
) -> History | None:
    if not query:
        return None
    # tolerant: a series the source does not have is missing (a status); a failing source is an error
    h = pull(query, source=src, start=start, end=end, step=step, project=proj, tolerant=True)
    notes.extend(w for w in h.warnings if w not in notes)
    return h


def _history(
    svc: Service, src: Source, start: pd.Timestamp, end: pd.Timestamp, proj: Project, notes: list[str]
) -> tuple[Series, Span]:
    """The service's series on the request rate's grid, and the server's span of the request rate when
    the pull found none of it (None: not known, or not needed)."""
    step = svc.step
    got = {role: _pull(q, src, start, end, step, proj, notes) for role, q in svc.queries().items()}
    t = got.get("throughput")
    span = t.spans.get(svc.throughput) if t is not None else None
    thr = _series(t) if t is not None else pd.Series(dtype=np.float64)
    grid = pd.DatetimeIndex(thr.index)

    def aligned(role: str) -> np.ndarray | None:
        h = got.get(role)
        if h is None or h.frame.empty:
            return None
        return _series(h).reindex(grid).to_numpy(dtype=np.float64)

    if isinstance(svc.replicas, str):
        r = got.get("replicas")
        reps = (
            _series(r).reindex(grid, method="ffill").to_numpy(dtype=np.float64)
            if r is not None and not r.frame.empty
            else np.full(len(grid), np.nan)
        )
    else:
        reps = np.full(len(grid), float(svc.replicas))
    b = got.get("latency_buckets")
    bk = _buckets(b, grid, f"services.{svc.name}.latency_buckets ({svc.latency_buckets})") if b is not None else None
    series = Series(
        throughput=thr.to_numpy(dtype=np.float64),
        replicas=reps,
        bounds=bk[0] if bk else None,
        buckets=bk[1] if bk else None,
        latency_mean=aligned("latency_mean"),
        concurrency=aligned("concurrency"),
        cpu=aligned("cpu"),
    )
    return series, span


def _too_young(f: Fitted, svc: Service, span: Span) -> Fitted:
    """A request rate the pull found nothing of, re-read through the server's span of it (the pull's
    probe): minutes of it (too few to reach a point of the ``svc.step`` grid, or the models' points) are
    too little data, not no data. No span (a file or the sample had nothing, or the server has none of
    it): ``f`` as it is."""
    need = svc.step * MIN_POINTS
    if span is None or span[1] - span[0] >= need:
        return f
    note = (
        f"{too_little(span[1] - span[0], need)} of the request rate ({svc.throughput}): the models need "
        f"{MIN_POINTS} points {format_duration(svc.step)} apart"
    )
    little = Limit(TOO_LITTLE, note)
    return replace(f, latency=little, cpu=little, usl=little)


def _peaks(
    svc: Service, src: Source, end: pd.Timestamp, horizon: pd.Timedelta, proj: Project, notes: list[str]
) -> pd.DataFrame | None:
    """Daily peak request rate (project's time zone) and its forecast ``horizon`` ahead; None when
    there is too little history (said in ``notes``)."""
    begin = end - FORECAST_HISTORY
    span = src.span()
    if span:
        begin = max(begin, span[0])
    # from a local midnight: a first day that starts mid-afternoon has no business-hours peak
    zone = proj.time_zone
    begin = (begin.tz_convert(zone).normalize() + pd.Timedelta(days=1)).tz_convert("UTC")
    h = _pull(svc.throughput, src, begin, end, svc.step, proj, notes)  # the step today's peak is read on
    if h is None or h.frame.empty:
        return None
    frame = h.frame[h.frame["unique_id"] == h.frame["unique_id"].iloc[0]].assign(unique_id=svc.name)
    daily = worst_per_period(frame, "above", name=svc.name, tz=zone)
    need = horizon_needs(horizon)
    have = history_length(daily["ds"])
    if have < need:
        notes.append(
            f"{svc.name}: request-rate forecast: {too_little(have, need)} for {format_duration(horizon)} ahead"
        )
        return daily
    fc, _ = auto_forecast(daily, horizon, executor="serial", bounds={svc.name: (0.0, None)})
    return pd.concat(
        [daily, fc.drop(columns=["unique_id"], errors="ignore").assign(unique_id=svc.name)], ignore_index=True
    )


def headroom(
    services: Any = None,
    *,
    source: str | os.PathLike[str] | Source | None = None,
    start: Any = None,
    end: Any = None,
    horizon: Any = "90d",
    replicas: float | None = None,
    traffic: float | None = None,
    forecast: bool = True,
    project: Project | None = None,
) -> HeadroomResult:
    """The headroom of each service (``services``: a mapping, a file or Service objects; None: the
    project's) over ``start..end`` (default: each service's ``history`` before the end of the data),
    the daily peak request rate forecast ``horizon`` ahead, and a what-if with ``replicas`` and
    ``traffic`` (+0.2 = 20% more) when either is given."""
    h = parse_duration(horizon, field="horizon")
    if replicas is not None and (isinstance(replicas, bool) or not replicas > 0):
        raise ConfigError(f"replicas: expected a positive number, got {replicas!r}", field="replicas")
    if traffic is not None and not traffic > -1:
        raise ConfigError(f"traffic: expected a change above -100% (0.2 = +20%), got {traffic!r}", field="traffic")
    proj = resolve_project(project).with_services(services)
    src = source_of(source, proj)
    whatif = WhatIf(replicas, traffic or 0.0) if replicas is not None or traffic is not None else None
    notes: list[str] = []
    rows, fitted, peaks = [], {}, {}
    first: pd.Timestamp | None = None
    last: pd.Timestamp | None = None
    for svc in proj.services:
        a, b = time_range(src, start, end, step=svc.step, length=svc.history, strict=True)
        first, last = min(first or a, a), max(last or b, b)
        s, span = _history(svc, src, a, b, proj, notes)
        f = fit_service(svc, s)
        if not np.isfinite(s.throughput).any():
            f = _too_young(f, svc, span)
        recent = s.throughput[-max(int(PEAK_WINDOW / svc.step), 1) :]
        today = float(np.nanmax(recent)) if np.isfinite(recent).any() else math.nan
        daily = _peaks(svc, src, b, h, proj, notes) if forecast and np.isfinite(today) else None
        fc = daily[daily["mean"].notna()] if daily is not None and "mean" in daily else None
        row = answer(f, today, fc, whatif)
        if forecast and fc is None and row["breaks_status"] == NO_FORECAST:
            row["note"] = "; ".join(x for x in (row["note"], "no request-rate forecast (see warnings)") if x)
        rows.append(row)
        fitted[svc.name] = f
        if daily is not None:
            peaks[svc.name] = daily
    table = pd.DataFrame(rows, columns=COLUMNS)
    for c in ("breaks", "breaks_early", "breaks_late", "latency_breaks", "latency_breaks_early", "latency_breaks_late"):
        table[c] = pd.to_datetime(table[c], utc=True)
    assert first is not None and last is not None  # a project has at least one service
    return HeadroomResult(table, fitted, peaks, first, last, h, src.name, tuple(notes))


def threshold_rows(result: HeadroomResult | None, project: Project | None = None, error: str = "") -> pd.DataFrame:
    """Each service's "latency SLO at forecast load" as planning-threshold rows (the columns of
    :func:`capacity.forecasting.planning.time_to_threshold`), dated by its forecast's 95% band as the
    rules' are; ``result`` None (the use case failed with ``error``) is one ``no data`` row saying why.
    The CI forecast and the review's threshold table both add these rows."""
    from ..loadmodels.answers import threshold_rows as rows

    if result is None:
        return pd.DataFrame([{"threshold": "latency_slo", "status": "no data", "note": f"headroom: {error}"}])
    proj = resolve_project(project)
    metric = {s.name: s.throughput for s in proj.services}
    forecasts = {k: v[v["mean"].notna()] for k, v in result.peaks.items() if "mean" in v}
    return rows(result.table, result.end, metric, forecasts)
