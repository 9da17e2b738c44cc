"""Forecasting for capacity planning: baselines, statsmodels models, backtests, planning verdicts.

Pure functions over the canonical frame (no I/O). See pipeline.py for the frame layouts.
"""
from __future__ import annotations

from .backtest import evaluate
from .pipeline import auto_forecast, cross_validation, forecast
from .registry import names as model_names

__all__ = ["auto_forecast", "cross_validation", "evaluate", "forecast", "model_names"]
