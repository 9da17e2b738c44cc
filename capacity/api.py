"""The analyst-facing entry points: ``capacity.pull`` and friends, thin over :mod:`capacity.app`.

Each function returns a tidy frame at full precision; what a source noticed (no data for a
metric, dropped duplicates, server warnings) is issued as :class:`capacity.errors.SourceWarning`
through :mod:`warnings` (the CLI prints the same notes as ``warning:`` lines).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from typing import Any, Literal, overload

import pandas as pd

from .app import headroom as _headroom
from .app import history as _history
from .app import slo as _slo
from .core.errors import ConfigError, SourceWarning
from .core.windows import calendar_kind
from .slo.model import Spec
from .sources import Progress, Source

__all__ = ["alert_replay", "headroom", "history", "pull", "slo_compliance"]

SourceArg = "str | os.PathLike[str] | Source"
TimeArg = "str | pd.Timestamp | float | None"


def _warn(notes: Iterable[str]) -> None:
    for text in notes:
        warnings.warn(text, SourceWarning, stacklevel=3)


def history(
    metrics: str | Iterable[str],
    *,
    source: str | os.PathLike[str] | Source | None = None,
    start: str | pd.Timestamp | float | None = None,
    end: str | pd.Timestamp | float | None = None,
    step: str | pd.Timedelta | None = None,
    progress: Progress | None = None,
    **source_options: Any,
) -> _history.History:
    """Like :func:`pull`, with everything the pull gives: ``.frame``, ``.labels`` (one row per
    series, one column per label), ``.warnings`` and ``.missing`` (metrics with no data)."""
    return _history.pull(metrics, source=source, start=start, end=end, step=step, progress=progress, **source_options)


@overload
def pull(
    metrics: str | Iterable[str],
    *,
    source: str | os.PathLike[str] | Source | None = ...,
    start: str | pd.Timestamp | float | None = ...,
    end: str | pd.Timestamp | float | None = ...,
    step: str | pd.Timedelta | None = ...,
    labels: Literal[False] = ...,
    progress: Progress | None = ...,
    **source_options: Any,
) -> pd.DataFrame: ...


@overload
def pull(
    metrics: str | Iterable[str],
    *,
    source: str | os.PathLike[str] | Source | None = ...,
    start: str | pd.Timestamp | float | None = ...,
    end: str | pd.Timestamp | float | None = ...,
    step: str | pd.Timedelta | None = ...,
    labels: Literal[True],
    progress: Progress | None = ...,
    **source_options: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]: ...


def pull(
    metrics: str | Iterable[str],
    *,
    source: str | os.PathLike[str] | Source | None = None,
    start: str | pd.Timestamp | float | None = None,
    end: str | pd.Timestamp | float | None = None,
    step: str | pd.Timedelta | None = None,
    labels: bool = False,
    progress: Progress | None = None,
    **source_options: Any,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Pull series into one canonical frame (``unique_id``, ``ds`` UTC, ``y``).

    ``metrics``: catalog names (``capacity.catalog()``) or PromQL expressions.
    ``source``: ``"sample"`` (the bundled history), an ``http(s)://`` URL of
    any server speaking Prometheus' HTTP API, or a CSV/Parquet path; None
    (the default): the ``source:`` of the project file (``capacity.yaml``),
    else the bundled sample.
    ``start``/``end``: RFC 3339, a date, ``now-7d`` or a Timestamp; ``end``
    defaults to the end of a sample/file source, else now; ``start`` to 7 days
    before ``end``. ``step``: ``'1m'``, ``'1h'``...; defaults to the catalog
    entry's step, else one minute. ``labels=True`` also returns the labels
    table (``capacity.history`` gives frame, labels and warnings as one object).
    """
    got = _history.pull(metrics, source=source, start=start, end=end, step=step, progress=progress, **source_options)
    _warn(got.warnings)
    return (got.frame, got.labels) if labels else got.frame


def _request(
    source: str | os.PathLike[str] | Source | None,
    spec: Spec | str | os.PathLike[str] | None,
    names: list[str] | None,
    window: str | pd.Timedelta | None,
    end: str | pd.Timestamp | float | None,
    month: str | None,
    quarter: str | None,
    tz: str | None,
) -> _slo.Request:
    """The use cases' request for one window kind at a time (``window``, ``month`` or ``quarter``)."""
    if sum(x is not None for x in (window, month, quarter)) > 1:
        raise ConfigError("give one of window, month or quarter", field="window")
    kind = calendar_kind(window) if isinstance(window, str) else None
    if kind is not None:  # the keyword says which: a calendar period has its own
        raise ConfigError(
            f"window: {window!r} is a calendar {kind}: pass {kind}={str(window).strip()!r} "
            "(window= is a rolling length such as '30d')",
            field="window",
        )
    windows = _slo.Windows(window, (month,) if month else (), (quarter,) if quarter else (), end, tz)
    return _slo.Request(source, spec, names, windows)


def slo_compliance(
    *,
    source: str | os.PathLike[str] | Source | None = None,
    spec: Spec | str | os.PathLike[str] | None = None,
    window: str | pd.Timedelta | None = None,
    end: str | pd.Timestamp | float | None = None,
    month: str | None = None,
    quarter: str | None = None,
    tz: str | None = None,
    slos: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Compliance and error budget of each SLO, as a tidy frame (``capacity.slo.COMPLIANCE_COLUMNS``).

    ``spec``: None (the runbook's baselines), a path (capacity/v1 or OpenSLO) or a Spec.
    Window: ``window="30d"`` ending at ``end``, or ``month="2026-09"``, or ``quarter="2026Q3"``,
    calendar ones in ``tz`` (default: the spec's);
    none: each SLO over its own window (its ``window``, or its calendar month/quarter to date)
    ending at ``end`` (default: the end of the source's data, else now), as ``capacity slo`` does.
    """
    got = _slo.compliance(_request(source, spec, list(slos) if slos else None, window, end, month, quarter, tz))
    _warn(got.warnings)
    return got.table


def alert_replay(
    *,
    source: str | os.PathLike[str] | Source | None = None,
    spec: Spec | str | os.PathLike[str] | None = None,
    window: str | pd.Timedelta | None = None,
    end: str | pd.Timestamp | float | None = None,
    month: str | None = None,
    quarter: str | None = None,
    tz: str | None = None,
    burn: bool = False,
) -> pd.DataFrame:
    """Every firing episode of the spec's (runbook) alerts over one window (default: the 30 days
    ending at ``end``), replayed with Prometheus ``for:`` semantics after a warm-up of the longest
    ``for:`` before the window; ``burn=True`` adds the SLOs' multiwindow burn-rate alerts."""
    got = _slo.alert_replay(_request(source, spec, None, window, end, month, quarter, tz), burn=burn)
    _warn(got.warnings)
    return got.table


def headroom(
    services: Any = None,
    *,
    source: str | os.PathLike[str] | Source | None = None,
    start: str | pd.Timestamp | float | None = None,
    end: str | pd.Timestamp | float | None = None,
    horizon: str | pd.Timedelta = "90d",
    replicas: float | None = None,
    traffic: float | None = None,
    forecast: bool = True,
) -> _headroom.HeadroomResult:
    """The load each service's latency SLO and CPU range can take, and when forecast growth gets there.

    ``services``: None (the project's: capacity.yaml's ``services:``, else the bundled API), a services
    file, or a mapping ``{name: {throughput: ..., latency_buckets: ..., cpu: ..., replicas: 3, ...}}``
    (series are catalog names or PromQL). The models learn from ``start..end`` (default: each
    service's ``history`` before the end of the data); the daily peak request rate is forecast
    ``horizon`` ahead unless ``forecast=False``; ``replicas`` and ``traffic`` (+0.2 = 20% more) run a
    what-if on today's peak. Returns ``.table`` (one row per service, full precision, 80% intervals),
    ``.fitted`` (the models, for charts) and ``.peaks`` (daily peaks and their forecast)."""
    got = _headroom.headroom(
        services,
        source=source,
        start=start,
        end=end,
        horizon=horizon,
        replicas=replicas,
        traffic=traffic,
        forecast=forecast,
    )
    _warn(got.warnings)
    return got
