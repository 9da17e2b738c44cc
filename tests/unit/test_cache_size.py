"""The pull cache's size limit: least recently used files go first, never the one just written;
reads count as use (a touch, whatever the mount's atime policy); a file another process holds is
skipped; ``capacity cache info|prune|clear``; the project file's ``cache: {max_size: ...}``."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capacity.app import cache as app_cache
from capacity.app import config as _config
from capacity.app.cache import format_size
from capacity.app.config import parse_size
from capacity.app.project import current, source_of
from capacity.cli import main
from capacity.core import frame as F
from capacity.core.errors import ConfigError
from capacity.sources.prometheus.cache import DEFAULT_MAX_SIZE, CacheKey, PullCache

MIN = 60 * 10**9
T0 = pd.Timestamp("2026-09-01T00:00:00Z")


def _key(i: int) -> CacheKey:
    return CacheKey("http://127.0.0.1:9090", f"up{{i='{i}'}}", MIN, 0)


def _store(c: PullCache, i: int, n: int = 200) -> Path:
    ds = pd.DatetimeIndex(T0.value + MIN * np.arange(n), tz="UTC")
    c.store(
        _key(i), F.from_arrays("a", ds, np.arange(n, dtype=float)), {"a": {}}, [(T0.value, T0.value + (n - 1) * MIN)]
    )
    return c.path(_key(i))


def _age(path: Path, seconds_ago: int) -> None:
    """Set the last use of ``path`` (its mtime) explicitly: the order does not depend on the clock's speed."""
    t = pd.Timestamp.now(tz="UTC").value - seconds_ago * 10**9
    os.utime(path, ns=(t, t))


def _filled(tmp_path: Path, n: int = 4) -> tuple[PullCache, list[Path], int]:
    c = PullCache(tmp_path, max_size=10**12)
    paths = [_store(c, i) for i in range(n)]
    for i, p in enumerate(paths):  # file 0 is the least recently used
        _age(p, 1000 - 100 * i)
    return c, paths, paths[0].stat().st_size


@pytest.mark.parametrize(
    ("text", "n"),
    [("500MiB", 500 * 2**20), ("2GiB", 2 * 2**30), ("1GB", 10**9), ("10M", 10**7), ("1.5 KiB", 1536), (0, 0), ("7", 7)],
)
def test_sizes(text: object, n: int) -> None:
    assert parse_size(text) == n  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["lots", "-1", "5 parsecs", True, -3, "1e9"])
def test_bad_sizes_are_refused(text: object) -> None:
    with pytest.raises(ValueError, match="max_size: "):
        parse_size(text)  # type: ignore[arg-type]


def test_format_size() -> None:
    assert [format_size(n) for n in (0, 512, 2048, 1536, 500 * 2**20, DEFAULT_MAX_SIZE)] == [
        "0 B", "512 B", "2 KiB", "1.5 KiB", "500 MiB", "2 GiB"
    ]  # fmt: skip


def test_prune_removes_the_least_recently_used_first(tmp_path: Path) -> None:
    c, paths, one = _filled(tmp_path)
    got = c.prune(2 * one)
    assert (got.removed, got.freed, got.kept) == (2, 2 * one, 2)
    assert [p.exists() for p in paths] == [False, False, True, True]
    assert c.size() == 2 * one <= 2 * one


def test_a_read_counts_as_use(tmp_path: Path) -> None:
    c, paths, one = _filled(tmp_path)
    assert c.load(_key(0)) is not None  # the oldest is read: now the most recent
    c.prune(2 * one)
    assert [p.exists() for p in paths] == [True, False, False, True]
    assert [f.path for f in c.files()] == [paths[3], paths[0]]  # least recently used first


def test_a_store_keeps_the_limit_and_never_evicts_the_file_it_wrote(tmp_path: Path) -> None:
    c, paths, one = _filled(tmp_path)
    c.max_size = 3 * one
    new = _store(c, 9)  # 5 files of one size: the two least recently used go
    assert new.exists() and [p.exists() for p in paths] == [False, False, True, True]
    c.max_size = 1  # smaller than any file: all others go, the new one stays
    newest = _store(c, 10)
    assert [f.path for f in c.files()] == [newest]


def test_a_store_lists_the_directory_only_when_the_limit_may_be_passed(tmp_path: Path, monkeypatch) -> None:
    c = PullCache(tmp_path, max_size=10**12)
    listed = []
    files = c.files
    monkeypatch.setattr(c, "files", lambda: listed.append(1) or files())
    paths = [_store(c, i) for i in range(5)]
    assert len(listed) == 1  # the first store counted the directory; the others added what they wrote
    one = paths[0].stat().st_size
    c.max_size = 6 * one + one // 2
    _store(c, 5)  # 6 files: under the limit by its own count, no listing
    assert len(listed) == 1
    _store(c, 6)  # 7 would pass it: listed, and the least recently used file went
    assert len(listed) == 2 and not paths[0].exists() and c.size() <= c.max_size


def test_files_other_processes_wrote_count_once_the_count_is_old(tmp_path: Path, monkeypatch) -> None:
    from capacity.sources.prometheus import cache as cache_module

    c = PullCache(tmp_path, max_size=10**12)
    first = _store(c, 0)
    one = first.stat().st_size
    other = PullCache(tmp_path, max_size=10**12)  # another process
    for i in range(1, 5):
        _age(_store(other, i), 500 - 10 * i)
    _age(first, 1000)
    c.max_size = 3 * one
    _store(c, 5)  # by its own count 2 files: the other's 4 not seen yet
    assert first.exists() and c.size() == 6 * one
    now = cache_module.time.monotonic()
    monkeypatch.setattr(cache_module.time, "monotonic", lambda: now + cache_module.RECOUNT_S + 1)
    newest = _store(c, 6)  # its count is old: listed, and the least recently used went down to the limit
    assert newest.exists() and not first.exists() and c.size() <= 3 * one


def test_a_file_being_written_or_used_meanwhile_is_skipped(tmp_path: Path) -> None:
    c, paths, one = _filled(tmp_path, 3)
    with open(paths[0].with_suffix(".lock"), "a+b") as fh:  # another process writing key 0
        fcntl.flock(fh, fcntl.LOCK_EX)
        got = c.prune(one)
        fcntl.flock(fh, fcntl.LOCK_UN)
    assert [p.exists() for p in paths] == [True, False, False]
    assert got.removed == 2 and got.size == one


def test_only_one_process_prunes_at_a_time(tmp_path: Path) -> None:
    c, paths, _ = _filled(tmp_path, 2)
    with open(tmp_path / ".prune.lock", "a+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        got = c.prune(0)
    assert got.removed == 0 and all(p.exists() for p in paths)


def test_clear_removes_every_file(tmp_path: Path) -> None:
    c, paths, one = _filled(tmp_path, 3)
    got = c.clear_all()
    assert (got.removed, got.freed, got.kept, got.size) == (3, 3 * one, 0, 0)
    assert not any(p.exists() for p in paths) and not list(tmp_path.glob("[!.]*.lock"))  # (.prune.lock stays)
    assert c.load(_key(0)) is None


# -- the project file ------------------------------------------------------------


def _config_file(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "capacity.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_the_config_key_sets_the_limit_of_server_sources(tmp_path: Path) -> None:
    p = _config_file(tmp_path, "cache:\n  max_size: 500MiB\n")
    assert _config.load(p).cache_max_size == 500 * 2**20
    project = current(config=p)
    assert project.cache_max_size == 500 * 2**20
    src = source_of("http://127.0.0.1:9", project, cache_dir=tmp_path / "c")
    try:
        assert src.cache is not None and src.cache.max_size == 500 * 2**20  # type: ignore[attr-defined]
    finally:
        src.close()  # type: ignore[attr-defined]
    default = source_of("http://127.0.0.1:9", current(config=_config_file(tmp_path, "{}\n")))
    assert default.cache.max_size == DEFAULT_MAX_SIZE  # type: ignore[attr-defined]
    default.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cache: 500MiB\n", "cache: expected a mapping like {max_size: 500MiB}, got str"),
        ("cache:\n  max_size: lots\n", "cache.max_size: expected a size like 500MiB"),
        ("cache:\n  max_size: -5\n", "cache.max_size: a size must be a non-negative number of bytes"),
        ("cache:\n  maxsize: 1GiB\n", "cache.maxsize: unknown setting (known: max_size)"),
    ],
)
def test_the_config_key_is_validated(tmp_path: Path, text: str, message: str) -> None:
    p = _config_file(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        _config.load(p)
    assert str(err.value).startswith(f"{p}: ") and message in str(err.value)


# -- capacity cache ----------------------------------------------------------------


def _json(capsys) -> dict:
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == 1
    return rows[0]


def test_cli_info_prune_clear(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CAPACITY_CACHE_DIR", str(tmp_path))
    cfg = _config_file(tmp_path.parent, "cache:\n  max_size: 1MiB\n")
    c, paths, one = _filled(tmp_path)

    assert main(["cache", "info", "--config", str(cfg), "--format", "json"]) == 0
    info = _json(capsys)
    assert info["directory"] == str(tmp_path) and info["files"] == 4 and info["size"] == 4 * one
    assert info["max_size"] == 2**20
    oldest, newest = pd.Timestamp(info["oldest"]), pd.Timestamp(info["newest"])
    assert oldest == pd.Timestamp(paths[0].stat().st_mtime_ns, tz="UTC").floor("s") and oldest < newest

    assert main(["cache", "info", "--config", str(cfg)]) == 0
    text = capsys.readouterr().out
    assert "max size" in text and "1 MiB" in text and str(tmp_path) in text

    assert main(["cache", "prune", "--max-size", str(2 * one), "--format", "json"]) == 0
    assert _json(capsys) | {"directory": ""} == {
        "directory": "", "removed": 2, "freed": 2 * one, "files": 2, "size": 2 * one, "max_size": 2 * one
    }  # fmt: skip
    assert [p.exists() for p in paths] == [False, False, True, True]

    assert main(["cache", "clear", "--dir", str(tmp_path), "--format", "json"]) == 0
    assert _json(capsys) == {"directory": str(tmp_path), "removed": 2, "freed": 2 * one, "files": 0, "size": 0}
    assert app_cache.info(directory=tmp_path).files == 0


def test_cli_refuses_bad_sizes_in_one_line(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CAPACITY_CACHE_DIR", str(tmp_path))
    assert main(["cache", "prune", "--max-size", "lots"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("capacity cache: error: --max-size: expected a size like 500MiB") and err.count("\n") == 1
    assert main(["cache", "info", "--max-size", "1GiB"]) == 2
    assert "--max-size applies to 'capacity cache prune' only" in capsys.readouterr().err


def test_info_of_a_missing_directory_is_empty(tmp_path: Path) -> None:
    got = app_cache.info(directory=tmp_path / "none")
    assert (got.files, got.size, got.oldest, got.newest) == (0, 0, None, None)
    assert app_cache.prune(0, directory=tmp_path / "none").removed == 0
