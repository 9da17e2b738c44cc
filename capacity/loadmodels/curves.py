"""The frames a latency-vs-load chart draws, from a fitted service. Pure.

Rates are for the whole service at today's replicas (per-replica rate x replicas), so the chart's
axis reads like the request-rate panels and the forecast."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .compute import LEVEL, Fitted

__all__ = ["curve", "observed"]


def curve(f: Fitted, upto: float, points: int = 200) -> pd.DataFrame:
    """``rate, latency, lo, hi``: the fitted quantile and its 80% band from 0 to ``upto`` req/s (or
    to just under saturation, whichever is lower); empty without a latency fit."""
    fit = f.latency_fit
    if fit is None or not math.isfinite(f.replicas) or f.replicas <= 0:
        return pd.DataFrame(columns=["rate", "latency", "lo", "hi"])
    top = min(upto / f.replicas, 0.985 * fit.capacity)
    x = np.linspace(0.0, top, points)
    lo, hi = fit.band(x, LEVEL)
    return pd.DataFrame({"rate": x * f.replicas, "latency": fit.predict(x), "lo": lo, "hi": hi})


def observed(f: Fitted) -> pd.DataFrame:
    """``rate, latency``: the binned medians the curve was fitted on."""
    fit = f.latency_fit
    if fit is None:
        return pd.DataFrame(columns=["rate", "latency"])
    return pd.DataFrame({"rate": fit.points.x * f.replicas, "latency": fit.points.y})
