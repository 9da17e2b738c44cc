"""The metric catalog: defaults, overrides, validation errors."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from capacity.core.errors import ConfigError, UnknownMetricError
from capacity.metrics.catalog import Catalog, Metric, catalog, default_catalog, load_catalog

# The names other parts of the package rely on (from the design brief, not from the YAML).
REQUIRED = {
    "application": ["request_rate", "error_ratio", "latency_p95_seconds", "latency_mean_seconds", "service_up"],
    "infrastructure": [
        "cpu_utilization",
        "memory_utilization",
        "disk_free_ratio",
        "network_receive_bytes_rate",
        "network_transmit_bytes_rate",
    ],
    "database": [
        "db_connections_in_use",
        "db_connections_max",
        "db_connection_utilization",
        "db_query_latency_mean_seconds",
        "db_slow_queries_rate",
        "db_replication_lag_seconds",
        "db_size_bytes",
        "db_volume_bytes",
        "db_up",
    ],
    "cache": ["cache_hit_ratio", "cache_miss_ratio", "redis_memory_used_bytes", "redis_connected_clients"],
    "business": [
        "user_registrations_rate",
        "posts_created_rate",
        "platform_connections",
        "users_total",
        "file_storage_bytes",
        "file_storage_quota_bytes",
        "file_upload_failure_ratio",
    ],
    "operations": ["backup_job_failures", "tls_cert_expiry_seconds"],
}


@pytest.mark.parametrize("group, name", [(g, n) for g, ns in REQUIRED.items() for n in ns])
def test_required_entry_present_in_its_group(group, name):
    m = default_catalog().get(name)
    assert m.name == name and m.group == group
    assert m.kind in ("counter", "gauge", "histogram")
    assert isinstance(m.step, pd.Timedelta) and m.step > pd.Timedelta(0)


def test_ratios_are_bounded_zero_one_and_rates_non_negative():
    for m in default_catalog().values():
        if m.name.endswith("_ratio") or m.name.endswith("_utilization") and m.name != "file_storage_utilization":
            assert (m.lower, m.upper) == (0.0, 1.0), m.name
        if m.name.endswith("_rate") or m.name.endswith("_bytes"):
            assert m.lower == 0.0, m.name


def test_counter_queries_use_5m_rate_and_p95_uses_histogram_quantile():
    c = default_catalog()
    for m in c.values():
        if m.kind == "counter":
            assert re.search(r"rate\([^()]*\[5m\]\)", m.query), m.name
    assert c["latency_p95_seconds"].query.startswith("histogram_quantile(0.95, sum by (le) (rate(")
    assert "http_request_duration_seconds_bucket[5m]" in c["latency_p95_seconds"].query


def test_exporter_metric_names_used():
    queries = " ".join(m.query for m in default_catalog().values())
    for raw in [
        "http_requests_total",
        "http_request_duration_seconds_bucket",
        "node_cpu_seconds_total",
        "node_memory_MemAvailable_bytes",
        "node_filesystem_avail_bytes",
        "pg_stat_activity_count",
        "pg_settings_max_connections",
        "pg_database_size_bytes",
        "redis_keyspace_hits_total",
        "kube_job_status_failed",
        "certmanager_certificate_expiration_timestamp_seconds",
        "up{",
    ]:
        assert raw in queries


def test_default_steps():
    c = default_catalog()
    assert c["request_rate"].step == pd.Timedelta(minutes=1)
    assert c["users_total"].step == pd.Timedelta(days=1)
    assert c["user_registrations_rate"].step >= pd.Timedelta(hours=1)


def test_mapping_interface():
    c = default_catalog()
    assert "request_rate" in c and "nope" not in c
    assert c.find("nope") is None
    assert list(c) == c.names() and len(c) >= 34
    frame = c.to_frame()
    assert list(frame["name"]) == c.names()
    assert {"name", "group", "kind", "unit", "step", "query"} <= set(frame.columns)
    with pytest.raises(TypeError):
        c["x"] = None  # type: ignore[index]  # no setter: catalogs are immutable


def test_unknown_name_suggests_close_names():
    with pytest.raises(UnknownMetricError) as info:
        default_catalog().get("request_rat")
    assert "request_rat" in str(info.value)
    assert "request_rate" in str(info.value)
    assert info.value.name == "request_rat"


def test_metric_is_frozen():
    m = default_catalog()["request_rate"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.query = "x"  # type: ignore[misc]


def write(tmp_path, text):
    p = tmp_path / "mine.yaml"
    p.write_text(text)
    return p


def test_override_field_and_add_entry(tmp_path):
    p = write(
        tmp_path,
        """
version: 1
metrics:
  request_rate:
    query: sum(rate(http_requests_total{job="shop"}[5m]))
    step: 30s
  checkout_rate:
    query: sum(rate(checkout_total[5m]))
    unit: 1/s
    kind: counter
    group: business
""",
    )
    c = load_catalog(p)
    assert c["request_rate"].query == 'sum(rate(http_requests_total{job="shop"}[5m]))'
    assert c["request_rate"].step == pd.Timedelta(seconds=30)
    assert c["request_rate"].unit == default_catalog()["request_rate"].unit  # untouched fields kept
    assert c["checkout_rate"] == Metric(
        "checkout_rate",
        "sum(rate(checkout_total[5m]))",
        "1/s",
        "counter",
        pd.Timedelta(minutes=1),
        "business",
        "",
        None,
        None,
    )
    assert default_catalog()["request_rate"].query == "sum(rate(http_requests_total[5m]))"  # defaults unchanged


def test_env_var_names_override_file(tmp_path, monkeypatch):
    p = write(tmp_path, "metrics:\n  error_ratio:\n    step: 5m\n")
    monkeypatch.setenv("CAPACITY_CATALOG", str(p))
    assert catalog()["error_ratio"].step == pd.Timedelta(minutes=5)
    monkeypatch.setenv("CAPACITY_CATALOG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError) as info:
        catalog()
    assert "CAPACITY_CATALOG" in str(info.value) and "missing.yaml" in str(info.value)
    monkeypatch.delenv("CAPACITY_CATALOG")
    assert catalog() is default_catalog()


@pytest.mark.parametrize(
    "body, entry, field",
    [
        ("metrics:\n  request_rate:\n    kind: summary\n", "request_rate", "kind"),
        ("metrics:\n  request_rate:\n    step: fortnight\n", "request_rate", "step"),
        ("metrics:\n  request_rate:\n    stepp: 1m\n", "request_rate", "stepp"),
        ("metrics:\n  request_rate:\n    lower: zero\n", "request_rate", "lower"),
        ("metrics:\n  request_rate:\n    lower: 2\n    upper: 1\n", "request_rate", "lower"),
        ("metrics:\n  request_rate:\n    query: ''\n", "request_rate", "query"),
        ("metrics:\n  request_rate:\n    query: 'up{job=\"x\"'\n", "request_rate", "query"),
        ("metrics:\n  brand_new:\n    query: up\n    unit: x\n    kind: gauge\n", "brand_new", "group"),
    ],
)
def test_invalid_file_names_file_entry_and_field(tmp_path, body, entry, field):
    p = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_catalog(p)
    msg = str(info.value)
    assert str(p) in msg and repr(entry) in msg and repr(field) in msg
    assert info.value.file == str(p) and info.value.entry == entry and info.value.field == field
    assert "\n" not in msg


@pytest.mark.parametrize("body", ["metrics: [1, 2]\n", "- a\n", "metrics:\n  x: 3\n", "metrix: {}\n", "a: [\n"])
def test_malformed_documents_name_the_file(tmp_path, body):
    p = write(tmp_path, body)
    with pytest.raises(ConfigError) as info:
        load_catalog(p)
    assert str(p) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError) as info:
        load_catalog(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value)


def test_explicit_base(tmp_path):
    p = write(tmp_path, "metrics:\n  request_rate:\n    unit: req/s\n")
    base = Catalog({"request_rate": default_catalog()["request_rate"]}, source="mini")
    c = load_catalog(p, base=base)
    assert c.names() == ["request_rate"] and c["request_rate"].unit == "req/s"
