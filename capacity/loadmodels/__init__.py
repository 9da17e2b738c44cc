"""Load models for headroom (``capacity.headroom()`` is the use case): how much load a service can take
before its latency SLO or its CPU range breaks, and when the forecast traffic gets there. Pure: arrays
and frames in, fitted models and rows out.

``spec`` (which series, which limits) -> ``quantile`` (histogram buckets to a latency quantile) ->
``latency``, ``cpu``, ``usl`` (the load models) -> ``compute`` (fit a service) -> ``answers`` (rows).
"""

from __future__ import annotations

from .answers import COLUMNS, WhatIf
from .compute import Fitted, Limit, Series, fit_service
from .spec import Objective, Service, default_services, load_services, parse_services

__all__ = [
    "COLUMNS",
    "Fitted",
    "Limit",
    "Objective",
    "Series",
    "Service",
    "WhatIf",
    "default_services",
    "fit_service",
    "load_services",
    "parse_services",
]
