"""How much history a server holds for some queries: the span a server source does not report.

A file or the bundled sample knows its span (``Source.span()``); a Prometheus-API server does not.
:func:`data_span` finds it for the queries a report or check uses: one coarse range query per query
(``count(count_over_time(sel[step]))`` for a plain selector, ``count(expr)`` otherwise, at most
``points`` points over ``reach``), then one fine query around the earliest coarse hit, so the start
is known to the minute, not to the coarse step.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import pandas as pd

from ..core.errors import QueryError
from ..core.status import NO_DATA, TOO_LITTLE, too_little
from ..core.timeutil import now as _now
from ..metrics.catalog import Catalog
from ..metrics.promql import parse_selector
from ..sources import Source

__all__ = ["ProbesData", "data_span", "metric_spans", "missing_status", "probe_query", "recheck"]

#: how far back :func:`data_span` looks by default
REACH = pd.Timedelta(days=800)


class ProbesData(Protocol):
    """A source that can say at which points of a grid a query has data (a Prometheus-API server)."""

    def data_times(
        self, query: str, start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta
    ) -> list[pd.Timestamp]: ...


def probe_query(text: str, step: pd.Timedelta) -> str:
    """A cheap query with a point wherever the PromQL ``text`` has data: ``count(count_over_time(sel[step]))``
    for a plain selector (every sample counts, none falls between probe points), ``count(expr)``
    for an expression."""
    sel = parse_selector(text)
    secs = int(step.total_seconds())
    if sel is not None:
        return f"count(count_over_time({text}[{secs}s]))"
    return f"count({text})"


def probe(src: ProbesData, expr: str, start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta) -> list[pd.Timestamp]:
    """The grid points of ``start..end`` on ``step`` where the PromQL ``expr`` has data (a point of
    a plain selector counts the step before it)."""
    try:
        return src.data_times(probe_query(expr, step), start, end, step)
    except QueryError:  # e.g. a scalar expression: count() refuses it; ask it as it is
        return src.data_times(expr, start, end, step)


def data_span(
    src: Source,
    queries: Iterable[str],
    catalog: Catalog,
    *,
    end: pd.Timestamp | None = None,
    reach: pd.Timedelta = REACH,
    points: int = 800,
    jobs: int = 4,
) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """``src.span()`` when the source knows it; else, for a server, the earliest and latest sample of
    any of ``queries`` (catalog names or PromQL) within ``reach`` before ``end`` (default: now); None
    when the source cannot be probed or none of the queries has data."""
    span = src.span()
    if span is not None:
        return span
    if not callable(getattr(src, "data_times", None)):
        return None
    server: Any = src
    stop = (pd.Timestamp(end) if end is not None else _now()).floor("min")
    coarse = max(pd.Timedelta(minutes=1), (reach / points).ceil("min"))
    begin = stop - coarse * points
    exprs = list(dict.fromkeys(catalog[q].query if q in catalog else q for q in queries))
    if not exprs:
        return None

    def one(expr: str) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        times = probe(server, expr, begin, stop, coarse)
        if not times:
            return None
        first, last = times[0], times[-1]
        fine = pd.Timedelta(minutes=1)
        if coarse > fine and first > begin:  # to the minute: where in the coarse step before it
            near = probe(server, expr, first - coarse, first, fine)
            first = near[0] - fine if near else first - coarse
        elif times[0] > begin:
            first = first - coarse
        return first, last

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as ex:
        found = [s for s in ex.map(one, exprs) if s is not None]
    if not found:
        return None
    return min(s[0] for s in found), max(s[1] for s in found)


def metric_spans(
    src: Source, metrics: Iterable[str], catalog: Catalog, *, end: pd.Timestamp | None = None
) -> dict[str, tuple[pd.Timestamp, pd.Timestamp] | None]:
    """Each metric's own :func:`data_span` on a server (None: no sample within reach); empty for a
    source that knows its span (what a pull of it did not find, it does not have)."""
    if src.span() is not None or not callable(getattr(src, "data_times", None)):
        return {}
    return {m: data_span(src, [m], catalog, end=end, jobs=1) for m in dict.fromkeys(metrics)}


def missing_status(
    metric: str, spans: Mapping[str, tuple[pd.Timestamp, pd.Timestamp] | None], needs: pd.Timedelta
) -> tuple[str, str]:
    """``(status, note)`` of a metric a pull found nothing of: ``too little data`` when the server
    holds less of it than ``needs`` (too short to reach a point of the pull's grid, say), else
    ``no data``."""
    span = spans.get(metric)
    if span is not None:
        have = span[1] - span[0]
        if have < needs:
            return TOO_LITTLE, f"{metric}: {too_little(have, needs)}"
    return NO_DATA, f"no data for {metric}"


def recheck(
    table: pd.DataFrame,
    status_col: str,
    spans: Mapping[str, tuple[pd.Timestamp, pd.Timestamp] | None],
    needs: Mapping[str, pd.Timedelta],
    *,
    key: str,
) -> pd.DataFrame:
    """``table`` (rows of rules, ``key`` naming the rule, ``metric`` its metric) with its ``no data``
    and ``too little data`` rows re-read through :func:`missing_status`: a metric the server holds
    minutes of is ``too little data``, with how much it has (not the nothing, or the one point, an
    hourly grid met of it). ``needs`` maps rule names to the history each rule needs."""
    if table.empty or not spans:
        return table
    out = table.copy()
    for i, row in out.iterrows():
        rule = str(row[key])
        if row[status_col] in (NO_DATA, TOO_LITTLE) and rule in needs and row["metric"] in spans:
            state, note = missing_status(str(row["metric"]), spans, needs[rule])
            if state == TOO_LITTLE:
                out.loc[i, status_col] = state
                out.loc[i, "note"] = note
    return out
