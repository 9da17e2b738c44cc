"""Forecasting for capacity planning: baselines, statsmodels models, backtests, planning verdicts.

Pure functions over the canonical frame (no I/O); see pipeline.py for the frame layouts.

``capacity.forecast`` is both this package and callable: ``capacity.forecast(frame, "90d")`` is
:func:`capacity.forecast.pipeline.forecast`, so the analyst-facing name and the package coincide.
"""
from __future__ import annotations

import sys
import types
from typing import Any

from .backtest import evaluate
from .peak import peak_load
from .pipeline import auto_forecast, cross_validation, forecast
from .planning import exceed_probability, growth_vs_plan, time_to_threshold
from .registry import AUTO as AUTO_MODELS
from .registry import names as model_names
from .rules import load_rules

__all__ = [
    "AUTO_MODELS", "auto_forecast", "cross_validation", "evaluate", "exceed_probability", "forecast",
    "growth_vs_plan", "load_rules", "model_names", "peak_load", "time_to_threshold",
]


class _CallablePackage(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return forecast(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
