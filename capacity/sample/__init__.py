"""The bundled history: a deterministic generator of the runbook's platform, its incidents,
an on-disk store, and an evaluator of the catalog's PromQL over it (source "sample").

Importing this package is cheap: it registers the ``sample`` source, and the
generator and evaluator are imported when the source is first opened.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..sources.registry import register

if TYPE_CHECKING:
    from .source import SampleSource

__all__ = ["SampleSource"]


def _open(text: str, **options: Any) -> SampleSource:
    """The ``sample`` source (``text`` is the name it was asked by); ``options`` go to SampleSource."""
    from .source import SampleSource

    return SampleSource(**options)


def __getattr__(name: str) -> Any:
    if name == "SampleSource":
        from .source import SampleSource

        return SampleSource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


register(_open, kind="sample", names=("sample",))
