"""Session fixtures: real Prometheus and VictoriaMetrics holding the bundled history.

``prometheus`` (session scope) -> :class:`Backfilled` with

    .url       http://127.0.0.1:<free port> of a real Prometheus 2.x
    .start     2026-08-20T00:00Z     .end   2026-10-01T00:00Z   (first / last sample <= end)
    .raw       the generator's truth: canonical frame of the raw exporter series
               (capacity.sources.sample.raw_history over [start, end]), 1-minute resolution
    .labels    its labels table (``__name__`` + labels)
    .kinds     metric name -> counter | gauge | histogram
    .tsdb_dir  the server's own TSDB directory
    .server    tests.support.servers.Server (pid, stop(), log_tail())

The history is backfilled with ``promtool tsdb create-blocks-from openmetrics``
(744h blocks) into pristine blocks once per session; every server gets its own
copy, so a test that kills its server (``prometheus_factory``) never disturbs
the shared one. ``victoria`` is the same data in VictoriaMetrics (-retentionPeriod=5y,
lookback set to match Prometheus' 5 minutes).

``scraping`` (session scope, started when first asked for) -> ``(node_exporter, prometheus)``: a
real Prometheus scraping a real node_exporter and itself every second, minutes old by the end.

Missing binaries FAIL the tests with a message saying what to install: CI must run them.
Every test here carries ``@pytest.mark.integration``. ``CAPACITY_CACHE_DIR``
points at a per-session temporary directory, so nothing is written to ~/.cache.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import requests

from capacity.testing.exporters import start_node_exporter, start_scraping_prometheus
from capacity.testing.openmetrics import backfill, write_vm_import
from capacity.testing.servers import Server, ServerError, binary, start_prometheus, start_victoria, vm_import

START = pd.Timestamp("2026-08-20T00:00:00Z")
END = pd.Timestamp("2026-10-01T00:00:00Z")


@dataclass(frozen=True)
class Backfilled:
    url: str
    start: pd.Timestamp
    end: pd.Timestamp
    raw: pd.DataFrame
    labels: pd.DataFrame
    kinds: dict[str, str]
    tsdb_dir: Path
    server: Server


def _binaries(*names: str) -> None:
    try:
        for name in names:
            binary(name)
    except ServerError as exc:
        pytest.fail(f"integration tests need real servers: {exc}", pytrace=False)


def _history() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    from capacity.sample.source import metric_kinds, raw_history

    frame, labels = raw_history(START, END)
    frame = frame[(frame["ds"] >= START) & (frame["ds"] <= END)].reset_index(drop=True)
    labels = labels[labels["unique_id"].isin(set(frame["unique_id"].unique()))].reset_index(drop=True)
    return frame, labels, dict(metric_kinds())


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    old = os.environ.get("CAPACITY_CACHE_DIR")
    os.environ["CAPACITY_CACHE_DIR"] = str(tmp_path_factory.mktemp("capacity-cache"))
    yield
    if old is None:
        os.environ.pop("CAPACITY_CACHE_DIR", None)
    else:
        os.environ["CAPACITY_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def history() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """(raw frame, labels table, kinds) of the bundled history over START..END."""
    return _history()


@pytest.fixture(scope="session")
def pristine_blocks(history, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """TSDB blocks made by promtool from the history (never opened by a server)."""
    _binaries("prometheus", "promtool")
    frame, labels, kinds = history
    out = tmp_path_factory.mktemp("blocks") / "tsdb"
    backfill(frame, labels, out, kinds=kinds, promtool=binary("promtool"))
    return out


@pytest.fixture(scope="session")
def prometheus_factory(
    history, pristine_blocks: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Backfilled]]:
    """``make(port=None)`` starts one more Prometheus on a private copy of the blocks."""
    started: list[Server] = []
    frame, labels, kinds = history

    def make(tsdb_dir: Path | None = None, port: int | None = None) -> Backfilled:
        if tsdb_dir is None:
            tsdb_dir = tmp_path_factory.mktemp("prom") / "tsdb"
            shutil.copytree(pristine_blocks, tsdb_dir)
        server = start_prometheus(tsdb_dir, port=port)
        started.append(server)
        return Backfilled(server.url, START, END, frame, labels, kinds, Path(tsdb_dir), server)

    yield make
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def prometheus(prometheus_factory: Callable[..., Backfilled]) -> Backfilled:
    """The shared Prometheus holding the history (do not stop it; use prometheus_factory)."""
    return prometheus_factory()


@pytest.fixture(scope="session")
def victoria(history, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backfilled]:
    """VictoriaMetrics holding the same history."""
    _binaries("victoria-metrics")
    frame, labels, kinds = history
    base = tmp_path_factory.mktemp("victoria")
    payload = base / "import.prom"
    write_vm_import(frame, labels, payload)
    # Prometheus 2.x looks back over [t-5m, t]; VictoriaMetrics over (t-lookback, t] with a
    # lookback detected from the sample interval: 5m + 1ms gives the same points at ms resolution
    server = start_victoria(
        base / "data", extra_args=("-search.maxLookback=300001ms", "-search.minStalenessInterval=300001ms")
    )
    try:
        vm_import(server, payload)
        payload.unlink()
        yield Backfilled(server.url, START, END, frame, labels, kinds, base / "data", server)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def scraping(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    """A real Prometheus scraping a real node_exporter and itself every second, started when first
    asked for (test_discovery) and kept for the session, so that later modules meet it minutes old."""
    base = tmp_path_factory.mktemp("scrape")
    try:
        node = start_node_exporter(base / "node")
    except ServerError as exc:
        pytest.fail(f"integration tests need node_exporter: {exc}", pytrace=False)
    prom = None
    try:
        prom = start_scraping_prometheus(base / "tsdb", [f"127.0.0.1:{node.port}"], interval="1s")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # two scrapes of both jobs: rate() has something to work on
            got = requests.get(
                prom.url + "/api/v1/query",
                params={
                    "query": "count(rate(node_cpu_seconds_total[5m])) and count(rate(up[5m])) "
                    "and count(rate(prometheus_http_requests_total[5m])) "
                    "and count(rate(prometheus_http_request_duration_seconds_bucket[5m]))"
                },
                timeout=5,
            ).json()
            if got["data"]["result"]:
                break
            time.sleep(0.5)
        time.sleep(2)  # a few more scrapes
        yield node, prom
    finally:
        if prom is not None:
            prom.stop()
        node.stop()
