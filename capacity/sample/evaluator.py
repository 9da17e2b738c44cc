"""A tiny evaluator of the PromQL the default catalog uses, over raw sample series.

Each catalog entry has a *recipe*: an expression tree that renders to exactly
the catalog's PromQL (a unit test holds them equal) and evaluates on a query
grid with Prometheus 2.x semantics:

- instant selectors take the latest sample in ``[t - 5m, t]`` (lookback delta);
- ``rate(x[5m])`` is Prometheus' ``extrapolatedRate``: samples in
  ``[t - 5m, t]`` (2.x includes both ends; 3.x excludes the left one), counter
  resets added back, extrapolation to the window edges when the first/last
  sample is within 1.1 average intervals of them, else half an interval, and
  never below the counter's zero point;
- ``sum/avg/min/max [by (...)]``, one-to-one arithmetic on identical label
  sets (``__name__`` dropped), scalars, ``time()``;
- ``histogram_quantile`` (:func:`capacity.metrics.histogram.histogram_quantile`,
  shared with the SLO engine).

Known differences from a real server: float rounding order when a counter
reset falls inside a window (last bit); a histogram group is evaluated only
at points where every bucket has a sample (the sample's buckets share their
gaps, so this never bites here).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..metrics.histogram import histogram_quantile
from ..metrics.promql import Matcher, Selector, selector

LOOKBACK_MS = 300_000
RANGE_MS = 300_000

#: an instant vector on a grid: (labels, present mask, values)
Vector = list[tuple[dict[str, str], np.ndarray, np.ndarray]]
#: find raw series: Selector -> list of (labels incl. __name__, times ms, values)
Lookup = Callable[[Selector], list[tuple[dict[str, str], np.ndarray, np.ndarray]]]

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


class Expr:
    prec = 9

    def promql(self) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def eval(self, grid: np.ndarray, lookup: Lookup) -> Vector:  # pragma: no cover - abstract
        raise NotImplementedError


@dataclass(frozen=True)
class Sel(Expr):
    metric: str
    matchers: tuple[Matcher, ...] = ()

    def promql(self) -> str:
        return selector(self.metric, self.matchers)

    def eval(self, grid: np.ndarray, lookup: Lookup) -> Vector:
        out: Vector = []
        for labels, t, v in lookup(Selector(self.metric, self.matchers)):
            out.append((labels, *instant_values(t, v, grid)))
        return out


def instant_values(t: np.ndarray, v: np.ndarray, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prometheus' instant lookup of one series (times ``t`` in ms, ascending) at each
    grid time: the latest sample in ``[g - 5m, g]``. Returns (present, values; NaN where absent)."""
    if not len(t):
        return np.zeros(len(grid), bool), np.full(len(grid), np.nan)
    idx = np.searchsorted(t, grid, side="right") - 1
    safe = np.maximum(idx, 0)
    ok = (idx >= 0) & (t[safe] >= grid - LOOKBACK_MS)
    return ok, np.where(ok, v[safe], np.nan)


@dataclass(frozen=True)
class Rate(Expr):
    sel: Sel

    def promql(self) -> str:
        return f"rate({self.sel.promql()}[5m])"

    def eval(self, grid: np.ndarray, lookup: Lookup) -> Vector:
        out: Vector = []
        for labels, t, v in lookup(Selector(self.sel.metric, self.sel.matchers)):
            lbl = {k: x for k, x in labels.items() if k != "__name__"}
            out.append((lbl, *extrapolated_rate(t, v, grid)))
        return out


def extrapolated_rate(
    t: np.ndarray, v: np.ndarray, grid: np.ndarray, range_ms: int = RANGE_MS
) -> tuple[np.ndarray, np.ndarray]:
    """Prometheus 2.x ``rate(x[range])`` of one counter at each grid time (ms)."""
    n_grid = len(grid)
    if len(t) < 2:
        return np.zeros(n_grid, bool), np.full(n_grid, np.nan)
    lo = np.searchsorted(t, grid - range_ms, side="left")
    hi = np.searchsorted(t, grid, side="right") - 1
    ok = hi - lo >= 1
    lo_c, hi_c = np.clip(lo, 0, len(t) - 1), np.clip(hi, 0, len(t) - 1)
    drop = np.concatenate([[0.0], np.where(v[1:] < v[:-1], v[:-1], 0.0)])
    adj = np.cumsum(drop)
    with np.errstate(divide="ignore", invalid="ignore"):
        result = (v[hi_c] - v[lo_c]) + (adj[hi_c] - adj[lo_c])
        to_start = (t[lo_c] - (grid - range_ms)) / 1000.0
        to_end = (grid - t[hi_c]) / 1000.0
        sampled = (t[hi_c] - t[lo_c]) / 1000.0
        average = sampled / np.maximum(hi_c - lo_c, 1)
        to_zero = sampled * (v[lo_c] / result)
        use_zero = (result > 0) & (v[lo_c] >= 0) & (to_zero < to_start)
        to_start = np.where(use_zero, to_zero, to_start)
        threshold = average * 1.1
        interval = (
            sampled
            + np.where(to_start < threshold, to_start, average / 2)
            + np.where(to_end < threshold, to_end, average / 2)
        )
        value = result * (interval / sampled) / (range_ms / 1000.0)
    return ok, np.where(ok, value, np.nan)


@dataclass(frozen=True)
class Num(Expr):
    value: float

    def promql(self) -> str:
        return f"{self.value:g}"


@dataclass(frozen=True)
class Time(Expr):
    def promql(self) -> str:
        return "time()"


def _scalar(x: Expr, grid: np.ndarray) -> np.ndarray | None:
    if isinstance(x, Num):
        return np.full(len(grid), float(x.value))
    if isinstance(x, Time):
        return grid / 1000.0
    return None


@dataclass(frozen=True)
class Agg(Expr):
    op: str  # sum | avg | min | max
    expr: Expr
    by: tuple[str, ...] = ()

    def promql(self) -> str:
        by = f" by ({', '.join(self.by)}) " if self.by else ""
        return f"{self.op}{by}({self.expr.promql()})"

    def eval(self, grid: np.ndarray, lookup: Lookup) -> Vector:
        groups: dict[tuple[tuple[str, str], ...], list[tuple[np.ndarray, np.ndarray]]] = {}
        for labels, ok, val in self.expr.eval(grid, lookup):
            key = tuple(sorted((k, labels[k]) for k in self.by if k in labels))
            groups.setdefault(key, []).append((ok, val))
        out: Vector = []
        for key, members in groups.items():
            oks = np.array([m[0] for m in members])
            vals = np.array([m[1] for m in members])
            any_ok = np.asarray(oks.any(axis=0))  # (members, grid) -> grid
            with np.errstate(invalid="ignore", divide="ignore"):
                if self.op in ("sum", "avg"):
                    total = np.where(oks, vals, 0.0).sum(axis=0)
                    value = total / oks.sum(axis=0) if self.op == "avg" else total
                elif self.op == "min":
                    value = np.where(oks, vals, np.inf).min(axis=0)
                else:
                    value = np.where(oks, vals, -np.inf).max(axis=0)
            out.append((dict(key), any_ok, np.where(any_ok, value, np.nan)))
        return out


@dataclass(frozen=True)
class Bin(Expr):
    op: str  # + - * /
    lhs: Expr
    rhs: Expr

    @property
    def prec(self) -> int:  # type: ignore[override]
        return _PREC[self.op]

    def promql(self) -> str:
        left = self.lhs.promql()
        right = self.rhs.promql()
        if self.lhs.prec < self.prec:
            left = f"({left})"
        if self.rhs.prec <= self.prec:
            right = f"({right})"
        return f"{left} {self.op} {right}"

    def _apply(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide}[self.op](a, b)

    def eval(self, grid: np.ndarray, lookup: Lookup) -> Vector:
        ls, rs = _scalar(self.lhs, grid), _scalar(self.rhs, grid)
        if ls is not None and rs is not None:
            raise ValueError("scalar-scalar expressions are not used by the catalog")
        if ls is not None or rs is not None:
            vec = self.rhs.eval(grid, lookup) if ls is not None else self.lhs.eval(grid, lookup)
            out: Vector = []
            for labels, ok, val in vec:
                value = self._apply(ls, val) if ls is not None else self._apply(val, rs)  # type: ignore[arg-type]
                lbl = {k: x for k, x in labels.items() if k != "__name__"}
                out.append((lbl, ok, np.where(ok, value, np.nan)))
            return out
        right = {}
        for labels, ok, val in self.rhs.eval(grid, lookup):
            right[frozenset((k, x) for k, x in labels.items() if k != "__name__")] = (ok, val)
        out = []
        for labels, ok, val in self.lhs.eval(grid, lookup):
            key = frozenset((k, x) for k, x in labels.items() if k != "__name__")
            if key in right:
                rok, rval = right[key]
                both = ok & rok
                out.append((dict(key), both, np.where(both, self._apply(val, rval), np.nan)))
        return out


@dataclass(frozen=True)
class Quantile(Expr):
    q: float
    expr: Expr

    def promql(self) -> str:
        return f"histogram_quantile({self.q:g}, {self.expr.promql()})"

    def eval(self, grid: np.ndarray, lookup: Lookup) -> Vector:
        groups: dict[frozenset, list[tuple[float, np.ndarray, np.ndarray]]] = {}
        for labels, ok, val in self.expr.eval(grid, lookup):
            key = frozenset((k, x) for k, x in labels.items() if k not in ("le", "__name__"))
            groups.setdefault(key, []).append((float(labels["le"]), ok, val))
        out: Vector = []
        for key, buckets in groups.items():
            buckets.sort(key=lambda b: b[0])
            ok = np.all([b[1] for b in buckets], axis=0)
            les = np.array([b[0] for b in buckets])
            counts = np.array([np.where(ok, b[2], 0.0) for b in buckets]).T  # points x buckets
            out.append((dict(key), ok, np.where(ok, histogram_quantile(self.q, les, counts), np.nan)))
        return out


# ------------------------------------------------------------------ the recipes


def _m(label: str, op: str, value: str) -> Matcher:
    return Matcher(label, op, value)


def _sum_rate(metric: str, *matchers: Matcher) -> Agg:
    return Agg("sum", Rate(Sel(metric, matchers)))


_artisan = (_m("datname", "=", "artisan"),)
_not_tmpfs = (_m("fstype", "!=", "tmpfs"),)
_hits = _sum_rate("redis_keyspace_hits_total")
_misses = _sum_rate("redis_keyspace_misses_total")
_lookups = Bin("+", _hits, _misses)

RECIPES: Mapping[str, Expr] = {
    "request_rate": _sum_rate("http_requests_total"),
    "error_ratio": Bin(
        "/", _sum_rate("http_requests_total", _m("status", "=", "5xx")), _sum_rate("http_requests_total")
    ),
    "latency_p95_seconds": Quantile(0.95, Agg("sum", Rate(Sel("http_request_duration_seconds_bucket")), ("le",))),
    "request_duration_buckets": Agg("sum", Rate(Sel("http_request_duration_seconds_bucket")), ("le",)),
    "latency_mean_seconds": Bin(
        "/", _sum_rate("http_request_duration_seconds_sum"), _sum_rate("http_request_duration_seconds_count")
    ),
    "service_up": Agg("min", Sel("up", (_m("job", "=", "artisan-api"),))),
    "cpu_utilization": Bin("-", Num(1), Agg("avg", Rate(Sel("node_cpu_seconds_total", (_m("mode", "=", "idle"),))))),
    "memory_utilization": Bin(
        "-",
        Num(1),
        Bin("/", Agg("sum", Sel("node_memory_MemAvailable_bytes")), Agg("sum", Sel("node_memory_MemTotal_bytes"))),
    ),
    "disk_free_ratio": Agg(
        "min", Bin("/", Sel("node_filesystem_avail_bytes", _not_tmpfs), Sel("node_filesystem_size_bytes", _not_tmpfs))
    ),
    "network_receive_bytes_rate": _sum_rate("node_network_receive_bytes_total", _m("device", "!=", "lo")),
    "network_transmit_bytes_rate": _sum_rate("node_network_transmit_bytes_total", _m("device", "!=", "lo")),
    "db_connections_in_use": Agg("sum", Sel("pg_stat_activity_count", _artisan)),
    "db_connections_max": Agg("max", Sel("pg_settings_max_connections")),
    "db_connection_utilization": Bin(
        "/", Agg("sum", Sel("pg_stat_activity_count", _artisan)), Agg("max", Sel("pg_settings_max_connections"))
    ),
    "db_query_latency_mean_seconds": Bin(
        "/",
        _sum_rate("pg_stat_statements_seconds_total", *_artisan),
        _sum_rate("pg_stat_statements_calls_total", *_artisan),
    ),
    "db_slow_queries_rate": _sum_rate("pg_slow_queries_total", *_artisan),
    "db_replication_lag_seconds": Agg("max", Sel("pg_replication_lag_seconds")),
    "db_size_bytes": Agg("sum", Sel("pg_database_size_bytes", _artisan)),
    "db_volume_bytes": Agg("sum", Sel("node_filesystem_size_bytes", (_m("mountpoint", "=", "/var/lib/postgresql"),))),
    "db_up": Agg("min", Sel("pg_up")),
    "cache_hit_ratio": Bin("/", _hits, _lookups),
    "cache_miss_ratio": Bin("/", _misses, _lookups),
    "redis_memory_used_bytes": Agg("sum", Sel("redis_memory_used_bytes")),
    "redis_memory_utilization": Bin(
        "/", Agg("sum", Sel("redis_memory_used_bytes")), Agg("sum", Sel("redis_memory_max_bytes"))
    ),
    "redis_connected_clients": Agg("sum", Sel("redis_connected_clients")),
    "user_registrations_rate": _sum_rate("artisan_user_registrations_total"),
    "posts_created_rate": _sum_rate("artisan_posts_created_total"),
    "platform_connections": Agg("sum", Sel("artisan_platform_connections")),
    "users_total": Agg("sum", Sel("artisan_users_total")),
    "file_storage_bytes": Agg("sum", Sel("artisan_file_storage_bytes")),
    "file_storage_quota_bytes": Agg("sum", Sel("artisan_file_storage_quota_bytes")),
    "file_storage_utilization": Bin(
        "/", Agg("sum", Sel("artisan_file_storage_bytes")), Agg("sum", Sel("artisan_file_storage_quota_bytes"))
    ),
    "file_upload_failure_ratio": Bin(
        "/",
        _sum_rate("artisan_file_uploads_total", _m("result", "=", "failure")),
        _sum_rate("artisan_file_uploads_total"),
    ),
    "backup_job_failures": Agg(
        "sum",
        Sel("kube_job_status_failed", (_m("namespace", "=", "artisan-platform"), _m("job_name", "=~", ".+-backup"))),
    ),
    "tls_cert_expiry_seconds": Bin(
        "-",
        Agg(
            "min",
            Sel("certmanager_certificate_expiration_timestamp_seconds", (_m("namespace", "=", "artisan-platform"),)),
        ),
        Time(),
    ),
}


def evaluate(name: str, grid: np.ndarray, lookup: Lookup) -> Vector:
    """The series of catalog recipe ``name`` on ``grid`` (ms since epoch): (labels, present mask,
    values) each, sorted by labels. Most entries give one series without labels; an entry
    grouping ``by`` a label (``request_duration_buckets``: one series per ``le``) gives one per value."""
    vec = RECIPES[name].eval(grid, lookup)
    return sorted(vec, key=lambda s: sorted(s[0].items()))
