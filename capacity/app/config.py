"""The project file, ``capacity.yaml``: what a team sets once, read the same way by every path.

Found as ``--config FILE`` (the CLI), ``config=`` (the API and notebooks), ``$CAPACITY_CONFIG``,
else ``./capacity.yaml``; none of them means the bundled defaults. Paths inside it are relative to
the file. Unknown keys are refused naming the file and the key; credentials never go in it (they
stay in ``CAPACITY_BEARER_TOKEN`` and friends, or files they name).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core import yamlio
from ..core.errors import ConfigError
from ..core.windows import check_tz

__all__ = ["ENV_VAR", "FILE_NAME", "Config", "Limits", "find", "load", "parse_size"]

ENV_VAR = "CAPACITY_CONFIG"
FILE_NAME = "capacity.yaml"
KEYS = (
    "version", "source", "timezone", "catalog", "slos", "planning", "services", "coverage_floor", "cache", "limits",
)  # fmt: skip
CACHE_KEYS = ("max_size",)
#: ``limits:`` settings -> (lowest, highest) accepted; the defaults live in :class:`Limits`
LIMIT_RANGES: dict[str, tuple[float, float]] = {
    "max_points": (1, 10**10),
    "timeout": (0.1, 3600),
    "max_retry_wait": (0, 3600),
}
_SIZE_UNITS = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "m": 1000**2,
    "mb": 1000**2,
    "g": 1000**3,
    "gb": 1000**3,
    "t": 1000**4,
    "tb": 1000**4,
    "kib": 1024,
    "mib": 1024**2,
    "gib": 1024**3,
    "tib": 1024**4,
}


@dataclass(frozen=True)
class Limits:
    """Bounds on one command's work, checked before it starts (``limits:`` in capacity.yaml)."""

    #: points one series may hold in one pull (start..end at the step), for any source
    max_points: int = 10_000_000
    #: seconds one read from a server may take; a whole answer gets 4 x timeout (plain http)
    timeout: float = 30.0
    #: the longest Retry-After (seconds) a server may ask for before the pull gives up instead
    max_retry_wait: float = 30.0


@dataclass(frozen=True)
class Config:
    """A validated ``capacity.yaml``; every field None/empty when the file does not set it."""

    path: Path | None = None
    source: str | None = None
    timezone: str | None = None
    #: catalog entries to override or add (the catalog's ``metrics:`` shape)
    catalog: Mapping[str, Any] = field(default_factory=dict)
    #: the SLO spec: a path (capacity/v1 or OpenSLO), or an inline capacity/v1 document
    slos: Path | Mapping[str, Any] | None = None
    #: the planning rules: a path, or an inline document of the planning rules' shape
    planning: Path | Mapping[str, Any] | None = None
    #: the services whose headroom is measured: a path, or an inline ``{name: {...}}`` mapping
    services: Path | Mapping[str, Any] | None = None
    coverage_floor: float | None = None
    #: the pull cache's size limit in bytes (``cache: {max_size: 500MiB}``)
    cache_max_size: int | None = None
    limits: Limits = field(default_factory=Limits)


def find(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The config file in effect: ``explicit``, ``$CAPACITY_CONFIG``, else ``./capacity.yaml`` if it exists."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        return Path(env)
    here = Path.cwd() / FILE_NAME
    return here if here.is_file() else None


def parse_size(value: str | int | float, *, field: str = "max_size") -> int:
    """Bytes from ``500MiB``, ``2GiB``, ``1.5GB``, ``10M`` or a number of bytes; ``0`` keeps nothing.

    Raises ValueError naming ``field`` (callers turn it into their own error)."""
    if isinstance(value, bool):
        raise ValueError(f"{field}: expected a size like 500MiB or 2GiB, got {value!r}")
    if isinstance(value, (int, float)):
        if not value >= 0 or value == float("inf"):
            raise ValueError(f"{field}: a size must be a non-negative number of bytes, got {value!r}")
        return int(value)
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(value))
    unit = m.group(2).lower() if m else ""
    if m is None or unit not in _SIZE_UNITS:
        raise ValueError(f"{field}: expected a size like 500MiB, 2GiB or 1GB, got {value!r}")
    return int(float(m.group(1)) * _SIZE_UNITS[unit])


def _err(path: Path, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{path}: {key}: {problem}", file=str(path), field=key)


def _doc_or_path(path: Path, key: str, value: Any) -> Path | Mapping[str, Any] | None:
    if value is None or isinstance(value, Mapping):
        return value
    if isinstance(value, str) and value.strip():
        return (path.parent / value).resolve() if not Path(value).is_absolute() else Path(value)
    raise _err(path, key, f"expected a file path or a mapping, got {type(value).__name__}")


def _cache_max_size(path: Path, value: Any) -> int | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _err(path, "cache", f"expected a mapping like {{max_size: 500MiB}}, got {type(value).__name__}")
    unknown = [str(k) for k in value if k not in CACHE_KEYS]
    if unknown:
        raise _err(path, f"cache.{unknown[0]}", f"unknown setting (known: {', '.join(CACHE_KEYS)})")
    if value.get("max_size") is None:
        return None
    try:
        return parse_size(value["max_size"], field="cache.max_size")
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}", file=str(path), field="cache.max_size") from exc


def parse_limits(value: Any, *, where: str = "limits", base: Limits | None = None) -> Limits:
    """``value`` (a mapping of :data:`LIMIT_RANGES` names to numbers) over ``base``; ValueError naming
    ``where.NAME`` otherwise."""
    out = base or Limits()
    if value is None:
        return out
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: expected a mapping like {{max_points: 20000000}}, got {type(value).__name__}")
    changes: dict[str, Any] = {}
    for key, v in value.items():
        if key not in LIMIT_RANGES:
            raise ValueError(f"{where}.{key}: unknown limit (known: {', '.join(LIMIT_RANGES)})")
        lo, hi = LIMIT_RANGES[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
            raise ValueError(f"{where}.{key}: expected a number from {lo:g} to {hi:g}, got {_short(v)}")
        changes[key] = int(v) if key == "max_points" else float(v)
    return replace(out, **changes)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load(path: str | os.PathLike[str]) -> Config:
    """Read and validate the config file at ``path``."""
    p = Path(path)
    doc = yamlio.read(p, what="capacity config")
    if doc is None:
        return Config(path=p)
    if not isinstance(doc, Mapping):
        raise ConfigError(f"{p}: expected a mapping of settings at the top level", file=str(p))
    unknown = [str(k) for k in doc if k not in KEYS]
    if unknown:
        raise _err(p, unknown[0], f"unknown setting (known: {', '.join(KEYS)})")
    if doc.get("version", 1) != 1:
        raise _err(p, "version", f"unsupported version {doc.get('version')!r} (expected 1)")
    source = doc.get("source")
    if source is not None and (not isinstance(source, str) or not source.strip()):
        raise _err(p, "source", "expected 'sample', an http(s):// URL or a file path")
    if isinstance(source, str) and "://" not in source and source != "sample":
        source = str((p.parent / source).resolve()) if not Path(source).is_absolute() else source
    tz = doc.get("timezone")
    if tz is not None:
        check_tz(str(tz), field=f"{p}: timezone")
    catalog = doc.get("catalog") or {}
    if not isinstance(catalog, Mapping):
        raise _err(p, "catalog", f"expected a mapping of metric name to entry, got {type(catalog).__name__}")
    floor = doc.get("coverage_floor")
    if floor is not None and (isinstance(floor, bool) or not isinstance(floor, (int, float)) or not 0 <= floor <= 1):
        raise _err(p, "coverage_floor", f"expected a share between 0 and 1 (0.5 = half the window), got {floor!r}")
    return Config(
        path=p,
        source=source.strip() if isinstance(source, str) else None,
        timezone=str(tz) if tz is not None else None,
        catalog=dict(catalog),
        slos=_doc_or_path(p, "slos", doc.get("slos")),
        planning=_doc_or_path(p, "planning", doc.get("planning")),
        services=_doc_or_path(p, "services", doc.get("services")),
        coverage_floor=float(floor) if floor is not None else None,
        cache_max_size=_cache_max_size(p, doc.get("cache")),
        limits=_limits(p, doc.get("limits")),
    )


def _limits(path: Path, value: Any) -> Limits:
    try:
        return parse_limits(value)
    except ValueError as exc:
        key = str(exc).split(":", 1)[0]
        raise ConfigError(f"{path}: {exc}", file=str(path), field=key) from None
