"""Whether a history shows the season its step suggests: an F test of the detrended seasonal means.

The step proposes the periods (freq.seasonal_periods: 12 for months, 24 and 168 for hours, ...); a
period ``m`` is modelled only when the history, detrended by a centred moving average over one period
(2 x m for even m, as classical decomposition does), has means per position in the cycle that differ by
more than its spread around them would explain: the one-way analysis-of-variance F statistic, between
the ``m`` positions against within them, has a p-value under ``ALPHA``. Detrending first keeps a trend
or a long cycle from passing for a season. Histories under three periods keep the season (too short to
tell).

Why not the classical autocorrelation test (``|r_m|`` beyond ``1.645 * sqrt((1 + 2 * sum_{k<m} r_k^2) / n)``,
the M4 benchmarks' test): its limit grows with the very seasonality it tests, and a sine with four or
fewer cycles of history fails it even at noise a tenth of its amplitude (periods 12, 24 and 288). The F
test keeps three cycles of each at that noise (p < 1e-8), and of period 288 at noise equal to the
amplitude.

On the panel of benchmarks/bench_accuracy it drops the yearly season of monthly sunspots (p 0.95: an
11-year cycle, no yearly one) and of seasonally adjusted quarterly GDP (p 0.3), and the daily season of
5-minute series without one; every monthly, quarterly, weekly and daily business series keeps its own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: the largest p-value of the F test at which a season is kept
ALPHA = 0.01


@dataclass(frozen=True)
class SeasonTest:
    period: int
    seasonal: bool
    f: float  # the F statistic of the detrended history's seasonal means (NaN: not tested)
    p_value: float

    def why_not(self) -> str:
        """Why the period is not modelled, for a forecast's note."""
        return (
            f"no season of {self.period} steps in the history (its detrended means per step of the cycle differ "
            f"no more than noise: F {self.f:.2f}, p {self.p_value:.2g}); seasonal models not tried"
        )


def detrended(y: np.ndarray, m: int) -> np.ndarray:
    """``y`` minus its centred moving average over ``m`` points (2 x m for even m), ends dropped."""
    y = np.asarray(y, dtype="float64")
    k = m + 1 if m % 2 == 0 else m
    csum = np.concatenate([[0.0], np.cumsum(y)])
    window = csum[k:] - csum[:-k]  # sums of k consecutive points: O(n) for the long periods of sub-daily data
    if m % 2 == 0:
        window = window - 0.5 * (y[: len(y) - k + 1] + y[k - 1 :])
    half = (k - 1) // 2
    return y[half : len(y) - half] - window / m


def season_test(y: np.ndarray, m: int) -> SeasonTest:
    """The test of period ``m`` on the history ``y`` (see the module)."""
    from scipy.special import fdtrc

    if len(y) < 3 * m:
        return SeasonTest(m, True, np.nan, np.nan)
    x = detrended(y, m)
    position = np.arange(len(x)) % m
    count = np.bincount(position, minlength=m)
    means = np.bincount(position, x, minlength=m) / count
    within = float(np.sum((x - means[position]) ** 2))
    between = float(np.sum(count * (means - x.mean()) ** 2))
    df_within = len(x) - m
    if within <= 0:  # a noiseless history: seasonal exactly when its means differ
        return SeasonTest(m, between > 0, np.inf if between > 0 else np.nan, 0.0 if between > 0 else 1.0)
    f = (between / (m - 1)) / (within / df_within)
    p = float(fdtrc(m - 1, df_within, f))
    return SeasonTest(m, p < ALPHA, f, p)
