"""The seasonality test (seasonality.py) against scipy's one-way ANOVA, on series whose season is known,
and what the automatic choice does with its answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from capacity.forecasting import auto_forecast, forecast
from capacity.forecasting.seasonality import ALPHA, detrended, season_test

from .conftest import make_frame


@pytest.mark.parametrize("m", [4, 7, 12, 24])
def test_detrended_is_the_centred_moving_average_removed(m: int) -> None:
    y = np.random.default_rng(m).normal(size=10 * m).cumsum()
    w = np.ones(m + 1 if m % 2 == 0 else m)
    if m % 2 == 0:
        w[0] = w[-1] = 0.5  # the 2 x m moving average of classical decomposition
    w /= w.sum()
    half = (len(w) - 1) // 2
    assert detrended(y, m) == pytest.approx(y[half : len(y) - half] - np.convolve(y, w, mode="valid"), abs=1e-9)


@pytest.mark.parametrize("m", [4, 12, 52])
def test_f_statistic_and_p_value_are_scipy_one_way_anova(m: int) -> None:
    rng = np.random.default_rng(m)
    n = 8 * m + 3
    y = 0.3 * np.sin(2 * np.pi * np.arange(n) / m) + rng.normal(size=n) + 0.05 * np.arange(n)
    x = detrended(y, m)
    groups = [x[np.arange(len(x)) % m == k] for k in range(m)]
    oracle = stats.f_oneway(*groups)
    got = season_test(y, m)
    assert got.f == pytest.approx(oracle.statistic, rel=1e-9)
    assert got.p_value == pytest.approx(oracle.pvalue, rel=1e-6)
    assert got.seasonal == (oracle.pvalue < ALPHA)


@pytest.mark.parametrize(("m", "noise"), [(12, 0.1), (24, 0.1), (24, 0.5), (288, 0.1), (288, 1.0)])
def test_a_season_is_found_in_three_cycles(m: int, noise: float) -> None:
    """Three cycles of a sine in noise (``noise`` times its amplitude), on a trend: the season is kept (the
    classical autocorrelation test rejects all of these)."""
    t = np.arange(3 * m)
    y = 50 + 0.01 * t + np.sin(2 * np.pi * t / m) + noise * np.random.default_rng(m).normal(size=len(t))
    assert season_test(y, m).seasonal


def test_few_false_seasons_in_noise_walks_and_long_cycles() -> None:
    """Season-less histories of 50 years of months, 200 of each: the share kept as seasonal is near the
    test's 1% for white noise and a sunspot-like 11-year cycle, and under 15% for a random walk, whose
    detrended remainder is autocorrelated (the error falls on the side of modelling a season, as before)."""
    t = np.arange(600)
    kinds = {
        "noise": lambda r: 10 + r.normal(size=600),
        "walk": lambda r: np.cumsum(r.normal(size=600)),
        "cycle": lambda r: 80 + 60 * np.sin(2 * np.pi * t / 132) + r.normal(0, 15, 600),
    }
    kept = {
        k: np.mean([season_test(f(np.random.default_rng(s)), 12).seasonal for s in range(200)])
        for k, f in kinds.items()
    }
    assert kept["noise"] <= 0.04 and kept["cycle"] <= 0.04
    assert kept["walk"] <= 0.15


def test_short_or_flat_histories() -> None:
    short = season_test(np.arange(30.0), 12)  # under three cycles: kept, untested
    assert short.seasonal and np.isnan(short.f)
    flat = season_test(np.full(60, 3.0), 12)
    assert not flat.seasonal
    clean = season_test(np.tile([1.0, 5.0, 2.0, 8.0], 10), 4)  # no noise at all
    assert clean.seasonal


def _monthly(y: np.ndarray) -> pd.DataFrame:
    ds = pd.date_range("1970-01-01", periods=len(y), freq="MS", tz="UTC")
    return pd.DataFrame({"unique_id": "s", "ds": ds, "y": y})


def test_a_monthly_series_without_a_yearly_season_is_forecast_without_one() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(480)
    y = 80 + 60 * np.sin(2 * np.pi * t / 132) + rng.normal(0, 10, 480)
    _, choice = auto_forecast(_monthly(y), 12, executor="serial")
    row = choice.iloc[0]
    assert row["periods"] == ()
    assert "no season of 12 steps" in row["note"] and "seasonal models not tried" in row["note"]
    assert not {"stl_ets", "ets_seasonal"} & set(row["candidates"].split(","))
    # told the season, the same history is forecast with it
    _, told = auto_forecast(_monthly(y), 12, season=12, executor="serial")
    assert told.iloc[0]["periods"] == (12,) and "no season" not in (told.iloc[0]["note"] or "")
    assert "stl_ets" in told.iloc[0]["candidates"].split(",")


def test_a_seasonal_series_keeps_its_season_and_says_nothing(rng: np.random.Generator) -> None:
    t = np.arange(120)
    y = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 2, 120)
    _, choice = auto_forecast(_monthly(y), 12, executor="serial")
    assert choice.iloc[0]["periods"] == (12,)
    assert "no season" not in (choice.iloc[0]["note"] or "")


def test_named_models_carry_the_note() -> None:
    rng = np.random.default_rng(4)
    frame = make_frame({"flat": 10 + rng.normal(0, 1, 24 * 14)}, freq="h")
    got = forecast(frame, 24, models=["seasonal_naive"], executor="serial")
    assert got["note"].str.contains("no season of 24 steps").all()
