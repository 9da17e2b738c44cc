import math

import numpy as np
import pandas as pd
import pytest

from capacity.core.windows import Window
from capacity.slo.budget import compliance_table
from capacity.slo.engine import burn_rate_series, compliance
from capacity.slo.model import SLI, SLO, Query, Spec
from capacity.slo.sli import Events, Grid

from ._frames import T0, series

STEP = pd.Timedelta(minutes=1)


def _spec(objective=0.99):
    slo = SLO("err", SLI("ratio", bad=Query("bad_total", True), total=Query("req_total", True)), objective)
    return Spec((slo,))


def _data(n, total_per_min, bad_per_min, drop=()):
    t = np.cumsum(np.r_[0, np.full(n - 1, float(total_per_min))])
    b = (
        np.cumsum(np.r_[0, np.full(n - 1, float(bad_per_min))])
        if np.isscalar(bad_per_min)
        else np.cumsum(np.r_[0, bad_per_min])
    )
    return {"req_total": series("req_total", t, drop=drop), "bad_total": series("bad_total", b, drop=drop)}


def test_compliance_budget_and_counts():
    # 1 day of 100 req/min with 0.5 errors/min: error ratio 0.005, half the 1% budget
    n = 24 * 60 + 1
    data = _data(n, 100, 0.5)
    w = Window("1d", T0, T0 + pd.Timedelta(days=1), "rolling")
    row = compliance(_spec(), data, [w]).iloc[0]
    assert row.total == 100 * 1440 and row.bad == pytest.approx(0.5 * 1440)
    assert row.compliance == pytest.approx(0.995)
    assert bool(row.met)
    assert row.budget_total == pytest.approx(0.01)
    assert row.budget_consumed == pytest.approx(0.5)
    assert row.budget_remaining == pytest.approx(0.5)
    assert row.allowed_bad == pytest.approx(0.01 * 144000)
    assert row.no_data_minutes == 0 and row.coverage == 1.0


def test_gap_is_reported_not_counted():
    n = 61
    data = _data(n, 10, 0, drop=range(20, 30))
    w = Window("1h", T0, T0 + pd.Timedelta(hours=1), "rolling")
    row = compliance(_spec(), data, [w]).iloc[0]
    assert row.no_data_minutes == 10 and row.coverage == pytest.approx(50 / 60)
    assert row.total == 600  # the gap's increase is counted when the counter is seen again
    assert row.compliance == 1.0


def test_zero_traffic_window_is_nan_and_met_is_na():
    data = _data(61, 0, 0)
    w = Window("1h", T0, T0 + pd.Timedelta(hours=1), "rolling")
    row = compliance(_spec(), data, [w]).iloc[0]
    assert math.isnan(row.compliance) and row["met"] is pd.NA
    assert row.zero_traffic_minutes == 60 and row.no_data_minutes == 0


def test_window_outside_data_is_all_no_data():
    data = _data(61, 10, 1)
    w = Window("x", T0 + pd.Timedelta(days=1), T0 + pd.Timedelta(days=2), "rolling")
    row = compliance(_spec(), data, [w]).iloc[0]
    assert row.no_data_minutes == 1440 and row.total == 0 and math.isnan(row.budget_consumed)


def test_burn_rate_series_and_cold_start():
    # errors: 0 for 2 h, then 10% for 1 h at 100 req/min; objective 0.99 -> burn 10 over windows full of errors
    bad = np.r_[np.zeros(120), np.full(60, 10.0), np.zeros(60)]
    data = _data(241, 100, bad)
    spec = _spec()
    out = burn_rate_series(spec, data, T0, T0 + pd.Timedelta(hours=4))

    def at(window, minutes):
        r = out[(out.window == window) & (out.ds == T0 + pd.Timedelta(minutes=minutes))]
        return float(r.burn_rate.iloc[0])

    assert at("5m", 150) == pytest.approx(10.0)
    assert at("1h", 180) == pytest.approx(10.0)
    assert at("1h", 150) == pytest.approx(5.0)  # 30 of the last 60 minutes at 10%
    assert at("5m", 200) == 0.0
    # before a full window of history exists the burn rate is NaN, not a partial-window value
    assert math.isnan(at("1h", 30)) and math.isnan(at("6h", 239))
    assert not math.isnan(at("5m", 30))


def test_time_based_budget_in_minutes():
    g = Grid(T0, STEP, 11)
    good = np.r_[0, np.ones(8), 0, 0]
    total = np.r_[0, np.ones(10)]
    ev = Events(g, good, total, total > 0, True, above=total - good, below=np.zeros(11))
    slo = SLO("cpu", SLI("gauge_range", metric=Query("cpu"), upper=0.6), 0.9)
    row = compliance_table([(slo, ev)], [Window("w", T0, T0 + pd.Timedelta(minutes=10), "rolling")]).iloc[0]
    assert row.unit == "minutes" and row.compliance == 0.8 and row.bad_minutes == 2
    assert row.allowed_bad == pytest.approx(1.0) and row.budget_consumed == pytest.approx(2.0)
    assert not bool(row.met) and row.share_above == pytest.approx(0.2)


def test_ratio_timeslices_and_timeslices_from_events():
    # 10 minutes, slices of 5 minutes; slice 1: 10% errors, slice 2: none
    bad = np.r_[np.full(5, 10.0), np.zeros(5)]
    data = _data(11, 100, bad)
    base = _spec().slos[0]
    import dataclasses

    w = Window("10m", T0, T0 + pd.Timedelta(minutes=10), "rolling")
    rt = dataclasses.replace(base, budgeting="RatioTimeslices", timeslice_window=pd.Timedelta(minutes=5))
    row = compliance(Spec((rt,)), data, [w]).iloc[0]
    assert row.total == 2 and row.compliance == pytest.approx((0.9 + 1.0) / 2)
    ts = dataclasses.replace(
        base, budgeting="Timeslices", timeslice_window=pd.Timedelta(minutes=5), timeslice_target=0.95
    )
    row = compliance(Spec((ts,)), data, [w]).iloc[0]
    assert row.total == 2 and row.good == 1 and row.unit == "minutes"


def test_evaluate_equals_the_separate_functions():
    from capacity.slo.engine import evaluate, replay_burn_alerts

    bad = np.r_[np.zeros(4000), np.full(60, 30.0), np.zeros(2000)]
    data = _data(len(bad) + 1, 100, bad)
    spec = _spec()
    w = Window("2d", T0 + pd.Timedelta(days=1), T0 + pd.Timedelta(days=3), "rolling")
    d2 = T0 + pd.Timedelta(days=2)
    ev = evaluate(spec, data, [w], burn_from=d2, alerts_from=d2, end=T0 + pd.Timedelta(minutes=6060))
    pd.testing.assert_frame_equal(ev.compliance, compliance(spec, data, [w]))
    sep = burn_rate_series(spec, data, d2, T0 + pd.Timedelta(minutes=6060))
    np.testing.assert_allclose(ev.burn_rates.burn_rate.to_numpy(), sep.burn_rate.to_numpy(), rtol=1e-12)
    be = replay_burn_alerts(spec, data, d2, T0 + pd.Timedelta(minutes=6060))
    pd.testing.assert_frame_equal(ev.burn_episodes, be)
    # 30% errors for an hour against a 1% budget: burn 30 over 5m and 1h -> the 1h/5m page fires
    assert "err:page-1h" in set(be.alert)
