"""Conformal calibration by lead time on held-out windows (capacity/forecasting/conformal.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capacity.forecasting import auto_forecast, conformal
from capacity.forecasting.backtest import WindowResult
from capacity.forecasting.base import Prediction


def test_conformal_quantile_is_the_finite_sample_one() -> None:
    v = np.arange(1.0, 20.0)  # 19 ratios: ceil(20 * 0.8) = 16th smallest
    assert conformal.conformal_quantile(v, 80) == 16.0
    assert conformal.conformal_quantile(v, 95) == 19.0  # ceil(20 * 0.95) = 19: the largest
    assert np.isnan(conformal.conformal_quantile(np.array([np.nan]), 80))


def test_factors_follow_the_errors_growth_with_lead_and_stay_flat_past_the_backtest() -> None:
    rng = np.random.default_rng(1)
    leads = np.arange(1, 41)
    r = np.abs(rng.normal(size=(10, 40))) * leads / 10  # errors / width grow with lead
    f = conformal.lead_factors(r, 80, 60)
    assert len(f) == 60
    assert f[5] < f[20] < f[35]  # one factor per bin of leads, interpolated
    assert f[39] == f[59]  # past the backtest's horizon: the last bin's factor
    flat = conformal.lead_factors(np.full((10, 40), 2.0), 80, 40)
    assert np.allclose(flat, 2.0)


def test_intervals_far_too_narrow_are_widened_as_far_as_the_errors_say() -> None:
    """Errors 13 times the model's half-width (a smooth growth series' one-step intervals over 90 days):
    the factor is what the errors say, not a cap of 10; absurd ratios still stop at K_MAX."""
    r = np.full((5, 40), 13.0)
    assert np.allclose(conformal.lead_factors(r, 80, 40), 13.0)
    assert np.allclose(conformal.lead_factors(np.full((5, 40), 1e6), 80, 40), conformal.K_MAX)
    assert np.allclose(conformal.lead_factors(np.full((5, 40), np.inf), 80, 40), conformal.K_MAX)


def test_leads_past_the_backtest_never_narrow_the_model_own_intervals() -> None:
    """Errors half the model's width over a 30-step backtest of a 90-step forecast: narrowed to 0.5 where
    the backtest saw it, kept at 1 beyond; a widening factor carries on beyond as it was."""
    narrow = conformal.lead_factors(np.full((5, 30), 0.5), 80, 90)
    assert np.allclose(narrow[:30], 0.5) and np.allclose(narrow[30:], 1.0)
    wide = conformal.lead_factors(np.full((5, 30), 3.0), 80, 90)
    assert np.allclose(wide, 3.0)


def test_held_out_windows_end_where_the_choosing_ones_begin() -> None:
    assert conformal.held_out_cutoffs(144, 12, 108, (12,)) == [48, 60, 72, 84, 96]
    assert conformal.held_out_cutoffs(4000, 288, 3136, (288,)) == [2560, 2848]  # 2 windows: 576 errors
    assert conformal.held_out_cutoffs(60, 12, 24, (12,)) == []  # no room above a quarter of the history


def _window(cutoff: int, mean: float, half: float, h: int) -> WindowResult:
    m = np.full(h, mean)
    return WindowResult(cutoff, "m", Prediction(m, {80: m - half}, {80: m + half}), None)


def test_calibration_uses_held_out_windows_and_measures_coverage_on_the_choosing_ones() -> None:
    h = 10
    y = np.concatenate([np.zeros(40), np.tile([1.0, -1.0], 30)])  # errors of 1 after t=40
    held = [_window(c, 0.0, 0.5, h) for c in (40, 50, 60)]  # half-width 0.5: ratios 2
    choosing = [_window(c, 0.0, 0.5, h) for c in (70, 80, 90)]
    cal = conformal.calibrate(y, h, h, held, choosing, (80,))
    assert cal.held_out and cal.windows == 3
    assert np.allclose(cal.factors[80], 2.0)
    assert cal.coverage[80] == 1.0  # widened x2 the choosing windows' errors of 1 are inside
    short = conformal.calibrate(y, h, h, held[:1], choosing, (80,))
    assert not short.held_out and np.isnan(short.coverage[80])  # too few held-out errors: both sets, no claim
    assert short.windows == 4
    assert conformal.calibrate(y, h, h, [], choosing[:1], (80,)).windows == 0  # too few in all: factor 1


def test_newest_errors_larger_than_the_held_out_ones_widen_halfway() -> None:
    h = 10
    calm, crash = np.tile([1.0, -1.0], 20), np.tile([4.0, -4.0], 15)
    y = np.concatenate([np.zeros(30), calm, crash])  # errors of 1, then of 4 in the choosing windows
    held = [_window(c, 0.0, 1.0, h) for c in (30, 40, 50, 60)]  # half-width 1: ratios 1
    choosing = [_window(c, 0.0, 1.0, h) for c in (70, 80, 90)]  # ratios 4
    cal = conformal.calibrate(y, h, h, held, choosing, (80,))
    assert np.allclose(cal.factors[80], 2.0)  # sqrt(1 * 4): halfway, geometrically
    assert cal.coverage[80] == 0.0  # what is claimed: the held-out factor (1) on the choosing windows
    quiet = [_window(c, 0.0, 8.0, h) for c in (70, 80, 90)]  # the choosing windows needed less: no change
    assert np.allclose(conformal.calibrate(y, h, h, held, quiet, (80,)).factors[80], 1.0)


def test_apply_keeps_levels_nested() -> None:
    m = np.zeros(3)
    p = Prediction(m, {80: m - 1, 95: m - 1.2}, {80: m + 1, 95: m + 1.2})
    out = conformal.apply(p, {80: np.array([2.0, 1.0, 1.0]), 95: np.ones(3)})
    assert (out.lo[95] <= out.lo[80]).all() and (out.hi[95] >= out.hi[80]).all()
    assert out.hi[80][0] == 2.0


def test_published_intervals_cover_about_their_level_out_of_sample() -> None:
    """AR(1) series with a weekly pattern: the published 80% interval, scored on the 28 days after the
    history it was given, covers close to 80% over 40 series (a model's own intervals, or a factor
    fitted on the windows that chose it, often miss this by 10+ points)."""
    rng = np.random.default_rng(7)
    n, h = 400, 28
    frames, futures = [], []
    ds = pd.date_range("2025-01-01", periods=n + h, freq="D", tz="UTC")
    for i in range(40):
        e = np.zeros(n + h)
        for t in range(1, n + h):
            e[t] = 0.6 * e[t - 1] + rng.normal()
        y = 100 + 5 * np.sin(2 * np.pi * np.arange(n + h) / 7) + e
        frames.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds[:n], "y": y[:n]}))
        futures.append(pd.DataFrame({"unique_id": f"s{i}", "ds": ds[n:], "y": y[n:]}))
    fc, choice = auto_forecast(pd.concat(frames), h, executor="serial")
    got = fc.merge(pd.concat(futures), on=["unique_id", "ds"])
    cover = ((got["y"] >= got["lo-80"]) & (got["y"] <= got["hi-80"])).mean()
    assert 0.72 <= cover <= 0.9, cover
    assert (choice["calibration_windows"] >= 2).all()
    assert choice["coverage-80"].between(0, 1).all()  # measured on windows that did not calibrate


@pytest.mark.parametrize("n", [30])
def test_short_history_says_its_intervals_were_calibrated_in_window(n: int) -> None:
    ds = pd.date_range("2025-01-01", periods=n, freq="D", tz="UTC")
    y = 10 + np.random.default_rng(0).normal(size=n)
    _, choice = auto_forecast(pd.DataFrame({"unique_id": "a", "ds": ds, "y": y}), 3, executor="serial")
    row = choice.iloc[0]
    assert np.isnan(row["coverage-80"])  # 30 days: no held-out windows for a 3-day horizon
    assert "intervals not calibrated" in row["note"] or "calibrated on the windows that chose" in row["note"]


def test_published_cv_replays_the_choice_on_the_history_before_each_origin() -> None:
    from capacity.forecasting import PUBLISHED, evaluate, published_cv

    n, h = 120, 10
    ds = pd.date_range("2025-01-01", periods=n, freq="D", tz="UTC")
    y = 50 + np.random.default_rng(3).normal(size=n)
    y[-h:] += 1000  # a jump after the last origin: a forecast that saw it would be near 1050
    cv = published_cv(pd.DataFrame({"unique_id": "a", "ds": ds, "y": y}), h, 2, executor="serial")
    assert set(cv["model"]) == {PUBLISHED} and cv["cutoff"].nunique() == 2
    last = cv[cv["cutoff"] == cv["cutoff"].max()]
    assert (last["mean"] < 100).all() and (last["y"] > 1000).all()
    row = evaluate(cv).iloc[0]
    assert row["windows"] == 2 and 0 <= row["coverage-80"] <= 0.5  # the jump is outside, the rest inside
