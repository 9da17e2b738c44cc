"""``capacity.forecast`` and friends take the project in effect (``./capacity.yaml``), as the CLI and the
reports do: the catalog's bounds, the planning rules, the time zone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import capacity
from capacity.app.project import current
from capacity.forecasting.rules import load_rules

CONFIG = """\
version: 1
timezone: Asia/Tokyo
planning:
  version: 1
  thresholds:
    cpu_hot: {metric: cpu_utilization, above: 0.5, text: CPU above 50%}
  growth:
    signups: {metric: users_total, period: 91d, plan: 0.2, text: +20% users a quarter}
  peak: {metric: request_rate, timezone: Asia/Tokyo, business_hours: [10, 12]}
"""


def _hourly(uid: str, y: np.ndarray, start: str = "2026-06-01") -> pd.DataFrame:
    ds = pd.date_range(start, periods=len(y), freq="h", tz="UTC").as_unit("ns")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "y": y})


@pytest.fixture
def project_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("CAPACITY_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "capacity.yaml").write_text(CONFIG)
    return tmp_path


def test_the_projects_rules_reach_the_api(project_dir: Path) -> None:
    n = 24 * 120
    t = np.arange(n)
    # rising to 0.5 in about four weeks, each day's high at 20:00 UTC (05:00 the next day in Tokyo)
    cpu = _hourly("cpu_utilization", 0.2 + 0.00007 * t + 0.05 * np.cos(2 * np.pi * (t - 20) / 24))
    users = _hourly("users_total", 1000 + 2.0 * t)
    frame = pd.concat([cpu, users], ignore_index=True)

    plan = capacity.growth_vs_plan(frame)
    assert plan["rule"].tolist() == ["signups"] and plan["plan"].tolist() == [0.2]
    ttt = capacity.time_to_threshold(frame, "90d")
    assert ttt["threshold"].tolist() == ["cpu_hot"]
    # the same verdict the CLI's use case computes (its days read in the project's zone)
    proj = current()
    assert proj.time_zone == "Asia/Tokyo"
    same = capacity.forecasting.time_to_threshold(frame, "90d", rules=proj.rules, tz="Asia/Tokyo")
    pd.testing.assert_frame_equal(ttt, same)
    utc = capacity.forecasting.time_to_threshold(frame, "90d", rules=proj.rules, tz="UTC")
    assert ttt["status"].iloc[0] == "crosses within horizon"
    # the last whole day's worst hour: Tokyo's ends at 15:00 UTC, its high the day before's 20:00 UTC
    assert ttt["last"].iloc[0] == pytest.approx(utc["last"].iloc[0] - 24 * 0.00007)
    # rules given by the caller still win
    bundled = capacity.growth_vs_plan(frame, rules=load_rules())
    assert "signups" not in bundled["rule"].tolist() and "users" in bundled["rule"].tolist()


def test_peak_hours_come_from_the_projects_peak_rule(project_dir: Path) -> None:
    t = np.arange(24 * 21)
    hour_tokyo = (t + 9) % 24
    rate = _hourly("request_rate", 100 + 50 * ((hour_tokyo >= 10) & (hour_tokyo < 12)))
    got = capacity.peak_load(rate, "1d").iloc[0]
    assert got["peak_in_business_hours"] and got["peak_hour"] in (10, 11)
    assert got["business_to_average"] == pytest.approx(150 / (100 + 50 * 2 / 24))


def test_a_catalog_ratio_keeps_its_bounds_as_the_cli_does() -> None:
    rng = np.random.default_rng(5)
    y = np.minimum(0.985 + 0.008 * rng.normal(size=24 * 30), 1.0)  # a cache hit ratio near its ceiling
    frame = _hourly("cache_hit_ratio", y)
    loose = capacity.forecasting.forecast(frame, "7d")
    assert loose["hi-95"].max() > 1  # the pure function knows no upper bound...
    got = capacity.forecast(frame, "7d")
    assert got["hi-95"].max() <= 1 and got["lo-95"].min() >= 0  # ...the catalog's ratio does
    fc, _ = capacity.auto_forecast(frame, "7d")
    pd.testing.assert_frame_equal(fc, got)
    cv = capacity.cross_validation(frame, "1d", 2, models=["naive"])
    assert cv["hi-95"].max() <= 1
    assert capacity.forecast(frame, "7d", bounds=False)["hi-95"].max() > 1  # the caller's word wins

    # one series of a catalog metric that has several (its id carries the labels): the metric's bounds
    two = pd.concat([frame.assign(unique_id=f'cache_hit_ratio{{instance="{i}"}}') for i in "ab"], ignore_index=True)
    assert capacity.forecast(two, "7d")["hi-95"].max() <= 1
