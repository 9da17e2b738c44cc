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
