"""The Theta method, in numpy: simple exponential smoothing with drift on a deseasonalised series.

Assimakopoulos & Nikolopoulos (2000) as Hyndman & Billah (2003) showed it to be: the forecast is the SES
forecast plus half the slope ``b0`` of a straight line fitted to the history,
``yhat(h) = l_n + b0 / 2 * (h - 1 + 1/alpha - (1 - alpha)^n / alpha)``. As statsmodels' ``ThetaModel``
(whose point forecasts this reproduces, tested): when the primary period is seasonal by the ACF test
(``n r_m^2 / sum_{k<m} r_k^2`` above the chi-square(1) 90% point) and the series is positive, it is
deseasonalised by classical multiplicative decomposition first and the forecast reseasonalised;
``alpha`` minimises the one-step squared errors with the level started at the first value.

statsmodels estimates the interval's variance by fitting an ARIMA(0,1,1) by maximum likelihood on every
call (nine tenths of its time); here it is the variance of the method's one-step errors, widened as an
ARIMA(0,1,1)'s: ``sigma^2 (1 + (h - 1) alpha^2)`` (scaled by the seasonal index when multiplicative).
The published intervals are calibrated on held-out windows anyway (conformal.py).

``theta_opt`` is the Optimised Theta Method (Fiorucci et al. 2016, statsforecast's ``OTM``): the drift is
``(1 - 1/theta) b0`` with ``theta >= 1`` estimated with ``alpha`` instead of fixed at 2 (half the slope).
The one-step errors are the SES errors minus ``c b0 (1 - (1 - alpha)^t) / alpha`` with ``c = 1 - 1/theta``,
linear in ``c``: for each ``alpha`` the best ``c`` in [0, 1] is a closed-form least squares, so the fit
is still one bounded scalar search. ``c = 0`` is SES, ``1/2`` the classic method, ``1`` the whole slope:
on a series that keeps growing the classic method projects half the growth seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .base import Prediction, fixed_and_start, primary, z

#: chi-square(1) 90% point: statsmodels' seasonality test threshold
_SEASONAL_STAT = 2.705543454095404


def _acf(y: np.ndarray, nlags: int) -> np.ndarray:
    d = y - y.mean()
    n = len(d)
    f = np.fft.rfft(d, n=2 ** int(np.ceil(np.log2(2 * n - 1))))
    ac = np.fft.irfft(f * np.conjugate(f))[: nlags + 1]
    return ac / ac[0] if ac[0] > 0 else np.zeros(nlags + 1)


def is_seasonal(y: np.ndarray, m: int) -> bool:
    rho = _acf(y, m)
    denom = float(np.sum(rho[:-1] ** 2))
    return denom > 0 and len(y) * rho[-1] ** 2 / denom > _SEASONAL_STAT


def seasonal_index(y: np.ndarray, m: int) -> np.ndarray:
    """Classical multiplicative decomposition's seasonal index: ``index[t % m]`` multiplies point ``t``."""
    w = np.r_[0.5, np.ones(m - 1), 0.5] / m if m % 2 == 0 else np.ones(m) / m
    trend = np.convolve(y, w, mode="valid")
    off = (len(w) - 1) // 2
    ratio = y[off : off + len(trend)] / trend
    pos = (np.arange(len(trend)) + off) % m
    idx = np.bincount(pos, weights=ratio, minlength=m) / np.maximum(np.bincount(pos, minlength=m), 1)
    return idx / idx.mean()


def _ses_errors(y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """One-step errors of SES with the level started at y[0], and the final level."""
    from scipy.signal import lfilter

    level, _ = lfilter([alpha], [1.0, alpha - 1.0], y[1:], zi=[(1.0 - alpha) * y[0]])
    before = np.r_[y[0], level[:-1]]
    return y[1:] - before, float(level[-1]) if len(level) else float(y[0])


def _fit_alpha(y: np.ndarray) -> float:
    from scipy.optimize import minimize_scalar

    res = minimize_scalar(
        lambda a: float(np.sum(_ses_errors(y, a)[0] ** 2)), bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-6}
    )
    return float(res.x)


def _drift_gain(alpha: float, t: Any) -> Any:
    """``(1 - (1 - alpha)^t) / alpha``: how much of the slope a one-step forecast after ``t`` points adds."""
    return (1.0 - (1.0 - alpha) ** t) / alpha


def _fit_alpha_and_c(y: np.ndarray, b0: float) -> tuple[float, float]:
    """``alpha`` by a bounded search on the one-step squared errors, ``c`` in [0, 1] profiled out."""
    from scipy.optimize import minimize_scalar

    t = np.arange(1, len(y), dtype="float64")

    def best_c(a: float) -> tuple[float, float]:
        r, _ = _ses_errors(y, a)
        g = b0 * _drift_gain(a, t)
        gg = float(g @ g)
        c = min(max(float(r @ g) / gg, 0.0), 1.0) if gg > 0 else 0.0
        e = r - c * g
        return float(e @ e), c

    res = minimize_scalar(lambda a: best_c(a)[0], bounds=(1e-3, 1.0), method="bounded", options={"xatol": 1e-6})
    alpha = float(res.x)
    return alpha, best_c(alpha)[1]


@dataclass(frozen=True)
class Theta:
    """The Theta method (see the module); ``params`` = (alpha, c) to re-filter without re-estimating.
    ``optimize``: estimate ``c = 1 - 1/theta`` too (``theta_opt``), else ``c = 1/2``."""

    alias: str = "theta"
    optimize: bool = False

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        m = primary(periods)
        return len(y) >= max(8, 2 * m + 2) and m <= 400

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
        y = np.asarray(y, dtype="float64")
        n, m = len(y), primary(periods)
        season = np.ones(h)
        adj = y
        if m > 1 and bool(np.all(y > 0)) and is_seasonal(y, m):
            idx = seasonal_index(y, m)
            adj = y / idx[np.arange(n) % m]
            season = idx[(n + np.arange(h)) % m]
        t = np.arange(n, dtype="float64")
        b0 = float(np.polyfit(t, adj, 1)[0])
        fixed, _ = fixed_and_start(params)  # a start is not needed: one bounded scalar search is cheap
        if fixed is not None:
            alpha, c = float(fixed[0]), float(fixed[1])
        elif self.optimize:
            alpha, c = _fit_alpha_and_c(adj, b0)
        else:
            alpha, c = _fit_alpha(adj), 0.5
        alpha = min(max(alpha, 1e-6), 1.0)
        errors, level = _ses_errors(adj, alpha)
        steps = np.arange(h, dtype="float64")
        drift = c * b0 * (steps + _drift_gain(alpha, n))
        mean = (level + drift) * season
        errors = errors - c * b0 * _drift_gain(alpha, np.arange(1, n, dtype="float64"))  # the method's own
        sigma2 = float(np.mean(errors**2)) if len(errors) else 0.0
        sd = np.sqrt(sigma2 * (1 + steps * alpha**2)) * season
        lo = {lv: mean - z(lv) * sd for lv in levels}
        hi = {lv: mean + z(lv) * sd for lv in levels}
        return Prediction(mean, lo, hi, np.array([alpha, c]))
