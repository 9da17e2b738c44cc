"""STL/MSTL in numpy (capacity/forecasting/stl.py) against statsmodels' own, the oracle, on the settings the
forecasts use and on the edge rules: short series, windows wider than the series, jumps, degrees."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.tsa.seasonal import MSTL, STL

from capacity.forecasting import stl as stl_module
from capacity.forecasting.stl import mstl, stl


def _series(n: int, period: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    return 50 + rng.normal(size=n).cumsum() + 5 * np.sin(2 * np.pi * t / period) + rng.normal(0, 0.5, n)


@pytest.mark.parametrize(
    ("n", "period", "seasonal", "deg", "jumps"),
    [
        (640, 7, 11, 0, (1, 2, 2)),  # daily, as the forecasts decompose it
        (730, 7, 7, 1, (1, 1, 1)),  # statsmodels' defaults
        (144, 12, 11, 0, (1, 2, 2)),  # monthly
        (37, 12, 11, 0, (1, 2, 2)),  # three years: the seasonal window is wider than each subseries
        (50, 4, 13, 1, (3, 1, 1)),  # quarterly, a seasonal jump
        (301, 24, 13, 1, (2, 4, 5)),  # jumps that do not divide the length: the last point's own rule
        (4000, 288, 11, 0, (1, 44, 44)),  # 5-minute, daily season
    ],
)
def test_stl_is_statsmodels(n: int, period: int, seasonal: int, deg: int, jumps: tuple[int, int, int]) -> None:
    y = _series(n, period, n)
    kw = {"seasonal_deg": deg, "seasonal_jump": jumps[0], "trend_jump": jumps[1], "low_pass_jump": jumps[2]}
    ref = STL(y, period=period, seasonal=seasonal, **kw).fit()
    season, trend = stl(y, period, seasonal, **kw)
    scale = np.abs(y).max()
    assert np.abs(season - ref.seasonal).max() < 1e-11 * scale
    assert np.abs(trend - ref.trend).max() < 1e-11 * scale


def test_stl_keeps_explicit_windows_and_degrees() -> None:
    y = _series(500, 12, 1)
    kw = {"trend": 25, "low_pass": 15, "seasonal_deg": 1, "trend_deg": 0, "low_pass_deg": 0}
    ref = STL(y, period=12, seasonal=9, **kw).fit()
    season, trend = stl(y, 12, 9, **kw)
    assert np.allclose(season, ref.seasonal, rtol=0, atol=1e-9) and np.allclose(trend, ref.trend, rtol=0, atol=1e-9)


def test_mstl_is_statsmodels() -> None:
    n = 3 * 336 + 20
    t = np.arange(n)
    y = _series(n, 48, 2) + 3 * np.sin(2 * np.pi * t / 336)
    kw = {"seasonal_deg": 0, "seasonal_jump": 1, "trend_jump": 8, "low_pass_jump": 8}
    ref = MSTL(y, periods=(336, 48), windows=[15, 11], stl_kwargs=dict(kw)).fit()  # given unsorted
    seasonals, trend = mstl(y, (336, 48), (15, 11), **kw)
    assert seasonals.shape == (n, 2)
    assert np.allclose(seasonals, np.asarray(ref.seasonal), rtol=0, atol=1e-9)
    assert np.allclose(trend, np.asarray(ref.trend), rtol=0, atol=1e-9)


def test_a_level_shift_is_statsmodels() -> None:
    y = np.r_[np.zeros(30), np.ones(30)] * 3 + np.tile([0.0, 1.0, 0.0, -1.0], 15)
    ref = STL(y, period=4, seasonal=7).fit()
    season, trend = stl(y, 4, 7)
    assert np.allclose(season, ref.seasonal, atol=1e-12) and np.allclose(trend, ref.trend, atol=1e-12)


def test_the_plan_cache_keeps_to_its_budget_and_evicting_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stl_module, "CACHE_BYTES", 200_000)
    for n in (400, 900, 1500, 2200):
        y = _series(n, 24, n)
        kw = {"seasonal_deg": 0, "trend_jump": 4, "low_pass_jump": 4}
        ref = STL(y, period=24, seasonal=11, **kw).fit()
        season, trend = stl(y, 24, 11, **kw)
        assert np.allclose(season, ref.seasonal, rtol=0, atol=1e-9) and np.allclose(trend, ref.trend, atol=1e-9)
        entries, held = stl_module._plan.held()  # type: ignore[attr-defined]
        assert held <= 200_000 or entries == 1  # one plan may exceed the budget on its own


def test_moving_averages_of_a_large_level_keep_its_small_swings() -> None:
    t = np.arange(100_000)
    x = 4e12 + 1e3 * np.sin(2 * np.pi * t / 24)  # bytes: swings a billionth of the level
    direct = np.convolve(x - 4e12, np.ones(24) / 24, "valid") + 4e12
    assert np.abs(stl_module._moving_average(x, 24) - direct).max() < 0.01  # a running sum of x is off by ~3
