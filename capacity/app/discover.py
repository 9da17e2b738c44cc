"""Map what a Prometheus server holds to a starter project file (``capacity init``). Pure.

In: an :class:`Inventory` (metric names, their types from ``/api/v1/metadata`` when the server has
them, and the label names and values seen on their series). Out: a :class:`Discovery` (catalog
entries, SLOs, alerts, planning rules, each with the reason it was chosen, and what could not be
mapped), rendered by :func:`render_config` / :func:`render_spec` as commented YAML.

Recognised families: node_exporter, cAdvisor + kube-state-metrics, postgres_exporter,
redis_exporter, HTTP request counters and duration histograms (FastAPI/Starlette instrumentator,
Micrometer, Istio/Envoy, ingress-nginx, Prometheus' own ``prometheus_http_*``, and the generic shapes
``*_requests_total{status|code}`` and ``*_seconds_bucket{le}``). Nothing is guessed silently: a
metric no family uses is listed as a comment in the file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from ..metrics.promql import quote

__all__ = ["Choice", "Discovery", "Inventory", "discover", "render_config", "render_spec", "CODE_LABELS"]

#: label names that carry an HTTP status code, in the order they are preferred
CODE_LABELS = ("status", "code", "status_code", "response_code", "http_status")
#: the runbook's latency baseline: p95 < 500 ms
LATENCY_THRESHOLD_S = 0.5
#: prefixes of the exporters' own housekeeping series, never worth a comment line each
_NOISE = ("go_", "process_", "promhttp_", "scrape_", "net_conntrack_", "prometheus_", "up", "ALERTS")
#: exporters' own series: never taken for an application's requests or latency by the generic shapes
_HOUSEKEEPING = (*_NOISE, "node_", "container_", "kube_", "pg_", "redis_", "istio_", "envoy_", "nginx_", "http_")


@dataclass(frozen=True)
class Inventory:
    """What a server holds: ``names`` (every metric name), ``types`` (metadata: family or series
    name -> counter | gauge | histogram | summary ...), ``labels`` (series name -> label name ->
    values seen on a sample of its series)."""

    names: tuple[str, ...]
    types: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)

    def has(self, *names: str) -> bool:
        present = set(self.names)
        return all(n in present for n in names)

    def label_names(self, name: str) -> set[str]:
        return set(self.labels.get(name, {}))

    def values(self, name: str, label: str) -> tuple[str, ...]:
        return tuple(self.labels.get(name, {}).get(label, ()))

    def kind(self, name: str) -> str:
        """counter | gauge | histogram | summary | unknown: metadata first, else the name's shape."""
        if name in self.types:
            return self.types[name]
        for suffix in ("_bucket", "_count", "_sum", "_total"):
            if name.endswith(suffix) and name[: -len(suffix)] in self.types:
                return self.types[name[: -len(suffix)]]
        if name.endswith("_total"):
            return "counter"
        if name.endswith("_bucket") and "le" in self.label_names(name):
            return "histogram"
        return "unknown"

    def code_label(self, name: str) -> str | None:
        have = self.label_names(name)
        return next((c for c in CODE_LABELS if c in have), None)


@dataclass(frozen=True)
class Choice:
    """One entry of the generated file: its key, its value and why it was chosen."""

    key: str
    value: Mapping[str, Any]
    why: str


@dataclass
class Discovery:
    source: str | None = None
    families: list[str] = field(default_factory=list)
    catalog: list[Choice] = field(default_factory=list)
    slos: list[Choice] = field(default_factory=list)
    alerts: list[Choice] = field(default_factory=list)
    thresholds: list[Choice] = field(default_factory=list)
    growth: list[Choice] = field(default_factory=list)
    peak: Choice | None = None
    #: the services whose headroom `capacity headroom` measures (the first application family)
    services: list[Choice] = field(default_factory=list)
    #: things seen but not mapped: one comment line each
    notes: list[str] = field(default_factory=list)
    used: set[str] = field(default_factory=set)

    def entry(self, key: str, why: str, query: str, unit: str, kind: str, group: str, **more: Any) -> None:
        value: dict[str, Any] = {"query": query, "unit": unit, "kind": kind, "group": group, "step": "1m"}
        value.update(more)
        self.catalog.append(Choice(key, value, why))

    def has_entry(self, key: str) -> bool:
        return any(c.key == key for c in self.catalog)


def _sel(name: str, *matchers: str) -> str:
    ms = [m for m in matchers if m]
    return f"{name}{{{','.join(ms)}}}" if ms else name


def _eq(label: str, value: str) -> str:
    return f"{label}={quote(value)}"


# ------------------------------------------------------------------ infrastructure


def _node(inv: Inventory, d: Discovery) -> None:
    if not any(n.startswith("node_") for n in inv.names):
        return
    d.families.append("node_exporter")
    if inv.has("node_cpu_seconds_total") and "idle" in inv.values("node_cpu_seconds_total", "mode"):
        d.used.add("node_cpu_seconds_total")
        d.entry(
            "cpu_utilization",
            "node_exporter: node_cpu_seconds_total{mode} (counter): 1 - the idle share, averaged over every core",
            '1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))',
            "ratio",
            "counter",
            "infrastructure",
            lower=0,
            upper=1,
            description="Busy share of CPU time over all cores (node_exporter).",
        )
    elif inv.has("node_cpu_seconds_total"):
        d.notes.append('node_cpu_seconds_total has no mode="idle" series seen: cpu_utilization not mapped')
    if inv.has("node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes"):
        d.used.update({"node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes"})
        d.entry(
            "memory_utilization",
            "node_exporter: 1 - MemAvailable / MemTotal (gauges), summed over hosts",
            "1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes)",
            "ratio",
            "gauge",
            "infrastructure",
            lower=0,
            upper=1,
            description="Share of memory not available to new work (node_exporter).",
        )
    if inv.has("node_filesystem_avail_bytes", "node_filesystem_size_bytes"):
        d.used.update({"node_filesystem_avail_bytes", "node_filesystem_size_bytes"})
        _disk(
            inv,
            d,
            "node_filesystem_avail_bytes",
            "node_filesystem_size_bytes",
            "node_exporter: node_filesystem_avail_bytes / node_filesystem_size_bytes",
        )
    for direction in ("receive", "transmit"):
        name = f"node_network_{direction}_bytes_total"
        if inv.has(name):
            d.used.add(name)
            lo = '{device!="lo"}' if "device" in inv.label_names(name) else ""
            d.entry(
                f"network_{direction}_bytes_rate",
                f"node_exporter: {name} (counter), loopback excluded",
                f"sum(rate({name}{lo}[5m]))",
                "bytes/s",
                "counter",
                "infrastructure",
                lower=0,
                upper=None,
                description=f"Bytes {'received' if direction == 'receive' else 'sent'} per second over every interface "
                "but lo (node_exporter).",
            )
    if d.has_entry("cpu_utilization"):
        d.slos.append(
            Choice(
                "cpu-in-range",
                {
                    "objective": 0.90,
                    "window": "30d",
                    "alerting": {"burn_rate": "none"},
                    "sli": {"kind": "gauge_range", "metric": "cpu_utilization", "lower": 0.30, "upper": 0.60},
                    "description": "CPU Usage 30-60% (share of minutes inside the normal operating range)",
                },
                "the runbook's normal operating range for CPU (30-60%), on cpu_utilization",
            )
        )
        d.alerts.append(
            _alert("HighCPUUsage", ">80% CPU usage for >30 minutes", "cpu_utilization", ">", 0.8, "30m", "low")
        )
        d.thresholds.append(
            Choice("cpu", {"metric": "cpu_utilization", "above": 0.80, "text": "CPU above 80%"}, "runbook: CPU >80%")
        )
    if d.has_entry("memory_utilization"):
        d.slos.append(
            Choice(
                "memory-in-range",
                {
                    "objective": 0.90,
                    "window": "30d",
                    "alerting": {"burn_rate": "none"},
                    "sli": {"kind": "gauge_range", "metric": "memory_utilization", "lower": 0.40, "upper": 0.70},
                    "description": "Memory Usage 40-70% (share of minutes inside the normal operating range)",
                },
                "the runbook's normal operating range for memory (40-70%), on memory_utilization",
            )
        )
        d.alerts.append(
            _alert(
                "HighMemoryUsage", ">90% memory usage for >10 minutes", "memory_utilization", ">", 0.9, "10m", "high"
            )
        )
        d.thresholds.append(
            Choice(
                "memory",
                {"metric": "memory_utilization", "above": 0.90, "text": "Memory above 90%"},
                "runbook: memory >90%",
            )
        )


def _disk(inv: Inventory, d: Discovery, avail: str, size: str, why: str) -> None:
    """A free-space ratio (and bytes) from an avail/size pair, the disk threshold and LowDiskSpace."""
    if d.has_entry("disk_free_ratio"):
        d.notes.append(f"{avail} / {size}: a second free-space pair; disk_free_ratio already uses another")
        return
    labels = inv.label_names(avail)
    filt = ['fstype!~"tmpfs|overlay|squashfs"'] if "fstype" in labels else []
    a, s = _sel(avail, *filt), _sel(size, *filt)
    d.entry(
        "disk_free_ratio",
        f"{why}; the fullest filesystem counts (min), tmpfs/overlay/squashfs left out",
        f"min({a} / {s})",
        "ratio",
        "gauge",
        "infrastructure",
        lower=0,
        upper=1,
        description="Free share of the fullest filesystem.",
    )
    d.entry(
        "disk_free_bytes",
        f"{avail} (gauge): bytes free on the fullest filesystem",
        f"min({a})",
        "bytes",
        "gauge",
        "infrastructure",
        lower=0,
        upper=None,
        description="Bytes free on the filesystem with the least room.",
    )
    d.alerts.append(_alert("LowDiskSpace", "<10% free disk space", "disk_free_ratio", "<", 0.10, "0s", "high"))
    d.thresholds.append(
        Choice(
            "disk",
            {"metric": "disk_free_ratio", "below": 0.10, "text": "Disk space below 10% free"},
            "runbook: <10% free disk space",
        )
    )


def _free_pairs(inv: Inventory, d: Discovery) -> None:
    """Generic: ``*_free*`` / ``*_avail*`` bytes with a ``*_size*`` / ``*_total*`` / ``*_capacity*`` partner."""
    for name in sorted(inv.names):
        if name in d.used or not re.search(r"_(free|avail|available)(_|$)", name):
            continue
        partners = [
            re.sub(r"_(free|avail|available)(_|$)", rf"_{w}\2", name, count=1)
            for w in ("size", "total", "capacity", "capacity_bytes")
        ]
        partner = next((p for p in partners if p in inv.names and p != name), None)
        if partner is None:
            d.notes.append(f"{name}: free/available series without a size/total partner: no disk ratio made")
            continue
        d.used.update({name, partner})
        _disk(inv, d, name, partner, f"generic free/size pair: {name} / {partner}")


def _kube(inv: Inventory, d: Discovery) -> None:
    cadvisor = inv.has("container_cpu_usage_seconds_total") or inv.has("container_memory_working_set_bytes")
    ksm = any(n.startswith("kube_") for n in inv.names)
    if cadvisor:
        d.families.append("cAdvisor")
    if ksm:
        d.families.append("kube-state-metrics")
    real = 'container!="",container!="POD"'
    if inv.has("container_cpu_usage_seconds_total"):
        d.used.add("container_cpu_usage_seconds_total")
        d.entry(
            "container_cpu_cores",
            "cAdvisor: container_cpu_usage_seconds_total (counter), pause containers and cgroup roots left out",
            f"sum(rate(container_cpu_usage_seconds_total{{{real}}}[5m]))",
            "cores",
            "counter",
            "infrastructure",
            lower=0,
            upper=None,
            description="CPU cores used by every container (cAdvisor).",
        )
    if inv.has("container_memory_working_set_bytes"):
        d.used.add("container_memory_working_set_bytes")
        d.entry(
            "container_memory_bytes",
            "cAdvisor: container_memory_working_set_bytes (gauge: what the OOM killer looks at)",
            f"sum(container_memory_working_set_bytes{{{real}}})",
            "bytes",
            "gauge",
            "infrastructure",
            lower=0,
            upper=None,
            description="Working-set memory of every container (cAdvisor).",
        )
    alloc = "kube_node_status_allocatable"
    if inv.has(alloc) and "resource" in inv.label_names(alloc):
        d.used.add(alloc)
        resources = set(inv.values(alloc, "resource"))
        node = "node_exporter" in d.families
        if "cpu" in resources and d.has_entry("container_cpu_cores"):
            d.entry(
                "cpu_utilization" if not node else "cluster_cpu_utilization",
                "cAdvisor container CPU / kube-state-metrics allocatable CPU of the nodes"
                + ("" if not node else " (cpu_utilization comes from node_exporter)"),
                f"sum(rate(container_cpu_usage_seconds_total{{{real}}}[5m])) / "
                'sum(kube_node_status_allocatable{resource="cpu"})',
                "ratio",
                "counter",
                "infrastructure",
                lower=0,
                upper=1,
                description="Share of the cluster's allocatable CPU used by containers.",
            )
        if "memory" in resources and d.has_entry("container_memory_bytes"):
            d.entry(
                "memory_utilization" if not node else "cluster_memory_utilization",
                "cAdvisor working set / kube-state-metrics allocatable memory of the nodes"
                + ("" if not node else " (memory_utilization comes from node_exporter)"),
                f"sum(container_memory_working_set_bytes{{{real}}}) / "
                'sum(kube_node_status_allocatable{resource="memory"})',
                "ratio",
                "gauge",
                "infrastructure",
                lower=0,
                upper=1,
                description="Share of the cluster's allocatable memory used by containers.",
            )
        if not node:
            if d.has_entry("cpu_utilization"):
                d.thresholds.append(
                    Choice(
                        "cpu",
                        {"metric": "cpu_utilization", "above": 0.80, "text": "CPU above 80%"},
                        "runbook: CPU >80%",
                    )
                )
            if d.has_entry("memory_utilization"):
                d.thresholds.append(
                    Choice(
                        "memory",
                        {"metric": "memory_utilization", "above": 0.90, "text": "Memory above 90%"},
                        "runbook: memory >90%",
                    )
                )
    jobs = "kube_job_status_failed"
    if inv.has(jobs):
        d.used.add(jobs)
        d.entry(
            "backup_job_failures",
            "kube-state-metrics: kube_job_status_failed of jobs named *-backup (rename the pattern to yours)",
            'sum(kube_job_status_failed{job_name=~".+-backup"})',
            "count",
            "gauge",
            "infrastructure",
            lower=0,
            upper=None,
            description="Failed backup jobs (kube-state-metrics).",
        )


def _postgres(inv: Inventory, d: Discovery) -> None:
    if not any(n.startswith("pg_") for n in inv.names):
        return
    d.families.append("postgres_exporter")
    if inv.has("pg_up"):
        d.used.add("pg_up")
        d.entry(
            "db_up",
            "postgres_exporter: pg_up (1 when the exporter reaches the database)",
            "min(pg_up)",
            "boolean",
            "gauge",
            "database",
            lower=0,
            upper=1,
        )
        d.alerts.append(
            _alert("DatabaseConnectionFailure", "Cannot connect to primary database", "db_up", "<", 1, "0s", "high")
        )
    if inv.has("pg_stat_activity_count", "pg_settings_max_connections"):
        d.used.update({"pg_stat_activity_count", "pg_settings_max_connections"})
        dbs = ", ".join(inv.values("pg_stat_activity_count", "datname")) or "none seen"
        why = (
            "postgres_exporter: pg_stat_activity_count summed over every database (max_connections is "
            f"server-wide; databases seen: {dbs})"
        )
        d.entry("db_connections_in_use", why, "sum(pg_stat_activity_count)", "count", "gauge", "database", lower=0)
        d.entry(
            "db_connections_max",
            "postgres_exporter: pg_settings_max_connections",
            "max(pg_settings_max_connections)",
            "count",
            "gauge",
            "database",
            lower=0,
        )
        d.entry(
            "db_connection_utilization",
            "connections in use / max_connections",
            "sum(pg_stat_activity_count) / max(pg_settings_max_connections)",
            "ratio",
            "gauge",
            "database",
            lower=0,
            upper=1,
        )
        d.slos.append(
            Choice(
                "db-connections",
                {
                    "objective": 0.99,
                    "window": "30d",
                    "description": "Database Connections < 80% of pool (share of minutes below)",
                    "sli": {
                        "kind": "utilization",
                        "usage": "db_connections_in_use",
                        "capacity": "db_connections_max",
                        "upper": 0.80,
                    },
                },
                "runbook: database connections < 80% of the pool",
            )
        )
        d.thresholds.append(
            Choice(
                "db_connections",
                {"metric": "db_connection_utilization", "above": 0.80, "text": "Database connections above 80%"},
                "runbook: <80% of the pool",
            )
        )
    if inv.has("pg_database_size_bytes"):
        d.used.add("pg_database_size_bytes")
        user_dbs = [
            v
            for v in inv.values("pg_database_size_bytes", "datname")
            if v not in ("postgres", "template0", "template1")
        ]
        filt = (
            '{datname!~"postgres|template0|template1"}'
            if "datname" in inv.label_names("pg_database_size_bytes")
            else ""
        )
        d.entry(
            "db_size_bytes",
            "postgres_exporter: pg_database_size_bytes of every user database"
            + (f" ({', '.join(user_dbs)})" if user_dbs else "")
            + '; add datname="..." to keep one',
            f"sum(pg_database_size_bytes{filt})",
            "bytes",
            "gauge",
            "database",
            lower=0,
        )
        d.growth.append(
            Choice(
                "database",
                {
                    "metric": "db_size_bytes",
                    "period": "365d",
                    "plan": 1.0,
                    "text": "Plan for 100% database growth annually",
                },
                "runbook: plan for 100% database growth annually",
            )
        )


def _redis(inv: Inventory, d: Discovery) -> None:
    if not any(n.startswith("redis_") for n in inv.names):
        return
    d.families.append("redis_exporter")
    hits, misses = "redis_keyspace_hits_total", "redis_keyspace_misses_total"
    if inv.has(hits, misses):
        d.used.update({hits, misses})
        both = f"(sum(rate({hits}[5m])) + sum(rate({misses}[5m])))"
        d.entry(
            "cache_hit_ratio",
            "redis_exporter: keyspace hits / (hits + misses) (counters)",
            f"sum(rate({hits}[5m])) / {both}",
            "ratio",
            "counter",
            "cache",
            lower=0,
            upper=1,
        )
        d.entry(
            "cache_miss_ratio",
            "redis_exporter: keyspace misses / (hits + misses) (counters)",
            f"sum(rate({misses}[5m])) / {both}",
            "ratio",
            "counter",
            "cache",
            lower=0,
            upper=1,
        )
        d.slos.append(
            Choice(
                "cache-hit-rate",
                {
                    "objective": 0.90,
                    "window": "30d",
                    "description": "Cache Hit Rate > 90% (share of Redis keyspace lookups that hit)",
                    "sli": {
                        "kind": "ratio",
                        "good": {"query": hits, "counter": True},
                        "bad": {"query": misses, "counter": True},
                    },
                },
                "runbook: cache hit rate > 90%, on the raw counters (the engine takes their increases)",
            )
        )
        d.alerts.append(
            _alert(
                "HighCacheMissRate",
                ">50% cache miss rate for >15 minutes",
                "cache_miss_ratio",
                ">",
                0.5,
                "15m",
                "medium",
            )
        )
    if inv.has("redis_memory_used_bytes"):
        d.used.add("redis_memory_used_bytes")
        d.entry(
            "redis_memory_used_bytes",
            "redis_exporter: redis_memory_used_bytes",
            "sum(redis_memory_used_bytes)",
            "bytes",
            "gauge",
            "cache",
            lower=0,
        )
        if inv.has("redis_memory_max_bytes"):
            d.used.add("redis_memory_max_bytes")
            d.entry(
                "redis_memory_utilization",
                "used / maxmemory (no data while maxmemory is 0, i.e. unlimited)",
                "sum(redis_memory_used_bytes) / (sum(redis_memory_max_bytes) > 0)",
                "ratio",
                "gauge",
                "cache",
                lower=0,
                upper=1,
            )
    if inv.has("redis_connected_clients"):
        d.used.add("redis_connected_clients")
        d.entry(
            "redis_connected_clients",
            "redis_exporter: redis_connected_clients",
            "sum(redis_connected_clients)",
            "count",
            "gauge",
            "cache",
            lower=0,
        )


# ------------------------------------------------------------------ HTTP


@dataclass(frozen=True)
class _Http:
    """One HTTP family: its request counter, its duration histogram (base name) and what to pin."""

    slug: str
    title: str
    requests: str | None
    duration: str | None
    scale: float = 1.0  # seconds per unit of the histogram's le
    pin: tuple[str, ...] = ()  # extra matchers (Istio: reporter="destination")
    why_pin: str = ""


_KNOWN_HTTP = (
    _Http("fastapi", "FastAPI/Starlette instrumentator", "http_requests_total", "http_request_duration_seconds"),
    _Http(
        "micrometer", "Micrometer (Spring Boot)", "http_server_requests_seconds_count", "http_server_requests_seconds"
    ),
    _Http(
        "istio",
        "Istio/Envoy",
        "istio_requests_total",
        "istio_request_duration_milliseconds",
        scale=0.001,
        pin=('reporter="destination"',),
        why_pin='reporter="destination": each request is reported by both sides; the server side counts once',
    ),
    _Http(
        "ingress_nginx",
        "ingress-nginx",
        "nginx_ingress_controller_requests",
        "nginx_ingress_controller_request_duration_seconds",
    ),
    _Http(
        "prometheus_http",
        "Prometheus' own HTTP API",
        "prometheus_http_requests_total",
        "prometheus_http_request_duration_seconds",
    ),
)


def _http_families(inv: Inventory, d: Discovery) -> list[_Http]:
    out: list[_Http] = []
    for fam in _KNOWN_HTTP:
        req = fam.requests if fam.requests and inv.has(fam.requests) else None
        dur = fam.duration if fam.duration and inv.has(f"{fam.duration}_bucket") else None
        if req is None and dur is None:
            continue
        pin = tuple(p for p in fam.pin if p.split("=")[0] in inv.label_names(req or f"{fam.duration}_bucket"))
        out.append(_Http(fam.slug, fam.title, req, dur, fam.scale, pin, fam.why_pin if pin else ""))
    taken = {x for f in out for x in (f.requests, f"{f.duration}_bucket" if f.duration else None) if x}
    # generic: <prefix>_requests_total with a status label, paired with <prefix>_*seconds_bucket
    generic: list[_Http] = []
    for name in sorted(inv.names):
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*?)_requests_total", name)
        if not m or name in taken or name.startswith(_HOUSEKEEPING):
            continue
        prefix = m.group(1)
        if inv.code_label(name) is None:
            d.notes.append(
                f"{name}: a request counter without a status label ({'/'.join(CODE_LABELS)}): not mapped; "
                "add request_rate / error_ratio entries once you know which label marks failures"
            )
            continue
        dur = next(
            (
                c
                for c in (
                    f"{prefix}_request_duration_seconds",
                    f"{prefix}_requests_duration_seconds",
                    f"{prefix}_request_latency_seconds",
                    f"{prefix}_duration_seconds",
                )
                if inv.has(f"{c}_bucket") and f"{c}_bucket" not in taken
            ),
            None,
        )
        generic.append(_Http(prefix, f"generic {prefix}_requests_total", name, dur))
        taken.update({name, f"{dur}_bucket" if dur else name})
    for name in sorted(inv.names):
        if name in taken or not name.endswith("_seconds_bucket") or "le" not in inv.label_names(name):
            continue
        if name.startswith(_HOUSEKEEPING):
            continue  # an exporter's own timings (listed with the unmapped names)
        base = name[: -len("_bucket")]
        generic.append(_Http(base, f"generic histogram {base}", None, base))
        taken.add(name)
    # application families first: the first one with a request counter gets the runbook's names
    order = [f for f in out if f.slug in ("fastapi", "micrometer")] + generic
    order += [f for f in out if f.slug not in ("fastapi", "micrometer")]
    return order


def _http(inv: Inventory, d: Discovery) -> None:
    fams = _http_families(inv, d)
    primary = next((f for f in fams if f.requests), None)  # the runbook's names go to a request family
    for fam in fams:
        main = fam is primary
        d.families.append(fam.title)
        _http_one(inv, d, fam, main)
    if primary is not None and primary.requests:
        _service(inv, d, primary)
        d.peak = Choice(
            "peak",
            {"metric": "request_rate", "timezone": "UTC", "business_hours": [9, 18]},
            "runbook: peak usage during business hours (9 AM - 6 PM local time); set your zone",
        )


def _service(inv: Inventory, d: Discovery, fam: _Http) -> None:
    """The first application family as the service `capacity headroom` measures: its request rate,
    duration buckets and mean (when mapped), the node's CPU, and its replicas counted by ``up``."""
    value: dict[str, Any] = {"title": fam.title, "throughput": "request_rate"}
    for role, entry in (("latency_buckets", "request_duration_buckets"), ("latency_mean", "latency_mean_seconds")):
        if d.has_entry(entry):
            value[role] = entry
    if d.has_entry("cpu_utilization"):
        value["cpu"] = "cpu_utilization"
    jobs = inv.values(fam.requests, "job") if fam.requests else []
    why = f"runbook: p95 < 500 ms and CPU 30-60% at the load {fam.title} serves"
    if len(jobs) == 1 and jobs[0] in inv.values("up", "job"):
        value["replicas"] = f"count(up{{job={quote(jobs[0])}}} == 1)"
        why += f"; replicas: the targets of job {jobs[0]!r} that are up (one per replica)"
    else:
        value["replicas"] = 1
        why += "; replicas: 1 (set how many serve it, or a series of it)"
    if "cpu" not in value:
        why += "; no CPU series mapped: latency only"
    d.services.append(Choice("api", {**value, "objective": {"quantile": 0.95, "latency": 0.5}}, why))


def _http_one(inv: Inventory, d: Discovery, fam: _Http, main: bool) -> None:
    key = (lambda k: k) if main else (lambda k: f"{fam.slug}_{k}")
    slo_name = (lambda k: k) if main else (lambda k: f"{fam.slug.replace('_', '-')}-{k}")
    pin = fam.pin
    pin_note = f"; {fam.why_pin}" if fam.why_pin else ""
    who = (
        f"{fam.title}" + ("" if main else "") + (" (the runbook's names: the first application family)" if main else "")
    )
    if fam.requests:
        req = fam.requests
        d.used.add(req)
        total = _sel(req, *pin)
        d.entry(
            key("request_rate"),
            f"{who}: {req} (counter){pin_note}",
            f"sum(rate({total}[5m]))",
            "1/s",
            "counter",
            "application",
            lower=0,
            upper=None,
            description=f"Requests served per second ({fam.title}).",
        )
        code = inv.code_label(req)
        if code is None:
            d.notes.append(
                f"{req}: no status label ({'/'.join(CODE_LABELS)}) seen: no error ratio and no error-rate SLO; "
                "add them once you know which label marks failures"
            )
        else:
            bad = _sel(req, f'{code}=~"5.."', *pin)
            d.entry(
                key("error_ratio"),
                f'{who}: share of {req} with {code}=~"5.." (5xx); `or vector(0)` keeps minutes without any error',
                f"(sum(rate({bad}[5m])) or vector(0)) / sum(rate({total}[5m]))",
                "ratio",
                "counter",
                "application",
                lower=0,
                upper=1,
                description=f"Share of requests answered 5xx ({fam.title}).",
            )
            d.slos.append(
                Choice(
                    slo_name("error-rate"),
                    {
                        "objective": 0.99,
                        "window": "30d",
                        "description": f"Error Rate < 1% (share of {fam.title} requests answered 5xx)",
                        "sli": {
                            "kind": "ratio",
                            "bad": {"query": bad, "counter": True},
                            "total": {"query": total, "counter": True},
                        },
                    },
                    f"runbook: error rate < 1%; {req}'s raw counters ({code} 5xx / all), the engine takes "
                    "their increases across resets",
                )
            )
            d.alerts.append(
                _alert(
                    "HighErrorRate" if main else f"HighErrorRate_{fam.slug}",
                    ">5% error rate for >5 minutes",
                    key("error_ratio"),
                    ">",
                    0.05,
                    "5m",
                    "high",
                )
            )
        jobs = inv.values(req, "job")
        if main and len(jobs) == 1 and "job" in inv.label_names("up") and jobs[0] in inv.values("up", "job"):
            d.used.add("up")
            d.entry(
                "service_up",
                f"up of the one job exposing {req} (job={jobs[0]!r})",
                f"min(up{{job={quote(jobs[0])}}})",
                "boolean",
                "gauge",
                "application",
                lower=0,
                upper=1,
            )
            d.alerts.append(
                _alert("ServiceDown", "Any core service unavailable for >2 minutes", "service_up", "<", 1, "2m", "high")
            )
    if fam.duration:
        buckets = f"{fam.duration}_bucket"
        d.used.add(buckets)
        scale = "" if fam.scale == 1 else f" / {1 / fam.scale:g}"
        unit_note = "" if fam.scale == 1 else f" (le in milliseconds: divided by {1 / fam.scale:g})"
        d.entry(
            key("latency_p95_seconds"),
            f"{fam.title}: p95 of {buckets}{unit_note}{pin_note}",
            f"histogram_quantile(0.95, sum by (le) (rate({_sel(buckets, *pin)}[5m]))){scale}",
            "seconds",
            "histogram",
            "application",
            lower=0,
            upper=None,
            description=f"95th percentile response time ({fam.title}).",
        )
        if fam.scale == 1:
            d.entry(
                key("request_duration_buckets"),
                f"{fam.title}: per-bucket rates of {buckets} (what `capacity headroom` reads){pin_note}",
                f"sum by (le) (rate({_sel(buckets, *pin)}[5m]))",
                "1/s",
                "histogram",
                "application",
                lower=0,
                upper=None,
                description=f"Per-bucket request rates of the duration histogram ({fam.title}).",
            )
        elif main:
            d.notes.append(f"{buckets}: le in milliseconds: `capacity headroom` needs a histogram in seconds")
        if inv.has(f"{fam.duration}_sum", f"{fam.duration}_count"):
            d.used.update({f"{fam.duration}_sum", f"{fam.duration}_count"})
            d.entry(
                key("latency_mean_seconds"),
                f"{fam.title}: {fam.duration}_sum / _count{unit_note}",
                f"sum(rate({_sel(fam.duration + '_sum', *pin)}[5m])) / "
                f"sum(rate({_sel(fam.duration + '_count', *pin)}[5m])){scale}",
                "seconds",
                "histogram",
                "application",
                lower=0,
                upper=None,
                description=f"Mean response time ({fam.title}).",
            )
            d.alerts.append(
                _alert(
                    "HighResponseTime" if main else f"HighResponseTime_{fam.slug}",
                    ">2s average response time for >10 minutes",
                    key("latency_mean_seconds"),
                    ">",
                    2.0,
                    "10m",
                    "medium",
                )
            )
        threshold = LATENCY_THRESHOLD_S / fam.scale
        les = inv.values(buckets, "le")
        exact = any(_same(le, threshold) for le in les) if les else True
        d.slos.append(
            Choice(
                slo_name("latency-p95"),
                {
                    "objective": 0.95,
                    "window": "30d",
                    "description": f"Response Time < 500ms (p95): 95% of {fam.title} requests faster than 500 ms",
                    "sli": {"kind": "latency_threshold", "buckets": _sel(buckets, *pin), "threshold": threshold},
                },
                f"runbook: p95 < 500 ms, as 95% of requests under {threshold:g}"
                + (" ms" if fam.scale != 1 else " s")
                + ("" if exact else f" (no le={threshold:g} bucket seen: the share is interpolated between buckets)"),
            )
        )
    elif fam.requests:
        d.notes.append(f"{fam.requests}: no duration histogram (*_seconds_bucket with le) found: no latency SLO")


def _same(le: str, value: float) -> bool:
    try:
        return abs(float(le) - value) < 1e-9 * max(1.0, value)
    except ValueError:
        return False


def _alert(name: str, description: str, metric: str, op: str, threshold: float, for_: str, priority: str) -> Choice:
    response = {"high": ("immediate", "0s"), "medium": ("within 30 minutes", "30m"), "low": ("within 4 hours", "4h")}
    text, within = response[priority]
    return Choice(
        name,
        {
            "description": description,
            "metric": metric,
            "op": op,
            "threshold": threshold,
            "for": for_,
            "priority": priority,
            "response": text,
            "response_within": within,
        },
        f"runbook critical alert on {metric}",
    )


# ------------------------------------------------------------------ the whole


def discover(inv: Inventory, *, source: str | None = None) -> Discovery:
    """Every family recognised in ``inv``, as catalog entries, SLOs, alerts and planning rules."""
    d = Discovery(source=source)
    _node(inv, d)
    _kube(inv, d)
    _postgres(inv, d)
    _redis(inv, d)
    _http(inv, d)
    _free_pairs(inv, d)
    _unmapped(inv, d)
    return d


def _unmapped(inv: Inventory, d: Discovery) -> None:
    """What no family used, grouped by the name's first word (one line a group)."""
    groups: dict[str, list[str]] = {}
    for name in sorted(inv.names):
        if name in d.used or name.startswith(_NOISE) or name == "up":
            continue
        if any(
            name.startswith(u.rsplit("_", 1)[0] + "_")
            and name[len(u.rsplit("_", 1)[0]) :] in ("_sum", "_count", "_created")
            for u in d.used
        ):
            continue
        groups.setdefault(name.split("_", 1)[0], []).append(name)
    for prefix, names in groups.items():
        shown = ", ".join(names[:6]) + (f", ... ({len(names) - 6} more)" if len(names) > 6 else "")
        d.notes.append(f"not mapped ({prefix}_*): {shown}")


# ------------------------------------------------------------------ YAML


def _flow(value: Mapping[str, Any]) -> str:
    text: str = yaml.safe_dump(dict(value), default_flow_style=True, width=10_000, sort_keys=False)
    return text.strip()


def _comment(text: str, indent: str = "") -> str:
    return "\n".join(f"{indent}# {line}" for line in text.splitlines())


def render_spec(d: Discovery) -> str | None:
    """The capacity/v1 spec (standalone: only the SLOs and alerts mapped), or None when nothing maps."""
    if not d.slos and not d.alerts:
        return None
    lines = [
        "# SLOs and alerts written by `capacity init`: only what the server has series for.",
        "# A standalone capacity/v1 spec (no `extends: default`): the runbook's SLOs that could not be mapped",
        "# are left out rather than pointed at series that do not exist. Objectives and thresholds are the",
        "# runbook's; edit them freely.",
        "apiVersion: capacity/v1",
        "kind: SLOSpec",
        "step: 1m",
        "tz: UTC",
    ]
    if d.slos:
        lines.append("slos:")
        for c in d.slos:
            lines.append(_comment(c.why, "  "))
            lines.append("  - " + _flow({"name": c.key, **c.value}))
    if d.alerts:
        lines.append("alerts:")
        for c in d.alerts:
            lines.append(_comment(c.why, "  "))
            lines.append("  - " + _flow({"name": c.key, **c.value}))
    return "\n".join(lines) + "\n"


def render_config(d: Discovery, *, spec_file: str | None, generated: str = "") -> str:
    """The project file: source, catalog entries, ``slos:`` naming ``spec_file``, planning, notes."""
    lines = [
        f"# capacity.yaml written by `capacity init`{' on ' + generated if generated else ''}"
        + (f" from {d.source}" if d.source else ""),
        "# Every choice below says why it was made; what could not be mapped is listed at the end.",
        "# Check it with `capacity check` (which metrics, SLOs and thresholds have enough history).",
        f"# Families recognised: {', '.join(d.families) if d.families else 'none'}",
        "version: 1",
    ]
    if d.source:
        lines.append(f"source: {json.dumps(d.source)}")
    lines.append("timezone: UTC  # calendar windows (months, quarters) and reports: set your platform's zone")
    if d.catalog:
        lines.append(
            "# Catalog entries: these override the bundled catalog's entries of the same name or add new ones."
        )
        lines.append("catalog:")
        for c in d.catalog:
            lines.append(_comment(c.why, "  "))
            lines.append(f"  {c.key}: {_flow(c.value)}")
    else:
        lines.append("# catalog: nothing recognised; the bundled catalog (the runbook's metric names) stays in effect")
    if spec_file:
        lines.append(f"# SLOs and alerts: {spec_file}, next to this file (a standalone capacity/v1 spec).")
        lines.append(f"slos: {spec_file}")
    else:
        lines.append("# slos: no SLO or alert could be mapped; the runbook's defaults stay in effect (they will")
        lines.append("# have no data on this server until you point them at your series)")
    lines.append("# Planning rules (replace the bundled ones as a whole): thresholds, growth, business-hours peak.")
    lines.append("planning:")
    lines.append("  version: 1")
    if d.thresholds:
        lines.append("  thresholds:")
        for c in d.thresholds:
            lines.append(_comment(c.why, "    "))
            lines.append(f"    {c.key}: {_flow(c.value)}")
    else:
        lines.append("  # thresholds: none mapped (no CPU, memory, disk or database series found)")
    if d.growth:
        lines.append("  growth:")
        for c in d.growth:
            lines.append(_comment(c.why, "    "))
            lines.append(f"    {c.key}: {_flow(c.value)}")
    else:
        lines.append("  # growth: none mapped (users_total, db size, file storage: add yours, e.g.")
        lines.append("  #   users: {metric: users_total, period: 91d, plan: 0.5})")
    if d.peak is not None:
        lines.append(_comment(d.peak.why, "  "))
        lines.append(f"  peak: {_flow(d.peak.value)}")
    else:
        lines.append("  # peak: no request rate found; the business-hours peak rule needs one")
    if d.services:
        lines.append("# Services whose headroom `capacity headroom` measures (the load the latency SLO can take).")
        lines.append("services:")
        for c in d.services:
            lines.append(_comment(c.why, "  "))
            lines.append(f"  {c.key}: {_flow(c.value)}")
    else:
        lines.append("# services: no request rate found; `capacity headroom` needs one (see the README, Headroom)")
    if d.notes:
        lines.append("")
        lines.append("# Seen on the server but not mapped (add catalog entries for what matters to you):")
        lines.extend(_comment(n) for n in d.notes)
    return "\n".join(lines) + "\n"


def summary(d: Discovery) -> Sequence[str]:
    """One line per kind of thing mapped (for the CLI's stderr)."""
    return [
        f"families: {', '.join(d.families) or 'none'}",
        f"catalog entries: {len(d.catalog)}, SLOs: {len(d.slos)}, alerts: {len(d.alerts)}, "
        f"thresholds: {len(d.thresholds)}, growth rules: {len(d.growth)}, not mapped: {len(d.notes)} note(s)",
    ]
