"""Relative times against a real Prometheus: ``now-1h`` on a 15s step is 241 points on
:00/:15/:30/:45 (PromQL ``time()`` answers at any time of day), and the rerun reads the same
cache file, asking the server only for what is newer than the first run's freshness edge."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from capacity.app import history
from capacity.cli import main
from capacity.sources.prometheus.source import FRESH, PrometheusSource
from capacity.testing.faults import FaultTransport

pytestmark = pytest.mark.integration


def test_cli_now_minus_1h_on_15s_is_241_points_on_the_grid(prometheus, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setenv("CAPACITY_CACHE_DIR", str(tmp_path))
    argv = ["pull", "time()", "--source", prometheus.url, "--start", "now-1h", "--step", "15s", "--format", "json"]
    assert main(argv) == 0
    rows = pd.DataFrame(json.loads(capsys.readouterr().out))
    ds = pd.to_datetime(rows["ds"], utc=True)
    assert len(rows) == 241
    assert set(ds.dt.second) <= {0, 15, 30, 45} and (ds.dt.microsecond == 0).all()
    assert all("." not in t for t in rows["ds"])  # no sub-second noise in the output either
    epoch = pd.Timestamp(0, tz="UTC")
    assert (rows["y"].to_numpy() == (ds - epoch).dt.total_seconds().to_numpy()).all()  # time() at each point
    assert main(argv) == 0  # the same grid again: the same cache file
    assert len(json.loads(capsys.readouterr().out)) == 241
    assert len(list(tmp_path.glob("*.arrow"))) == 1


def test_the_rerun_asks_only_for_the_fresh_tail(prometheus, tmp_path: Path):
    def run() -> tuple[history.History, FaultTransport]:
        faults = FaultTransport.around(prometheus.url)
        src = PrometheusSource(prometheus.url, transport=faults, cache_dir=tmp_path)
        try:
            return history.pull("time()", source=src, start="now-1h", step="15s"), faults
        finally:
            src.close()

    first, faults1 = run()
    second, faults2 = run()
    assert len(first.frame) == len(second.frame) == 241
    assert len(faults1.sent) == 1 and float(faults1.sent[0].params["start"]) == first.start.timestamp()
    edge = first.end - FRESH - pd.Timedelta(seconds=15)
    starts = [pd.Timestamp(float(s.params["start"]), unit="s", tz="UTC") for s in faults2.sent]
    assert all(t >= edge for t in starts), (starts, edge)  # the hour before came from the cache
