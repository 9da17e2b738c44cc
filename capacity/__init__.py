"""capacity: capacity planning and SLO analytics for Prometheus-monitored platforms.

The public surface is re-exported here and pinned by ``tests/unit/test_public_api.py``.
"""
from __future__ import annotations

from . import errors, frame
from ._version import __version__
from .api import pull
from .catalog import Metric, catalog
from .errors import (
    CapacityError,
    ConfigError,
    DataError,
    FileFormatError,
    FrameError,
    QueryError,
    SourceError,
    UnknownMetricError,
)
from .sources import resolve as source
from . import slo
from .slo import default_spec, load_spec

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
    "source",
    "slo",
    "default_spec",
    "load_spec",
]
