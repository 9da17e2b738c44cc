"""The analyst-facing entry points: ``capacity.pull`` and friends."""
from __future__ import annotations

import os
import re
import warnings
from collections.abc import Iterable
from typing import Any

import pandas as pd

from .core import frame as _frame
from .core.errors import ConfigError, SourceWarning
from .sources import Progress, Source, fetch_all, resolve
from .core.timeutil import format_time, parse_duration, parse_time

DEFAULT_RANGE = pd.Timedelta(days=7)


def _metrics_list(metrics: str | Iterable[str]) -> list[str]:
    items = [metrics] if isinstance(metrics, str) else list(metrics)
    if not items:
        raise ConfigError("pull: give at least one metric (a catalog name or a PromQL expression)", field="metrics")
    return items


def _default_step(src: Source, metric: str) -> pd.Timedelta:
    from .metrics.catalog import default_catalog

    entry = default_catalog().find(metric)
    return entry.step if entry is not None else pd.Timedelta(minutes=1)


def pull(
    metrics: str | Iterable[str],
    *,
    source: "str | os.PathLike[str] | Source" = "sample",
    start: Any = None,
    end: Any = None,
    step: Any = None,
    labels: bool = False,
    progress: Progress | None = None,
    **source_options: Any,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Pull series into one canonical frame.

    ``metrics``: catalog names (``capacity.catalog()``) or PromQL expressions.
    ``source``: ``"sample"`` (the bundled history), an ``http(s)://`` URL of
    any server speaking Prometheus' HTTP API, or a CSV/Parquet path.
    ``start``/``end``: RFC 3339, a date, ``now-7d`` or a Timestamp; ``end``
    defaults to now (or the end of a sample/file source), ``start`` to 7 days
    before ``end``. ``step``: ``'1m'``, ``'1h'``...; defaults to the catalog
    entry's step, else one minute.
    With ``labels=True`` returns ``(frame, labels_table)``.
    What a source noticed (duplicates dropped, server ``warnings``) is issued
    as :class:`capacity.errors.SourceWarning` through :mod:`warnings`.
    """
    src = resolve(source, **source_options)
    items = _metrics_list(metrics)
    span = src.span()
    end_ts = parse_time(end, field="end") if end is not None else (span[1] if span else pd.Timestamp.now(tz="UTC"))
    start_ts = parse_time(start, field="start") if start is not None else end_ts - DEFAULT_RANGE
    if start_ts > end_ts:
        raise ConfigError(f"pull: start {format_time(start_ts)} is after end {format_time(end_ts)}", field="start")
    frames, tables = [], []
    step_td = parse_duration(step, field="step") if step is not None else None
    requests = [(m, start_ts, end_ts, step_td if step_td is not None else _default_step(src, m)) for m in items]
    for metric, got in zip(items, fetch_all(src, requests, progress=progress)):
        for text in got.warnings:
            # a file source's warnings already start with "file PATH"; say it once
            where = "" if text.startswith(src.name) else f"{src.name}: {metric}: "
            warnings.warn(where + text, SourceWarning, stacklevel=2)
        frames.append(got.frame)
        tables.append(got.labels)
    out = _frame.validate(_frame.concat(frames), name=f"pull from {src.name}")
    if not labels:
        return out
    table = pd.concat([t for t in tables if len(t)], ignore_index=True) if any(len(t) for t in tables) else _frame.empty_labels()
    table = table.drop_duplicates("unique_id").sort_values("unique_id").reset_index(drop=True)
    return out, table


# --- SLOs: fetch what a spec needs, then the pure engine -------------------------------------


def spec_data(
    spec: Any,
    source: Any,
    queries: Iterable[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    progress: Progress | None = None,
) -> tuple[dict[str, pd.DataFrame], tuple[str, ...]]:
    """Each query from ``source`` over ``start..end`` on the spec's step: ``(data, warnings)``.

    A query the source has no data for maps to an empty frame and adds a warning.
    This is the one place SLO data is fetched (CLI, notebooks and the API share it).
    """
    src = resolve(source)
    data: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    lo = pd.Timestamp(start).floor(spec.step)
    wanted = list(dict.fromkeys(queries))
    for q, got in zip(wanted, fetch_all(src, [(q, lo, end, spec.step) for q in wanted], progress=progress)):
        notes.extend(got.warnings)
        if got.frame.empty:
            notes.append(f"no data for {q!r} in {format_time(lo)} .. {format_time(end)} from {src.name}")
        data[q] = got.frame
    return data, tuple(notes)


def _warn(notes: Iterable[str]) -> None:
    for text in notes:
        warnings.warn(text, SourceWarning, stacklevel=3)


def _spec_and_window(spec: Any, source: Any, window: Any, end: Any, month: Any, quarter: Any, tz: Any):
    from . import slo as _slo

    if spec is None:
        spec_obj = _slo.default_spec()
    elif isinstance(spec, (str, os.PathLike)):
        spec_obj = _slo.load_spec(spec)
    else:
        spec_obj = spec
    src = resolve(source)
    zone = tz or spec_obj.tz
    chosen = [w for w in (window is not None, month is not None, quarter is not None) if w]
    if len(chosen) > 1:
        raise ConfigError("give one of window, month or quarter", field="window")
    if isinstance(window, str):  # the notebooks' `window` parameter takes 2026-09 / 2026Q3; here they have names
        for pattern, name in ((r"\d{4}-\d{2}", "month"), (r"\d{4}-?Q[1-4]", "quarter")):
            if re.fullmatch(pattern, window.strip()):
                raise ConfigError(f"window: {window!r} is a calendar {name}: pass {name}={window.strip()!r} "
                                  "(window= is a rolling length such as '30d')", field="window")
    if month is not None:
        win = _slo.month(month, zone)
    elif quarter is not None:
        win = _slo.quarter(quarter, zone)
    else:
        span = src.span()
        end_ts = parse_time(end, field="end") if end is not None else (span[1] if span else pd.Timestamp.now(tz="UTC"))
        win = _slo.rolling(window or "30d", end_ts)
    return spec_obj, src, win, zone


def slo_compliance(
    *,
    source: Any = "sample",
    spec: Any = None,
    window: Any = None,
    end: Any = None,
    month: str | None = None,
    quarter: str | None = None,
    tz: str | None = None,
    slos: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Compliance and error budget of each SLO over one window, as a tidy frame.

    ``spec``: None (the runbook's baselines), a path (capacity/v1 or OpenSLO) or a Spec.
    Window: ``window="30d"`` ending at ``end`` (default: the source's end, or now),
    or ``month="2026-09"``, or ``quarter="2026Q3"`` in ``tz`` (default: the spec's).
    Columns: ``capacity.slo.COMPLIANCE_COLUMNS`` (documented in the README).
    """
    from . import slo as _slo

    spec_obj, src, win, _ = _spec_and_window(spec, source, window, end, month, quarter, tz)
    names = list(slos) if slos else None
    queries = spec_obj.query_texts(names)
    data, notes = spec_data(spec_obj, src, queries, win.start, win.end)
    _warn(notes)
    return _slo.compliance(spec_obj, data, [win], names)


def alert_replay(
    *,
    source: Any = "sample",
    spec: Any = None,
    window: Any = None,
    end: Any = None,
    month: str | None = None,
    quarter: str | None = None,
    tz: str | None = None,
) -> pd.DataFrame:
    """Every firing episode of the spec's (runbook) alerts over one window, replayed with
    Prometheus ``for:`` semantics after a warm-up of the longest ``for:`` before the window."""
    from . import slo as _slo

    spec_obj, src, win, _ = _spec_and_window(spec, source, window, end, month, quarter, tz)
    queries = spec_obj.query_texts((), None)
    data, notes = spec_data(spec_obj, src, queries, win.start - _slo.warmup(spec_obj), win.end)
    _warn(notes)
    return _slo.replay_alerts(spec_obj, data, win.start, win.end)
