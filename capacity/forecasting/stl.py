"""STL and MSTL without robustness weights, in numpy: the numbers statsmodels' ``STL``/``MSTL`` give.

Cleveland et al. (1990) as statsmodels implements it (``statsmodels/tsa/stl/_stl.pyx``, a port of the
Fortran behind R's ``stl``), inner loop only (``robust=False``: five passes): cycle-subseries loess,
low-pass filter (three moving averages and a loess), seasonal = smoothed cycles minus low pass, and a
trend loess of the deseasonalised series. Every loess here has fixed tricube weights (no robustness
weights), so each is a fixed linear map of its input: the windows and weights are worked out once per
(length, window, degree, jump) and applied to every pass, every cycle position and every period at once
as one gather-and-sum, with statsmodels' edge rules kept (windows slid to the ends, evaluation every
``jump`` points with linear interpolation between, the last point evaluated with the last window, the
extrapolated ends of each cycle-subseries). statsmodels runs the same arithmetic one point at a time in
a Python-called loop per subseries; this is several times faster on the series the forecasts see, and
equal to it within floating-point rounding (tested).
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T", bound=Callable[..., Any])

#: the plans (window starts and weights) kept for reuse across calls, by size: a two-year hourly series'
#: weekly trend loess alone is 10 MB, and a backtest asks for a few lengths per series. On that series
#: the forecast's peak memory is 278 MB (211 MB with statsmodels' STL, 4x slower)
CACHE_BYTES = 32 << 20


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, tuple):
        return sum(_nbytes(v) for v in value)
    return 0


def _cached(fn: T) -> T:
    """Memoise ``fn`` on its (hashable) arguments, least recently used first out past ``CACHE_BYTES``."""
    store: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
    lock = threading.Lock()
    used = [0]

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        with lock:
            if args in store:
                store.move_to_end(args)
                return store[args]
        value = fn(*args)
        with lock:
            if args not in store:
                store[args] = value
                used[0] += _nbytes(value)
                while used[0] > CACHE_BYTES and len(store) > 1:
                    used[0] -= _nbytes(store.popitem(last=False)[1])
        return value

    wrapper.held = lambda: (len(store), used[0])  # type: ignore[attr-defined]  # (entries, bytes)
    return wrapper  # type: ignore[return-value]


def _weights(n: int, width: int, deg: int, xs: tuple[int, ...], left: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """(0-based window starts, weight rows) of the loess at 1-based positions ``xs`` over windows
    ``[left, left + w - 1]`` of ``y[0..n-1]`` (``w = min(width, n)``); a row whose weights are all zero is
    marked by NaN weights.
    Worked out a block of rows at a time: the temporaries stay a few MB on long series."""
    rows = max(1, (1 << 18) // min(width, n))
    if len(xs) > rows:
        parts = [_weights(n, width, deg, xs[i : i + rows], left[i : i + rows]) for i in range(0, len(xs), rows)]
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
    w = min(width, n)
    x = np.asarray(xs, dtype="float64")[:, None]
    lo = np.asarray(left, dtype="int64")[:, None]
    j = lo + np.arange(w)[None, :]  # 1-based positions in each window
    h = np.maximum(x - lo, (lo + w - 1) - x)
    if width > n:
        h = h + (width - n) // 2
    r = np.abs(j - x)
    with np.errstate(divide="ignore", invalid="ignore"):
        tri = np.where(r <= 0.001 * h, 1.0, (1.0 - (r / h) ** 3) ** 3)
    wt = np.where(r <= 0.999 * h, tri, 0.0)
    total = wt.sum(axis=1, keepdims=True)
    empty = total[:, 0] <= 0
    wt = wt / np.where(empty[:, None], 1.0, total)
    if deg > 0:
        a = (wt * j).sum(axis=1, keepdims=True)
        c = (wt * (j - a) ** 2).sum(axis=1, keepdims=True)
        fit = (h > 0) & (np.sqrt(c) > 0.001 * (n - 1.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            wt = np.where(fit, wt * ((x - a) / c * (j - a) + 1.0), wt)
    wt[empty] = np.nan
    return lo[:, 0] - 1, wt


@_cached  # a series' passes and periods, and series of the same length, share them
def _plan(n: int, width: int, deg: int, jump: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(0-based evaluation positions, window starts, weight rows, rows without weights) of statsmodels'
    ``_ess`` on ``n`` points; a row without weights takes the point's own value."""
    if n < 2:
        return np.zeros(1, dtype="int64"), np.zeros(1, dtype="int64"), np.ones((1, 1)), np.zeros(1, dtype=bool)
    step = min(jump, n - 1)
    at = list(range(0, n, step))
    if width >= n:
        left = [1] * len(at)
    elif step == 1:
        half = (width + 2) // 2
        left = [min(max(1, i + 1 - half + 1), n - width + 1) if i + 1 > half else 1 for i in at]
    else:
        half = (width + 1) // 2
        left = [1 if i + 1 < half else n - width + 1 if i + 1 >= n - half + 1 else i + 1 - half + 1 for i in at]
    if step > 1 and ((n - 1) // step) * step + 1 != n:  # the last point, with the last window
        at.append(n - 1)
        left.append(left[-1])
    start, wt = _weights(n, width, deg, tuple(i + 1 for i in at), tuple(left))
    empty = np.isnan(wt[:, 0])
    return np.asarray(at, dtype="int64"), start, np.nan_to_num(wt, nan=0.0), empty


def _loess(y: np.ndarray, width: int, deg: int, jump: int) -> np.ndarray:
    """statsmodels' ``_ess`` (no robustness weights) along the last axis of ``y``."""
    n = y.shape[-1]
    at, start, wt, empty = _plan(n, width, deg, jump)
    # the window index is built here: kept in the plan, it doubled the cache of a long series
    fitted = np.einsum("...ij,ij->...i", y[..., start[:, None] + np.arange(wt.shape[1])], wt)
    if empty.any():
        fitted[..., empty] = y[..., at[empty]]
    if len(at) == n:
        return fitted
    rows = fitted.reshape(-1, len(at))  # between evaluated points: linear interpolation
    return np.stack([np.interp(np.arange(n), at, r) for r in rows]).reshape(y.shape)


_Ends = tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@_cached
def _subseries_plan(n: int, period: int, width: int, deg: int) -> tuple[tuple[np.ndarray, np.ndarray, _Ends], ...]:
    """Per subseries length ``k``: positions in ``y`` (one row per cycle position), positions of the ``k + 2``
    smoothed values in the output, and the loess rows extrapolating one cycle before and after."""
    lengths = (n - 1 - np.arange(period)) // period + 1
    groups = []
    for k in sorted(set(lengths.tolist())):
        cols = np.flatnonzero(lengths == k)
        ends = (_weights(k, width, deg, (0,), (1,)), _weights(k, width, deg, (k + 1,), (max(1, k - width + 1),)))
        groups.append((cols[:, None] + period * np.arange(k)[None, :], cols[:, None] + period * np.arange(k + 2), ends))
    return tuple(groups)


def _subseries(y: np.ndarray, period: int, width: int, deg: int, jump: int) -> np.ndarray:
    """Each cycle-subseries smoothed and extended one cycle at each end (statsmodels' ``_ss``): length
    ``n + 2 period``."""
    out = np.empty(len(y) + 2 * period)
    for take, put, (first, last) in _subseries_plan(len(y), period, width, deg):
        sub = y[take]  # one row per cycle position
        smooth = _loess(sub, width, deg, jump)
        before, after = (
            fallback if np.isnan(wt[0, 0]) else sub[:, s[0] : s[0] + wt.shape[1]] @ wt[0][:, None]
            for (s, wt), fallback in ((first, smooth[:, :1]), (last, smooth[:, -1:]))
        )
        out[put] = np.concatenate([before, smooth, after], axis=1)
    return out


def _moving_average(x: np.ndarray, width: int) -> np.ndarray:
    """Means of ``width`` consecutive points, from a running sum of the deviations from the mean (a running
    sum of the raw values loses the small swings of a large level: bytes around 1e12)."""
    centre = float(x.mean())
    c = np.concatenate([[0.0], np.cumsum(x - centre)])
    return (c[width:] - c[:-width]) / width + centre


def stl(
    y: np.ndarray,
    period: int,
    seasonal: int,
    *,
    trend: int | None = None,
    low_pass: int | None = None,
    seasonal_deg: int = 1,
    trend_deg: int = 1,
    low_pass_deg: int = 1,
    seasonal_jump: int = 1,
    trend_jump: int = 1,
    low_pass_jump: int = 1,
    inner_iter: int = 5,
) -> tuple[np.ndarray, np.ndarray]:
    """(seasonal, trend) of ``y``: statsmodels' ``STL(y, period, seasonal, ...).fit()`` with ``robust=False``."""
    y = np.asarray(y, dtype="float64")
    n = len(y)
    if trend is None:
        trend = int(math.ceil(1.5 * period / (1 - 1.5 / seasonal)))
        trend += trend % 2 == 0
    if low_pass is None:
        low_pass = period + 1
        low_pass += low_pass % 2 == 0
    level = np.zeros(n)
    season = np.zeros(n)
    for _ in range(inner_iter):
        cycles = _subseries(y - level, period, seasonal, seasonal_deg, seasonal_jump)
        smoothed = _moving_average(_moving_average(_moving_average(cycles, period), period), 3)
        season = cycles[period : period + n] - _loess(smoothed, low_pass, low_pass_deg, low_pass_jump)
        level = _loess(y - season, trend, trend_deg, trend_jump)
    return season, level


def mstl(
    y: np.ndarray, periods: tuple[int, ...], windows: tuple[int, ...], iterate: int = 2, **stl_kwargs: int
) -> tuple[np.ndarray, np.ndarray]:
    """(seasonals ``n x len(periods)``, trend): statsmodels' ``MSTL(y, periods, windows, stl_kwargs).fit()``
    for periods shorter than half the series (the only ones the forecasts pass)."""
    order = sorted(zip(periods, windows, strict=True))
    seasonals = np.zeros((len(order), len(y)))
    deseasonalised = np.asarray(y, dtype="float64")
    level = np.zeros(len(y))
    for _ in range(1 if len(order) == 1 else iterate):
        for i, (p, w) in enumerate(order):
            deseasonalised = deseasonalised + seasonals[i]
            seasonals[i], level = stl(deseasonalised, p, w, **stl_kwargs)
            deseasonalised = deseasonalised - seasonals[i]
    return seasonals.T, level
