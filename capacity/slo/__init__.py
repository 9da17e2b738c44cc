"""The SLO engine: specs, SLIs, windows, budgets, burn rates, alert replay, rule generation.

Pure functions over canonical frames (no I/O except reading spec files).
"""

from __future__ import annotations

from ..core.windows import Window, calendar_windows, month, quarter, rolling
from .alerts import summarize as alert_summary
from .budget import COMPLIANCE_COLUMNS
from .burnrate import BurnRateTable, BurnRateWindow, default_burn_rates, load_burn_rates
from .engine import (
    Evaluation,
    burn_rate_series,
    compliance,
    data_range,
    evaluate,
    replay_alerts,
    replay_burn_alerts,
    warmup,
)
from .load_v1 import parse_spec
from .loader import default_spec, load, load_spec
from .model import SLI, SLO, AlertRule, Query, Spec
from .rules import generate as generate_rules
from .rules import to_yaml as rules_yaml

__all__ = [
    "COMPLIANCE_COLUMNS",
    "AlertRule",
    "Evaluation",
    "evaluate",
    "BurnRateTable",
    "BurnRateWindow",
    "Query",
    "SLI",
    "SLO",
    "Spec",
    "Window",
    "alert_summary",
    "burn_rate_series",
    "calendar_windows",
    "compliance",
    "data_range",
    "default_burn_rates",
    "default_spec",
    "generate_rules",
    "load",
    "load_burn_rates",
    "load_spec",
    "month",
    "parse_spec",
    "quarter",
    "replay_alerts",
    "replay_burn_alerts",
    "rolling",
    "rules_yaml",
    "warmup",
]
