"""Growth vs plan, time to threshold, peak load on series whose true answers are known analytically."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from capacity.core.errors import ConfigError, ForecastError
from capacity.forecasting.peak import peak_load
from capacity.forecasting.planning import COVERS, GENEROUS, TIGHT, exceed_probability, growth_vs_plan, time_to_threshold
from capacity.forecasting.rules import load_rules, parse_rules

FAST = {"models": ["naive", "drift", "linear_trend", "ets_log"]}
N = 426
START = pd.Timestamp("2025-08-01", tz="UTC")
DS = pd.date_range(START, periods=N, freq="D").as_unit("ns")
LAST = DS[-1]


def _s(uid: str, y: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"unique_id": uid, "ds": DS, "y": np.asarray(y, dtype="float64")})


def test_exceed_probability_matches_the_normal_distribution() -> None:
    q = 10 + 2 * norm.ppf([0.025, 0.10, 0.5, 0.90, 0.975])
    for x in (7.0, 10.0, 12.0, 13.5):
        assert exceed_probability(x, q) == pytest.approx(norm.sf(x, 10, 2), abs=0.01)
    assert exceed_probability(100.0, q) < 1e-6 and exceed_probability(-100.0, q) > 1 - 1e-6


def test_runbook_rules_are_the_packaged_defaults() -> None:
    r = load_rules()
    growth = {g.name: g for g in r.growth}
    assert growth["users"].plan == 0.5 and growth["users"].period == pd.Timedelta(days=91)
    assert growth["database"].plan == 1.0 and growth["database"].period == pd.Timedelta(days=365)
    th = {t.name: t for t in r.thresholds}
    assert (th["disk"].direction, th["disk"].value) == ("below", 0.10)
    assert th["memory"].value == 0.90 and th["cpu"].value == 0.80 and th["db_connections"].value == 0.80
    assert r.peak.business_hours == (9, 18) and r.peak.timezone == "America/New_York"


def test_bad_rules_name_the_field() -> None:
    with pytest.raises(ConfigError, match="growth.users.plan"):
        parse_rules({"growth": {"users": {"metric": "users_total", "period": "91d", "plan": "lots"}}})


@pytest.mark.parametrize(("quarterly", "verdict"), [(0.65, TIGHT), (0.30, COVERS), (0.05, GENEROUS)])
def test_user_growth_verdicts(quarterly: float, verdict: str) -> None:
    rng = np.random.default_rng(1)
    t = np.arange(N)
    users = 1000 * (1 + quarterly) ** (t / 91) * np.exp(rng.normal(0, 0.003, N))
    rules = parse_rules({"growth": {"users": {"metric": "users_total", "period": "91d", "plan": 0.5}}})
    out = growth_vs_plan(_s("users_total", users), rules=rules, **FAST)
    row = out.iloc[0]
    assert row["verdict"] == verdict
    assert row["growth_lo_95"] <= quarterly * 1.05 and row["growth_hi_95"] >= quarterly * 0.95
    assert row["past_growth"] == pytest.approx(quarterly, abs=0.02)


def test_missing_series_gives_no_data_rows() -> None:
    out = growth_vs_plan(_s("something_else", np.ones(N)))
    assert set(out["verdict"]) == {"no data"}
    assert "users_total" in out.loc[out.rule == "users", "note"].iloc[0]


def _thresholds(frame: pd.DataFrame) -> pd.DataFrame:
    return time_to_threshold(frame, "365d", **FAST).set_index("threshold")


def test_time_to_threshold_statuses_and_dates() -> None:
    rng = np.random.default_rng(2)
    t = np.arange(N)
    disk = 0.6 - 0.001 * t + rng.normal(0, 0.002, N)  # 0.174 at the end; 0.10 at t = 500
    db = 8e10 + 1e8 * t  # 1.226e11 at the end, volume 1.5e11: crossed at t = 700
    frame = pd.concat(
        [
            _s("disk_free_ratio", disk),
            _s("memory_utilization", np.full(N, 0.95)),
            _s("cpu_utilization", 0.4 + rng.normal(0, 0.01, N)),
            _s("db_size_bytes", db),
            _s("db_volume_bytes", np.full(N, 1.5e11)),
        ]
    )
    out = _thresholds(frame)
    disk_row = out.loc["disk"]
    assert disk_row["status"] == "crosses within horizon"
    expected = START + pd.Timedelta(days=500)
    assert abs(disk_row["most_likely"] - expected) <= pd.Timedelta(days=5)
    assert disk_row["earliest"] <= disk_row["most_likely"] <= disk_row["latest"]
    assert out.loc["memory", "status"] == "already crossed" and pd.isna(out.loc["memory", "most_likely"])
    assert out.loc["cpu", "status"] == "not within horizon" and pd.isna(out.loc["cpu", "earliest"])
    assert out.loc["db_size", "level"] == 1.5e11
    assert abs(out.loc["db_size", "most_likely"] - (START + pd.Timedelta(days=700))) <= pd.Timedelta(days=5)
    assert out.loc["storage", "status"] == "no data" and out.loc["db_connections", "status"] == "no data"


def test_sub_daily_series_use_the_daily_worst_value() -> None:
    ds = pd.date_range(START, periods=24 * 60, freq="h").as_unit("ns")
    hour = np.arange(len(ds)) % 24
    cpu = np.where(hour == 15, 0.85, 0.30)  # one hour a day above 80%: the daily peak crosses
    out = time_to_threshold(pd.DataFrame({"unique_id": "cpu_utilization", "ds": ds, "y": cpu}), "30d", **FAST)
    assert out.set_index("threshold").loc["cpu", "status"] == "already crossed"


def test_peak_load_in_business_hours() -> None:
    rng = np.random.default_rng(3)
    ds = pd.date_range("2026-06-01", periods=24 * 60, freq="h", tz="UTC").as_unit("ns")
    local = ds.tz_convert("America/New_York").hour
    y = 100 + 100 * ((local >= 9) & (local < 18)) + 20 * (local == 14) + rng.normal(0, 2, len(ds))
    out = peak_load(
        pd.DataFrame({"unique_id": "request_rate", "ds": ds, "y": y}), "7d", models=["seasonal_naive", "stl_ets"]
    ).iloc[0]
    average = 100 + 100 * 9 / 24 + 20 / 24
    assert out["average"] == pytest.approx(average, rel=0.01)
    assert out["peak_hour"] == 14 and out["peak_in_business_hours"]
    assert out["peak_to_average"] == pytest.approx(220 / average, rel=0.02)
    assert out["forecast_peak"] == pytest.approx(220, rel=0.03)
    assert pd.Timestamp(out["forecast_peak_ds"]).tz_convert("America/New_York").hour == 14


def test_a_short_series_is_too_little_data_never_a_drift_forecast() -> None:
    # six hourly points of CPU falling fast: a drift model would cross 0% within days
    ds = pd.date_range("2026-11-30T00:00", periods=6, freq="h", tz="UTC").as_unit("ns")
    cpu = pd.DataFrame({"unique_id": "cpu_utilization", "ds": ds, "y": [0.6, 0.5, 0.4, 0.3, 0.2, 0.1]})
    out = time_to_threshold(cpu, "90d", **FAST).set_index("threshold")
    assert out.loc["cpu", "status"] == "too little data"
    assert out.loc["cpu", "note"] == "cpu_utilization: too little data (have 6 h of 28 d)"
    assert pd.isna(out.loc["cpu", "most_likely"]) and out.loc["cpu", "last"] == 0.1
    assert out.loc["disk", "status"] == "no data"  # absent, as before
    # 27 days are still too few; 28 are enough
    for days, status in ((27, "too little data"), (28, "not within horizon")):
        frame = _s("cpu_utilization", np.full(N, 0.3)).tail(days)
        assert time_to_threshold(frame, "90d", **FAST).set_index("threshold").loc["cpu", "status"] == status


def test_growth_needs_one_period_of_history() -> None:
    users = 1000 * 1.5 ** (np.arange(N) / 91)
    short = _s("users_total", users).tail(60)  # 60 days of a rule judged per quarter (91 days)
    row = growth_vs_plan(short, **FAST).set_index("rule").loc["users"]
    assert row["verdict"] == "too little data" and row["note"] == "users_total: too little data (have 60 d of 91 d)"
    assert pd.isna(row["growth"])
    row = growth_vs_plan(short, min_history=pd.Timedelta(days=30), **FAST).set_index("rule").loc["users"]
    assert row["verdict"] in (COVERS, TIGHT, GENEROUS)


def test_peak_load_names_what_it_has_and_needs() -> None:
    ds = pd.date_range("2026-11-30T00:00", periods=30, freq="h", tz="UTC").as_unit("ns")
    frame = pd.DataFrame({"unique_id": "request_rate", "ds": ds, "y": np.ones(30)})
    with pytest.raises(ForecastError) as err:
        peak_load(frame)
    assert "too little data (have 1.2 d of 2 d)" in str(err.value) and err.value.series == "request_rate"
