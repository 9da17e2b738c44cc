"""The additive ETS estimator (ets_fit.py) against statsmodels' ETSModel: the same sum of squares at any
parameters, an exact gradient, and a fit at least as good as statsmodels' own on the same model."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from capacity.forecasting import ets_fit
from capacity.forecasting.models import _heuristic_start

KINDS = [(False, False), (True, False), (True, True)]  # (trend, damped): ETS(A,N,N), (A,A,N), (A,Ad,N)


def _series(kind: str, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype="float64")
    if kind == "walk":
        return 100 + np.cumsum(rng.normal(0.1, 1, n)) + rng.normal(0, 2, n)
    if kind == "trend":
        return 5e6 + 3e3 * t + rng.normal(0, 2e4, n)  # a large level: the objective is scale-free
    if kind == "bend":
        return 50 + 20 * np.tanh((t - n / 2) / (n / 8)) + rng.normal(0, 0.5, n)
    return 10 + rng.normal(0, 1, n)  # level only: the trend's smoothing goes to its bound


def _model(y: np.ndarray, trend: bool, damped: bool):  # noqa: ANN202
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    kind = "add" if trend else None
    return ETSModel(pd.Series(y), error="add", trend=kind, damped_trend=damped, initialization_method="heuristic")


def _sse(model, params: np.ndarray) -> float:  # noqa: ANN001
    return float(np.sum(np.asarray(model.smooth(params).resid) ** 2))


@pytest.mark.parametrize(("trend", "damped"), KINDS)
def test_heuristic_start_is_statsmodels(trend: bool, damped: bool) -> None:
    y = _series("walk", 120, 1)
    model = _model(y, trend, damped)
    l0, b0 = _heuristic_start(y)
    assert l0 == pytest.approx(model.initial_level, rel=1e-10)
    if trend:
        assert b0 == pytest.approx(model.initial_trend, rel=1e-10)


@pytest.mark.parametrize("params", [(0.3, 0.05, 0.9), (0.9, 0.5, 0.8), (0.02, 0.001, 0.98), (0.5, 0.2, 1.0)])
def test_sum_of_squares_is_statsmodels_and_the_gradient_is_exact(params: tuple[float, float, float]) -> None:
    y = _series("walk", 300, 2)
    alpha, beta, phi = params
    l0, b0 = _heuristic_start(y)
    damped = phi < 1.0
    model = _model(y, True, damped)
    sse, grad, errors = ets_fit.sse_and_grad(y, alpha, beta, phi, l0, b0)
    external = np.array([alpha, beta, phi][: 2 + int(damped)])
    assert sse == pytest.approx(_sse(model, external), rel=1e-10)
    assert errors == pytest.approx(np.asarray(model.smooth(external).resid), rel=1e-9, abs=1e-9)
    for k in range(3):
        step = 1e-6
        up, down = list(params), list(params)
        up[k] += step
        down[k] -= step
        numeric = (ets_fit.sse_and_grad(y, *up, l0, b0)[0] - ets_fit.sse_and_grad(y, *down, l0, b0)[0]) / (2 * step)
        assert grad[k] == pytest.approx(numeric, rel=1e-5, abs=1e-6 * sse)


@pytest.mark.parametrize(("trend", "damped"), KINDS)
@pytest.mark.parametrize(
    ("kind", "n", "seed"), [("walk", 640, 1), ("trend", 200, 2), ("bend", 400, 3), ("flat", 60, 4)]
)
def test_fit_is_at_least_as_good_as_statsmodels_fit(trend: bool, damped: bool, kind: str, n: int, seed: int) -> None:
    """Oracle: statsmodels' maximum-likelihood fit of the same model (its default tolerance, 1000x tighter
    than the one the forecasts use): the sum of squares ours reaches is no larger, within the tolerance."""
    y = _series(kind, n, seed)
    model = _model(y, trend, damped)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = np.asarray(model.fit(disp=False, return_params=True))
    l0, b0 = _heuristic_start(y)
    ours = ets_fit.fit(y, l0, b0, trend=trend, damped=damped)
    assert len(ours) == len(theirs)
    assert _sse(model, ours) <= _sse(model, theirs) * (1 + 1e-5)
    assert 1e-4 <= ours[0] <= 1 - 1e-4
    if trend:
        assert 0 < ours[1] <= ours[0]  # the traditional region: beta < alpha
    if damped:
        assert 0.8 <= ours[2] <= 0.98
    tight = ets_fit.fit(y, l0, b0, trend=trend, damped=damped, factr=1e7)
    assert _sse(model, tight) <= _sse(model, theirs) * (1 + 1e-8)


def test_a_warm_start_reaches_the_same_fit() -> None:
    y = _series("walk", 500, 7)
    l0, b0 = _heuristic_start(y)
    cold = ets_fit.fit(y, l0, b0, trend=True, damped=True, factr=1e7)
    warm = ets_fit.fit(y, l0, b0, trend=True, damped=True, start=np.array([0.9, 0.5, 0.8]), factr=1e7)
    model = _model(y, True, True)
    assert _sse(model, warm) == pytest.approx(_sse(model, cold), rel=1e-6)
    bad = ets_fit.fit(y, l0, b0, trend=True, damped=True, start=np.array([np.nan, 0.1, 0.9]))  # ignored
    assert np.all(np.isfinite(bad))
