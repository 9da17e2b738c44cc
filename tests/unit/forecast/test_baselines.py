"""Baselines against hand-computed values (fpp3 section 5.2 and 5.5 formulas)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from capacity.forecasting.baselines import Drift, LinearTrend, Naive, SeasonalNaive


def test_naive_repeats_last_value_and_widens_with_sqrt_h() -> None:
    y = np.array([1.0, 3.0, 2.0, 4.0])  # diffs 2, -1, 2 -> rms sqrt(3)
    p = Naive().predict(y, 4, (), (80, 95))
    assert np.all(p.mean == 4.0)
    sd = np.sqrt(3.0)
    assert p.hi[95][0] - 4.0 == pytest.approx(norm.ppf(0.975) * sd)
    assert p.hi[95][3] - 4.0 == pytest.approx(norm.ppf(0.975) * sd * 2)  # sqrt(4)


def test_seasonal_naive_repeats_last_cycle() -> None:
    y = np.array([1, 2, 3, 10, 20, 30], dtype=float)
    p = SeasonalNaive().predict(y, 5, (3,), (80,))
    assert list(p.mean) == [10, 20, 30, 10, 20]
    # one-step seasonal errors are 9, 18, 27; the second cycle's interval is sqrt(2) wider
    w1 = p.hi[80][0] - p.mean[0]
    w4 = p.hi[80][3] - p.mean[3]
    assert w4 == pytest.approx(w1 * np.sqrt(2))


def test_drift_follows_the_line_through_first_and_last() -> None:
    y = np.array([10.0, 11.0, 15.0, 13.0, 18.0])  # slope (18-10)/4 = 2
    p = Drift().predict(y, 3, (), (80,))
    assert list(p.mean) == pytest.approx([20.0, 22.0, 24.0])


def test_linear_trend_matches_numpy_polyfit() -> None:
    rng = np.random.default_rng(0)
    y = 3.0 + 0.5 * np.arange(50) + rng.normal(0, 1, 50)
    slope, intercept = np.polyfit(np.arange(50), y, 1)
    p = LinearTrend().predict(y, 10, (), (95,))
    assert p.mean == pytest.approx(intercept + slope * np.arange(50, 60))
    assert np.all(np.diff(p.hi[95] - p.lo[95]) > 0)  # wider further from the data's centre


def test_drift_is_supported_as_statsmodels_arima_aicc_says() -> None:
    """drift_supported is the AICc comparison of ARIMA(0,1,0) with and without a drift term: statsmodels'
    ARIMA fitted both ways is the oracle, on random walks from no drift to a strong one."""
    import warnings

    from statsmodels.tsa.arima.model import ARIMA

    from capacity.forecasting.baselines import drift_supported

    rng = np.random.default_rng(7)
    seen = set()
    for drift in (0.0, 0.05, 0.1, 0.2, 0.5):
        for _ in range(4):
            y = 50 + np.cumsum(rng.normal(drift, 1.0, 150))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                oracle = (
                    ARIMA(y, order=(0, 1, 0), trend="t").fit().aicc < ARIMA(y, order=(0, 1, 0), trend="n").fit().aicc
                )
            assert drift_supported(y) == oracle, (drift, y[:3])
            seen.add(oracle)
    assert seen == {True, False}  # both answers were exercised


def test_the_automatic_set_drops_drift_where_the_history_has_no_drift() -> None:
    from capacity.forecasting import registry

    t = np.arange(600, dtype="float64")
    cycle = 80 + 70 * np.sin(2 * np.pi * t / 132)  # an 11-year cycle of monthly values, five whole ones
    growth = 100 + 0.5 * t + np.random.default_rng(1).normal(0, 2, 600)
    assert "drift" not in registry.for_series(registry.AUTO, True, cycle[: 5 * 132])
    assert "drift" in registry.for_series(registry.AUTO, True, growth)
    assert registry.for_series(("drift", "naive"), False, cycle) == ("drift", "naive")  # named: kept as named
    assert "drift" in registry.for_series(registry.AUTO, False)  # no history given: unchanged
