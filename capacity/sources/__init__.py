"""Sources of series: ``resolve("sample" | URL | path)`` gives the right one.

Which string means which source is decided in :mod:`capacity.sources.registry`
(``kind`` says it without opening anything); what a source offers is the
:class:`~capacity.sources.base.Source` protocol and its optional capabilities
(:func:`series_of`, :func:`fetch_all`).
"""

from __future__ import annotations

from .base import FetchesMany, ListsSeries, Progress, Pulled, Request, Source, fetch_all, series_of
from .registry import Kind, kind, register, resolve

__all__ = [
    "FetchesMany",
    "Kind",
    "ListsSeries",
    "Progress",
    "Pulled",
    "Request",
    "Source",
    "fetch_all",
    "kind",
    "register",
    "resolve",
    "series_of",
]
