"""Budget exhaustion at the current burn rate, checked against the events themselves."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from capacity.core.windows import Window
from capacity.slo.engine import burn_rate_series, compliance
from capacity.slo.exhaustion import budget_exhaustion
from capacity.slo.model import SLI, SLO, Query, Spec

from ._frames import T0, series


def _spec(objective=0.99):
    return Spec((SLO("err", SLI("ratio", bad=Query("bad_total", True), total=Query("req_total", True)), objective),))


def _data(bad_per_min: np.ndarray, total_per_min: float = 100.0) -> dict:
    n = len(bad_per_min) + 1
    t = np.cumsum(np.r_[0, np.full(n - 1, total_per_min)])
    b = np.cumsum(np.r_[0, bad_per_min])
    return {"req_total": series("req_total", t), "bad_total": series("bad_total", b)}


def _tables(bad: np.ndarray, days: int = 2):
    spec = _spec()
    data = _data(bad)
    end = T0 + pd.Timedelta(minutes=len(bad))
    w = Window("window", end - pd.Timedelta(days=days), end, "rolling")
    comp = compliance(spec, data, [w])
    burn = burn_rate_series(spec, data, end - pd.Timedelta(hours=1), end)
    return comp, burn, end


def test_the_date_is_when_the_bad_events_at_todays_rate_reach_the_budget():
    # two days at 100 req/min: 0.2 errors/min the first day, 0.6/min (a 0.6% error ratio) the second
    minutes = 2 * 1440
    bad = np.r_[np.full(1440, 0.2), np.full(1440, 0.6)]
    comp, burn, end = _tables(bad)
    got = budget_exhaustion(comp, burn, rate_window="6h").iloc[0]
    # by hand: the window allows 1% of 288,000 requests = 2,880 bad; it holds 0.2*1440 + 0.6*1440 = 1,152
    allowed, spent = 0.01 * 100 * minutes, (0.2 + 0.6) * 1440
    left_events = allowed - spent
    rate_now = 0.6  # bad per minute over the last 6 h
    want = end + pd.Timedelta(minutes=left_events / rate_now)
    assert got["verdict"] == "runs out" and got["burn_rate"] == pytest.approx(0.6)
    assert abs(got["runs_out"] - want) < pd.Timedelta(minutes=1)
    assert got["days_left"] == pytest.approx(left_events / rate_now / 1440)


def test_an_overspent_budget_is_exhausted_and_a_slow_burn_is_not_this_window():
    comp, burn, end = _tables(np.full(2 * 1440, 1.5))  # 1.5% errors: over the 1% budget
    assert budget_exhaustion(comp, burn).iloc[0]["verdict"] == "exhausted"
    comp, burn, end = _tables(np.full(2 * 1440, 0.3))  # 0.3%: 70% left, at 0.3x it lasts 4.7 days > 2
    got = budget_exhaustion(comp, burn).iloc[0]
    assert got["verdict"] == "not this window" and pd.isna(got["runs_out"])
    assert got["days_left"] == pytest.approx(0.7 * 2 / 0.3)
    comp, burn, end = _tables(np.zeros(2 * 1440))
    got = budget_exhaustion(comp, burn).iloc[0]
    assert got["verdict"] == "not burning" and math.isinf(got["days_left"])
