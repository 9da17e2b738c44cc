"""Pull range queries from any server speaking Prometheus' HTTP API
(Prometheus, Thanos, Mimir, VictoriaMetrics).

    src = PrometheusSource("http://127.0.0.1:9090")
    got = src.fetch("request_throughput", start, end, pd.Timedelta("1m"))   # catalog name or PromQL

A range is cut into pieces of at most ``max_points`` points per series,
aligned on the step grid, fetched ``concurrency`` at a time, merged with no
duplicate and no missing step, and kept in the on-disk cache (only missing
pieces are fetched next time). Credentials come from the environment
(:mod:`capacity.sources.auth`).
"""

from __future__ import annotations

import difflib
import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any

import pandas as pd
import requests
from requests.auth import AuthBase

from ...core import frame as _frame
from ...core.errors import CapacityError, ConfigError, SourceError, UnknownMetricError
from ...core.timeutil import format_time
from ...core.timeutil import now as _now
from ...metrics.catalog import Catalog, default_catalog
from ...metrics.promql import parse_selector
from ..base import Progress, Pulled, Request
from . import auth as _auth
from ._chunks import Grid, make_grid, missing, pieces
from ._http import Aborted, Client, blank, open_transport
from ._matrix import Piece, frame_from_pieces, merge_frames, parse, rename_series
from .cache import CacheEntry, CacheKey, PullCache
from .transport import Transport

__all__ = ["PrometheusSource", "FRESH"]

#: data newer than now - FRESH is fetched again on the next pull (it may still change)
FRESH = pd.Timedelta(minutes=5)


def _secs(ns: int) -> str:
    """Seconds as Prometheus reads them (ms precision)."""
    return str(ns // 1_000_000_000) if ns % 1_000_000_000 == 0 else f"{ns / 1e9:.3f}"


def _labels_table(rows: dict[str, dict[str, str]]) -> pd.DataFrame:
    """The labels table (as :func:`capacity.frame.labels_table`), built column-wise."""
    if not rows:
        return _frame.empty_labels()
    uids = sorted(rows)
    names = sorted({k for lbl in rows.values() for k in lbl})
    data: dict[str, Sequence[str | None]] = {"unique_id": uids}
    data.update({n: [rows[u].get(n) for u in uids] for n in names})
    return pd.DataFrame(data)


@dataclass(frozen=True)
class _Job:
    """One metric of a pull: what to ask, on which grid, and what the cache already holds."""

    metric: str
    query: str
    catalog_name: str | None
    start: pd.Timestamp
    end: pd.Timestamp
    grid: Grid
    key: CacheKey
    entry: CacheEntry | None
    plan: list[tuple[int, int]]
    #: what the cache said (a damaged file ignored)
    notes: tuple[str, ...] = ()


class PrometheusSource:
    """A Prometheus-API server as a :class:`~capacity.sources.base.Source`.

    ``auth``: None reads :mod:`capacity.sources.auth`'s environment variables;
    a ``requests`` auth object or :class:`~capacity.sources.auth.Credentials` is used as is.
    ``verify``: True, False or a CA bundle path (None: from the environment).
    ``headers``: extra headers, added to ``CAPACITY_HEADERS``.
    ``session``: a ``requests.Session`` to send with (its adapters, cookies, settings).
    ``cache_max_size``: the pull cache's size limit in bytes (default: ``cache.DEFAULT_MAX_SIZE``).
    ``timeout``: seconds per read (a whole plain-http answer gets 4 x timeout);
    ``max_retry_wait``: the longest Retry-After honoured, in seconds (a longer one gives up at once).
    ``transport``: a :class:`~capacity.sources.prometheus.transport.Transport` to send
    with (tests inject :class:`capacity.testing.faults.FaultTransport`); by default
    :func:`~capacity.sources.prometheus._http.open_transport` picks one for ``url``.
    The source closes its transport when it is closed.
    """

    def __init__(
        self,
        url: str,
        *,
        cache: bool = True,
        cache_dir: str | os.PathLike[str] | None = None,
        cache_max_size: int | None = None,
        refresh: bool = False,
        timeout: float = 30,
        max_retry_wait: float = 30,
        max_points: int = 11_000,
        concurrency: int = 3,  # 2 cores shared with a local server: 3 measured best of 2-4 (benchmarks/bench_pull.py)
        retries: int = 4,
        backoff: float = 0.5,
        auth: _auth.Credentials | AuthBase | None = None,
        verify: bool | str | None = None,
        headers: dict[str, str] | None = None,
        session: requests.Session | None = None,
        transport: Transport | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        self.url = _auth.public_url(url)
        #: how catalog names become PromQL: the catalog in effect (a project's), else the bundled one
        self.catalog = catalog if catalog is not None else default_catalog()
        self.name = self.url
        if max_points < 1 or concurrency < 1 or retries < 0 or timeout <= 0:
            raise ConfigError(
                "prometheus source: max_points, concurrency, timeout must be positive and retries >= 0", field="options"
            )
        creds = auth if isinstance(auth, _auth.Credentials) else _auth.from_env()
        if isinstance(auth, AuthBase):
            creds = _auth.Credentials(auth, creds.verify, creds.headers)
        if verify is not None or headers:
            creds = _auth.Credentials(
                creds.auth, creds.verify if verify is None else verify, {**creds.headers, **(headers or {})}
            )
        self._creds = creds
        self.max_points = int(max_points)
        self.concurrency = int(concurrency)
        self.refresh = refresh
        self.cache = PullCache(cache_dir, max_size=cache_max_size) if cache else None
        if transport is not None and (session is not None or _auth.auth_headers(creds.auth) is None):
            raise ConfigError(
                "prometheus source: transport= sends as it is given; a session, or an auth object that "
                "signs each request, goes to requests: pass session= (or build the transport with them)",
                field="transport",
            )
        #: how requests are sent (``client`` adds headers, retries and typed errors on top)
        self.transport: Transport = (
            transport
            if transport is not None
            else open_transport(self.url, creds, size=max(10, self.concurrency), session=session)
        )
        self.client = Client(
            self.url, creds, self.transport, timeout=timeout, retries=retries, backoff=backoff, max_wait=max_retry_wait
        )

    def __repr__(self) -> str:
        return f"PrometheusSource({self.url!r}, cache={self.cache is not None}, "
        f"max_points={self.max_points}, credentials={self._creds!r})"

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        return None

    def close(self) -> None:
        """Finish pending cache writes and close the connection pool."""
        if self.cache is not None:
            self.cache.flush()
        self.client.close()

    # ------------------------------------------------------------------ helpers

    def _resolve(self, metric: str) -> tuple[str, str | None]:
        """(PromQL, catalog name or None)."""
        if not isinstance(metric, str) or not metric.strip():
            raise ConfigError("metric: give a catalog name or a PromQL expression", field="metric")
        entry = self.catalog.find(metric.strip())
        return (entry.query, metric.strip()) if entry is not None else (metric.strip(), None)

    def _fetch_piece(self, query: str, grid: Grid, i0: int, i1: int, stop: threading.Event) -> Piece:
        lo, hi = grid.interval(i0, i1)
        params = {"query": query, "start": _secs(lo), "end": _secs(hi), "step": _secs(grid.step)}
        raw = self.client.get("/api/v1/query_range", params, query=query, stop=stop)
        piece = Piece(i0, i1)
        try:
            parse(raw, lo, hi, piece)
        except SourceError as exc:
            raise SourceError(
                f"{self.url}: cannot read the answer to {query!r}: {exc}", source=self.url, query=query
            ) from None
        return piece

    def _name(
        self, frame: pd.DataFrame, labels: dict[str, dict[str, str]], query: str, catalog_name: str | None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        ids = list(labels)
        rename: dict[str, str] = {}
        for rid in ids:
            lbl = {k: v for k, v in labels[rid].items() if k != "__name__"}
            if catalog_name is not None:
                rename[rid] = catalog_name if (len(ids) == 1 and not lbl) else _frame.series_id(catalog_name, lbl)
            else:
                sid = _frame.series_id(labels[rid].get("__name__"), labels[rid])
                rename[rid] = query if sid == "{}" else sid
        if len(set(rename.values())) < len(rename):  # names would collide: keep the full series ids
            rename = {rid: rid for rid in ids}
        frame = rename_series(frame, rename)
        return frame, _labels_table({rename[r]: labels[r] for r in ids})

    # ------------------------------------------------------------------ Source

    def fetch(
        self,
        metric: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        step: pd.Timedelta,
        *,
        progress: Progress | None = None,
    ) -> Pulled:
        """Series of ``metric`` (catalog name or PromQL) on the grid ``start, start+step, ... <= end``."""
        return self.fetch_many([(metric, start, end, step)], progress=progress)[0]

    def fetch_many(self, requests: Sequence[Request], *, progress: Progress | None = None) -> list[Pulled]:
        """:meth:`fetch` for each ``(metric, start, end, step)``, as one stream of requests:
        the pieces of the next metrics are fetched while the earlier ones are assembled
        and cached. On a failure every piece that arrived is cached, then the first error
        is raised."""
        jobs = [self._job(*r) for r in requests]
        total = sum(j.grid.n for j in jobs)
        done = total - sum(i1 - i0 + 1 for j in jobs for i0, i1 in j.plan)
        if progress is not None:
            progress(done, total)
        out: list[Pulled | None] = [None] * len(jobs)
        got: list[list[Piece]] = [[] for _ in jobs]
        left = [len(j.plan) for j in jobs]
        error: BaseException | None = None
        for k, job in enumerate(jobs):
            if not left[k]:  # all from the cache
                out[k] = self._finish(job, [])
        stop = threading.Event()
        if any(left):
            with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="capacity-pull") as ex:
                owner: dict[Future[Piece], int] = {}
                arrived: SimpleQueue[Future[Piece]] = (
                    SimpleQueue()
                )  # futures as they finish (no wait() over all of them)
                for k, job in enumerate(jobs):  # in order: the pool works through the metrics one after another
                    for i0, i1 in job.plan:
                        fut = ex.submit(self._fetch_piece, job.query, job.grid, i0, i1, stop)
                        owner[fut] = k
                        fut.add_done_callback(arrived.put)
                seen: set[Future[Piece]] = set()
                try:
                    while len(seen) < len(owner) and error is None:
                        fut = arrived.get()
                        seen.add(fut)
                        exc = fut.exception()
                        if exc is not None:
                            if not isinstance(exc, Aborted):
                                error = exc
                            continue
                        k = owner[fut]
                        piece = fut.result()
                        got[k].append(piece)
                        done += piece.i1 - piece.i0 + 1
                        left[k] -= 1
                        if not left[k]:  # this metric is whole: assemble it while the pool goes on
                            out[k] = self._finish(jobs[k], got[k])
                        if progress is not None:
                            progress(done, total)
                except BaseException as exc:  # KeyboardInterrupt: keep what arrived
                    error = exc
                finally:
                    stop.set()
                    for fut in owner:
                        fut.cancel()
                for fut in owner:  # pieces that completed while we were stopping
                    if fut not in seen and fut.done() and not fut.cancelled() and fut.exception() is None:
                        got[owner[fut]].append(fut.result())
        if error is not None:
            for k, job in enumerate(jobs):
                if out[k] is None and got[k]:  # keep what arrived, on disk, before reporting the failure itself
                    self._keep(job, got[k])
            if self.cache is not None:
                self.cache.flush()
            raise error
        return [p for p in out if p is not None]

    def _job(self, metric: str, start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta) -> _Job:
        """What one metric needs: its query, grid, cache snapshot and the pieces left to fetch."""
        query, catalog_name = self._resolve(metric)
        start, end, step = pd.Timestamp(start), pd.Timestamp(end), pd.Timedelta(step)
        if step <= pd.Timedelta(0):
            raise ConfigError(f"step must be positive, got {step}", field="step")
        if step % pd.Timedelta(milliseconds=1):
            raise ConfigError(f"step {step} is finer than the millisecond Prometheus works in", field="step")
        grid = make_grid(start, end, step)
        key = CacheKey(self.url, query, grid.step, grid.phase, self._creds.tenant())
        entry, damage = None, None
        if self.cache is not None and not self.refresh and grid.n:
            entry = self.cache.load(key, *grid.interval(0, grid.n - 1))
            damage = self.cache.damage(key)
        plan = pieces(missing(grid, entry.covered if entry is not None else []), self.max_points)
        return _Job(metric, query, catalog_name, start, end, grid, key, entry, plan, (damage,) if damage else ())

    def _keep(self, job: _Job, got: list[Piece]) -> tuple[pd.DataFrame | None, dict[str, dict[str, str]]]:
        """The fetched pieces as one frame, handed to the cache (written in the background)."""
        fetched = frame_from_pieces(got) if got else None
        labels: dict[str, dict[str, str]] = {}
        for p in sorted(got, key=lambda p: p.i0):
            labels.update(p.labels)
        if self.cache is not None and fetched is not None:
            fresh_edge = int((_now() - FRESH).value)
            spans = [job.grid.interval(p.i0, p.i1) for p in got]
            # written while the caller goes on (the next metric's pull overlaps it)
            self.cache.store_later(
                job.key, fetched.copy(deep=False), dict(labels), spans, complete_before=fresh_edge, canonical=True
            )  # (frame_from_pieces' frames are)
        return fetched, labels

    def _finish(self, job: _Job, got: list[Piece]) -> Pulled:
        fetched, labels = self._keep(job, got)
        entry = job.entry
        if entry is not None and len(entry.frame):
            # the plan only asked for what the snapshot does not cover: no overlap
            frame = merge_frames(entry.frame, fetched) if fetched is not None and len(fetched) else entry.frame
            kept = set(entry.frame["unique_id"].cat.categories)
            labels = {**{k: v for k, v in entry.labels.items() if k in kept}, **labels}
        else:
            frame = fetched if fetched is not None else _frame.empty()
        warnings: list[str] = list(job.notes)
        for p in sorted(got, key=lambda p: p.i0):  # a server's warnings may quote what we sent (a token)
            warnings.extend(w for w in (blank(x, self.client.secrets) for x in p.warnings) if w not in warnings)
        if not labels and job.catalog_name is None:
            self._check_known(job.metric, job.query, job.start, job.end)
        frame, table = self._name(frame, labels, job.query, job.catalog_name)
        return Pulled(frame, table, tuple(warnings))

    def _check_known(self, metric: str, query: str, start: pd.Timestamp, end: pd.Timestamp) -> None:
        """An empty answer for a bare name that is not in the catalog: say so, naming it."""
        sel = parse_selector(query)
        if sel is None or sel.matchers:
            return
        try:  # suggest only names the server holds (a catalog name may name nothing here)
            known = self.metric_names()
        except CapacityError:
            known = []
        if metric in known:
            return  # the server knows the name, with no sample in this range: no data, not unknown
        close = difflib.get_close_matches(metric, known, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise UnknownMetricError(
            f"unknown metric {metric!r}: not a catalog name and no series of that name on {self.url} "
            f"between {format_time(start)} and {format_time(end)}{hint}",
            name=metric,
            known=known,
        )

    # ------------------------------------------------------------------ discovery (capacity init / check)

    def _api(self, path: str, params: dict[str, str], what: str) -> Any:
        """The ``data`` of a JSON answer to ``path`` (through the client: auth, retries, typed errors)."""
        raw = self.client.get(path, params, query=what)
        try:
            return json.loads(raw).get("data")
        except (ValueError, AttributeError, RecursionError):
            raise SourceError(
                f"{self.url}{path}: cannot read the answer as JSON", source=self.url, query=what
            ) from None

    def metric_names(self, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None) -> list[str]:
        """Every metric name the server holds (``/api/v1/label/__name__/values``), within start..end if given."""
        params = {k: _secs(int(pd.Timestamp(v).value)) for k, v in (("start", start), ("end", end)) if v is not None}
        data = self._api("/api/v1/label/__name__/values", params, "metric names")
        return sorted(str(n) for n in data or ())

    def metadata(self) -> dict[str, str]:
        """Metric family name -> type (counter, gauge, histogram, summary...) from ``/api/v1/metadata``
        (empty for series that were never scraped, e.g. backfilled ones)."""
        data = self._api("/api/v1/metadata", {}, "metadata") or {}
        return {str(k): str(v[0].get("type", "unknown")) for k, v in data.items() if v}

    def label_sets(self, match: str, start: pd.Timestamp, end: pd.Timestamp) -> list[dict[str, str]]:
        """Label sets of the series matching ``match`` with samples in start..end (``/api/v1/series``)."""
        params = {
            "match[]": match,
            "start": _secs(int(pd.Timestamp(start).value)),
            "end": _secs(int(pd.Timestamp(end).value)),
        }
        return [dict(x) for x in self._api("/api/v1/series", params, match) or ()]

    def data_times(self, query: str, start: pd.Timestamp, end: pd.Timestamp, step: pd.Timedelta) -> list[pd.Timestamp]:
        """The points of ``start, start+step, ... <= end`` at which ``query`` (catalog name or PromQL)
        has at least one series: one uncached range query, for coarse probes of history."""
        expr, _ = self._resolve(query)
        params = {
            "query": expr,
            "start": _secs(int(pd.Timestamp(start).value)),
            "end": _secs(int(pd.Timestamp(end).value)),
            "step": _secs(int(pd.Timedelta(step).value)),
        }
        data = self._api("/api/v1/query_range", params, expr) or {}
        times = {float(t) for r in data.get("result", ()) for t, _ in r.get("values", ())}
        return [pd.Timestamp(t, unit="s", tz="UTC") for t in sorted(times)]
