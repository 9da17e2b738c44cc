"""The pull cache: round trip, coverage, replacement, freshness edge, atomic writes."""

from __future__ import annotations

import contextlib
import json
import os

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from capacity.core import frame as F
from capacity.sources.prometheus import cache as cache_mod
from capacity.sources.prometheus.cache import CacheKey, PullCache, default_dir

MIN = 60 * 10**9
PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3
T0 = pd.Timestamp("2026-09-01T00:00:00Z")
KEY = CacheKey("http://127.0.0.1:9090", 'up{job="api"}', MIN, 0)


def _frame(uid: str, first: int, n: int, offset: float = 0.0) -> pd.DataFrame:
    ds = pd.DatetimeIndex(T0.value + MIN * np.arange(first, first + n), tz="UTC")
    return F.from_arrays(uid, ds, np.arange(first, first + n, dtype=float) + offset)


def _iv(i0: int, i1: int) -> tuple[int, int]:
    return (T0.value + i0 * MIN, T0.value + i1 * MIN)


def test_round_trip_and_range_filter(tmp_path):
    c = PullCache(tmp_path)
    assert c.load(KEY) is None and c.coverage(KEY) == []
    fr = F.concat([_frame("a", 0, 10), _frame("b", 0, 10)])
    c.store(KEY, fr, {"a": {"__name__": "up", "job": "api"}, "b": {"__name__": "up", "job": "b"}}, [_iv(0, 9)])
    got = c.load(KEY, *_iv(2, 5))
    assert got is not None and got.covered == [_iv(0, 9)]
    assert len(got.frame) == 8 and set(got.frame["unique_id"]) == {"a", "b"}
    assert got.frame["ds"].dtype == F.DS_DTYPE and got.frame["y"].dtype == np.float64
    assert got.labels["a"] == {"__name__": "up", "job": "api"}
    F.validate(got.frame)


def test_coverage_grows_and_adjacent_pieces_merge(tmp_path):
    c = PullCache(tmp_path)
    c.store(KEY, _frame("a", 0, 10), {"a": {}}, [_iv(0, 9)])
    c.store(KEY, _frame("a", 20, 5), {"a": {}}, [_iv(20, 24)])
    assert c.coverage(KEY) == [_iv(0, 9), _iv(20, 24)]
    c.store(KEY, _frame("a", 10, 10), {"a": {}}, [_iv(10, 19)])
    assert c.coverage(KEY) == [_iv(0, 24)]  # one step apart: joined
    got = c.load(KEY)
    np.testing.assert_array_equal(got.frame["y"].to_numpy(), np.arange(25.0))


def test_new_data_replaces_old_inside_its_interval_only(tmp_path):
    c = PullCache(tmp_path)
    c.store(KEY, F.concat([_frame("a", 0, 10), _frame("gone", 0, 10)]), {"a": {}, "gone": {}}, [_iv(0, 9)])
    c.store(KEY, _frame("a", 3, 4, offset=100.0), {"a": {}}, [_iv(3, 6)])  # a refresh of 3..6
    got = c.load(KEY).frame
    a = got[got["unique_id"] == "a"]["y"].to_numpy()
    np.testing.assert_array_equal(a, [0, 1, 2, 103, 104, 105, 106, 7, 8, 9])
    gone = got[got["unique_id"] == "gone"]["ds"].array.asi8
    assert sorted((gone - T0.value) // MIN) == [0, 1, 2, 7, 8, 9]  # the series vanished from 3..6


def test_recent_part_is_not_cached_as_complete(tmp_path):
    c = PullCache(tmp_path)
    c.store(KEY, _frame("a", 0, 10), {"a": {}}, [_iv(0, 9)], complete_before=_iv(0, 6)[1])
    assert c.coverage(KEY) == [_iv(0, 6)]
    assert len(c.load(KEY).frame) == 7
    c.store(KEY, _frame("a", 50, 5), {"a": {}}, [_iv(50, 54)], complete_before=_iv(0, 6)[1])
    assert c.coverage(KEY) == [_iv(0, 6)]  # all of it too recent: nothing stored


def test_keys_are_hashed_and_kept_in_metadata(tmp_path):
    c = PullCache(tmp_path)
    other = CacheKey(KEY.server, KEY.query, KEY.step_ns, 30 * 10**9)
    tenant = CacheKey(KEY.server, KEY.query, KEY.step_ns, 0, "x-scope-orgid=t1")
    assert len({c.path(KEY), c.path(other), c.path(tenant)}) == 3
    c.store(KEY, _frame("a", 0, 3), {"a": {}}, [_iv(0, 2)])
    assert c.path(KEY).name == KEY.digest() + ".arrow" and "up" not in c.path(KEY).name
    meta = json.loads(pa.ipc.open_file(pa.OSFile(str(c.path(KEY)))).schema.metadata[b"capacity.cache"])
    assert meta["key"] == {"server": KEY.server, "query": KEY.query, "step_ns": MIN, "phase_ns": 0, "tenant": ""}
    assert c.load(other) is None


def test_crash_during_write_leaves_previous_file_whole(tmp_path, monkeypatch):
    c = PullCache(tmp_path)
    c.store(KEY, _frame("a", 0, 10), {"a": {}}, [_iv(0, 9)])
    before = c.path(KEY).read_bytes()

    def dies_half_way(table, where):
        where.write(b"ARROW1 half a file")
        raise OSError("disk full (injected)")

    monkeypatch.setattr(cache_mod, "_dump", dies_half_way)
    with pytest.raises(OSError):
        c.store(KEY, _frame("a", 10, 10), {"a": {}}, [_iv(10, 19)])
    assert c.path(KEY).read_bytes() == before
    left = sorted(p.suffix for p in tmp_path.iterdir() if p.name != ".prune.lock")  # (the size limit's lock)
    assert left == [".arrow", ".lock"]  # no temporary file left
    monkeypatch.undo()
    assert c.coverage(KEY) == [_iv(0, 9)]


def test_unreadable_file_is_a_miss_and_gets_rewritten(tmp_path):
    c = PullCache(tmp_path)
    tmp_path.mkdir(exist_ok=True)
    c.path(KEY).write_bytes(b"not an arrow file")
    assert c.load(KEY) is None and c.coverage(KEY) == []
    c.store(KEY, _frame("a", 0, 3), {"a": {}}, [_iv(0, 2)])
    assert len(c.load(KEY).frame) == 3


def test_default_location(monkeypatch, tmp_path):
    monkeypatch.setenv("CAPACITY_CACHE_DIR", str(tmp_path / "here"))
    assert default_dir() == tmp_path / "here" and PullCache().root == tmp_path / "here"
    monkeypatch.delenv("CAPACITY_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_dir() == tmp_path / ".cache" / "capacity" / "pulls"
    assert not os.path.exists(tmp_path / ".cache")  # nothing created until something is stored


def test_background_write_is_seen_by_the_next_read(tmp_path):
    c = PullCache(tmp_path)
    c.store_later(KEY, _frame("a", 0, 10), {"a": {}}, [_iv(0, 9)])
    assert c.coverage(KEY) == [_iv(0, 9)]  # waits for the pending write
    c.store_later(KEY, _frame("a", 10, 5), {"a": {}}, [_iv(10, 14)])
    c.flush()
    assert len(PullCache(tmp_path).load(KEY).frame) == 15


def test_failed_background_write_is_logged_not_raised(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    c = PullCache(blocker / "cache")  # a directory below a file: cannot be created
    c.store_later(KEY, _frame("a", 0, 3), {"a": {}}, [_iv(0, 2)])
    c.flush()
    assert "could not write" in caplog.text


@pytest.fixture(params=[True] if PANDAS_3 else [True, False], ids=lambda on: f"copy_on_write={on}")
def copy_on_write(request):
    """pandas 3 always copies on write; pandas 2 when ``mode.copy_on_write`` is on (by default it is off)."""
    if PANDAS_3:
        yield True
    else:
        with pd.option_context("mode.copy_on_write", request.param):
            yield request.param


def test_loaded_frame_outlives_its_file_being_replaced_or_removed(tmp_path, copy_on_write):
    # a load maps the file (copies it, pandas 2 without copy-on-write): the frame must keep its values
    # when the cache is extended (a new file renamed over the old one) or cleared (unlinked)
    assert cache_mod._copy_on_write() == copy_on_write
    c = PullCache(tmp_path)
    c.store(KEY, _frame("a", 0, 5000), {"a": {}}, [_iv(0, 4999)])
    first = c.load(KEY).frame
    want = first.copy(deep=True)
    c.store(KEY, _frame("a", 5000, 5000, offset=0.5), {"a": {}}, [_iv(5000, 9999)])
    second = c.load(KEY).frame
    pd.testing.assert_frame_equal(first, want)
    c.clear(KEY)
    pd.testing.assert_frame_equal(first, want)
    assert len(second) == 10_000 and second["y"].iloc[-1] == 9999.5
    if copy_on_write:
        with pytest.raises(ValueError):  # what pandas hands out is read-only: the cache is not written through
            first["y"].to_numpy()[0] = -1.0
    else:  # pandas 2 without copy-on-write writes in place, into the frame's own arrays (copies of the file's)
        first["y"].to_numpy()[0] = -1.0
        assert first["y"].iloc[0] == -1.0 and want["y"].iloc[0] == 0.0
    F.validate(second)
    pd.testing.assert_frame_equal(second.iloc[:5000].reset_index(drop=True), want)


def test_without_copy_on_write_a_loaded_frame_is_writable(tmp_path, monkeypatch):
    # pandas 2 without copy-on-write sets values in place: it gets arrays of its own, not the mapped file
    c = PullCache(tmp_path)
    c.store(KEY, _frame("a", 0, 10), {"a": {}}, [_iv(0, 9)])
    raw = lambda frame, col: frame[col].array._ndarray  # noqa: E731  (the arrays under the columns)
    with contextlib.nullcontext() if PANDAS_3 else pd.option_context("mode.copy_on_write", True):
        assert cache_mod._copy_on_write()  # pandas copies before writing: frames map the file
        mapped = c.load(KEY).frame
        assert not raw(mapped, "y").flags.writeable and not raw(mapped, "ds").flags.writeable
    monkeypatch.setattr(cache_mod, "_copy_on_write", lambda: False)
    own = c.load(KEY).frame
    assert raw(own, "y").flags.writeable and raw(own, "ds").flags.writeable
    pd.testing.assert_frame_equal(own, mapped)


def test_bytes_changed_on_disk_are_a_miss_not_wrong_rows(tmp_path):
    """8 bytes overwritten inside the values (a bad disk, a stray write): the checksum written beside
    the data no longer matches, so the entry is a miss (the source refetches), never served."""
    c = PullCache(tmp_path)
    c.store(KEY, _frame("a", 0, 50, offset=0.5), {"a": {}}, [_iv(0, 49)])
    raw = bytearray(c.path(KEY).read_bytes())
    needle = np.float64(17.5).tobytes()  # one of the stored values
    at = bytes(raw).index(needle)
    raw[at : at + 8] = np.float64(-1e300).tobytes()
    c.path(KEY).write_bytes(bytes(raw))
    assert c.load(KEY) is None
    c.store(KEY, _frame("a", 0, 50, offset=0.5), {"a": {}}, [_iv(0, 49)])  # the refetch rewrites it whole
    got = c.load(KEY)
    assert got is not None and got.frame["y"].tolist() == [i + 0.5 for i in range(50)]


def test_checksum_catches_flipped_bits_zeroed_pages_and_moved_pages():
    """What a bad disk or a stray write does to a file: one bit flipped, a 4 KiB page zeroed or torn, two
    pages swapped, the last partial page changed. Each changes the checksum."""
    from capacity.sources.prometheus.cache import _checksum

    rng = np.random.default_rng(0)
    n = 5000  # 39 KB of values: nine full pages and a partial one
    codes = np.repeat(np.arange(3, dtype=np.int8), [2000, 2000, 1000])
    ds = np.arange(n, dtype=np.int64) * 60_000_000_000
    y = rng.normal(size=n)
    base = _checksum(codes, ds, y, ["a", "b", "c"])
    assert _checksum(codes.copy(), ds.copy(), y.copy(), ["a", "b", "c"]) == base  # deterministic

    def changed(which: str, edit) -> list[int]:  # noqa: ANN001
        arrays = {"codes": codes.copy(), "ds": ds.copy(), "y": y.copy()}
        edit(arrays[which].view(np.uint8))
        return _checksum(arrays["codes"], arrays["ds"], arrays["y"], ["a", "b", "c"])

    def flip(b: np.ndarray) -> None:
        b[1234] ^= 0x10

    def zero_page(b: np.ndarray) -> None:
        b[4096:8192] = 0

    def swap_pages(b: np.ndarray) -> None:
        b[0:4096], b[8192:12288] = b[8192:12288].copy(), b[0:4096].copy()

    def tail(b: np.ndarray) -> None:
        b[-3] ^= 1

    for which in ("codes", "ds", "y"):
        for edit in (flip, tail):
            assert changed(which, edit) != base, (which, edit.__name__)
    for which in ("ds", "y"):  # (the codes hold fewer than three pages)
        for edit in (zero_page, swap_pages):
            assert changed(which, edit) != base, (which, edit.__name__)
    assert _checksum(codes, ds, y, ["a", "b", "d"]) != base  # a renamed series
