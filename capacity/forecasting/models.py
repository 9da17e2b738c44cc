"""statsmodels models behind the numpy-in, mean/lo/hi-out interface.

``ets*``      ETS (additive, damped, multiplicative; seasonal for short periods; ``ets_auto``: no trend or
              a damped one, by AICc). The additive non-seasonal ones with heuristic initial states (all but
              short histories) are fitted by ets_fit.py (the same likelihood with its exact gradient: a
              third of the evaluations, no model object) and forecast in closed form here; the rest by
              statsmodels' ETSModel
``sarima``    SARIMAX(1,1,1)(0,1,1,m) for short seasonal periods (m <= 24)
``stl_ets``   STL (one period) or MSTL (several, e.g. hourly 24 and 168) decomposition (statsmodels'
              arithmetic in numpy: stl.py); the seasonal part is repeated, the seasonally adjusted part
              is forecast by damped ETS, whose intervals are the forecast's intervals
``theta``     the Theta method (SES with drift), deseasonalised for seasonal series: theta.py
``*_log``     the same on log(y), for strictly positive series growing in proportion (intervals stay positive)

statsmodels' ETS prediction needs a pandas index (a numpy input fails inside
``get_prediction`` in 0.15), so the arrays are wrapped in a RangeIndex Series
here and nowhere else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from . import ets_fit
from .base import Prediction, fixed_and_start, normal_prediction, primary


def _series(y: np.ndarray) -> pd.Series:
    return pd.Series(np.asarray(y, dtype="float64"), index=pd.RangeIndex(len(y)))


def _init(n: int, m: int | None) -> str:
    """Heuristic initial states (fpp3 / Hyndman et al. 2008) when there is enough data: 3-5x faster
    than estimating them with the smoothing parameters, with nearly the same fit on long series."""
    need = max(20, 4 * m if m else 0)
    return "heuristic" if n >= need else "estimated"


def _heuristic_start(y: np.ndarray) -> tuple[float, float]:
    """statsmodels' heuristic initial level and slope of a non-seasonal ETS (fpp3 section 2.6): the least-squares
    line through the first ten points, at time 0."""
    t = np.c_[np.ones(10), np.arange(1.0, 11.0)]
    level, slope = np.linalg.lstsq(t, np.asarray(y[:10], dtype="float64"), rcond=None)[0]
    return float(level), float(slope)


def _one_step(
    y: np.ndarray, alpha: float, beta: float, phi: float, l0: float, b0: float, trend: bool
) -> tuple[np.ndarray, float, float]:
    """One-step forecasts of ETS(A,N,N), (A,A,N), (A,Ad,N) from the initial states, and the last level and slope.

    The recursion ``x_t = D x_{t-1} + g y_t`` (``x = (l, b)``, ``g = (alpha, beta)``, ``D = F - g w'``,
    ``F = [[1, phi], [0, phi]]``, ``w = (1, phi)``) is linear in ``y``: each state is ``y`` through a
    second-order filter (the numerators of ``adj(I - D/z) g`` over ``det(I - D/z)``) plus ``D^t x_0``,
    which follows the same denominator (Cayley-Hamilton). scipy's lfilter runs both in C: the same numbers as
    statsmodels' ``smooth`` (tested) in a twentieth of the time, and no model object to build.
    """
    from scipy.signal import lfilter, lfiltic

    y = np.asarray(y, dtype="float64")
    if not trend:
        level = lfilter([alpha], [1.0, alpha - 1.0], y, zi=[(1.0 - alpha) * l0])[0]
        return np.r_[l0, level[:-1]], float(level[-1]), 0.0
    d11, d12, d21, d22 = 1.0 - alpha, phi * (1.0 - alpha), -beta, phi * (1.0 - beta)
    den = [1.0, -(d11 + d22), d11 * d22 - d12 * d21]
    level = lfilter([alpha, beta * d12 - alpha * d22], den, y)
    slope = lfilter([beta, alpha * d21 - beta * d11], den, y)
    u1 = (d11 * l0 + d12 * b0, d21 * l0 + d22 * b0)  # D x_0
    u2 = (d11 * u1[0] + d12 * u1[1], d21 * u1[0] + d22 * u1[1])  # D^2 x_0
    n = len(y)
    for state, first, second in ((level, u1[0], u2[0]), (slope, u1[1], u2[1])):
        free = np.full(max(n, 2), first)  # D^t x_0 for t = 1, 2, ...: the denominator's recursion from the first two
        free[1] = second
        if n > 2:
            free[2:] = lfilter([1.0], den, np.zeros(n - 2), zi=lfiltic([1.0], den, [second, first]))[0]
        state += free[:n]
    yhat = np.r_[l0 + phi * b0, level[:-1] + phi * slope[:-1]]
    return yhat, float(level[-1]), float(slope[-1])


def _additive_forecast(
    y: np.ndarray,
    values: dict[str, float],
    l0: float,
    b0: float,
    params: np.ndarray,
    h: int,
    levels: tuple[int, ...],
    *,
    damped: bool,
    trend: bool,
) -> Prediction:
    """Closed-form forecast and prediction intervals of ETS(A,N,N), (A,A,N), (A,Ad,N) from the smoothed
    states: mean l + phi_h b; variance sigma^2 (1 + sum_{j<h} c_j^2) with c_j = alpha + beta phi_j,
    phi_j = phi + ... + phi^j (Hyndman et al. 2008, class 1; fpp3 table 8.8). The same numbers as
    ``get_prediction`` (checked in the tests) from the raw states: no results object, whose numerical
    Hessian and pandas wrapping took two thirds of the time."""
    alpha = values["smoothing_level"]
    beta = values.get("smoothing_trend", 0.0) if trend else 0.0
    phi = values.get("damping_trend", 1.0) if damped else 1.0
    yhat, level, slope = _one_step(y, alpha, beta, phi, l0, b0 if trend else 0.0, trend)
    steps = np.arange(1, h + 1)
    phi_h = np.cumsum(phi**steps) if trend else np.zeros(h)
    mean = level + phi_h * slope
    c = alpha + beta * phi_h[:-1]
    sigma2 = float(np.mean((np.asarray(y, dtype="float64") - yhat) ** 2))
    var = sigma2 * (1 + np.concatenate([[0.0], np.cumsum(c**2)]))
    return normal_prediction(mean, np.sqrt(var), levels, np.asarray(params, dtype="float64"))


def _param_names(trend: bool, damped: bool) -> list[str]:
    """statsmodels' names of an additive non-seasonal ETS's parameters under heuristic initial states."""
    return ["smoothing_level"] + (["smoothing_trend"] if trend else []) + (["damping_trend"] if damped else [])


def _fit_additive(
    y: np.ndarray, fixed: Any, start: Any, *, trend: bool, damped: bool
) -> tuple[dict[str, float], float, float, np.ndarray]:
    """``(values, l0, b0, params)`` of ETS(A,N,N), (A,A,N) or (A,Ad,N): estimated (from ``start`` if given)
    or, given ``fixed`` parameters, re-filtered. Heuristic initial states (all but short histories) need no
    statsmodels model object: ets_fit.py fits them. On short histories statsmodels' ETSModel estimates the
    initial states with the smoothing parameters, and they are read from its parameters."""
    if _init(len(y), None) == "heuristic":
        l0, b0 = _heuristic_start(y)
        if fixed is None:
            fixed = ets_fit.fit(y, l0, b0, trend=trend, damped=damped, start=start)
        p = np.asarray(fixed, dtype="float64")
        return dict(zip(_param_names(trend, damped), p, strict=True)), l0, (b0 if trend else 0.0), p
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    model = ETSModel(
        _series(y), error="add", trend="add" if trend else None, damped_trend=damped, initialization_method="estimated"
    )
    if fixed is None:  # L-BFGS-B stops at a relative change of 2e-6, as ets_fit's
        fixed = model.fit(start_params=start, disp=False, return_params=True, factr=1e10)
    p = np.asarray(fixed, dtype="float64")
    values = dict(zip(model._param_names, p, strict=True))
    b0 = values["initial_trend"] if trend else 0.0
    return values, float(values["initial_level"]), float(b0), p


def _aicc(y: np.ndarray, values: dict[str, float], l0: float, b0: float, *, trend: bool, damped: bool) -> float:
    """AICc of an additive non-seasonal ETS (Hyndman et al. 2008, section 7.1): ``n log(SSE / n) + 2k +
    2k(k + 1) / (n - k - 1)``, k counting the smoothing and damping parameters, the initial states (also
    heuristic ones, as statsforecast's AutoETS counts them) and the variance."""
    alpha = values["smoothing_level"]
    beta = values.get("smoothing_trend", 0.0) if trend else 0.0
    phi = values.get("damping_trend", 1.0) if damped else 1.0
    yhat, _, _ = _one_step(y, alpha, beta, phi, l0, b0, trend)
    n = len(y)
    sse = float(np.sum((y - yhat) ** 2))
    k = len(_param_names(trend, damped)) + 1 + int(trend) + 1
    if n - k - 1 <= 0 or not np.isfinite(sse):
        return math.inf
    return n * math.log(max(sse, 1e-300) / n) + 2 * k + 2 * k * (k + 1) / (n - k - 1)


def _ets(
    y: np.ndarray,
    h: int,
    levels: tuple[int, ...],
    params: Any,
    *,
    error: str,
    trend: str | None,
    damped: bool,
    seasonal: str | None = None,
    m: int | None = None,
) -> Prediction:
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    fixed, start = fixed_and_start(params)
    if error == "add" and trend in (None, "add") and not seasonal:
        fit = _fit_additive(y, fixed, start, trend=trend is not None, damped=damped)
        return _additive_forecast(y, *fit, h, levels, damped=damped, trend=trend is not None)
    model = ETSModel(
        _series(y),
        error=error,
        trend=trend,
        damped_trend=damped,
        seasonal=seasonal,
        seasonal_periods=m if seasonal else None,
        initialization_method=_init(len(y), m if seasonal else None),
    )
    res = model.smooth(fixed) if fixed is not None else model.fit(start_params=start, disp=False)
    n = len(y)
    kwargs: dict[str, Any] = {}
    if error == "mul" or trend == "mul" or seasonal == "mul":
        kwargs = {"method": "simulated", "simulate_repetitions": 500, "rng": np.random.default_rng(0)}
    pred = res.get_prediction(start=n, end=n + h - 1, **kwargs)
    mean = np.asarray(pred.predicted_mean, dtype="float64")
    lo, hi = {}, {}
    for lv in levels:
        frame = pred.summary_frame(alpha=1 - lv / 100)
        lo[lv] = frame["pi_lower"].to_numpy(dtype="float64")
        hi[lv] = frame["pi_upper"].to_numpy(dtype="float64")
    return Prediction(mean, lo, hi, np.asarray(res.params))


@dataclass(frozen=True)
class ETS:
    """ETS(error, trend, seasonal); ``seasonal`` only for periods up to ``max_period``."""

    alias: str
    error: str = "add"
    trend: str | None = "add"
    damped: bool = False
    seasonal: str | None = None
    max_period: int = 24

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        positive = bool((y > 0).all())
        if (self.error == "mul" or self.trend == "mul" or self.seasonal == "mul") and not positive:
            return False
        if self.seasonal:
            m = primary(periods)
            return 1 < m <= self.max_period and len(y) >= 2 * m + 10
        return len(y) >= 10

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
        m = primary(periods) if self.seasonal else None
        return _ets(
            y, h, levels, params, error=self.error, trend=self.trend, damped=self.damped, seasonal=self.seasonal, m=m
        )


@dataclass(frozen=True)
class AutoTrendETS:
    """Additive ETS without a trend, ETS(A,N,N), or with a damped one, ETS(A,Ad,N): whichever has the lower
    AICc on the history, as R's ``ets()`` and statsforecast's AutoETS choose. A damped trend forced on
    every series followed the last few years' slope into a turn (monthly sunspots at the 2009 solar
    minimum: 1.19 times naive's error); on the panel of benchmarks/bench_accuracy this model in place
    of ``ets_damped`` took the geometric-mean MASE ratio to seasonal naive from 0.6443 to 0.6438 (see
    registry.AUTO).

    ``params`` is ``(trend, parameters)``: the form chosen and its fitted parameters, re-filtered as given
    in later backtest windows; a :class:`~.base.Warm` start warms the same form and fits the other cold."""

    alias: str = "ets_auto"

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        return len(y) >= 10

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
        y = np.asarray(y, dtype="float64")
        fixed, start = fixed_and_start(params)
        if fixed is not None:
            trend, kept = fixed
            fit = _fit_additive(y, kept, None, trend=trend, damped=trend)
        else:
            warm = {start[0]: start[1]} if start is not None else {}  # the form the earlier window chose
            fits = {t: _fit_additive(y, None, warm.get(t), trend=t, damped=t) for t in (False, True)}
            trend = min(fits, key=lambda t: _aicc(y, *fits[t][:3], trend=t, damped=t))
            fit = fits[trend]
        pred = _additive_forecast(y, *fit, h, levels, damped=trend, trend=trend)
        return replace(pred, params=(trend, pred.params))


@dataclass(frozen=True)
class SARIMA:
    """SARIMAX(1,1,1)(0,1,1,m); only for short periods (m <= 24): period 168 would take minutes."""

    alias: str = "sarima"
    max_period: int = 24

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        m = primary(periods)
        return m <= self.max_period and len(y) >= 3 * m + 10

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
        from statsmodels.tsa.statespace.sarimax import SARIMAX

        y = np.asarray(y, dtype="float64")
        m = primary(periods)
        model = SARIMAX(y, order=(1, 1, 1), seasonal_order=(0, 1, 1, m) if m > 1 else (0, 0, 0, 0))
        fixed, start = fixed_and_start(params)
        if fixed is None:
            # fitted to the differenced series (an ARMA: a state 2 + m smaller than the integrated model's)
            # with the variance concentrated out: the same maximum likelihood estimates (tested against the
            # full model's fit), 1.3-3x faster (four weeks hourly: 2.5 s -> 0.9 s); the full model then
            # filters the whole history with them for the forecast and its intervals
            w = np.diff(y[m:] - y[:-m]) if m > 1 else np.diff(y)
            arma = SARIMAX(
                w, order=(1, 0, 1), seasonal_order=(0, 0, 1, m) if m > 1 else (0, 0, 0, 0), concentrate_scale=True
            )
            got = arma.fit(start_params=None if start is None else np.asarray(start)[:-1], disp=False)
            fixed = np.r_[got.params, got.scale]
        res = model.filter(fixed)
        fc = res.get_forecast(h)
        mean = np.asarray(fc.predicted_mean, dtype="float64")
        lo, hi = {}, {}
        for lv in levels:
            ci = np.asarray(fc.conf_int(alpha=1 - lv / 100), dtype="float64")
            lo[lv], hi[lv] = ci[:, 0], ci[:, 1]
        return Prediction(mean, lo, hi, np.asarray(res.params))


def _repeat_cycle(component: np.ndarray, period: int, h: int) -> np.ndarray:
    last = component[-period:]
    return last[np.arange(h) % period]


@dataclass(frozen=True)
class DecompETS:
    """STL (one period) or MSTL (several) + damped additive ETS on the seasonally adjusted series."""

    alias: str = "stl_ets"
    #: STL's seasonal smoother (odd, in cycles) for the shortest period; each longer period gets 4 more
    #: (11, 15, ...), and the seasonal loess is locally constant (degree 0): R's ``stl``/``mstl`` defaults,
    #: which statsforecast follows. statsmodels' own default (degree 1) follows each cycle's noise
    #: forward: on the panel of benchmarks/bench_accuracy these defaults took the geometric-mean MASE
    #: ratio to seasonal naive of the 27 non-5-minute series from 0.732 to 0.695 (daily web traffic
    #: 0.89 -> 0.67, with weekly + yearly seasons)
    seasonal_window: int = 11
    seasonal_deg: int = 0

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        return bool(periods) and len(y) >= 2 * max(periods) + 10

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
        from .stl import mstl, stl

        y = np.asarray(y, dtype="float64")
        ps = tuple(sorted(periods))
        # loess evaluated every few points and interpolated (statsmodels' jumps, ~10% of each window): 4x faster
        kw = {
            "seasonal_deg": self.seasonal_deg,
            "seasonal_jump": max(1, self.seasonal_window // 10),
            "trend_jump": max(1, math.ceil(0.15 * ps[0])),
            "low_pass_jump": max(1, math.ceil(0.15 * ps[0])),
        }
        # statsmodels' STL/MSTL arithmetic, in numpy (stl.py): the same components, 3-6x faster
        if len(ps) == 1:
            seasonal = stl(y, ps[0], self.seasonal_window, **kw)[0][:, None]
        else:
            windows = tuple(self.seasonal_window + 4 * i for i in range(len(ps)))
            seasonal = mstl(y, ps, windows, **kw)[0]
        future = sum(_repeat_cycle(seasonal[:, i], p, h) for i, p in enumerate(ps))
        adjusted = _ets(y - seasonal.sum(axis=1), h, levels, params, error="add", trend="add", damped=True)
        return Prediction(
            adjusted.mean + future,
            {lv: v + future for lv, v in adjusted.lo.items()},
            {lv: v + future for lv, v in adjusted.hi.items()},
            adjusted.params,
        )


@dataclass(frozen=True)
class Log:
    """Any model fitted to log(y); the forecast is transformed back (the mean becomes the median)."""

    inner: Any
    alias: str = ""

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        return bool((y > 0).all()) and self.inner.applicable(y, periods)

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
        p = self.inner.predict(np.log(y), h, periods, levels, params)
        with np.errstate(over="ignore"):
            return Prediction(
                np.exp(p.mean),
                {lv: np.exp(v) for lv, v in p.lo.items()},
                {lv: np.exp(v) for lv, v in p.hi.items()},
                p.params,
            )
