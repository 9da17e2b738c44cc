"""The pull cache as a use case: what it holds, pruning it to a size, clearing it.

The cache is the Prometheus source's (:mod:`capacity.sources.prometheus.cache`): one Arrow IPC
file per (server, query, step grid) under ``$CAPACITY_CACHE_DIR`` or ``~/.cache/capacity/pulls``.
Its size limit is the project's ``cache: {max_size: ...}``, else
:data:`~capacity.sources.prometheus.cache.DEFAULT_MAX_SIZE`; pulls keep it after every store,
:func:`prune` does it on demand. Results are data (one-row tables); nothing is printed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..core.errors import ConfigError
from ..sources.prometheus.cache import DEFAULT_MAX_SIZE, Pruned, PullCache, default_dir
from .config import parse_size
from .project import Project
from .project import resolve as resolve_project

__all__ = ["CacheInfo", "PruneResult", "clear", "format_size", "info", "limit", "prune"]

DirLike = str | os.PathLike[str] | None


@dataclass(frozen=True)
class CacheInfo:
    """What the cache directory holds: files, bytes, the limit, and when files were last used."""

    directory: Path
    files: int
    size: int
    max_size: int
    oldest: pd.Timestamp | None
    newest: pd.Timestamp | None

    def table(self) -> pd.DataFrame:
        """One row: directory, files, size, max_size (bytes), oldest and newest use (UTC)."""

        def when(t: pd.Timestamp | None) -> pd.Series:
            return pd.Series([t if t is not None else pd.NaT], dtype="datetime64[ns, UTC]")

        return pd.DataFrame(
            {
                "directory": [str(self.directory)],
                "files": [self.files],
                "size": [self.size],
                "max_size": [self.max_size],
                "oldest": when(self.oldest),
                "newest": when(self.newest),
            }
        )


@dataclass(frozen=True)
class PruneResult:
    """What a prune or clear removed and what is left."""

    directory: Path
    removed: int
    freed: int
    files: int
    size: int
    max_size: int | None

    def table(self) -> pd.DataFrame:
        """One row: directory, removed, freed (bytes), files and size left, max_size (None for clear)."""
        return pd.DataFrame(
            {
                "directory": [str(self.directory)],
                "removed": [self.removed],
                "freed": [self.freed],
                "files": [self.files],
                "size": [self.size],
                "max_size": [self.max_size],
            }
        )


def format_size(n: int) -> str:
    """``1.5 GiB``, ``500 MiB``, ``12 KiB``, ``10 B``: binary units, at most one decimal."""
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(size) < 1024:
            return f"{int(size)} {unit}" if unit == "B" or size == int(size) else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


def _cache(directory: DirLike, max_size: int | None = None) -> PullCache:
    return PullCache(Path(directory) if directory is not None else default_dir(), max_size=max_size)


def limit(max_size: str | int | None = None, *, project: Project | None = None, field: str = "max_size") -> int:
    """The size limit in bytes: ``max_size`` (``500MiB``, ``2GiB``, bytes), else the project's
    ``cache: {max_size: ...}``, else :data:`DEFAULT_MAX_SIZE`."""
    if max_size is not None:
        try:
            return parse_size(max_size, field=field)
        except ValueError as exc:
            raise ConfigError(str(exc), field=field.lstrip("-")) from exc
    configured = resolve_project(project).cache_max_size
    return DEFAULT_MAX_SIZE if configured is None else configured


def info(*, directory: DirLike = None, project: Project | None = None) -> CacheInfo:
    """The cache directory, its files and bytes, its limit, and the oldest and newest last use."""
    cache = _cache(directory)
    files = cache.files()
    when = [pd.Timestamp(f.used_ns, tz="UTC").floor("s") for f in files]
    return CacheInfo(
        cache.root,
        len(files),
        sum(f.size for f in files),
        limit(project=project),
        when[0] if when else None,
        when[-1] if when else None,
    )


def _result(cache: PullCache, got: Pruned, max_size: int | None) -> PruneResult:
    return PruneResult(cache.root, got.removed, got.freed, got.kept, got.size, max_size)


def prune(
    max_size: str | int | None = None,
    *,
    directory: DirLike = None,
    project: Project | None = None,
    field: str = "max_size",
) -> PruneResult:
    """Remove the least recently used files until the cache holds at most ``max_size`` (default: the
    limit in effect, :func:`limit`). Files another process is writing right now are skipped."""
    size = limit(max_size, project=project, field=field)
    cache = _cache(directory, size)
    return _result(cache, cache.prune(), size)


def clear(*, directory: DirLike = None) -> PruneResult:
    """Remove every cached pull."""
    cache = _cache(directory)
    return _result(cache, cache.clear_all(), None)
