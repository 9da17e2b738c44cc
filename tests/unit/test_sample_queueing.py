"""The bundled history's latency and CPU follow the documented queueing model.

Checked on the raw generator output (the cached raw counters of September 2026,
the busiest month), never through a fitted model: the per-minute bucket counts
against the lognormal whose median is ``LATENCY_MEDIAN0 / (1 - rho)``, the CPU
against the utilisation law, and ``truth()`` against the formulas it documents.
The request rate of a minute is estimated from its ``/api`` request count
(Poisson: about 1% at the peaks), and the tolerances count that noise too.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import lognorm, norm

from capacity.sample import events as ev
from capacity.sample import generator as gen
from capacity.sample.source import raw_history

MONTH = ("2026-09-01", "2026-10-01")
Z95 = 1.6448536269514722
API = [
    'http_requests_total{handler="/api",method="GET",status="2xx"}',
    'http_requests_total{handler="/api",method="GET",status="4xx"}',
    'http_requests_total{handler="/api",method="GET",status="5xx"}',
    'http_requests_total{handler="/api",method="POST",status="2xx"}',
    'http_requests_total{handler="/api",method="POST",status="5xx"}',
]
IDLE = ['node_cpu_seconds_total{cpu="0",mode="idle"}', 'node_cpu_seconds_total{cpu="1",mode="idle"}']


def bucket(le: str) -> str:
    return f'http_request_duration_seconds_bucket{{le="{le}"}}'


def _outside(kinds: tuple[str, ...], grid: pd.DatetimeIndex) -> np.ndarray:
    i0 = ev.minute_index(grid[0])
    inside = np.zeros(len(grid), bool)
    for kind in kinds:
        inside |= ev.window_mask(kind)[i0 : i0 + len(grid)]
    return ~inside


@pytest.fixture(scope="module")
def month() -> pd.DataFrame:
    """Per-minute increments of the raw counters (one column per series) and the rate estimate,
    for the minutes where every counter has a sample at the minute and the one before and none reset."""
    frame, _ = raw_history(*MONTH)
    wide = frame.assign(unique_id=frame["unique_id"].astype(str)).pivot(index="ds", columns="unique_id", values="y")
    grid = pd.date_range(MONTH[0], MONTH[1], freq="min", inclusive="left", tz="UTC")
    cols = [*API, *IDLE, *(bucket(le) for le in gen.LE)]
    inc = wide.reindex(grid)[cols].diff()
    ok = inc.notna().all(axis=1) & (inc >= 0).all(axis=1)  # a sample missing, or a counter reset: left out
    rate = inc[API].sum(axis=1).where(ok) / 60.0  # requests/s: Poisson(rate * 60) in the generator
    out = inc[ok.to_numpy()].copy()
    out["api_count"] = out[API].sum(axis=1)
    out["rate"] = out["api_count"] / 60.0
    # the load of the minutes either side: picks busy and quiet minutes without picking a minute's own
    # counting noise (choosing by its own count would bias its rate estimate up among the busiest)
    out["neighbours"] = ((rate.shift(1) + rate.shift(-1)) / 2)[ok.to_numpy()]
    out["latency_ok"] = _outside(("latency_regression", "latency_severe", "outage"), grid)[ok.to_numpy()]
    out["cpu_ok"] = _outside(("cpu_saturation", "outage"), grid)[ok.to_numpy()]
    return out


def _share_check(rows: pd.DataFrame, le: str, capacity: float) -> float:
    """z-score of the requests counted at or under ``le`` against the model's expectation with
    ``capacity`` requests/s over all replicas: binomial noise plus that of the rate estimate."""
    n = rows[bucket("+Inf")].to_numpy()
    k = rows[bucket(le)].to_numpy()
    rate = rows["rate"].to_numpy()
    rho = rate / capacity
    z = (math.log(float(le)) - np.log(gen.LATENCY_MEDIAN0 / (1 - rho))) / gen.LATENCY_SIGMA
    p = norm.cdf(z)
    dp_drho = norm.pdf(z) / (gen.LATENCY_SIGMA * (1 - rho))
    sd_rho = rho / np.sqrt(rows["api_count"].to_numpy())
    var = np.sum(n * p * (1 - p)) + np.sum((n * dp_drho * sd_rho) ** 2)
    return float((k.sum() - np.sum(n * p)) / math.sqrt(var))


@pytest.mark.parametrize("le", ["0.1", "0.25", "0.5"])
def test_bucket_shares_follow_the_lognormal_scaled_by_one_over_one_minus_rho(month, le):
    rows = month[month["latency_ok"]]
    busy = rows[rows["neighbours"] >= rows["neighbours"].quantile(0.9)]  # the busiest minutes: rho 0.45-0.54
    quiet = rows[rows["neighbours"] <= rows["neighbours"].quantile(0.1)]  # nights: rho about 0.04
    assert busy["rate"].min() / gen.truth().capacity > 0.4 and quiet["rate"].max() / gen.truth().capacity < 0.1
    capacity = gen.truth().capacity
    for part in (busy, quiet):
        assert abs(_share_check(part, le, capacity)) < 4.5
    # the check can tell: 10% more capacity, or none of the load dependence, is far outside the noise
    assert abs(_share_check(busy, le, 1.1 * capacity)) > 10
    assert abs(_share_check(busy, le, 1e12)) > 10


def test_busiest_minutes_p95_is_the_formula_and_stays_under_the_objective(month):
    """The p95 of the busiest minutes, read from their buckets by the model's own lognormal shape:
    the 0.5 s bucket's share inverted gives the median, hence the p95."""
    rows = month[month["latency_ok"]]
    busy = rows[rows["neighbours"] >= rows["neighbours"].quantile(0.99)]
    share = busy[bucket("0.5")].sum() / busy[bucket("+Inf")].sum()
    median = 0.5 / math.exp(norm.ppf(share) * gen.LATENCY_SIGMA)
    seen = median * math.exp(Z95 * gen.LATENCY_SIGMA)
    rho = busy["rate"].mean() / gen.truth().capacity
    assert seen == pytest.approx(gen.LATENCY_MEDIAN0 * math.exp(Z95 * gen.LATENCY_SIGMA) / (1 - rho), rel=0.02)
    assert 0.28 < seen < 0.5  # loaded (the unloaded p95 is 0.146 s), under the runbook's 0.5 s


def test_cpu_is_the_floor_plus_the_utilisation_law(month):
    rows = month[month["cpu_ok"]]
    util = 1.0 - rows[IDLE].sum(axis=1).to_numpy() / (60.0 * gen.CPU_CORES)
    rate = rows["rate"].to_numpy()
    resid = util - (gen.CPU_FLOOR + gen.CPU_PER_REQUEST * rate)
    # noise: AR(1) sd 0.02 (phi 0.98: some 430 independent values a month) + per core N(0, 0.02) over 2 cores
    assert abs(resid.mean()) < 0.005
    assert 0.02 < resid.std() < 0.03  # sqrt(0.02^2 + 0.02^2 / 2) = 0.0245
    slope, intercept = np.polyfit(rate, util, 1)
    assert slope == pytest.approx(gen.CPU_PER_REQUEST, rel=0.05)
    assert intercept == pytest.approx(gen.CPU_FLOOR, abs=0.01)


def test_truth_is_the_documented_formula():
    t = gen.truth()
    assert (t.replicas, t.replica_capacity, t.capacity) == (3, 150.0, 450.0)
    assert (t.latency_median0, t.latency_sigma, t.p95_target) == (0.05, 0.65, 0.5)
    rho_star = 1 - 0.05 * math.exp(Z95 * 0.65) / 0.5
    assert t.latency_max_rate == pytest.approx(rho_star * 150.0 * 3, rel=1e-12)
    assert t.latency_max_rate == pytest.approx(318.92, abs=0.01)
    # the lognormal of the documented median at that rate has its p95 on the objective
    assert lognorm.ppf(0.95, s=0.65, scale=0.05 / (1 - rho_star)) == pytest.approx(0.5, rel=1e-9)
    assert t.p95(t.latency_max_rate) == pytest.approx(0.5, rel=1e-12)
    assert t.latency_quantile(0.5, 0.0) == pytest.approx(0.05)
    assert t.latency_quantile(0.99, 225.0) == pytest.approx(2 * t.latency_quantile(0.99, 0.0))  # rho 0.5: twice
    assert t.rho(1e6) == t.rho_max == 0.97
    assert (t.cpu_floor, t.cpu_upper) == (0.33, 0.60)
    assert t.cpu_max_rate == pytest.approx((0.60 - 0.33) / t.cpu_per_request, rel=1e-12)
    assert t.cpu(t.cpu_max_rate) == pytest.approx(0.60, rel=1e-12)
    assert t.max_rate == t.cpu_max_rate < t.latency_max_rate  # CPU leaves its range long before p95 reaches 0.5 s


def test_the_story_of_september_peaks(month):
    """Business-hour peaks (daily maxima of the 5-minute rate on weekdays) run at rho about 0.5,
    above the CPU limit and well under the latency limit."""
    rate = month["rate"].resample("min").mean().rolling(5).mean()
    local = rate.tz_convert(ev.TIMEZONE)
    peaks = local[local.index.day_of_week < 5].resample("D").max().dropna()
    t = gen.truth()
    assert 0.42 < peaks.median() / t.capacity < 0.55
    assert (peaks > t.cpu_max_rate).mean() > 0.9
    assert peaks.max() < 0.8 * t.latency_max_rate
    assert 0.60 < t.cpu(peaks.median()) < 0.70
