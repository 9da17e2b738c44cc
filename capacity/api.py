"""The analyst-facing entry points: ``capacity.pull`` and friends."""
from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from typing import Any

import pandas as pd

from . import frame as _frame
from .errors import ConfigError, SourceWarning
from .sources import Progress, Source, resolve
from .timeutil import parse_duration, parse_time

DEFAULT_RANGE = pd.Timedelta(days=7)


def _metrics_list(metrics: str | Iterable[str]) -> list[str]:
    items = [metrics] if isinstance(metrics, str) else list(metrics)
    if not items:
        raise ConfigError("pull: give at least one metric (a catalog name or a PromQL expression)", field="metrics")
    return items


def _default_step(src: Source, metric: str) -> pd.Timedelta:
    from .catalog import default_catalog

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
        raise ConfigError(f"pull: start {start_ts.isoformat()} is after end {end_ts.isoformat()}", field="start")
    frames, tables = [], []
    for metric in items:
        step_td = parse_duration(step, field="step") if step is not None else _default_step(src, metric)
        got = src.fetch(metric, start_ts, end_ts, step_td, progress=progress)
        for text in got.warnings:
            warnings.warn(f"{src.name}: {metric}: {text}", SourceWarning, stacklevel=2)
        frames.append(got.frame)
        tables.append(got.labels)
    out = _frame.validate(_frame.concat(frames), name=f"pull from {src.name}")
    if not labels:
        return out
    table = pd.concat([t for t in tables if len(t)], ignore_index=True) if any(len(t) for t in tables) else _frame.empty_labels()
    table = table.drop_duplicates("unique_id").sort_values("unique_id").reset_index(drop=True)
    return out, table
