"""Run per-series work serially, in local processes, or on a Dask cluster.

``executor`` is one of: ``None``/``"auto"`` (processes when there are at least ``AUTO_MIN_SERIES``
series and more than one CPU, else serial), ``"serial"``, ``"processes"``, an ``int`` (that many
processes), a ``concurrent.futures.Executor``, or a ``dask.distributed.Client``. Work is sent in
chunks of series; results come back in input order, so every executor gives the same frame.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing as mp
import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any, TypeVar

from ..core.errors import ConfigError

T = TypeVar("T")
R = TypeVar("R")

#: a forked pool pays from a handful of series: 2-year daily series on 2 cores, ms per series serial vs
#: pool: 2 series 68 vs 100, 4: 77 vs 67, 8: 60 vs 45, 16: 55 vs 38, 32: 54 vs 34
AUTO_MIN_SERIES = 6
CHUNKS_PER_WORKER = 4


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


_controller: list[Any] = []  # threadpoolctl's view of the loaded BLAS libraries, made once


def _one_blas_thread() -> contextlib.AbstractContextManager[Any]:
    """BLAS threads off while fitting: these problems are tiny, and OpenBLAS threads fighting over the
    cores made each statsmodels fit 2-3x slower here (parallelism comes from the series instead). The
    libraries are looked up once (scipy's BLAS loaded first): ``threadpool_limits`` looked them up on
    every call, 1.1 ms of a 34 ms single-series forecast."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency
        return contextlib.nullcontext()
    if not _controller:
        import scipy.linalg  # noqa: F401  (scipy's own OpenBLAS, which statsmodels' fits use)

        _controller.append(ThreadpoolController())
    limit: contextlib.AbstractContextManager[Any] = _controller[0].limit(limits=1, user_api="blas")
    return limit


def _run_chunk(fn: Callable[[T], R], chunk: Sequence[T]) -> list[R]:
    with _one_blas_thread():
        return [fn(item) for item in chunk]


def _chunks(items: Sequence[T], workers: int) -> list[list[T]]:
    size = max(1, math.ceil(len(items) / (workers * CHUNKS_PER_WORKER)))
    return [list(items[i : i + size]) for i in range(0, len(items), size)]


def _is_dask_client(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "distributed" and hasattr(obj, "gather")


def _process_pool(workers: int) -> ProcessPoolExecutor:
    # fork where there is one: workers start with statsmodels already imported, and scripts need no
    # ``if __name__ == "__main__"`` guard (spawn/forkserver re-import the caller's main module)
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context(method))


def run(fn: Callable[[T], R], items: Sequence[T], executor: Any = None) -> list[R]:
    """``[fn(x) for x in items]``, possibly in parallel; ``fn`` must be picklable for processes/Dask."""
    items = list(items)
    if not items:
        return []
    if executor is None or executor == "auto":
        workers = cpu_count()
        executor = "processes" if workers > 1 and len(items) >= AUTO_MIN_SERIES else "serial"
    if executor == "serial" or executor == 1:
        return _run_chunk(fn, items)
    if executor == "processes" or (isinstance(executor, int) and not isinstance(executor, bool)):
        workers = cpu_count() if executor == "processes" else int(executor)
        if workers < 1:
            raise ConfigError(f"executor: number of processes must be at least 1, got {workers}", field="executor")
        workers = min(workers, len(items))  # no idle forks: one series needs one process
        if workers == 1:
            return _run_chunk(fn, items)
        with _process_pool(workers) as pool:
            return _gather_futures(pool, fn, _chunks(items, workers))
    if isinstance(executor, Executor):
        workers = getattr(executor, "_max_workers", None) or cpu_count()
        return _gather_futures(executor, fn, _chunks(items, workers))
    if _is_dask_client(executor):
        workers = max(1, sum(w.get("nthreads", 1) for w in executor.scheduler_info()["workers"].values()))
        chunks = _chunks(items, workers)
        futures = executor.map(_run_chunk, [fn] * len(chunks), chunks, pure=False)
        return [r for part in executor.gather(futures) for r in part]
    raise ConfigError(
        f"executor: expected 'serial', 'processes', a number of processes, a concurrent.futures.Executor "
        f"or a dask.distributed.Client, got {executor!r}",
        field="executor",
    )


def _gather_futures(pool: Executor, fn: Callable[[T], R], chunks: list[list[T]]) -> list[R]:
    futures = [pool.submit(_run_chunk, fn, c) for c in chunks]
    return [r for f in futures for r in f.result()]
