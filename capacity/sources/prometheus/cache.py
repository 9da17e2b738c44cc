"""On-disk cache of pulled ranges: one Arrow IPC file (Feather v2, uncompressed:
a warm pull is a plain read, no decoding) per (server, query, step grid).

The file name is a hash of the key; the key itself, the covered intervals, the
series labels and row counts live in the file's metadata, next to the samples,
so data and coverage can never disagree. ``pd.read_feather`` opens one. Writes are atomic (temporary file, fsync,
``os.replace``) under a per-key lock: a crash or a killed server leaves the
previous file whole. Location: ``cache_dir``, else ``$CAPACITY_CACHE_DIR``,
else ``~/.cache/capacity/pulls``. Keys hold no credentials: the server is its
public URL (no user info, no query string) plus tenant header values.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import logging
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ...core import frame as _frame
from ._chunks import Interval, merge
from ._matrix import merge_frames, ns_of

__all__ = ["CacheKey", "CacheEntry", "PullCache", "default_dir"]

_LOG = logging.getLogger(__name__)
# one background writer per process; every PullCache waits for pending writes of a file it reads
_WRITER: ThreadPoolExecutor | None = None
_PENDING: dict[str, Future[None]] = {}
_GUARD = threading.Lock()
_META = b"capacity.cache"
_VERSION = 2  # 1: Parquet (read as a miss, then replaced)


def default_dir() -> Path:
    """``$CAPACITY_CACHE_DIR`` or ``~/.cache/capacity/pulls`` (read when called)."""
    env = os.environ.get("CAPACITY_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "capacity" / "pulls"


@dataclass(frozen=True)
class CacheKey:
    server: str  # public URL: no credentials, no query string
    query: str
    step_ns: int
    phase_ns: int  # grid position inside one step: start % step
    tenant: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The key as the file's metadata holds it (a fresh dict)."""
        return {
            "server": self.server,
            "query": self.query,
            "step_ns": self.step_ns,
            "phase_ns": self.phase_ns,
            "tenant": self.tenant,
        }

    def digest(self) -> str:
        return _digest(self)


@functools.lru_cache(maxsize=4096)
def _digest(key: CacheKey) -> str:
    text = json.dumps(key.as_dict(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class CacheEntry:
    frame: pd.DataFrame  # canonical frame keyed by raw series id
    labels: dict[str, dict[str, str]]  # raw series id -> labels (with __name__)
    covered: list[Interval]


def _copy_on_write() -> bool:
    """Whether pandas copies before it writes (always from 3.0; in 2.x when ``mode.copy_on_write`` is on):
    then frames can hold the mapped, read-only arrays of a cache file."""
    if int(pd.__version__.split(".")[0]) >= 3:
        return True
    return pd.get_option("mode.copy_on_write") is True


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def _dump(table: pa.Table, fh: Any) -> None:
    """One record batch, uncompressed: what a warm pull reads back without decoding."""
    with pa.ipc.new_file(fh, table.schema) as writer:
        writer.write_table(table, max_chunksize=max(1, table.num_rows))


def _clip(intervals: list[Interval], lo: int, hi: int) -> list[Interval]:
    return [(max(a, lo), min(b, hi)) for a, b in intervals if b >= lo and a <= hi]


def _inside(ds: np.ndarray, intervals: list[Interval]) -> np.ndarray:
    mask = np.zeros(len(ds), dtype=bool)
    for a, b in intervals:
        mask |= (ds >= a) & (ds <= b)
    return mask


class PullCache:
    """Read and extend cached pulls; every method is safe against concurrent writers."""

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_dir()

    def store_later(self, key: CacheKey, *args: Any, **kwargs: Any) -> None:
        """:meth:`store` in a background writer (one at a time, in order); reads of
        ``key`` in this cache wait for it. A failed write is logged, never raised:
        the pull it belongs to has already succeeded."""
        global _WRITER
        with _GUARD:
            if _WRITER is None:
                _WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="capacity-cache")
            _PENDING[str(self.path(key))] = _WRITER.submit(self._store_logged, key, *args, **kwargs)

    def _store_logged(self, key: CacheKey, *args: Any, **kwargs: Any) -> None:
        try:
            self.store(key, *args, **kwargs)
        except Exception as exc:  # the data was delivered; only the cache copy is missing
            _LOG.warning("capacity cache: could not write %s: %s", self.path(key), exc)

    def _wait(self, key: CacheKey) -> None:
        if threading.current_thread().name.startswith("capacity-cache"):
            return  # the writer itself
        fut = _PENDING.get(str(self.path(key)))
        if fut is not None:
            fut.result()

    def flush(self) -> None:
        """Wait for this process' background cache writes."""
        for path, fut in list(_PENDING.items()):
            fut.result()
            with _GUARD:
                if _PENDING.get(path) is fut:
                    del _PENDING[path]

    def path(self, key: CacheKey) -> Path:
        return self.root / f"{key.digest()}.arrow"

    @contextlib.contextmanager
    def _lock(self, key: CacheKey) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / f"{key.digest()}.lock", "a+b") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _meta(self, path: Path) -> dict | None:
        try:
            with pa.OSFile(str(path), "rb") as fh:
                doc = json.loads((pa.ipc.open_file(fh).schema.metadata or {})[_META])
        except (OSError, KeyError, ValueError, pa.ArrowException):
            return None  # missing or unreadable: a miss, rewritten on the next store
        return doc if doc.get("version") == _VERSION else None

    def coverage(self, key: CacheKey) -> list[Interval]:
        """Intervals (ns, inclusive grid points) the cache holds for ``key``."""
        self._wait(key)
        doc = self._meta(self.path(key))
        if doc is None or doc.get("key") != key.as_dict():
            return []
        return [(int(a), int(b)) for a, b in doc["covered"]]

    def load(self, key: CacheKey, lo: int | None = None, hi: int | None = None) -> CacheEntry | None:
        """Cached samples with ``lo <= ds <= hi`` (ns), or None when nothing is cached.

        The frame's ``unique_id`` is categorical (sorted categories), rows sorted by (unique_id, ds).
        """
        self._wait(key)
        return self._load(key, lo, hi)

    def _load(self, key: CacheKey, lo: int | None = None, hi: int | None = None) -> CacheEntry | None:
        try:
            # mapped, not read: the frame's arrays are the page cache's pages (read-only, like any array
            # pandas hands out). A store never rewrites a file in place: it renames a new one over it,
            # so a mapped file never changes under a frame.
            with pa.memory_map(str(self.path(key)), "r") as fh:
                reader = pa.ipc.open_file(fh)
                doc = json.loads((reader.schema.metadata or {})[_META])
                if doc.get("version") != _VERSION or doc.get("key") != key.as_dict():
                    return None
                table = reader.read_all()
            covered = [(int(a), int(b)) for a, b in doc["covered"]]
            counts = np.asarray(doc["counts"], dtype=np.int64)
            if table.num_rows != counts.sum():
                return None
            if table.num_rows == 0:
                return CacheEntry(_frame.empty(), doc["labels"], covered)
            uid, ds, y = (_one_chunk(table.column(c)) for c in ("unique_id", "ds", "y"))
            codes = uid.indices.to_numpy(zero_copy_only=False)
            ds = ds.view(pa.int64()).to_numpy(zero_copy_only=False)
            y = y.to_numpy(zero_copy_only=False)
            categories = uid.dictionary.to_pylist()
        except (OSError, KeyError, ValueError, TypeError, pa.ArrowException):
            return None  # missing or unreadable: a miss, rewritten on the next store
        if not _copy_on_write():  # pandas 2 without copy-on-write writes into frames' arrays: give it its own
            codes, ds, y = codes.copy(), ds.copy(), y.copy()
        ends = np.cumsum(counts)
        starts = ends - counts
        keep = None  # rows are sorted by (series, time): each series' first and last rows bound it
        if lo is not None and ds[starts[counts > 0]].min() < lo:
            keep = ds >= lo
        if hi is not None and ds[ends[counts > 0] - 1].max() > hi:
            keep = (ds <= hi) if keep is None else keep & (ds <= hi)
        if keep is not None:
            codes, ds, y = codes[keep], ds[keep], y[keep]
        frame = _frame.from_codes(codes, categories, ds, y)
        if keep is not None:
            frame["unique_id"] = frame["unique_id"].cat.remove_unused_categories()
        return CacheEntry(frame, doc["labels"], covered)

    def store(
        self,
        key: CacheKey,
        frame: pd.DataFrame,
        labels: Mapping[str, Mapping[str, str]],
        covered: list[Interval],
        complete_before: int | None = None,
        *,
        canonical: bool = False,
    ) -> None:
        """Add samples fetched over ``covered`` (they replace what was cached there).

        Only the part at or before ``complete_before`` (ns) is kept: newer data may still change.
        ``canonical``: ``frame`` is known sorted by (id, time) without duplicates (not checked again).
        """
        if complete_before is not None:
            covered = _clip(covered, np.iinfo(np.int64).min, complete_before)
            if len(frame):
                ds = ns_of(frame)
                if ds.max() > complete_before:  # (usually nothing is that new: no copy then)
                    frame = frame[ds <= complete_before]
        if not covered:
            return
        with self._lock(key):
            old = self._load(key)
            parts = [frame]
            all_labels = {str(k): dict(v) for k, v in labels.items()}
            spans = list(covered)
            if old is not None:
                parts.insert(0, old.frame[~_inside(ns_of(old.frame), covered)])
                all_labels = {**old.labels, **all_labels}
                spans += old.covered
            merged = parts[0] if canonical and len(parts) == 1 else merge_frames(*parts)
            ids = set(merged["unique_id"].cat.categories) if len(merged) else set()
            doc = {
                "version": _VERSION,
                "key": key.as_dict(),
                "covered": [list(iv) for iv in merge(spans, key.step_ns)],
                "labels": {k: v for k, v in all_labels.items() if k in ids},
            }
            self._write(self.path(key), merged, doc)

    def _write(self, path: Path, frame: pd.DataFrame, doc: dict) -> None:
        uid = frame["unique_id"]
        if not isinstance(uid.dtype, pd.CategoricalDtype):
            uid = uid.astype("category")
        categories = [str(c) for c in uid.cat.categories]
        codes = uid.cat.codes.to_numpy()
        # rows are sorted by series: each series' rows are one run of its code (no pass over the rows)
        bounds = np.searchsorted(
            codes, np.arange(len(categories) + 1).astype(codes.dtype), side="left"
        )  # (same dtype: no copy)
        doc = {**doc, "counts": np.diff(bounds).tolist()}
        # built from the arrays (what _load reads back), not through from_pandas
        table = pa.table(
            {
                "unique_id": pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(categories, pa.string())),
                "ds": pa.array(ns_of(frame), pa.int64()).view(pa.timestamp("ns", tz="UTC")),
                "y": pa.array(frame["y"].to_numpy(dtype=np.float64), pa.float64()),
            }
        )
        table = table.replace_schema_metadata({_META: json.dumps(doc).encode()})
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                _dump(table, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            with contextlib.suppress(OSError):  # the same key's file from cache version 1
                os.unlink(path.with_suffix(".parquet"))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def clear(self, key: CacheKey) -> None:
        """Forget ``key`` (atomic: the file is unlinked under the lock)."""
        with self._lock(key), contextlib.suppress(FileNotFoundError):
            os.unlink(self.path(key))
