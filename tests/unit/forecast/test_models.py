"""statsmodels wrappers: closed-form ETS intervals against statsmodels' own get_prediction, guards, bounds."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from capacity.forecasting import registry
from capacity.forecasting.models import _additive_forecast


@pytest.mark.parametrize(("trend", "damped"), [(None, False), ("add", False), ("add", True)])
def test_closed_form_ets_matches_statsmodels_get_prediction(trend: str | None, damped: bool) -> None:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(0)
    y = pd.Series(100 + 0.3 * np.arange(300) + np.cumsum(rng.normal(0, 1, 300)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(y, error="add", trend=trend, damped_trend=damped, initialization_method="heuristic").fit(
            disp=False
        )
    ours = _additive_forecast(res, 30, (80, 95), damped=damped, trend=trend is not None)
    for level in (80, 95):
        frame = res.get_prediction(300, 329).summary_frame(alpha=1 - level / 100)
        assert ours.mean == pytest.approx(frame["mean"].to_numpy(), rel=1e-9)
        assert ours.lo[level] == pytest.approx(frame["pi_lower"].to_numpy(), rel=1e-9)
        assert ours.hi[level] == pytest.approx(frame["pi_upper"].to_numpy(), rel=1e-9)


@pytest.mark.parametrize(
    "alias",
    [
        "ets",
        "ets_damped",
        "ets_log",
        "ets_damped_log",
        "ets_mul",
        "ets_mul_seasonal",
        "ets_seasonal",
        "sarima",
        "stl_ets",
        "stl_ets_log",
    ],
)
def test_models_forecast_a_seasonal_trend(alias: str) -> None:
    rng = np.random.default_rng(5)
    t = np.arange(200)
    y = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, 200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = registry.get(alias).predict(y, 14, (7,), (80, 95))
    truth = 100 + 0.5 * np.arange(200, 214) + 10 * np.sin(2 * np.pi * np.arange(200, 214) / 7)
    assert np.all(p.lo[95] <= p.lo[80]) and np.all(p.hi[80] <= p.hi[95])
    assert np.mean(np.abs(p.mean - truth)) < 15  # right level and direction (a flat 0 forecast is off by ~200)


def test_log_models_keep_positive_series_positive() -> None:
    y = np.exp(np.linspace(0, -5, 120))  # decaying towards zero
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = registry.get("ets_log").predict(y, 60, (), (95,))
    assert (p.lo[95] > 0).all()
    assert not registry.get("ets_log").applicable(np.r_[y, -1.0], ())
