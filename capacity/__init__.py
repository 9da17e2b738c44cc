"""capacity: capacity planning and SLO analytics for Prometheus-monitored platforms.

The public surface is re-exported here and pinned by ``tests/unit/test_public_api.py``.
"""

from __future__ import annotations

from . import app, slo
from ._version import __version__
from .api import alert_replay, headroom, history, pull, slo_compliance
from .app.frames import auto_forecast, cross_validation, forecast, growth_vs_plan, peak_load, time_to_threshold
from .core import errors, frame
from .core.errors import (
    CapacityError,
    ConfigError,
    DataError,
    FileFormatError,
    FrameError,
    QueryError,
    SourceError,
    UnknownMetricError,
)
from .forecasting import evaluate
from .metrics.catalog import Metric, catalog
from .slo import default_spec, load_spec
from .sources import resolve as source

__all__ = [
    "__version__",
    "CapacityError",
    "ConfigError",
    "DataError",
    "FileFormatError",
    "FrameError",
    "QueryError",
    "SourceError",
    "UnknownMetricError",
    "Metric",
    "catalog",
    "errors",
    "frame",
    "pull",
    "history",
    "app",
    "slo_compliance",
    "alert_replay",
    "headroom",
    "source",
    "slo",
    "default_spec",
    "load_spec",
    "forecast",
    "auto_forecast",
    "cross_validation",
    "evaluate",
    "growth_vs_plan",
    "time_to_threshold",
    "peak_load",
]
