"""capacity.app.discover: plain names, types and labels in, a project file that loads out."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from capacity.app import project
from capacity.app.discover import Discovery, Inventory, discover, render_config, render_spec


def _inv(series: dict[str, dict[str, tuple[str, ...]]], types: dict[str, str] | None = None) -> Inventory:
    return Inventory(tuple(sorted(series)), types or {}, series)


def _catalog(d: Discovery) -> dict[str, str]:
    return {c.key: str(c.value["query"]) for c in d.catalog}


def _slos(d: Discovery) -> dict[str, dict]:
    return {c.key: dict(c.value) for c in d.slos}


def _load(d: Discovery, tmp_path: Path) -> project.Project:
    spec = render_spec(d)
    if spec is not None:
        (tmp_path / "capacity.slos.yaml").write_text(spec)
    cfg = tmp_path / "capacity.yaml"
    cfg.write_text(render_config(d, spec_file="capacity.slos.yaml" if spec else None))
    yaml.safe_load(cfg.read_text())  # plain YAML
    return project.current(config=cfg)


NODE = {
    "node_cpu_seconds_total": {"mode": ("idle", "user", "system"), "cpu": ("0", "1")},
    "node_memory_MemAvailable_bytes": {},
    "node_memory_MemTotal_bytes": {},
    "node_filesystem_avail_bytes": {"fstype": ("ext4", "tmpfs"), "mountpoint": ("/",)},
    "node_filesystem_size_bytes": {"fstype": ("ext4", "tmpfs"), "mountpoint": ("/",)},
    "node_network_receive_bytes_total": {"device": ("lo", "eth0")},
    "node_load1": {},
}


def test_node_exporter(tmp_path):
    d = discover(_inv(NODE))
    cat = _catalog(d)
    assert cat["cpu_utilization"] == '1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))'
    assert cat["memory_utilization"] == "1 - sum(node_memory_MemAvailable_bytes) / sum(node_memory_MemTotal_bytes)"
    assert "node_filesystem_avail_bytes{fstype!~" in cat["disk_free_ratio"]
    assert cat["disk_free_bytes"].startswith("min(node_filesystem_avail_bytes")
    assert cat["network_receive_bytes_rate"] == 'sum(rate(node_network_receive_bytes_total{device!="lo"}[5m]))'
    assert {t.key for t in d.thresholds} == {"cpu", "memory", "disk"}
    assert {a.key for a in d.alerts} == {"HighCPUUsage", "HighMemoryUsage", "LowDiskSpace"}
    assert any("node_load1" in n for n in d.notes)  # what is not mapped is said
    proj = _load(d, tmp_path)
    assert proj.catalog["disk_free_ratio"].query == cat["disk_free_ratio"]
    assert {s.name for s in proj.spec.slos} == {"cpu-in-range", "memory-in-range"}  # standalone spec
    assert {t.name for t in proj.rules.thresholds} == {"cpu", "memory", "disk"}


def test_kube_cadvisor_and_kube_state_metrics(tmp_path):
    d = discover(
        _inv(
            {
                "container_cpu_usage_seconds_total": {"container": ("app", "")},
                "container_memory_working_set_bytes": {"container": ("app",)},
                "kube_node_status_allocatable": {"resource": ("cpu", "memory", "pods")},
                "kube_job_status_failed": {"job_name": ("db-backup",)},
            }
        )
    )
    cat = _catalog(d)
    assert "container_cpu_usage_seconds_total" in cat["cpu_utilization"]
    assert 'kube_node_status_allocatable{resource="memory"}' in cat["memory_utilization"]
    assert "container_memory_bytes" in cat and "backup_job_failures" in cat
    assert {"cAdvisor", "kube-state-metrics"} <= set(d.families)
    proj = _load(d, tmp_path)
    assert {t.name for t in proj.rules.thresholds} == {"cpu", "memory"}


def test_postgres(tmp_path):
    d = discover(
        _inv(
            {
                "pg_up": {},
                "pg_stat_activity_count": {"datname": ("shop", "postgres"), "state": ("active",)},
                "pg_settings_max_connections": {},
                "pg_database_size_bytes": {"datname": ("shop", "postgres", "template0")},
            }
        )
    )
    cat = _catalog(d)
    assert cat["db_connection_utilization"] == "sum(pg_stat_activity_count) / max(pg_settings_max_connections)"
    assert cat["db_size_bytes"] == 'sum(pg_database_size_bytes{datname!~"postgres|template0|template1"})'
    assert _slos(d)["db-connections"]["sli"]["kind"] == "utilization"
    assert [g.key for g in d.growth] == ["database"]
    proj = _load(d, tmp_path)
    assert proj.rules.growth[0].metric == "db_size_bytes"
    assert {a.name for a in proj.spec.alerts} == {"DatabaseConnectionFailure"}


def test_redis(tmp_path):
    d = discover(
        _inv(
            {
                "redis_keyspace_hits_total": {},
                "redis_keyspace_misses_total": {},
                "redis_memory_used_bytes": {},
                "redis_memory_max_bytes": {},
            }
        )
    )
    cat = _catalog(d)
    assert cat["cache_hit_ratio"].startswith("sum(rate(redis_keyspace_hits_total[5m])) / (")
    assert "> 0" in cat["redis_memory_utilization"]
    sli = _slos(d)["cache-hit-rate"]["sli"]
    assert sli["good"] == {"query": "redis_keyspace_hits_total", "counter": True}
    _load(d, tmp_path)


@pytest.mark.parametrize(
    ("series", "requests", "code", "buckets", "threshold"),
    [
        (
            {
                "http_requests_total": {"status": ("2xx", "5xx")},
                "http_request_duration_seconds_bucket": {"le": ("0.5",)},
            },
            "http_requests_total",
            "status",
            "http_request_duration_seconds_bucket",
            0.5,
        ),
        (
            {
                "http_server_requests_seconds_count": {"status": ("200", "503"), "uri": ("/a",)},
                "http_server_requests_seconds_sum": {},
                "http_server_requests_seconds_bucket": {"le": ("0.5", "+Inf")},
            },
            "http_server_requests_seconds_count",
            "status",
            "http_server_requests_seconds_bucket",
            0.5,
        ),
        (
            {
                "nginx_ingress_controller_requests": {"status": ("200",)},
                "nginx_ingress_controller_request_duration_seconds_bucket": {"le": ("0.5",)},
            },
            "nginx_ingress_controller_requests",
            "status",
            "nginx_ingress_controller_request_duration_seconds_bucket",
            0.5,
        ),
        (
            {"app_requests_total": {"code": ("200", "500")}, "app_request_duration_seconds_bucket": {"le": ("0.5",)}},
            "app_requests_total",
            "code",
            "app_request_duration_seconds_bucket",
            0.5,
        ),
        (
            {
                "prometheus_http_requests_total": {"code": ("200",), "handler": ("/api/v1/query",)},
                "prometheus_http_request_duration_seconds_bucket": {"le": ("0.1", "0.5")},
            },
            "prometheus_http_requests_total",
            "code",
            "prometheus_http_request_duration_seconds_bucket",
            0.5,
        ),
    ],
)
def test_http_families_get_the_runbook_names(tmp_path, series, requests, code, buckets, threshold):
    d = discover(_inv(series))
    cat = _catalog(d)
    assert cat["request_rate"] == f"sum(rate({requests}[5m]))"
    assert cat["error_ratio"] == (
        f'(sum(rate({requests}{{{code}=~"5.."}}[5m])) or vector(0)) / sum(rate({requests}[5m]))'
    )
    assert cat["latency_p95_seconds"] == f"histogram_quantile(0.95, sum by (le) (rate({buckets}[5m])))"
    slos = _slos(d)
    assert slos["error-rate"]["sli"]["bad"] == {"query": f'{requests}{{{code}=~"5.."}}', "counter": True}
    assert slos["error-rate"]["sli"]["total"] == {"query": requests, "counter": True}
    assert slos["latency-p95"]["sli"] == {"kind": "latency_threshold", "buckets": buckets, "threshold": threshold}
    proj = _load(d, tmp_path)
    assert proj.spec.slo("error-rate").objective == 0.99
    assert proj.rules.peak.metric == "request_rate"


def test_istio_pins_the_server_side_and_reads_milliseconds(tmp_path):
    d = discover(
        _inv(
            {
                "istio_requests_total": {"response_code": ("200", "503"), "reporter": ("source", "destination")},
                "istio_request_duration_milliseconds_bucket": {
                    "le": ("100", "500", "+Inf"),
                    "reporter": ("destination",),
                },
                "istio_request_duration_milliseconds_sum": {},
                "istio_request_duration_milliseconds_count": {},
            }
        )
    )
    cat = _catalog(d)
    assert cat["request_rate"] == 'sum(rate(istio_requests_total{reporter="destination"}[5m]))'
    assert cat["latency_p95_seconds"].endswith(") / 1000")
    slos = _slos(d)
    assert (
        slos["error-rate"]["sli"]["bad"]["query"] == 'istio_requests_total{response_code=~"5..",reporter="destination"}'
    )
    assert slos["latency-p95"]["sli"]["threshold"] == 500
    _load(d, tmp_path)


def test_several_http_families_and_the_first_application_one_is_primary(tmp_path):
    d = discover(
        _inv(
            {
                "prometheus_http_requests_total": {"code": ("200",)},
                "istio_requests_total": {"response_code": ("200",)},
                "app_requests_total": {"code": ("200",)},
                "http_server_requests_seconds_count": {"status": ("200",)},
            }
        )
    )
    cat = _catalog(d)
    assert cat["request_rate"] == "sum(rate(http_server_requests_seconds_count[5m]))"
    assert {"app_request_rate", "istio_request_rate", "prometheus_http_request_rate"} <= set(cat)
    assert {"error-rate", "app-error-rate", "istio-error-rate", "prometheus-http-error-rate"} <= set(_slos(d))
    assert any("no duration histogram" in n for n in d.notes)
    proj = _load(d, tmp_path)
    assert proj.spec.slo("istio-error-rate").sli.total is not None


def test_generic_shapes_and_what_is_not_mapped(tmp_path):
    d = discover(
        _inv(
            {
                "orders_requests_total": {"method": ("GET",)},  # no status label
                "queue_wait_seconds_bucket": {"le": ("0.5", "+Inf")},
                "volume_free_bytes": {},
                "volume_size_bytes": {},
                "widgets_made": {},
            }
        )
    )
    cat = _catalog(d)
    assert "request_rate" not in cat and "error_ratio" not in cat  # no status label: said, not guessed
    assert cat["disk_free_ratio"] == "min(volume_free_bytes / volume_size_bytes)"
    assert "queue_wait_seconds_latency_p95_seconds" in cat
    assert "queue-wait-seconds-latency-p95" in _slos(d)
    notes = "\n".join(d.notes)
    assert "orders_requests_total: a request counter without a status label" in notes and "widgets_made" in notes
    text = render_config(d, spec_file="x.yaml")
    assert "# not mapped (widgets_*): widgets_made" in text
    _load(d, tmp_path)


def test_nothing_recognised_still_loads(tmp_path):
    d = discover(_inv({"widgets_made": {}}))
    assert render_spec(d) is None and not d.catalog
    proj = _load(d, tmp_path)
    assert proj.source == "sample"  # no source given
