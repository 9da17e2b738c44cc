"""Pulling history: the one place for default ends, ranges and steps, and for what a pull noticed.

``end`` defaults to the end of a source that knows its span (the bundled sample, a file), else to
now; ``start`` to :data:`DEFAULT_LENGTH` before ``end``. Times relative to now (``now``, ``now-1h``,
a defaulted end of a server) are floored to the pull's step (to the minute when no step is known):
``now-1h`` on a 15s step is 241 points on :00/:15/:30/:45, and the next run within the same step asks
for the same grid, so the pull cache answers it. Explicit times are never moved. A metric's default
step is its catalog entry's, else one minute. What a source noticed (dropped duplicates, server
warnings, metrics with no data) comes back as data in :class:`History`, never printed.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ..core import frame as _frame
from ..core import timeutil
from ..core.errors import ConfigError, UnknownMetricError
from ..core.timeutil import format_time, parse_duration, parse_time
from ..metrics.catalog import Catalog
from ..sources import Progress, Pulled, Request, Source, fetch_all, series_of
from ..sources.base import MAX_POINTS
from .project import Project, source_of
from .project import resolve as resolve_project
from .span import metric_spans

__all__ = [
    "DEFAULT_LENGTH",
    "History",
    "default_end",
    "fetch_each",
    "forecast_history",
    "metrics_list",
    "pull",
    "step_for",
    "time_range",
]

DEFAULT_LENGTH = pd.Timedelta(days=7)

SourceLike = "str | os.PathLike[str] | Source"


@dataclass(frozen=True)
class History:
    """A pull's result: the canonical frame, its labels table, and what the pull noticed."""

    frame: pd.DataFrame
    labels: pd.DataFrame
    source: str
    start: pd.Timestamp
    end: pd.Timestamp
    warnings: tuple[str, ...] = field(default=())
    #: the metrics (or queries) the source had no data for in the range
    missing: tuple[str, ...] = field(default=())
    #: for a server, the span of the samples (None: none at all) of each metric missing or met at one
    #: point of the grid: a metric the server holds minutes of can fall between the points of an hourly
    #: grid, or on one of them (see app.span)
    spans: Mapping[str, tuple[pd.Timestamp, pd.Timestamp] | None] = field(default_factory=dict)


def default_end(
    src: Source,
    end: Any = None,
    *,
    field: str = "end",
    step: pd.Timedelta | None = None,
    at: pd.Timestamp | None = None,
) -> pd.Timestamp:
    """``end`` parsed, else the end of the source's data, else now; ``now`` and ``now-...`` (given
    or defaulted) are read against ``at`` (default: the current time) and floored to ``step`` (default:
    the minute), explicit times are kept as given."""
    if end is not None:
        return parse_time(end, field=field, step=step, at=at)
    span = src.span()
    return span[1] if span else parse_time("now", field=field, step=step, at=at)


def time_range(
    src: Source,
    start: Any = None,
    end: Any = None,
    *,
    step: pd.Timedelta | None = None,
    at: pd.Timestamp | None = None,
    length: pd.Timedelta = DEFAULT_LENGTH,
    fields: tuple[str, str] = ("start", "end"),
    strict: bool = False,
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``(start, end)`` in UTC: ``end`` by :func:`default_end`, ``start`` ``length`` before it.

    Relative times (and a defaulted end of a server) are read against one ``at`` (default: the
    current time, read once) and floored to ``step``: the grid of the pull. A start after the end
    (or, with ``strict``, not before it) is a ConfigError that says when the end came from the
    source's data.
    """
    at = at if at is not None else timeutil.now()
    end_ts = default_end(src, end, field=fields[1], step=step, at=at)
    start_ts = parse_time(start, field=fields[0], step=step, at=at) if start is not None else end_ts - length
    if start_ts > end_ts or (strict and start_ts >= end_ts):
        span = src.span() if end is None else None
        why = f" (the end of the data of {src.name}; give {fields[1]})" if span else ""
        word = "not before" if strict else "after"
        raise ConfigError(
            f"{fields[0]} {format_time(start_ts)} is {word} {fields[1]} {format_time(end_ts)}{why}",
            field=fields[0].lstrip("-"),
        )
    return start_ts, end_ts


def _ranges(
    src: Source,
    start: Any,
    end: Any,
    steps: Sequence[pd.Timedelta | None],
    *,
    fields: tuple[str, str],
    length: pd.Timedelta = DEFAULT_LENGTH,
    strict: bool = False,
) -> tuple[list[tuple[pd.Timestamp, pd.Timestamp]], pd.Timestamp, pd.Timestamp]:
    """One :func:`time_range` per step (all read against one ``now``), and the whole range they span."""
    at = timeutil.now()
    by_step = {
        st: time_range(src, start, end, step=st, at=at, length=length, fields=fields, strict=strict)
        for st in dict.fromkeys(steps)
    }
    ranges = [by_step[st] for st in steps]
    return ranges, min(a for a, _ in ranges), max(b for _, b in ranges)


def step_for(metric: str, step: Any = None, *, catalog: Catalog | None = None) -> pd.Timedelta:
    """``step`` parsed, else the catalog entry's step, else one minute."""
    if step is not None:
        return parse_duration(step, field="step")
    entry = (catalog if catalog is not None else resolve_project(None).catalog).find(metric)
    return entry.step if entry is not None else pd.Timedelta(minutes=1)


def metrics_list(metrics: str | Iterable[str]) -> list[str]:
    """The metrics asked for, in order, each once; at least one."""
    items = [metrics] if isinstance(metrics, str) else list(metrics)
    if not items:
        raise ConfigError("pull: give at least one metric (a catalog name or a PromQL expression)", field="metrics")
    for i, item in enumerate(items, 1):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"pull: metric {i} is empty; give a catalog name or a PromQL expression", field="metrics")
    return list(dict.fromkeys(items))


def fetch_each(
    src: Source, requests: Sequence[Request], *, progress: Progress | None = None, max_points: int = MAX_POINTS
) -> list[Pulled]:
    """:func:`capacity.sources.fetch_all`, except that a metric the source does not know comes back
    empty, its reason as a warning, instead of stopping the others (what arrived before is cached,
    so the second pass asks only for what is missing)."""
    try:
        return fetch_all(src, requests, progress=progress, max_points=max_points)
    except UnknownMetricError:
        out: list[Pulled] = []
        for r in requests:
            try:
                out.extend(fetch_all(src, [r], progress=progress, max_points=max_points))
            except UnknownMetricError as exc:
                out.append(Pulled(_frame.empty(), _frame.empty_labels(), (str(exc),)))
        return out


def _no_data(metric: str, start: pd.Timestamp, end: pd.Timestamp, src: Source) -> str:
    return f"no data for {metric!r} in {format_time(start)} .. {format_time(end)} from {src.name}"


def _one_point_each(frame: pd.DataFrame) -> bool:
    """Whether each series of ``frame`` has one row, without a pass over a long frame: a frame with
    more rows than series ids (its categories) has a series with several."""
    uid = frame["unique_id"]
    most = len(uid.cat.categories) if isinstance(uid.dtype, pd.CategoricalDtype) else 10_000
    return 0 < len(frame) <= most and not uid.duplicated().any()


def _collect(
    src: Source,
    metrics: Sequence[str],
    got: Sequence[Pulled],
    start: pd.Timestamp,
    end: pd.Timestamp,
    catalog: Catalog,
) -> History:
    notes: list[str] = []
    missing: list[str] = []
    thin: list[str] = []  # one point of each series: how long the server has held it, its span says
    for metric, pulled in zip(metrics, got, strict=False):
        if _one_point_each(pulled.frame):
            thin.append(metric)
        for text in pulled.warnings:
            # a file source's warnings already start with "file PATH"; say where once
            line = text if text.startswith(src.name) else f"{src.name}: {metric}: {text}"
            if line not in notes:
                notes.append(line)
        if pulled.frame.empty:
            missing.append(metric)
            if not any(metric in w for w in pulled.warnings):  # else the source said why
                notes.append(_no_data(metric, start, end, src))
    frame = _frame.validate(_frame.concat(p.frame for p in got), name=f"pull from {src.name}")
    tables = [p.labels for p in got if len(p.labels)]
    labels = pd.concat(tables, ignore_index=True) if tables else _frame.empty_labels()
    # a series answered by several metrics keeps the labels of the first metric that named it
    labels = labels.drop_duplicates("unique_id", keep="first").sort_values("unique_id").reset_index(drop=True)
    spans = metric_spans(src, missing + thin, catalog) if missing or thin else {}
    return History(frame, labels, src.name, start, end, tuple(notes), tuple(missing), spans)


def pull(
    metrics: str | Iterable[str],
    *,
    source: str | os.PathLike[str] | Source | None = None,
    start: Any = None,
    end: Any = None,
    step: Any = None,
    progress: Progress | None = None,
    project: Project | None = None,
    fields: tuple[str, str] = ("start", "end"),
    tolerant: bool = False,
    **source_options: Any,
) -> History:
    """Every metric over ``start..end`` on its step (``step`` or the catalog's), as one History."""
    proj = resolve_project(project)
    src = source_of(source, proj, **source_options)
    items = metrics_list(metrics)
    cat = proj.catalog
    fixed = parse_duration(step, field="step") if step is not None else None
    steps = [fixed if fixed is not None else step_for(m, catalog=cat) for m in items]
    ranges, start_ts, end_ts = _ranges(src, start, end, steps, fields=fields)
    requests = [(m, a, b, st) for m, (a, b), st in zip(items, ranges, steps, strict=True)]
    fetch = fetch_each if tolerant else fetch_all  # tolerant: an unknown metric is missing, not an error
    got = fetch(src, requests, progress=progress, max_points=proj.limits.max_points)
    return _collect(src, items, got, start_ts, end_ts, cat)


def forecast_history(
    metrics: Sequence[str],
    *,
    source: str | os.PathLike[str] | Source | None,
    horizon: pd.Timedelta,
    start: Any = None,
    end: Any = None,
    step: Any = None,
    command: str = "forecast",
    project: Project | None = None,
    fields: tuple[str, str] = ("start", "end"),
    progress: Progress | None = None,
    require_all: bool = True,
    allow_empty: bool = False,
) -> History:
    """The history a forecast of ``horizon`` learns from.

    Metrics: those named, or the only series of a file source. Range: ``start..end``, ``start``
    defaulting to the whole span of a sample/file source, else 4 horizons (at least 28 days)
    before ``end``. Step: ``step``, else for a server the catalog step widened to an hour (horizons
    of 2 days or more) or a day (30 days or more); a file keeps its own spacing. A metric with no
    data is a ConfigError naming it, unless ``require_all`` is False: then it is in ``missing`` (and
    only a history with no metric at all is an error, unless ``allow_empty``).
    """
    proj = resolve_project(project)
    src = source_of(source, proj)
    names = list(dict.fromkeys(metrics))
    listed = series_of(src)
    if not names:
        if listed is None:
            raise ConfigError(
                f"{command}: give at least one METRIC (a catalog name; see 'capacity pull --list')", field="metrics"
            )
        if len(listed) != 1:
            raise ConfigError(
                f"{command}: {src.name} holds {len(listed)} series; name the ones to use: {', '.join(listed[:10])}",
                field="metrics",
            )
        names = listed
    span = src.span()
    if start is None and span:
        start = span[0]
    cat = proj.catalog
    fixed = parse_duration(step, field="step") if step is not None else None

    def one_step(metric: str) -> pd.Timedelta | None:
        if fixed is not None:
            return fixed
        if listed is not None:
            return None  # a file keeps its own spacing
        bucket = (
            pd.Timedelta(days=1)
            if horizon >= pd.Timedelta(days=30)
            else (pd.Timedelta(hours=1) if horizon >= pd.Timedelta(days=2) else pd.Timedelta(0))
        )
        return max(step_for(metric, catalog=cat), bucket)

    steps = [one_step(m) for m in names]
    length = max(4 * horizon, pd.Timedelta(days=28))
    ranges, start_ts, end_ts = _ranges(src, start, end, steps, fields=fields, length=length, strict=True)
    requests = [(m, a, b, st) for m, (a, b), st in zip(names, ranges, steps, strict=True)]
    fetch = fetch_all if require_all else fetch_each
    # None steps: the file's own spacing
    got = fetch(src, requests, progress=progress, max_points=proj.limits.max_points)  # type: ignore[arg-type]
    hist = _collect(src, names, got, start_ts, end_ts, cat)
    if hist.missing and (require_all or (len(hist.missing) == len(names) and not allow_empty)):
        raise ConfigError(f"{command}: {_no_data(hist.missing[0], start_ts, end_ts, src)}", field="metrics")
    return replace(hist, frame=_frame.validate(hist.frame, name=f"{command} input from {src.name}"))
