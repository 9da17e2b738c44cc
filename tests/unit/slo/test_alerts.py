import numpy as np
import pandas as pd

from capacity.slo.alerts import episodes, summarize
from capacity.slo.engine import replay_alerts
from capacity.slo.model import AlertRule, Query, Spec

from ._frames import T0, series

TIMES = pd.date_range(T0, periods=30, freq="1min")


def test_for_semantics_fire_after_holding_continuously():
    cond = np.zeros(30, dtype=bool)
    cond[3:5] = True  # held 2 evaluations (1 minute): stays pending with for=2m
    cond[10:20] = True  # pending at 10, firing at 12 (12-10 >= 2m), resolved at 20
    eps = episodes(TIMES, cond, np.arange(30.0), pd.Timedelta(minutes=2))
    assert len(eps) == 1
    e = eps.iloc[0]
    assert e["pending_since"] == TIMES[10] and e["start"] == TIMES[12] and e["end"] == TIMES[20]
    assert e["duration_seconds"] == 480 and e["peak"] == 19.0 and not e["ongoing"]


def test_for_zero_fires_immediately_and_ongoing_at_end():
    cond = np.zeros(30, dtype=bool)
    cond[28:] = True
    eps = episodes(TIMES, cond, None, pd.Timedelta(0))
    assert len(eps) == 1
    e = eps.iloc[0]
    assert e["start"] == TIMES[28] and e["ongoing"] and e["end"] == TIMES[29] + pd.Timedelta(minutes=1)


def test_a_gap_breaks_the_for_clock():
    # condition true everywhere, but one missing sample at minute 5 (NaN): for=5m restarts
    v = np.full(30, 0.95)
    v[5] = np.nan
    spec = Spec(
        (), (AlertRule("Mem", Query("mem"), ">", 0.9, pd.Timedelta(minutes=5), "high", "immediate", pd.Timedelta(0)),)
    )
    data = {"mem": series("mem", v, drop=[5])}
    out = replay_alerts(spec, data, T0, T0 + pd.Timedelta(minutes=29))
    # run 1: minutes 0..4 (never reaches 5 min); run 2: 6..29 -> firing from 11
    assert list(out.start) == [TIMES[11]]


def test_replay_scores_only_from_start_with_warmup_history():
    v = np.r_[np.full(15, 0.95), np.full(15, 0.5)]
    spec = Spec(
        (), (AlertRule("Mem", Query("mem"), ">", 0.9, pd.Timedelta(minutes=10), "high", "immediate", pd.Timedelta(0)),)
    )
    out = replay_alerts(spec, {"mem": series("mem", v)}, T0 + pd.Timedelta(minutes=12), T0 + pd.Timedelta(minutes=29))
    # firing since minute 10 (held from 0): the episode is reported, clipped, not re-delayed by a cold start
    assert len(out) == 1 and out.clipped.iloc[0] and out.start.iloc[0] == TIMES[10] and out.end.iloc[0] == TIMES[15]


def test_below_threshold_alert_peak_is_minimum():
    v = np.r_[np.full(10, 0.5), [0.08, 0.05, 0.07], np.full(17, 0.5)]
    spec = Spec(
        (), (AlertRule("Disk", Query("disk"), "<", 0.1, pd.Timedelta(0), "high", "immediate", pd.Timedelta(0)),)
    )
    out = replay_alerts(spec, {"disk": series("disk", v)}, T0, T0 + pd.Timedelta(minutes=29))
    assert len(out) == 1 and out.peak.iloc[0] == 0.05 and out.duration_seconds.iloc[0] == 180


def test_summary_by_month_and_priority():
    e = pd.DataFrame(
        {
            "alert": ["A", "A", "B"],
            "priority": ["high", "high", "low"],
            "start": pd.to_datetime(["2026-09-30T23:00Z", "2026-10-01T05:00Z", "2026-10-02T00:00Z"], utc=True),
            "duration_seconds": [60.0, 120.0, 600.0],
        }
    )
    s = summarize(e, "America/New_York", "month")
    # 2026-09-30T23:00Z and 2026-10-01T05:00Z... 23:00Z = 19:00 EDT on Sep 30 -> September
    assert s.to_dict("records") == [
        {"period": "2026-09", "priority": "high", "alert": "A", "episodes": 1, "firing_seconds": 60.0},
        {"period": "2026-10", "priority": "high", "alert": "A", "episodes": 1, "firing_seconds": 120.0},
        {"period": "2026-10", "priority": "low", "alert": "B", "episodes": 1, "firing_seconds": 600.0},
    ]


def test_several_episodes_each_with_its_own_peak():
    v = np.r_[[0.95, 0.97, 0.5], [0.99, 0.91], [0.2] * 5, [0.93, 0.96, 0.94] * 6, [0.92, 0.98]]
    v = np.r_[v, np.full(30 - len(v), 0.5)][:30]
    v[27] = 0.5
    v[-2:] = [0.91, 0.99]  # still firing at the end of the data
    cond = v > 0.9
    eps = episodes(TIMES, cond, v, pd.Timedelta(0))
    assert list(eps.peak) == [0.97, 0.99, 0.96, 0.99]
    assert list(eps.ongoing) == [False, False, False, True]
    assert list(eps.start) == [TIMES[0], TIMES[3], TIMES[10], TIMES[28]]
    assert list(eps.end) == [TIMES[2], TIMES[5], TIMES[27], TIMES[29] + pd.Timedelta(minutes=1)]
