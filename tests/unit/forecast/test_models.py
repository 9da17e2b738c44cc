"""statsmodels wrappers: closed-form ETS intervals against statsmodels' own get_prediction, guards, bounds."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from capacity.forecasting import registry
from capacity.forecasting.models import _additive_forecast, _fit_additive, _heuristic_start, _one_step


@pytest.mark.parametrize(("trend", "damped"), [(None, False), ("add", False), ("add", True)])
@pytest.mark.parametrize(("init", "n"), [("heuristic", 300), ("estimated", 15)])
def test_closed_form_ets_matches_statsmodels_get_prediction(trend: str | None, damped: bool, init: str, n: int) -> None:
    """statsmodels' parameters re-filtered by our path (its initial states heuristic or estimated, as the
    history's length makes them) give statsmodels' own forecast and intervals."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(0)
    y = pd.Series(100 + 0.3 * np.arange(n) + np.cumsum(rng.normal(0, 1, n)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(y, error="add", trend=trend, damped_trend=damped, initialization_method=init).fit(disp=False)
    has_trend = trend is not None
    fit = _fit_additive(y.to_numpy(), np.asarray(res.params), None, trend=has_trend, damped=damped)
    ours = _additive_forecast(y.to_numpy(), *fit, 30, (80, 95), damped=damped, trend=has_trend)
    for level in (80, 95):
        frame = res.get_prediction(n, n + 29).summary_frame(alpha=1 - level / 100)
        assert ours.mean == pytest.approx(frame["mean"].to_numpy(), rel=1e-9)
        assert ours.lo[level] == pytest.approx(frame["pi_lower"].to_numpy(), rel=1e-9)
        assert ours.hi[level] == pytest.approx(frame["pi_upper"].to_numpy(), rel=1e-9)


@pytest.mark.parametrize(("trend", "damped"), [(None, False), ("add", False), ("add", True)])
@pytest.mark.parametrize("init", ["heuristic", "estimated"])
def test_one_step_filter_is_statsmodels_smooth(trend: str | None, damped: bool, init: str) -> None:
    """Oracle: statsmodels' own smoothing recursion, for fitted and for arbitrary parameters."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(5)
    n = 250 if init == "heuristic" else 15
    y = pd.Series(50 + 0.2 * np.arange(n) + np.cumsum(rng.normal(0, 1, n)))
    model = ETSModel(y, error="add", trend=trend, damped_trend=damped, initialization_method=init)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = model.fit(disp=False, return_params=True)
    chosen = {"smoothing_level": 0.3, "smoothing_trend": 0.1, "damping_trend": 0.9, "initial_level": 40.0}
    chosen["initial_trend"] = 0.5
    for params in (np.asarray(fitted), np.array([chosen[name] for name in model._param_names])):
        values = dict(zip(model._param_names, params, strict=True))
        l0 = values.get("initial_level", getattr(model, "initial_level", np.nan))
        b0 = values.get("initial_trend", getattr(model, "initial_trend", 0.0)) if trend else 0.0
        yhat, level, slope = _one_step(
            y.to_numpy(),
            values["smoothing_level"],
            values.get("smoothing_trend", 0.0),
            values.get("damping_trend", 1.0),
            float(l0),
            float(b0 or 0.0),
            trend is not None,
        )
        ref_yhat, ref_states = model.smooth(params, return_raw=True)
        states = np.asarray(ref_states).reshape(n, -1)
        assert yhat == pytest.approx(np.asarray(ref_yhat), rel=1e-10, abs=1e-10)
        assert level == pytest.approx(states[-1, 0], rel=1e-10)
        if trend:
            assert slope == pytest.approx(states[-1, 1], rel=1e-10, abs=1e-12)


def test_refiltering_without_a_model_object_is_the_same_forecast() -> None:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    rng = np.random.default_rng(9)
    y = 20 + np.cumsum(rng.normal(0.1, 1, 400))
    model = ETSModel(pd.Series(y), error="add", trend="add", damped_trend=True, initialization_method="heuristic")
    assert _heuristic_start(y) == pytest.approx((model.initial_level, model.initial_trend), rel=1e-10)
    fitted = registry.get("ets_damped").predict(y, 30, (), (80, 95))
    again = registry.get("ets_damped").predict(y, 30, (), (80, 95), fitted.params)  # the fast path
    assert again.mean == pytest.approx(fitted.mean, rel=1e-12)
    assert again.hi[95] == pytest.approx(fitted.hi[95], rel=1e-12)


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


@pytest.mark.parametrize(("n", "m"), [(253, 7), (144, 12), (120, 1)])
def test_sarima_fits_as_statsmodels_full_model_does(n: int, m: int) -> None:
    """The differenced, concentrated fit reaches the full integrated model's maximum likelihood (the oracle:
    statsmodels' own SARIMAX fit of the same model) and so its forecast and intervals."""
    from statsmodels.tsa.statespace.sarimax import SARIMAX

    rng = np.random.default_rng(3)
    t = np.arange(n)
    y = 100 + 0.1 * t + 10 * np.sin(2 * np.pi * t / max(m, 2)) + np.cumsum(rng.normal(0, 1, n)) + rng.normal(0, 3, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        got = registry.get("sarima").predict(y, 2 * max(m, 7), (m,) if m > 1 else (), (80, 95))
        full = SARIMAX(y, order=(1, 1, 1), seasonal_order=(0, 1, 1, m) if m > 1 else (0, 0, 0, 0)).fit(disp=False)
    assert got.params == pytest.approx(np.asarray(full.params), rel=2e-2, abs=5e-3)
    oracle = full.get_forecast(len(got.mean))
    assert got.mean == pytest.approx(np.asarray(oracle.predicted_mean), abs=0.01 * np.std(y))
    width = np.asarray(oracle.conf_int(alpha=0.2))
    assert got.hi[80] - got.lo[80] == pytest.approx(width[:, 1] - width[:, 0], rel=2e-2)


def test_log_models_keep_positive_series_positive() -> None:
    y = np.exp(np.linspace(0, -5, 120))  # decaying towards zero
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p = registry.get("ets_log").predict(y, 60, (), (95,))
    assert (p.lo[95] > 0).all()
    assert not registry.get("ets_log").applicable(np.r_[y, -1.0], ())


def test_theta_follows_trend_and_season_with_nested_intervals() -> None:
    from capacity.forecasting import registry

    t = np.arange(144, dtype="float64")
    y = (100 + 0.8 * t) * (1 + 0.15 * np.sin(2 * np.pi * t / 12))  # multiplicative season on a trend
    p = registry.get("theta").predict(y, 24, (12,), (80, 95))
    future = np.arange(144, 168, dtype="float64")
    truth = (100 + 0.8 * future) * (1 + 0.15 * np.sin(2 * np.pi * future / 12))
    assert np.mean(np.abs(p.mean - truth)) < 0.05 * truth.mean()  # season kept, trend continued
    assert np.argmax(p.mean[:12]) == np.argmax(truth[:12])
    assert np.all(p.lo[95] <= p.lo[80]) and np.all(p.lo[80] <= p.mean) and np.all(p.mean <= p.hi[80])
    assert np.all(p.hi[80] <= p.hi[95]) and (p.hi[95] - p.lo[95])[-1] > (p.hi[95] - p.lo[95])[0]
    assert "theta_opt" in registry.AUTO


def test_optimised_theta_takes_the_share_of_the_slope_the_history_shows() -> None:
    from capacity.forecasting import registry

    rng = np.random.default_rng(7)
    t = np.arange(365, dtype="float64")
    y = 120 + 0.3 * t + rng.normal(scale=4.0, size=len(t))  # grows 0.3 a step, to the end
    classic = registry.get("theta").predict(y, 365, (), (80,))
    opt = registry.get("theta_opt").predict(y, 365, (), (80,))
    slope = lambda p: (p.mean[-1] - p.mean[0]) / 364  # noqa: E731
    assert abs(slope(opt) - 0.3) < 0.03  # the whole slope
    assert abs(slope(classic) - 0.15) < 0.02  # the classic method: half of it
    assert 0.0 <= opt.params[1] <= 1.0 and classic.params[1] == 0.5
    flat = 100 + np.cumsum(rng.normal(size=300))  # a random walk: no drift to learn beyond the noise
    assert registry.get("theta_opt").predict(flat, 10, (), (80,)).params[1] <= 1.0
    again = registry.get("theta_opt").predict(y, 365, (), (80,), opt.params)  # re-filtered, not re-fitted
    assert np.allclose(again.mean, opt.mean)


@pytest.mark.parametrize("theta", [1.0, 1.5, 3.0, 10.0])
def test_theta_drift_for_any_theta_is_statsmodels(theta: float) -> None:
    """Oracle: statsmodels' ThetaModel forecast with the same alpha and any theta (its ``theta=``)."""
    import pandas as pd
    from statsmodels.tsa.forecasting.theta import ThetaModel

    from capacity.forecasting import registry

    rng = np.random.default_rng(3)
    t = np.arange(200, dtype="float64")
    y = 50 + 0.2 * t + np.cumsum(rng.normal(scale=0.7, size=len(t)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ThetaModel(pd.Series(y), deseasonalize=False).fit()
    alpha = float(ref.params["alpha"])
    got = registry.get("theta_opt").predict(y, 24, (), (80,), np.array([alpha, 1 - 1 / theta]))
    assert np.allclose(got.mean, np.asarray(ref.forecast(24, theta=theta)), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("n", "m", "noise"), [(60, 4, 3.0), (144, 12, 3.0), (730, 7, 1.0), (300, 1, 1.0), (96, 12, 0.0)]
)
def test_theta_point_forecasts_are_statsmodels_thetamodels(n: int, m: int, noise: float) -> None:
    """Oracle: statsmodels' ThetaModel (deseasonalised when its test says so) on the same history."""
    import pandas as pd
    from statsmodels.tsa.forecasting.theta import ThetaModel

    from capacity.forecasting import registry

    rng = np.random.default_rng(n)
    t = np.arange(n, dtype="float64")
    season = 10 * np.sin(2 * np.pi * t / m) if m > 1 else 0.0
    y = 100 + 0.3 * t + season + rng.normal(scale=noise, size=n) + np.cumsum(rng.normal(scale=0.5, size=n))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = ThetaModel(pd.Series(y), period=m if m > 1 else None, deseasonalize=m > 1).fit()
        expected = np.asarray(ref.forecast(24))
    got = registry.get("theta").predict(y, 24, (m,) if m > 1 else (), (80,))
    assert np.allclose(got.mean, expected, rtol=1e-5, atol=1e-3)
    again = registry.get("theta").predict(y, 24, (m,) if m > 1 else (), (80,), got.params)  # re-filtered
    assert np.allclose(again.mean, got.mean)


@pytest.mark.parametrize(("trend", "damped"), [(False, False), (True, True)])
@pytest.mark.parametrize("n", [200, 15])
def test_aicc_uses_statsmodels_sum_of_squares(trend: bool, damped: bool, n: int) -> None:
    """The AICc that ets_auto compares: statsmodels' own sum of squared errors at its fitted parameters
    (initial states heuristic or, on short histories, estimated), and the AICc penalty of k parameters."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    from capacity.forecasting.models import _aicc

    rng = np.random.default_rng(n)
    y = 20 + 0.1 * np.arange(n) + np.cumsum(rng.normal(0, 1, n))
    init = "heuristic" if n >= 20 else "estimated"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(
            pd.Series(y), error="add", trend="add" if trend else None, damped_trend=damped, initialization_method=init
        ).fit(disp=False)
    values, l0, b0, _ = _fit_additive(y, np.asarray(res.params), None, trend=trend, damped=damped)
    k = (3 if trend else 1) + (2 if trend else 1) + 1  # smoothing/damping, initial states, variance
    expected = n * np.log(res.sse / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)
    assert _aicc(y, values, l0, b0, trend=trend, damped=damped) == pytest.approx(expected, rel=1e-9)


def test_ets_auto_takes_a_trend_only_where_the_history_has_one() -> None:
    rng = np.random.default_rng(7)
    t = np.arange(150.0)
    trending = 100 + 2.0 * t + np.cumsum(rng.normal(0, 1, 150))
    level = 100 + rng.normal(0, 1, 150)
    model = registry.get("ets_auto")
    up = model.predict(trending, 12, (), (80, 95))
    flat = model.predict(level, 12, (), (80, 95))
    assert up.params[0] is True and flat.params[0] is False
    # each is exactly the forecast of the form it chose, fitted on its own
    damped = registry.get("ets_damped").predict(trending, 12, (), (80, 95))
    assert up.mean == pytest.approx(damped.mean, rel=1e-12)
    assert flat.mean == pytest.approx(np.full(12, flat.mean[0]))  # no trend: a flat line
    assert up.mean[-1] > up.mean[0] + 10


def test_ets_auto_refilters_and_warm_starts_its_chosen_form() -> None:
    from capacity.forecasting.base import Warm

    rng = np.random.default_rng(8)
    y = 50 + 0.5 * np.arange(200.0) + np.cumsum(rng.normal(0, 1, 200))
    model = registry.get("ets_auto")
    first = model.predict(y[:150], 10, (), (80, 95))
    again = model.predict(y[:150], 10, (), (80, 95), first.params)  # re-filtered: the same numbers
    assert again.mean == pytest.approx(first.mean, rel=1e-12) and again.params[0] == first.params[0]
    later = model.predict(y, 10, (), (80, 95), first.params)  # re-filtered on more data, not re-estimated
    assert np.array_equal(later.params[1], first.params[1])
    cold = model.predict(y, 10, (), (80, 95))
    warm = model.predict(y, 10, (), (80, 95), Warm(first.params))
    assert warm.params[0] == cold.params[0]
    # started from the earlier window's parameters, the fit is as good (the damped likelihood is flat
    # along phi and beta: the parameters themselves may differ)
    from capacity.forecasting.models import _param_names

    def sse(params: tuple[bool, np.ndarray]) -> float:
        trend, p = params
        v = dict(zip(_param_names(trend, trend), p, strict=True))
        l0, b0 = _heuristic_start(y)
        a, b, phi = v["smoothing_level"], v.get("smoothing_trend", 0.0), v.get("damping_trend", 1.0)
        yhat, _, _ = _one_step(y, a, b, phi, l0, b0 if trend else 0.0, trend)
        return float(np.sum((y - yhat) ** 2))

    assert sse(warm.params) <= sse(cold.params) * (1 + 1e-4)
