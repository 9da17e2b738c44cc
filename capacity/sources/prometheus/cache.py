"""On-disk cache of pulled ranges: one Arrow IPC file (Feather v2, uncompressed:
a warm pull is a plain read, no decoding) per (server, query, step grid).

The file name is a hash of the key; the key itself, the covered intervals, the
series labels and row counts live in the file's metadata, next to the samples,
so data and coverage can never disagree. ``pd.read_feather`` opens one. Writes are atomic (temporary file, fsync,
``os.replace``) under a per-key lock: a crash or a killed server leaves the
previous file whole. Location: ``cache_dir``, else ``$CAPACITY_CACHE_DIR``,
else ``~/.cache/capacity/pulls``. Keys hold no credentials: the server is its
public URL (no user info, no query string) plus tenant header values.

Size: after a store the least recently used files are removed until the
directory holds at most ``max_size`` bytes (default :data:`DEFAULT_MAX_SIZE`; the
project file's ``cache: {max_size: 500MiB}``); the file just written is never
removed. A store lists the directory only when the size this cache last counted
there, plus what it has written since, would pass the limit, or when that count is
older than :data:`RECOUNT_S` seconds (the files other processes wrote meanwhile):
listing a directory of 5,000 files on every store had taken 46 ms a metric. "Used"
is the file's mtime, set by every write and every read that found data (a touch, so
it works on ``noatime`` file systems). A file is removed under its key's lock, and
only when it was not used since it was listed; one process evicts at a time (the
others skip), so concurrent pulls are safe.
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
import time
import zlib
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

__all__ = [
    "DEFAULT_MAX_SIZE",
    "CacheEntry",
    "CacheFile",
    "CacheKey",
    "RECOUNT_S",
    "Pruned",
    "PullCache",
    "default_dir",
]

#: the cache directory's size limit when none is configured: 2 GiB
DEFAULT_MAX_SIZE = 2 * 1024**3
#: a writer's temporary file older than this is left over from a crash: pruning removes it
_STALE_TMP_S = 3600
#: seconds a store trusts the directory size it last counted (plus its own writes since) before it lists
#: the directory again
RECOUNT_S = 10.0

_LOG = logging.getLogger(__name__)
# one background writer per process; every PullCache waits for pending writes of a file it reads
_WRITER: ThreadPoolExecutor | None = None
_PENDING: dict[str, Future[None]] = {}
_GUARD = threading.Lock()
_META = b"capacity.cache"
_VERSION = 3  # 1: Parquet, 2: CRC-32 (each read as a miss, then replaced)


def default_dir() -> Path:
    """``$CAPACITY_CACHE_DIR`` or ``~/.cache/capacity/pulls`` (read when called)."""
    env = os.environ.get("CAPACITY_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "capacity" / "pulls"


@dataclass(frozen=True)
class CacheFile:
    """One cached pull on disk: its path, size in bytes and when it was last used (written or read)."""

    path: Path
    size: int
    used_ns: int


@dataclass(frozen=True)
class Pruned:
    """What a prune or clear removed, and what is left."""

    removed: int
    freed: int
    kept: int
    size: int


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


#: 64-bit words per block of the checksum: a 4 KiB page
_PAGE_WORDS = 512


def _sums(a: np.ndarray) -> tuple[int, int]:
    """Fletcher's checksum over 4 KiB pages, in 64-bit words: ``(sum of the page sums, sum of page sum x
    page number)``, modulo 2^64 (numpy's unsigned sums wrap)."""
    raw = np.ascontiguousarray(a).reshape(-1).view(np.uint8)
    cut = len(raw) - len(raw) % 8
    words = raw[:cut].view(np.uint64)
    full = len(words) - len(words) % _PAGE_WORDS
    pages = words[:full].reshape(-1, _PAGE_WORDS).sum(axis=1, dtype=np.uint64)
    last = int(words[full:].sum(dtype=np.uint64)) + int.from_bytes(bytes(raw[cut:]), "little")
    n = len(pages) + 1  # the partial page is the last one
    plain = (int(pages.sum(dtype=np.uint64)) + last) % (1 << 64)
    weighted = int((pages * np.arange(1, n, dtype=np.uint64)).sum(dtype=np.uint64)) + last * n
    return plain, weighted % (1 << 64)


def _checksum(codes: np.ndarray, ds: np.ndarray, y: np.ndarray, categories: list[str]) -> list[int]:
    """What a cache file holds (series codes, times, values, names), summed when written and checked on
    every load: a file changed on disk is a miss, never wrong rows.

    Fletcher's checksum over 4 KiB pages (:func:`_sums`): a changed, zeroed or torn word or page changes
    it, and so do pages moved. It runs at memory speed (one numpy reduction over the mapped pages);
    CRC-32 catches the same and had taken two thirds of a warm pull (benchmarks/bench_pull: warm 8x
    faster than cold, where it had been 28x; 20x with this checksum, which still reads every page)."""
    out = [len(codes)]
    for a in (codes, ds, y):
        out.extend(_sums(a))
    out.append(zlib.crc32("\x00".join(categories).encode()))
    return out


def _clip(intervals: list[Interval], lo: int, hi: int) -> list[Interval]:
    return [(max(a, lo), min(b, hi)) for a, b in intervals if b >= lo and a <= hi]


def _inside(ds: np.ndarray, intervals: list[Interval]) -> np.ndarray:
    mask = np.zeros(len(ds), dtype=bool)
    for a, b in intervals:
        mask |= (ds >= a) & (ds <= b)
    return mask


class PullCache:
    """Read and extend cached pulls; every method is safe against concurrent writers."""

    def __init__(self, root: str | os.PathLike[str] | None = None, *, max_size: int | None = None) -> None:
        self.root = Path(root).expanduser() if root is not None else default_dir()
        #: the directory's size limit in bytes, kept after each store (least recently used files go first)
        self.max_size = DEFAULT_MAX_SIZE if max_size is None else int(max_size)
        if self.max_size < 0:
            raise ValueError(f"max_size must be >= 0 bytes, got {max_size!r}")
        #: digest -> why its file could not be used (damaged on disk): said once by :meth:`damage`
        self._damaged: dict[str, str] = {}
        #: (bytes in the directory when last listed + bytes written since, when listed): None = never
        self._counted: tuple[int, float] | None = None
        self._count_lock = threading.Lock()

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

    def damage(self, key: CacheKey) -> str | None:
        """Why the last :meth:`load` of ``key`` found its file damaged (then it was a miss), once; else None."""
        return self._damaged.pop(key.digest(), None)

    def _bad(self, key: CacheKey, why: str) -> None:
        self._damaged[key.digest()] = f"cache file {self.path(key)} {why}; ignored it and fetched again"

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
                self._bad(key, "holds fewer rows than it says")
                return None
            if table.num_rows == 0:
                return CacheEntry(_frame.empty(), doc["labels"], covered)
            uid, ds, y = (_one_chunk(table.column(c)) for c in ("unique_id", "ds", "y"))
            codes = uid.indices.to_numpy(zero_copy_only=False)
            ds = ds.view(pa.int64()).to_numpy(zero_copy_only=False)
            y = y.to_numpy(zero_copy_only=False)
            categories = uid.dictionary.to_pylist()
            if doc.get("sums") != _checksum(codes, ds, y, categories):
                # changed on disk since it was written (a bad disk, a stray write): a miss, refetched
                self._bad(key, "fails its checksum")
                return None
        except (FileNotFoundError, NotADirectoryError):
            return None  # nothing cached (or no cache folder: said when a write fails)
        except (OSError, KeyError, ValueError, TypeError, pa.ArrowException) as exc:
            self._bad(key, f"cannot be read ({type(exc).__name__})")
            return None  # a miss, rewritten on the next store
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
        self._touch(self.path(key))
        return CacheEntry(frame, doc["labels"], covered)

    @staticmethod
    def _touch(path: Path) -> None:
        """Mark ``path`` as used now (its mtime: the eviction order, whatever the mount's atime policy)."""
        with contextlib.suppress(OSError):  # removed meanwhile, or a read-only cache: nothing to mark
            os.utime(path)

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
            path = self.path(key)
            before = self._size_of(path)
            self._write(path, merged, doc)
            grew = self._size_of(path) - before
        self._keep_limit(path, grew)

    @staticmethod
    def _size_of(path: Path) -> int:
        try:
            return path.stat().st_size
        except FileNotFoundError:
            return 0

    def _keep_limit(self, path: Path, grew: int) -> None:
        """Prune after a store that grew the directory by ``grew`` bytes, if the limit may be passed
        (see the module's docstring: most stores only add to the last count)."""
        with self._count_lock:
            counted = self._counted
            if counted is not None and time.monotonic() - counted[1] < RECOUNT_S:
                if counted[0] + grew <= self.max_size:
                    self._counted = (counted[0] + grew, counted[1])
                    return
        self.prune(keep=path)

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
        ds_ns = ns_of(frame)
        y_arr = frame["y"].to_numpy(dtype=np.float64)
        doc["sums"] = _checksum(codes, ds_ns, y_arr, categories)
        # built from the arrays (what _load reads back), not through from_pandas
        table = pa.table(
            {
                "unique_id": pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(categories, pa.string())),
                "ds": pa.array(ds_ns, pa.int64()).view(pa.timestamp("ns", tz="UTC")),
                "y": pa.array(y_arr, pa.float64()),
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

    # ------------------------------------------------------------------ size and eviction

    def files(self) -> list[CacheFile]:
        """The cached pulls on disk, least recently used first."""
        out = []
        try:
            names = list(os.scandir(self.root))
        except FileNotFoundError:
            return []
        for e in names:
            if not e.name.endswith(".arrow") or e.name.startswith("."):
                continue
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile
                st = e.stat(follow_symlinks=False)
                out.append(CacheFile(Path(e.path), int(st.st_size), int(st.st_mtime_ns)))
        return sorted(out, key=lambda f: (f.used_ns, f.path.name))

    def size(self) -> int:
        """Bytes the cached pulls take."""
        return sum(f.size for f in self.files())

    def prune(self, max_size: int | None = None, *, keep: Path | None = None) -> Pruned:
        """Remove the least recently used files until at most ``max_size`` bytes (default: ``self.max_size``)
        are left, never ``keep``; also remove writers' temporary files left over from crashes.

        Safe with other processes: one prunes at a time (a second one returns at once, removing
        nothing), a file is removed under its key's lock and only if nobody used it since it was
        listed; a file being written is skipped."""
        limit = self.max_size if max_size is None else int(max_size)
        if not self.root.is_dir():
            return Pruned(0, 0, 0, 0)
        with self._exclusive(self.root / ".prune.lock", wait=False) as mine:
            files = self.files()
            total = sum(f.size for f in files)
            if not mine:
                self._recount(total)
                return Pruned(0, 0, len(files), total)
            self._remove_stale_tmp()
            removed = freed = 0
            for f in files:
                if total <= limit:
                    break
                if keep is not None and f.path == keep:
                    continue
                if self._remove_if_unused(f):
                    removed += 1
                    freed += f.size
                    total -= f.size
            self._recount(total)
            return Pruned(removed, freed, len(files) - removed, total)

    def _recount(self, total: int) -> None:
        with self._count_lock:
            self._counted = (total, time.monotonic())

    def clear_all(self) -> Pruned:
        """Remove every cached pull (each under its key's lock, then the lock file) and leftover temporary files."""
        if not self.root.is_dir():
            return Pruned(0, 0, 0, 0)
        removed = freed = 0
        for f in self.files():
            lock = f.path.with_suffix(".lock")
            with self._exclusive(lock, wait=True), contextlib.suppress(FileNotFoundError):
                size = f.path.stat().st_size
                os.unlink(f.path)
                removed += 1
                freed += size
                os.unlink(lock)
        self._remove_stale_tmp(older_than_s=None)
        left = self.files()
        return Pruned(removed, freed, len(left), sum(f.size for f in left))

    def _remove_if_unused(self, f: CacheFile) -> bool:
        with self._exclusive(f.path.with_suffix(".lock"), wait=False) as mine:
            if not mine:
                return False  # being written right now: it is in use
            try:
                st = f.path.stat()
            except FileNotFoundError:
                return False
            if st.st_mtime_ns != f.used_ns:
                return False  # read or rewritten since it was listed
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f.path)
                return True
            return False

    def _remove_stale_tmp(self, older_than_s: float | None = _STALE_TMP_S) -> None:
        cutoff = None if older_than_s is None else time.time() - older_than_s
        for p in self.root.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                if cutoff is None or p.stat().st_mtime < cutoff:
                    p.unlink()

    @contextlib.contextmanager
    def _exclusive(self, lock_path: Path, *, wait: bool) -> Iterator[bool]:
        """Hold the flock of ``lock_path``: yields True, or False at once when ``wait`` is False and it is taken."""
        with open(lock_path, "a+b") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
