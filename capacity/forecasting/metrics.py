"""Accuracy and calibration metrics on arrays (all pure numpy).

MASE      mean |error| / scale, scale = in-sample MAE of the seasonal naive forecast on the training
          window (Hyndman & Koehler 2006); < 1 beats seasonal naive's in-sample one-step error.
sMAPE     mean 200 |y - f| / (|y| + |f|), in percent (0/0 counts as 0).
coverage  share of actuals inside the interval.
Winkler   interval score (Gneiting & Raftery 2007): width + (2/alpha) * distance outside the interval.
"""

from __future__ import annotations

import numpy as np


def mase_scale(y: np.ndarray, m: int) -> float:
    """In-sample MAE of the seasonal naive (lag ``m``; naive when the series is shorter than 2m)."""
    lag = m if len(y) > m else 1
    d = np.abs(y[lag:] - y[:-lag])
    scale = float(np.mean(d)) if len(d) else np.nan
    return scale if scale > 0 else np.nan


def smape(y: np.ndarray, f: np.ndarray) -> np.ndarray:
    denom = np.abs(y) + np.abs(f)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(denom == 0, 0.0, 200.0 * np.abs(y - f) / denom)
    return out


def covered(y: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    return ((y >= lo) & (y <= hi)).astype("float64")


def winkler(y: np.ndarray, lo: np.ndarray, hi: np.ndarray, level: int) -> np.ndarray:
    alpha = 1 - level / 100
    below = np.maximum(lo - y, 0.0)
    above = np.maximum(y - hi, 0.0)
    return (hi - lo) + (2.0 / alpha) * (below + above)
