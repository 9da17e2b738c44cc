from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from capacity.core.errors import ConfigError
from capacity.forecasting import executors


def _square(x: int) -> int:
    return x * x


def test_results_come_back_in_input_order_whatever_the_executor() -> None:
    items = list(range(37))
    expected = [x * x for x in items]
    assert executors.run(_square, items, "serial") == expected
    with ThreadPoolExecutor(3) as pool:
        assert executors.run(_square, items, pool) == expected


def test_chunks_cover_every_item_once() -> None:
    chunks = executors._chunks(list(range(101)), 2)
    assert [x for c in chunks for x in c] == list(range(101))
    assert len(chunks) <= 2 * executors.CHUNKS_PER_WORKER + 1


@pytest.mark.parametrize("bad", ["gpu", 0, -2, object()])
def test_unknown_executors_are_refused(bad: object) -> None:
    with pytest.raises(ConfigError, match="executor"):
        executors.run(_square, [1, 2], bad)


def test_empty_input_needs_no_workers() -> None:
    assert executors.run(_square, [], "processes") == []


def test_no_more_processes_than_series() -> None:
    import os

    from capacity.forecasting import executors

    # one item with 8 processes asked: served in this process (no pool of 8 forks for one series)
    assert executors.run(_pid, [0], 8) == [os.getpid()]


def _pid(_: int) -> int:
    import os

    return os.getpid()


def test_blas_runs_one_thread_while_fitting_and_is_restored_after() -> None:
    from threadpoolctl import threadpool_info, threadpool_limits

    from capacity.forecasting.executors import _one_blas_thread

    def blas() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    with threadpool_limits(limits=2, user_api="blas"):  # out of the fixture's own single thread
        assert blas() == {2}  # numpy's and scipy's OpenBLAS
        with _one_blas_thread():
            assert blas() == {1}
        assert blas() == {2}
