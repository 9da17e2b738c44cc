"""``capacity forecast --ci`` on the bundled history, run as CI would run it."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import capacity

pytestmark = pytest.mark.slow


def _ci(tmp_path, *args):
    return subprocess.run(
        [sys.executable, "-m", "capacity", "forecast", "--ci", *args, "--ci-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )


def _straight_line_crossing_days(level: float, end: str = "2026-10-01") -> float:
    """Independent check: a line through the last 60 daily minima of disk_free_ratio, days to ``level``."""
    stop = pd.Timestamp(end, tz="UTC")
    f = capacity.pull("disk_free_ratio", source="sample", start=stop - pd.Timedelta(days=60), end=stop, step="1h")
    daily = f.set_index("ds")["y"].resample("1D").min().dropna()
    x = (daily.index - daily.index[-1]) / pd.Timedelta(days=1)
    slope, icept = np.polyfit(x.to_numpy(dtype=float), daily.to_numpy(), 1)
    return (level - icept) / slope


def test_a_threshold_crossed_within_90_days_exits_1_and_names_it(tmp_path):
    got = _ci(tmp_path, "--horizon", "90d")
    assert got.returncode == 1, got.stderr
    assert "forecast to cross within 90d: Disk space below 10% free (disk), on 2026-" in got.stderr
    doc = json.loads((tmp_path / "capacity-forecast.json").read_text())
    assert doc["status"] == "crossed" and doc["exit_code"] == 1
    disk = next(r for r in doc["thresholds"] if r["rule"] == "disk")
    assert disk["within"] and 0 < disk["days"] <= 90
    assert 0 < _straight_line_crossing_days(0.10) <= 90  # a plain trend line agrees it is within 90 days
    md = (tmp_path / "capacity-forecast.md").read_text()
    assert "FORECAST TO CROSS" in md and "| FORECAST TO CROSS | Disk space below 10% free" in md
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert "capacity-forecast-disk.png" in pngs and "capacity-forecast-time-to-threshold.png" in pngs
    for name in pngs:
        assert f"]({name})" in md and (tmp_path / name).read_bytes()[:4] == b"\x89PNG"


def test_nothing_crossed_within_a_month_of_an_earlier_history_exits_0(tmp_path):
    assert _straight_line_crossing_days(0.10, "2026-03-01") > 60  # the disk was far from full in March
    got = _ci(tmp_path, "--horizon", "30d", "--end", "2026-03-01")
    assert got.returncode == 0, got.stderr
    doc = json.loads((tmp_path / "capacity-forecast.json").read_text())
    assert doc["status"] == "ok" and doc["crossed"] == []


def test_errors_exit_2_with_one_line(tmp_path):
    got = _ci(tmp_path, "--horizon", "90d", "users_total")
    assert got.returncode == 2 and got.stderr.count("\n") == 1 and "give no METRIC" in got.stderr
    got = _ci(tmp_path, "--horizon", "ninety")
    assert got.returncode == 2 and "Traceback" not in got.stderr
    assert not (tmp_path / "capacity-forecast.json").exists()


def test_thresholds_without_data_are_listed_and_the_rest_forecast(tmp_path):
    """A source with only CPU and memory: those two are forecast, the others (and the API's latency SLO at
    forecast load: no request rate, no histogram) listed as missing (exit 0/1, not 2)."""
    hist = capacity.pull(["cpu_utilization", "memory_utilization"], start="2026-07-01", end="2026-10-01", step="1h")
    src = tmp_path / "two.csv"
    hist.to_csv(src, index=False)
    out = tmp_path / "out"
    got = _ci(out, "--horizon", "14d", "--source", str(src))
    assert got.returncode in (0, 1) and "Traceback" not in got.stderr, got.stderr
    doc = json.loads((out / "capacity-forecast.json").read_text())
    assert sorted(doc["missing"]) == ["db_connections", "db_size", "disk", "latency_slo_api", "storage"]
    assert {r["rule"] for r in doc["thresholds"]} == {"cpu", "memory"}
    md = (out / "capacity-forecast.md").read_text()
    assert "Not forecast: " in md and "db\\_size" in md  # escaped: an underscore is not emphasis
    # the verdict covers what was forecast, and says what was not
    assert doc["status"] == "ok" and "within 14 days (5 not forecast: listed below)." in md
    assert "not forecast: disk (no data: " in got.stderr


def test_a_source_with_no_threshold_metric_exits_2(tmp_path):
    hist = capacity.pull("request_rate", start="2026-09-01", end="2026-10-01", step="1h")
    src = tmp_path / "one.csv"
    hist.assign(unique_id="something_else").to_csv(src, index=False)
    got = _ci(tmp_path / "out", "--horizon", "14d", "--source", str(src))
    assert got.returncode == 2 and "Traceback" not in got.stderr
    lines = got.stderr.strip().splitlines()
    assert lines[-1] == "capacity forecast: error: no threshold could be forecast"
    assert all("not forecast: " in line and "(no data" in line for line in lines[:-1]) and len(lines) == 8
    # the files a CI job keeps say so too: every rule, why, and no verdict
    doc = json.loads((tmp_path / "out" / "capacity-forecast.json").read_text())
    assert doc["status"] == "not forecast" and doc["exit_code"] == 2 and doc["thresholds"] == []
    assert set(doc["missing_reasons"]) == set(doc["missing"]) and len(doc["missing"]) == 7
    md = (tmp_path / "out" / "capacity-forecast.md").read_text()
    assert "**NOT FORECAST**" in md and "**OK**" not in md and not list((tmp_path / "out").glob("*.png"))
