"""Forecasting for capacity planning: baselines, statsmodels models, backtests, planning verdicts.

Pure functions over the canonical frame (no I/O); see pipeline.py for the frame layouts.

``capacity.forecast(frame, "90d")`` is :func:`capacity.forecasting.pipeline.forecast`.
"""

from __future__ import annotations

from .backtest import evaluate
from .freq import CalendarStep
from .peak import peak_load
from .pipeline import auto_forecast, cross_validation, forecast
from .planning import exceed_probability, growth_vs_plan, time_to_threshold
from .published import PUBLISHED, published_cv
from .registry import AUTO as AUTO_MODELS
from .registry import names as model_names
from .rules import load_rules

__all__ = [
    "PUBLISHED",
    "AUTO_MODELS",
    "CalendarStep",
    "auto_forecast",
    "cross_validation",
    "evaluate",
    "exceed_probability",
    "forecast",
    "growth_vs_plan",
    "load_rules",
    "model_names",
    "peak_load",
    "published_cv",
    "time_to_threshold",
]
