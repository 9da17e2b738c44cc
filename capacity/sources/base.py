"""What every source gives back, and the protocol it follows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

import pandas as pd

from ..core import frame as _frame
from ..core.errors import ConfigError
from ..core.timeutil import format_duration

#: progress callback: (points_done, points_total) -- total may grow as work is discovered
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Pulled:
    """A source's answer for one metric or query over one range."""

    frame: pd.DataFrame  # canonical frame
    labels: pd.DataFrame  # labels table keyed by unique_id
    warnings: tuple[str, ...] = field(default=())

    @staticmethod
    def empty() -> Pulled:
        return Pulled(_frame.empty(), _frame.empty_labels())


@runtime_checkable
class Source(Protocol):
    """A place series come from: the bundled sample, a Prometheus-API server, a file.

    Optional capabilities, each a protocol of its own; callers reach them
    through the helpers, never by probing attributes:

    * :class:`ListsSeries` -- ``series()`` names every series the source holds
      (file sources): use :func:`series_of`;
    * :class:`FetchesMany` -- ``fetch_many(requests)`` pulls several metrics as
      one stream of work (Prometheus servers): use :func:`fetch_all`.
    """

    #: how the source is named in messages ("sample", "http://127.0.0.1:9090", "file data/x.csv")
    name: str

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """The time range the source holds, when it is known (sample, file); None for servers."""
        ...

    def fetch(
        self,
        metric: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        step: pd.Timedelta,
        *,
        progress: Progress | None = None,
    ) -> Pulled:
        """Series of ``metric`` (a catalog name or a query the source understands)
        on the grid ``start, start+step, ..., <= end`` (both ends inclusive)."""
        ...


#: one metric of a pull: (metric, start, end, step)
Request = tuple[str, pd.Timestamp, pd.Timestamp, pd.Timedelta]


@runtime_checkable
class ListsSeries(Protocol):
    """A source that can name every series it holds (a file)."""

    def series(self) -> Sequence[str]:
        """The ``unique_id`` of every series, sorted."""
        ...


@runtime_checkable
class FetchesMany(Protocol):
    """A source that pulls several metrics as one stream of work (a Prometheus server)."""

    def fetch_many(self, requests: Sequence[Request], *, progress: Progress | None = None) -> list[Pulled]:
        """``fetch`` for each request, in order."""
        ...


def series_of(source: Source) -> list[str] | None:
    """The ``unique_id`` of every series ``source`` holds when it can list them
    (files); None when it cannot (the sample, servers: use the catalog)."""
    if isinstance(source, ListsSeries) and callable(source.series):
        return [str(s) for s in source.series()]
    return None


#: the most points one series may be asked for, checked before any request: 19 years of minutes,
#: 160 MB a series in memory; past it a typo like '--window 100000d' ran for minutes and was killed
#: points one series may hold in one fetch, unless the caller gives another limit
MAX_POINTS = 10_000_000
#: points a Prometheus server answers per series and request (its own limit is 11,000)
_POINTS_PER_REQUEST = 11_000


def check_budget(requests: Sequence[Request], max_points: int = MAX_POINTS) -> None:
    """A ConfigError naming the first request whose range holds more than ``max_points`` steps, with
    the points, the memory and the server requests it would take, and how to raise the limit."""
    for metric, start, end, step in requests:
        if step is None or step <= pd.Timedelta(0):
            continue
        n = int((end - start) / step) + 1
        if n > max_points:
            size = n * 16 / 2**20  # a timestamp and a value each
            calls = -(-n // _POINTS_PER_REQUEST)
            cost = f"~{size:,.0f} MiB" if size >= 1 else "<1 MiB"
            cost += f", {calls:,} request{'s' if calls > 1 else ''} to a server"
            raise ConfigError(
                f"{metric}: {start:%Y-%m-%d}..{end:%Y-%m-%d} every {format_duration(step)} is {n:,} points "
                f"({cost}), more than the limit of {max_points:,} "
                "a series; give a coarser step or a shorter range, or raise the limit (--max-points N, or "
                "limits: {max_points: N} in capacity.yaml)",
                field="max_points",
            )


def fetch_all(
    source: Source,
    requests: Sequence[Request],
    *,
    progress: Progress | None = None,
    max_points: int = MAX_POINTS,
) -> list[Pulled]:
    """``source.fetch`` for each request, in order; one stream of work where the
    source offers ``fetch_many`` (a Prometheus server fetches the next metric
    while the previous one is assembled). Requests over ``max_points`` are refused first."""
    check_budget(requests, max_points)
    if isinstance(source, FetchesMany) and callable(source.fetch_many):
        return list(source.fetch_many(list(requests), progress=progress))
    return [source.fetch(m, a, b, s, progress=progress) for m, a, b, s in requests]
