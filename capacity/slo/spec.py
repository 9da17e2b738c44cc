"""Compatibility names for callers of ``capacity.slo.spec``, kept while they move.

The model lives in :mod:`.model`, the loaders in :mod:`.loader` (one
:func:`~.loader.load` for every format), :mod:`.load_v1` and :mod:`.load_openslo`.
"""

from __future__ import annotations

from .load_v1 import API_VERSION, parse_spec
from .loader import default_spec, load, load_spec
from .model import OPS, PRIORITIES, SLI, SLI_KINDS, SLO, AlertRule, Query, Spec

__all__ = [
    "API_VERSION",
    "OPS",
    "PRIORITIES",
    "SLI_KINDS",
    "SLI",
    "SLO",
    "AlertRule",
    "Query",
    "Spec",
    "default_spec",
    "load",
    "load_spec",
    "parse_spec",
]
