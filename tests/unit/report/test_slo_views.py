"""Rolling compliance and budget burn-down, against counts made by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capacity.core import frame as cf
from capacity.slo import parse_spec
from capacity.slo.overtime import budget_burndown, checkpoints, rolling_compliance

SPEC = parse_spec(
    {
        "apiVersion": "capacity/v1",
        "kind": "SLOSpec",
        "step": "1h",
        "slos": [
            {
                "name": "cpu",
                "objective": 0.9,
                "window": "2d",
                "sli": {"kind": "gauge_range", "metric": "cpu", "lower": 0.3, "upper": 0.6},
            }
        ],
    },
    file="test",
)
DS = pd.date_range("2026-07-01", periods=24 * 10 + 1, freq="h", tz="UTC")
BAD = slice(24 * 5, 24 * 5 + 6)  # 2026-07-06 00:00 .. 05:00 out of range: six bad hours


def _data():
    y = np.full(len(DS), 0.5)
    y[BAD] = 0.9
    return {"cpu": cf.from_arrays("cpu", DS, y)}


def test_checkpoints_end_exactly_at_end():
    s = pd.Timestamp("2026-07-01", tz="UTC")
    assert list(checkpoints(s, s + pd.Timedelta(hours=60), "1d")) == [
        s + pd.Timedelta(days=1),
        s + pd.Timedelta(days=2),
        s + pd.Timedelta(hours=60),
    ]


def test_rolling_compliance_counts_bad_hours_in_each_window():
    start, end = DS[0] + pd.Timedelta(days=2), DS[-1]
    out = rolling_compliance(SPEC, _data(), checkpoints(start, end)).set_index("ds")
    assert (out["target"] == 0.9).all() and (out["window"] == "2d").all()
    # a window is (t - 2d, t]: 48 hourly samples; bad samples at 07-06 00:00..05:00
    day = lambda d: pd.Timestamp(f"2026-07-{d:02d}", tz="UTC")  # noqa: E731
    assert out.loc[day(5), "compliance"] == 1.0
    assert out.loc[day(6), "compliance"] == pytest.approx(47 / 48)  # only 07-06 00:00 inside
    assert out.loc[day(7), "compliance"] == pytest.approx(42 / 48)  # all six
    assert out.loc[day(8), "compliance"] == pytest.approx(43 / 48)  # 01:00..05:00
    assert out.loc[day(9), "compliance"] == 1.0
    assert list(out["met"]) == [c >= 0.9 for c in out["compliance"]]


def test_budget_burndown_uses_the_whole_periods_budget():
    start, end = DS[0] + pd.Timedelta(days=2), DS[-1]
    out = budget_burndown(SPEC, _data(), start, checkpoints(start, end))
    total = (end - start) / pd.Timedelta(hours=1)  # 192 hourly samples in (start, end]
    assert out["allowed_bad"].iloc[0] == pytest.approx(0.1 * total)
    remaining = out.set_index("ds")["budget_remaining"]
    assert remaining.iloc[0] == 1.0
    assert remaining.iloc[-1] == pytest.approx(1 - 6 / (0.1 * total))
    assert remaining.is_monotonic_decreasing


def test_spec_queries_cover_slos_and_alerts():
    from capacity.slo import default_spec

    spec = default_spec()
    qs = spec.query_texts(None, None)
    assert "cpu_utilization" in qs and "service_up" in qs
    assert len(qs) == len(set(qs))
    only = spec.query_texts(["cpu-in-range"], ())
    assert only == ["cpu_utilization"]


def test_incidents_merge_overlapping_and_close_episodes():
    from capacity.report.slo_views import incidents, timeline_episodes

    t = lambda s: pd.Timestamp(f"2026-09-03 {s}", tz="UTC")  # noqa: E731
    ep = pd.DataFrame(
        {
            "alert": ["HighErrorRate", "ServiceDown", "HighCPUUsage", "HighMemoryUsage", "HighErrorRate"],
            "priority": ["high", "high", "low", "high", "high"],
            "start": [t("15:00"), t("15:20"), t("15:10"), t("15:40"), t("18:00")],
            "end": [t("15:25"), t("15:30"), t("16:00"), t("15:50"), t("18:05")],
            "duration_seconds": [1500.0, 600.0, 3000.0, 600.0, 300.0],
        }
    )
    inc = incidents(ep)
    # 15:00-15:25 and 15:20-15:30 overlap; 15:40 starts 10 min after 15:30 (within 15 min); 18:00 is apart
    assert len(inc) == 2
    assert (inc.loc[0, "start"], inc.loc[0, "end"], inc.loc[0, "minutes"]) == (t("15:00"), t("15:50"), 50.0)
    assert inc.loc[0, "alerts"] == "HighErrorRate, HighMemoryUsage, ServiceDown" and inc.loc[0, "episodes"] == 3
    assert inc.loc[1, "episodes"] == 1
    assert len(incidents(ep, gap="5m")) == 3
    assert list(timeline_episodes(ep, limit=2)["alert"]) == ["HighErrorRate", "ServiceDown"]


def test_by_priority_puts_the_most_urgent_first_and_keeps_rows():
    from capacity.report.slo_views import by_priority

    t = pd.DataFrame(
        {
            "priority": ["low", "high", "medium", "weird", "high"],
            "alert": list("abcde"),
            "firing_seconds": [5.0, 10.0, 7.0, 1.0, 99.0],
        }
    )
    out = by_priority(t, then=["firing_seconds"])
    assert list(out["alert"]) == ["e", "b", "c", "a", "d"]
    assert sorted(map(tuple, out.to_numpy().tolist())) == sorted(map(tuple, t.to_numpy().tolist()))
