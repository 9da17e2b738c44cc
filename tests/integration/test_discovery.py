"""``capacity init`` and ``capacity check`` against real servers.

1. A real Prometheus scraping a real node_exporter and itself: init maps node_exporter and
   ``prometheus_http_*``; check reports the statuses of a server minutes old.
2. A Prometheus holding 46 days of backfilled history in three foreign naming families (Micrometer,
   Istio, a generic ``app_requests_total{code}``), with a counter reset and a scrape gap: init maps
   them, check says ok, and each family's error-rate SLO from ``capacity slo`` equals the ground truth
   computed from the generated counters.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import yaml

from capacity.app import project
from capacity.cli import main
from capacity.testing.openmetrics import backfill
from capacity.testing.servers import Server, ServerError, binary, start_prometheus

pytestmark = pytest.mark.integration

STEP = pd.Timedelta(minutes=1)
DAYS = 46


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    rc = main(argv)
    out = capsys.readouterr()
    return rc, out.out, out.err


def _check_rows(out: str) -> dict[tuple[str, str], dict]:
    return {(r["kind"], r["name"]): r for r in json.loads(out)}


# ------------------------------------------------------------------ live: node_exporter + Prometheus itself


def test_init_and_check_on_a_prometheus_scraping_node_exporter(scraping, tmp_path, monkeypatch, capsys):
    node, prom = scraping
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAPACITY_CONFIG", raising=False)
    rc, _, err = _run(["init", "--source", prom.url], capsys)
    assert rc == 0, err
    assert "node_exporter" in err and "Prometheus' own HTTP API" in err
    text = (tmp_path / "capacity.yaml").read_text()
    assert "# not mapped (node_*)" in text  # what is left is said
    proj = project.current(config=tmp_path / "capacity.yaml")
    cat = proj.catalog
    assert cat["cpu_utilization"].query == '1 - avg(rate(node_cpu_seconds_total{mode="idle"}[5m]))'
    assert "node_filesystem_avail_bytes" in cat["disk_free_ratio"].query
    assert cat["request_rate"].query == "sum(rate(prometheus_http_requests_total[5m]))"
    assert {s.name for s in proj.spec.slos} >= {"cpu-in-range", "memory-in-range", "error-rate", "latency-p95"}
    assert proj.spec.slo("error-rate").sli.total.text == "prometheus_http_requests_total"
    assert {t.name for t in proj.rules.thresholds} == {"cpu", "memory", "disk"}
    # a second init does not overwrite
    rc, _, err = _run(["init", "--source", prom.url], capsys)
    assert rc == 2 and "--force" in err

    started = time.monotonic()
    rc, out, err = _run(["check", "--format", "json"], capsys)
    assert time.monotonic() - started < 30
    rows = _check_rows(out)
    assert rc == 1, err  # minutes of history: the 30-day SLOs and the forecasts want more
    for name in ("cpu_utilization", "memory_utilization", "disk_free_ratio", "request_rate", "latency_p95_seconds"):
        assert rows[("catalog", name)]["status"] == "ok", rows[("catalog", name)]
        assert rows[("catalog", name)]["required"]
    assert rows[("catalog", "error_ratio")]["status"] == "ok"  # `or vector(0)`: no 5xx is a ratio of 0
    for slo in ("cpu-in-range", "error-rate", "latency-p95"):
        row = rows[("slo", slo)]
        assert row["status"] == "too little data" and row["needs_days"] == 30 and row["history_days"] < 1, row
        # minutes of samples, all in the last probe step (2.4 h): said as a bound, not as 0.1 d
        assert row["note"].startswith("has under 2.4 h of history, needs 30 d"), row
    assert (
        rows[("threshold", "disk")]["status"] == "too little data" and rows[("threshold", "disk")]["needs_days"] == 28
    )
    assert rows[("alert", "LowDiskSpace")]["status"] == "ok"
    assert rows[("alert", "HighCPUUsage")]["status"] == "ok"
    # the bundled catalog's entries nothing here uses: shown, not required
    assert (
        rows[("catalog", "db_size_bytes")]["status"] == "no data" and not rows[("catalog", "db_size_bytes")]["required"]
    )
    assert "prometheus_http_requests_total" in rows[("slo", "error-rate")]["query"]
    # and the table form
    rc, out, _ = _run(["check"], capsys)
    assert rc == 1 and "too little data" in out and "cpu_utilization" in out
    # capacity slo runs as is on the generated file
    rc, out, err = _run(["slo", "--format", "json"], capsys)
    assert rc in (0, 1) and "error:" not in err, err  # runs (minutes of data: no verdict yet)
    assert {r["slo"] for r in json.loads(out)} >= {"cpu-in-range", "error-rate"}


# ------------------------------------------------------------------ backfilled foreign families


def _history(
    end: pd.Timestamp,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, np.ndarray]], pd.DatetimeIndex]:
    """Counters and histograms of three families, 1-minute samples over DAYS days ending at ``end``.

    Returns (frame, labels, events, times): ``events[family][code]`` are the requests counted at each
    sample (the truth), including those made during the gap (counted by the first sample after it)."""
    times = pd.date_range(end - pd.Timedelta(days=DAYS), end, freq=STEP)
    n = len(times)
    rng = np.random.default_rng(7)
    reset_at = n - int(pd.Timedelta(days=12) / STEP)  # inside the 30-day window
    gap = slice(n - int(pd.Timedelta(days=20) / STEP), n - int(pd.Timedelta(days=20) / STEP) + 36)  # 3 h
    families = {
        "micrometer": ("http_server_requests_seconds_count", "status", ("200", "500"), {"uri": "/api/orders"}),
        "istio": ("istio_requests_total", "response_code", ("200", "503"), {"reporter": "destination"}),
        "app": ("app_requests_total", "code", ("200", "500"), {}),
    }
    rows: list[pd.DataFrame] = []
    labels: list[dict[str, str]] = []
    events: dict[str, dict[str, np.ndarray]] = {}

    def add(uid: str, lbl: dict[str, str], y: np.ndarray, keep: np.ndarray) -> None:
        rows.append(pd.DataFrame({"unique_id": uid, "ds": times[keep], "y": y[keep]}))
        labels.append({"unique_id": uid, **lbl})

    keep = np.ones(n, dtype=bool)
    keep[gap] = False
    for fam, (name, code_label, codes, extra) in families.items():
        events[fam] = {}
        for code in codes:
            base = 300.0 if code == "200" else 2.0
            ev = rng.poisson(base, n).astype(float)
            if code != "200":
                ev[n - 2000 : n - 1900] += 40  # an incident
            ev[0] = 0
            events[fam][code] = ev
            y = np.cumsum(ev)
            y[reset_at:] = np.cumsum(ev[reset_at:])  # the process restarted: the counter starts again
            lbl = {"__name__": name, code_label: code, **extra}
            add(f"{name}{{{code_label}={code}}}", lbl, y, keep)
            if fam == "istio":  # the client side reports the same requests: init must pin reporter
                add(f"{name}{{{code_label}={code},src}}", {**lbl, "reporter": "source"}, y, keep)
        # a duration histogram per family (one bucket set, all requests)
        total = sum(events[fam].values())
        scale = 1000.0 if fam == "istio" else 1.0
        bucket_names = {
            "micrometer": "http_server_requests_seconds_bucket",
            "istio": "istio_request_duration_milliseconds_bucket",
            "app": "app_request_duration_seconds_bucket",
        }
        for le, share in ((0.1, 0.6), (0.5, 0.96), (float("inf"), 1.0)):
            le_text = "+Inf" if le == float("inf") else f"{le * scale:g}"
            y = np.cumsum(np.floor(total * share))
            lbl = {"__name__": bucket_names[fam], "le": le_text, **extra}
            add(f"{bucket_names[fam]}{{le={le_text}}}", lbl, y, keep)
        if fam == "micrometer":
            add(
                "http_server_requests_seconds_sum",
                {"__name__": "http_server_requests_seconds_sum"},
                np.cumsum(total * 0.08),
                keep,
            )
    frame = pd.concat(rows, ignore_index=True)
    frame["ds"] = pd.to_datetime(frame["ds"], utc=True)
    return frame, pd.DataFrame(labels), events, times


@pytest.fixture(scope="module")
def foreign(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, dict, pd.DatetimeIndex]]:
    try:
        binary("prometheus")
        binary("promtool")
    except ServerError as exc:
        pytest.fail(f"integration tests need real servers: {exc}", pytrace=False)
    end = pd.Timestamp.now(tz="UTC").floor("min") - pd.Timedelta(minutes=10)
    frame, labels, events, times = _history(end)
    base = tmp_path_factory.mktemp("foreign")
    kinds = {"istio_requests_total": "counter", "app_requests_total": "counter"}
    backfill(frame, labels, base / "tsdb", kinds=kinds, promtool=binary("promtool"))
    server = start_prometheus(base / "tsdb")
    try:
        yield server, events, times
    finally:
        server.stop()


def test_init_maps_foreign_families_and_the_error_slos_equal_the_truth(foreign, tmp_path, monkeypatch, capsys):
    server, events, times = foreign
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAPACITY_CONFIG", raising=False)
    cfg = tmp_path / "gen" / "capacity.yaml"
    cfg.parent.mkdir()
    rc, _, err = _run(["init", "--source", server.url, "--out", str(cfg)], capsys)
    assert rc == 0, err
    spec_doc = yaml.safe_load((tmp_path / "gen" / "capacity.slos.yaml").read_text())
    proj = project.current(config=cfg)
    cat = proj.catalog
    # Micrometer: the application family, gets the runbook's names
    assert cat["request_rate"].query == "sum(rate(http_server_requests_seconds_count[5m]))"
    assert "http_server_requests_seconds_bucket" in cat["latency_p95_seconds"].query
    # Istio: the server side only, milliseconds
    assert cat["istio_request_rate"].query == 'sum(rate(istio_requests_total{reporter="destination"}[5m]))'
    assert cat["istio_latency_p95_seconds"].query.endswith("/ 1000")
    # generic
    assert cat["app_error_ratio"].query.startswith('(sum(rate(app_requests_total{code=~"5.."}[5m]))')
    slos = {s["name"]: s for s in spec_doc["slos"]}
    assert slos["istio-latency-p95"]["sli"]["threshold"] == 500
    assert slos["app-latency-p95"]["sli"] == {
        "kind": "latency_threshold",
        "buckets": "app_request_duration_seconds_bucket",
        "threshold": 0.5,
    }

    # check: 46 days of everything the file asks for
    rc, out, err = _run(["check", "--config", str(cfg), "--format", "json"], capsys)
    rows = _check_rows(out)
    bad = {k: (r["status"], r["note"]) for k, r in rows.items() if r["required"] and r["status"] != "ok"}
    assert rc == 0 and not bad, (bad, err)
    for name in ("error-rate", "istio-error-rate", "app-error-rate", "latency-p95", "istio-latency-p95"):
        assert rows[("slo", name)]["status"] == "ok" and rows[("slo", name)]["history_days"] >= 45
    assert rows[("service", "api")]["status"] == "ok" and rows[("service", "api")]["required"]
    # the service init mapped runs in headroom: an answer or a status with its reason, never an error
    rc, out, err = _run(["headroom", "--config", str(cfg), "--no-forecast", "--format", "json"], capsys)
    (row,) = json.loads(out)
    assert rc in (0, 1) and "error:" not in err and row["service"] == "api", err
    # (this history's request rate is flat: the refusal says so, with the range it saw)
    assert row["status"] == "too little data" and "too little load variation" in row["note"], row

    # the error-rate SLOs over 30 days ending 2 hours before the last sample, against the truth
    end = times[-1] - pd.Timedelta(hours=2)
    start = end - pd.Timedelta(days=30)
    inside = (times > start) & (times <= end)
    for slo, fam in (("error-rate", "micrometer"), ("istio-error-rate", "istio"), ("app-error-rate", "app")):
        ev = events[fam]
        bad_codes = [c for c in ev if c != "200"]
        total = sum(ev[c][inside].sum() for c in ev)
        errors = sum(ev[c][inside].sum() for c in bad_codes)
        truth = 1 - errors / total
        rc, out, err = _run(
            [
                "slo",
                "--config",
                str(cfg),
                "--slo",
                slo,
                "--window",
                "30d",
                "--end",
                end.isoformat(),
                "--format",
                "json",
            ],
            capsys,
        )
        assert rc == 0, err
        (row,) = json.loads(out)
        assert row["compliance"] == pytest.approx(truth, abs=1e-6), (slo, row)
        assert row["bad"] == pytest.approx(errors, abs=1e-6)
        assert truth < 0.995  # the incident is in the window: not a vacuous 1.0


def test_check_without_a_server_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAPACITY_CONFIG", raising=False)
    rc, _, err = _run(["check"], capsys)
    assert rc == 2 and "needs a server" in err
