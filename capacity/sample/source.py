"""The bundled "Artisan Platform" history: a deterministic generator of raw
exporter series, and the ``sample`` source that evaluates the catalog on them.

- :data:`SPAN` 2025-08-01T00:00Z (inclusive) to 2026-10-01T00:00Z (exclusive),
  426 days; every raw series at 1-minute resolution; platform time zone
  :data:`TIMEZONE` (business hours 9:00-18:00 local, weekends quieter).
- Growth: users +65% a quarter (plan +50%), DB size +60% a year (plan +100%),
  S3 storage +9% a month (crosses its raised 8 TiB quota about 8 months after
  the end), the PostgreSQL volume heading for 10% free, traffic +80% a year.
- Counter resets (weekly API deploys, restarts, a node reboot, Redis restarts,
  ``pg_stat_statements_reset``), scrape gaps (Prometheus down a few minutes,
  exporters down for hours) and incidents (:data:`INCIDENTS`, one of each kind
  in September 2026).
- Latency and CPU from a queueing model with a known capacity (3 API replicas,
  every response-time quantile scaled by ``1 / (1 - rho)``; CPU linear in the
  request rate): see :mod:`capacity.sample.generator` and its ``truth()``.

:func:`raw_history` gives the raw series as a canonical frame + labels table
(what ``promtool`` backfills); :class:`SampleSource` answers catalog names with
the "truth" computed from those raw series the way Prometheus 2.x evaluates the
catalog's PromQL (see :mod:`capacity.sample.evaluator`), and plain selectors with the raw
series under Prometheus' instant-lookup rule (latest sample in [t-5m, t]).
Catalog names always mean the *default* catalog's definitions here: a user
override of a query (``CAPACITY_CATALOG``) changes what a Prometheus source
runs, not what the sample computes.
The generated history is cached as Parquet (see :func:`data_dir`), keyed by a
generator version that includes numpy's major.minor version (numpy keeps
random streams identical within a version, on every machine).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..core import frame as _frame
from ..core.errors import ConfigError
from ..core.timeutil import format_time
from ..metrics.catalog import default_catalog, unknown_metric
from ..metrics.promql import Selector, parse_selector
from ..sources.base import Progress, Pulled
from . import events as _ev
from . import store as _store
from .evaluator import LOOKBACK_MS, RECIPES, evaluate, instant_values
from .generator import generate as _generate

__all__ = [
    "SPAN",
    "TIMEZONE",
    "INCIDENTS",
    "GENERATOR_VERSION",
    "SampleSource",
    "raw_history",
    "metric_kinds",
    "incidents",
    "data_dir",
]

SPAN: tuple[pd.Timestamp, pd.Timestamp] = (_ev.START, _ev.END)
TIMEZONE = _ev.TIMEZONE
INCIDENTS = _ev.INCIDENTS
GENERATOR_VERSION = _store.GENERATOR_VERSION
data_dir = _store.data_dir

_KINDS = {
    "http_requests_total": "counter",
    "http_request_duration_seconds_bucket": "histogram",
    "http_request_duration_seconds_sum": "histogram",
    "http_request_duration_seconds_count": "histogram",
    "up": "gauge",
    "artisan_user_registrations_total": "counter",
    "artisan_posts_created_total": "counter",
    "artisan_users_total": "gauge",
    "artisan_platform_connections": "gauge",
    "artisan_file_storage_bytes": "gauge",
    "artisan_file_storage_quota_bytes": "gauge",
    "artisan_file_uploads_total": "counter",
    "node_cpu_seconds_total": "counter",
    "node_memory_MemAvailable_bytes": "gauge",
    "node_memory_MemTotal_bytes": "gauge",
    "node_filesystem_avail_bytes": "gauge",
    "node_filesystem_size_bytes": "gauge",
    "node_network_receive_bytes_total": "counter",
    "node_network_transmit_bytes_total": "counter",
    "pg_stat_activity_count": "gauge",
    "pg_settings_max_connections": "gauge",
    "pg_stat_statements_calls_total": "counter",
    "pg_stat_statements_seconds_total": "counter",
    "pg_slow_queries_total": "counter",
    "pg_replication_lag_seconds": "gauge",
    "pg_database_size_bytes": "gauge",
    "pg_up": "gauge",
    "redis_keyspace_hits_total": "counter",
    "redis_keyspace_misses_total": "counter",
    "redis_memory_used_bytes": "gauge",
    "redis_memory_max_bytes": "gauge",
    "redis_connected_clients": "gauge",
    "kube_job_status_failed": "gauge",
    "certmanager_certificate_expiration_timestamp_seconds": "gauge",
}


def metric_kinds() -> dict[str, str]:
    """Raw series name (``__name__``) -> ``counter`` | ``gauge`` | ``histogram``.

    Histogram series are listed by their own names (``..._bucket``, ``_sum``,
    ``_count``); their family is the name without that suffix.
    """
    return dict(_KINDS)


def incidents() -> pd.DataFrame:
    """The planted incidents: one row each with kind, start, end (UTC, end exclusive) and description."""
    return pd.DataFrame(
        {
            "kind": [i.kind for i in INCIDENTS],
            "start": pd.DatetimeIndex([i.start for i in INCIDENTS]),
            "end": pd.DatetimeIndex([i.end for i in INCIDENTS]),
            "description": [i.description for i in INCIDENTS],
        }
    )


def _utc(ts: object, field: str) -> pd.Timestamp:
    t = pd.Timestamp(ts)  # type: ignore[arg-type]
    if t is pd.NaT:
        raise ConfigError(f"sample: {field} is not a time: {ts!r}", field=field)
    return t.tz_localize("UTC") if t.tzinfo is None else t.tz_convert("UTC")


def _clip_range(start: object, end: object) -> tuple[pd.Timestamp, pd.Timestamp]:
    lo = _utc(start, "start") if start is not None else SPAN[0]
    hi = _utc(end, "end") if end is not None else SPAN[1]
    return max(lo, SPAN[0]), min(hi, SPAN[1])


class _History:
    """Access to the raw series: from the Parquet cache, or generated in memory."""

    def __init__(self, cache: bool, directory: Path | None = None) -> None:
        self.cache = cache
        self.directory = directory
        self._raws: list | None = None
        self._labels: pd.DataFrame | None = None

    def _generated(self) -> tuple[list, pd.DataFrame]:
        if self._raws is None:
            self._raws, self._labels = _store.ordered(_generate())
        return self._raws, self._labels  # type: ignore[return-value]

    def _ensure(self) -> None:
        if not _store.exists(self.directory):
            raws, labels = _store.ordered(_generate())
            _store.write(raws, labels, self.directory)

    def labels(self) -> pd.DataFrame:
        if self._labels is None:
            if self.cache:
                self._ensure()
                self._labels = _store.read_labels(self.directory)
            else:
                self._generated()
        return self._labels  # type: ignore[return-value]

    def rows(
        self, sids: list[int] | None, start: pd.Timestamp, end: pd.Timestamp
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(sid, ds as int64 ns, y) with ds in [start, end), sorted by sid then ds."""
        if self.cache:
            self._ensure()
            return _store.read(sids, start, end, self.directory)
        raws, _ = self._generated()
        lo, hi = start.value, end.value
        parts_s, parts_t, parts_y = [], [], []
        for sid in range(len(raws)) if sids is None else sorted(sids):
            r = raws[sid]
            t = _store.sample_times_ms(r.present) * 1_000_000
            keep = (t >= lo) & (t < hi)
            parts_s.append(np.full(int(keep.sum()), sid, np.int16))
            parts_t.append(t[keep])
            parts_y.append(r.values[r.present][keep])
        if not parts_s:
            return np.zeros(0, np.int16), np.zeros(0, np.int64), np.zeros(0)
        return np.concatenate(parts_s), np.concatenate(parts_t), np.concatenate(parts_y)


def raw_history(start: object = None, end: object = None, *, cache: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The raw exporter series with samples in ``[start, end)`` (default: :data:`SPAN`).

    Returns ``(frame, labels)``: a canonical frame whose ``unique_id`` is the
    Prometheus series id (categorical, e.g.
    ``http_requests_total{handler="/api",method="GET",status="2xx"}``) and the
    labels table (``unique_id``, ``__name__`` and one column per label).
    Scrape gaps are missing rows. ``cache=False`` regenerates instead of
    reading/writing the Parquet cache.
    """
    lo, hi = _clip_range(start, end)
    return _raw_frame(_History(cache), lo, hi)


def _raw_frame(hist: _History, lo: pd.Timestamp, hi: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    labels = hist.labels()
    if hi <= lo:
        sid, ds, y = np.zeros(0, np.int16), np.zeros(0, np.int64), np.zeros(0)
    else:
        sid, ds, y = hist.rows(None, lo, hi)
    uid = pd.Categorical.from_codes(sid, categories=pd.Index(labels["unique_id"].tolist()))
    del sid
    stamps = pd.Series(ds.view("datetime64[ns]"), copy=False).dt.tz_localize("UTC")
    del ds
    frame = pd.DataFrame({"unique_id": uid, "ds": stamps, "y": y}, copy=False)
    return frame, labels.copy()


class SampleSource:
    """The bundled history as a Source: catalog names and plain selectors."""

    name = "sample"

    def __init__(self, cache: bool = True) -> None:
        self.cache = cache
        self._history = _History(cache)

    def span(self) -> tuple[pd.Timestamp, pd.Timestamp]:
        return SPAN

    def __repr__(self) -> str:
        return f"SampleSource(cache={self.cache})"

    # -- raw access ---------------------------------------------------------
    def _label_dicts(self) -> list[dict[str, str]]:
        table = self._history.labels()
        cols = [c for c in table.columns if c != "unique_id"]
        return [
            {c: v for c, v in zip(cols, row, strict=False) if isinstance(v, str)}
            for row in table[cols].itertuples(index=False, name=None)
        ]

    def _matching(self, sel: Selector) -> list[int]:
        return [i for i, lbl in enumerate(self._label_dicts()) if sel.matches(lbl)]

    def _series(self, sids: list[int], grid: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """sid -> (times ms, values) of samples that can matter for ``grid`` (ms)."""
        if not sids or not len(grid):
            return {}
        lo = pd.Timestamp(int(grid[0]) - LOOKBACK_MS - 60_000, unit="ms", tz="UTC")
        hi = pd.Timestamp(int(grid[-1]) + 1, unit="ms", tz="UTC")
        sid, ds, y = self._history.rows(sids, lo, hi)
        out = {}
        for s in sids:
            a, b = np.searchsorted(sid, s, "left"), np.searchsorted(sid, s, "right")
            out[s] = (ds[a:b] // 1_000_000, y[a:b])
        return out

    # -- the Source protocol ------------------------------------------------
    def fetch(
        self,
        metric: str,
        start: pd.Timestamp,
        end: pd.Timestamp,
        step: pd.Timedelta,
        *,
        progress: Progress | None = None,
    ) -> Pulled:
        """Series of ``metric`` on ``start, start+step, ..., <= end``.

        ``metric``: a default-catalog name (its truth series, ``unique_id`` =
        the name; an entry grouped by a label gives one series per value, named
        ``name{label="value"}`` as a Prometheus source names them) or a plain
        selector such as ``up{job="artisan-api"}`` (the matching raw series,
        ``unique_id`` = their series ids).
        """
        start_ts, end_ts = _utc(start, "start"), _utc(end, "end")
        step_td = pd.Timedelta(step)
        if step_td <= pd.Timedelta(0):
            raise ConfigError(f"sample: step must be positive, got {step!r}", field="step")
        if end_ts < start_ts:
            raise ConfigError(
                f"sample: start {format_time(start_ts)} is after end {format_time(end_ts)}", field="start"
            )
        n = int((end_ts - start_ts) // step_td) + 1
        step_ms = int(step_td / pd.Timedelta(milliseconds=1))
        grid = int(start_ts.value // 1_000_000) + step_ms * np.arange(n, dtype=np.int64)
        if metric in RECIPES:
            pulled = self._truth(metric, grid)
        else:
            pulled = self._raw(metric, grid)
        if progress is not None:
            progress(n, n)
        return pulled

    def _truth(self, metric: str, grid: np.ndarray) -> Pulled:
        labels = self._label_dicts()

        def lookup(sel: Selector) -> list[tuple[dict[str, str], np.ndarray, np.ndarray]]:
            sids = self._matching(sel)
            arrays = self._series(sids, grid)
            return [(labels[s], *arrays[s]) for s in sids]

        vec = evaluate(metric, grid, lookup)
        if len(vec) <= 1 and not (vec and vec[0][0]):  # one series without labels: named after the entry
            ok, val = (vec[0][1], vec[0][2]) if vec else (np.zeros(len(grid), bool), np.full(len(grid), np.nan))
            frame = _frame.from_arrays(metric, pd.to_datetime(grid[ok], unit="ms", utc=True), val[ok])
            return Pulled(frame, pd.DataFrame({"unique_id": [metric]}))
        # several series (an entry grouped by a label): named as a Prometheus source names them
        rows, frames = {}, []
        for lbl, ok, val in vec:
            uid = _frame.series_id(metric, lbl)
            rows[uid] = lbl
            frames.append(_frame.from_arrays(uid, pd.to_datetime(grid[ok], unit="ms", utc=True), val[ok]))
        return Pulled(_frame.concat(frames), _frame.labels_table(rows))

    def _raw(self, metric: str, grid: np.ndarray) -> Pulled:
        sel = parse_selector(metric)
        if sel is None:
            raise ConfigError(
                f"sample: cannot evaluate {metric!r}: the sample source evaluates catalog names and plain "
                'selectors (name{label="value"}) only; use a Prometheus source for other PromQL',
                query=metric,
                field="metric",
            )
        sids = self._matching(sel)
        known_names = {lbl["__name__"] for lbl in self._label_dicts()}
        if not sids and (sel.name is None or sel.name not in known_names):
            raise unknown_metric(metric, sorted(set(default_catalog().names()) | known_names))
        table = self._history.labels()
        arrays = self._series(sids, grid)
        frames = []
        for s in sids:
            ok, vals = instant_values(*arrays[s], grid)
            uid = str(table["unique_id"].iloc[s])
            frames.append(_frame.from_arrays(uid, pd.to_datetime(grid[ok], unit="ms", utc=True), vals[ok]))
        sub = table.iloc[sids].dropna(axis=1, how="all").reset_index(drop=True)
        return Pulled(_frame.concat(frames) if frames else _frame.empty(), sub if len(sub) else _frame.empty_labels())
