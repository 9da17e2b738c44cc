"""Sources of series: ``resolve("sample" | URL | path)`` gives the right one."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..core.errors import ConfigError
from .base import Progress, Pulled, Request, Source, fetch_all

__all__ = ["Progress", "Pulled", "Request", "Source", "fetch_all", "resolve"]


def resolve(spec: "str | os.PathLike[str] | Source" = "sample", **options: Any) -> Source:
    """Turn ``"sample"``, an ``http(s)://`` URL or a file path into a Source.

    ``options`` go to the source's constructor (for example ``cache=False`` or
    ``tz="Europe/Paris"``). A ready Source is returned as it is.
    """
    if not isinstance(spec, (str, os.PathLike)):
        if isinstance(spec, Source):
            return spec
        raise ConfigError(f"source: expected 'sample', a URL or a file path, got {type(spec).__name__}", field="source")
    text = os.fspath(spec)
    if text == "sample":
        from ..sample.source import SampleSource

        return SampleSource(**options)
    if text.startswith(("http://", "https://")):
        from .prometheus.source import PrometheusSource

        return PrometheusSource(text, **options)
    if "://" in text:
        raise ConfigError(f"source: unsupported URL scheme in {text!r} (use http:// or https://)", field="source")
    path = Path(text)
    if not path.exists():
        raise ConfigError(
            f"source: {text!r} is not 'sample', an http(s):// URL, or an existing file", field="source", file=text
        )
    from .files import FileSource

    return FileSource(path, **options)
