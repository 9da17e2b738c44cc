"""Daily extremes, methodology and dated recommendations from hand-made forecast frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capacity.core import frame as cf
from capacity.forecasting.thresholds import daily_extreme
from capacity.report.forecast_views import methodology, recommendations

T = lambda s: pd.Timestamp(s, tz="UTC")  # noqa: E731


def test_daily_extreme_takes_each_days_worst_hour():
    ds = pd.date_range("2026-09-01", periods=48, freq="h", tz="UTC")
    y = np.r_[np.arange(24.0), 100 - np.arange(24.0)]
    f = cf.from_arrays("disk_free_ratio", ds, y)
    up = daily_extreme(f, "disk_free_ratio", "above", name="x")
    down = daily_extreme(f, "disk_free_ratio", "below")
    assert list(up["y"]) == [23.0, 100.0] and list(up["unique_id"]) == ["x", "x"]
    assert list(down["y"]) == [0.0, 77.0] and list(down["ds"]) == [T("2026-09-01"), T("2026-09-02")]


def _ttt():
    return pd.DataFrame(
        [
            {
                "threshold": "disk",
                "metric": "disk_free_ratio",
                "text": "Disk below 10%",
                "status": "crosses within horizon",
                "level": 0.1,
                "last": 0.14,
                "last_ds": T("2026-10-01"),
                "earliest": T("2026-10-05"),
                "most_likely": T("2026-10-25"),
                "latest": pd.NaT,
            },
            {
                "threshold": "cpu",
                "metric": "cpu_utilization",
                "text": "CPU above 80%",
                "status": "not within horizon",
                "level": 0.8,
                "last": 0.3,
                "last_ds": T("2026-10-01"),
                "earliest": pd.NaT,
                "most_likely": pd.NaT,
                "latest": pd.NaT,
            },
            {
                "threshold": "memory",
                "metric": "memory_utilization",
                "text": "Memory above 90%",
                "status": "already crossed",
                "level": 0.9,
                "last": 0.93,
                "last_ds": T("2026-10-01"),
                "earliest": pd.NaT,
                "most_likely": pd.NaT,
                "latest": pd.NaT,
            },
            {
                "threshold": "db_size",
                "metric": "db_size_bytes",
                "text": "DB reaches volume",
                "status": "may cross within horizon",
                "level": 1e12,
                "last": 8e11,
                "last_ds": T("2026-10-01"),
                "earliest": T("2026-12-01"),
                "most_likely": pd.NaT,
                "latest": pd.NaT,
            },
        ]
    )


def test_recommendations_are_dated_and_ordered_by_urgency():
    growth = pd.DataFrame(
        [
            {
                "rule": "users",
                "text": "Plan for 50% user growth quarterly",
                "verdict": "plan too tight",
                "growth": 0.65,
                "growth_lo_95": 0.6,
                "growth_hi_95": 0.7,
                "plan": 0.5,
                "p_exceed": 0.99,
            },
            {
                "rule": "database",
                "text": "db",
                "verdict": "plan covers the forecast",
                "growth": 0.6,
                "growth_lo_95": 0.5,
                "growth_hi_95": 0.7,
                "plan": 1.0,
                "p_exceed": 0.0,
            },
        ]
    )
    rec = recommendations(_ttt(), growth)
    assert list(rec["priority"]) == [1, 2, 2, 3]
    assert rec.loc[0, "action"] == "Add memory or nodes to the cluster now"
    assert (
        rec.loc[1, "action"] == "Grow the disk volumes (or free space) before 2026-10-05"
    )  # earliest, not most likely
    assert "most likely on 2026-10-25" in rec.loc[1, "reason"]
    assert rec.loc[2, "action"].startswith("Revise the plan") and "+65%" in rec.loc[2, "reason"]
    assert rec.loc[3, "action"] == "Watch: grow the database volume before 2026-12-01 if the trend holds"
    assert not rec["action"].str.contains("CPU").any()  # not within the horizon: nothing to do


def test_methodology_skill_against_seasonal_naive():
    choice = pd.DataFrame(
        {
            "unique_id": ["a", "b"],
            "model": ["ets", "seasonal_naive"],
            "mase": [0.5, 2.0],
            "seasonal_naive_mase": [1.0, 2.0],
            "coverage-80": [0.8, 0.5],
            "coverage-95": [0.95, 0.7],
            "windows": [3, 3],
        }
    )
    m = methodology(choice)
    assert list(m["skill"]) == pytest.approx([0.5, 0.0])
    assert list(m["coverage_95"]) == [0.95, 0.7]
    assert m["calibration_80"].isna().all()  # an uncalibrated choice says so, no sentinel


def test_methodology_shows_how_much_the_intervals_were_widened():
    choice = pd.DataFrame(
        {
            "unique_id": ["disk"],
            "model": ["ets_log"],
            "mase": [0.9],
            "seasonal_naive_mase": [7.5],
            "coverage-80": [0.29],
            "coverage-95": [0.58],
            "calibration-80": [2.25],
            "windows": [3],
        }
    )
    assert methodology(choice)["calibration_80"].tolist() == [2.25]


def test_recommendation_numbers_read_like_the_tables():
    growth = pd.DataFrame(
        [
            {
                "rule": "users",
                "text": "users",
                "verdict": "plan too tight",
                "growth": 0.6447,
                "growth_lo_95": 0.64,
                "growth_hi_95": 0.6494,
                "plan": 0.5,
                "p_exceed": 0.999,
            }
        ]
    )
    rec = recommendations(_ttt(), growth, units={"memory_utilization": "ratio"})
    memory = rec.loc[rec["action"].str.startswith("Add memory"), "reason"].iloc[0]
    assert "(93.0% against 90.0%)" in memory
    plan = rec.loc[rec["action"].str.startswith("Revise"), "reason"].iloc[0]
    # +64.47% to one decimal; a probability below 1 never reads as 100%
    assert "+64.5% (95%: +64% to +64.9%) against a plan of +50%" in plan and "= >99%" in plan
