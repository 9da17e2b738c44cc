"""The pull cache damaged, left over from a crash, or somewhere it cannot be: a damaged file is a
miss that is fetched again and said as a warning; leftovers are swept; the pull still works."""

from __future__ import annotations

import os
import time
from pathlib import Path

from ..harness import Case, Run, cli
from .outputs import _chattr, _undo

RANGE = ("--start", "2026-09-01T00:00:00Z", "--end", "2026-09-01T06:00:00Z", "--step", "1m")
PULL = ("pull", "up", "--source", "{srv}/ok", *RANGE, "--format", "csv")


def _filled(folder: Path, subs) -> Path:
    cli(folder, subs, *PULL)
    files = list((folder / "cache").rglob("*.arrow"))
    assert len(files) == 1, files
    return files[0]


def _flip(folder: Path, subs) -> None:
    path = _filled(folder, subs)
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid : mid + 8] = bytes(b ^ 0xFF for b in data[mid : mid + 8])
    path.write_bytes(bytes(data))


def _truncate(folder: Path, subs) -> None:
    path = _filled(folder, subs)
    path.write_bytes(path.read_bytes()[:100])


def _garbage(folder: Path, subs) -> None:
    path = _filled(folder, subs)
    path.write_bytes(os.urandom(4096))


def _stale_tmp(folder: Path, subs) -> None:
    path = _filled(folder, subs)
    old = time.time() - 3 * 3600
    for name in (".abc.1.tmp", ".def.2.tmp"):
        p = path.parent / name
        p.write_bytes(b"half a file")
        os.utime(p, (old, old))


def _locked_cache(folder: Path, subs) -> None:
    (folder / "cache").mkdir()
    _chattr(folder / "cache", "+i")


def _cache_is_file(folder: Path, subs) -> None:
    (folder / "cache").write_text("not a folder\n")


def _rows_and_refetch(n: int):
    def check(run: Run) -> None:
        from ..conftest import CORPUS

        lines = run.stdout.strip().splitlines()
        assert len(lines) == n + 1, f"{len(lines) - 1} rows, expected {n}"
        assert all(ln.endswith(",1.0") for ln in lines[1:]), "a row that is not the server's value"
        fetched = [s for s in CORPUS.srv.requests_of(run.case.id) if "query_range" in s.path]
        assert len(fetched) >= 2, "the damaged cache was served: no second fetch"

    return check


def _swept(run: Run) -> None:
    left = [p.name for p in (run.folder / "cache").rglob(".*.tmp")]
    assert not left, f"stale temporary files left: {left}"


CASES = [
    Case(
        "cache-bytes-flipped",
        PULL,
        setup=_flip,
        rc=0,
        names=("fails its checksum", "fetched again"),
        check=_rows_and_refetch(361),
    ),
    Case(
        "cache-truncated",
        PULL,
        setup=_truncate,
        rc=0,
        names=("cannot be read", "fetched again"),
        check=_rows_and_refetch(361),
    ),
    Case("cache-garbage", PULL, setup=_garbage, rc=0, names=("cannot be read",), check=_rows_and_refetch(361)),
    Case(
        "cache-stale-temporaries",
        (
            "pull",
            "up",
            "--source",
            "{srv}/ok",
            "--start",
            "2026-09-02T00:00:00Z",
            "--end",
            "2026-09-02T01:00:00Z",
            "--format",
            "csv",
        ),
        setup=_stale_tmp,
        rc=0,
        check=_swept,
    ),
    Case(
        "cache-dir-immutable",
        PULL,
        setup=_locked_cache,
        rc=0,
        names=("could not write", "Operation not permitted"),
        check=_undo("cache"),
    ),
    Case(
        "cache-dir-is-file-pull",
        PULL,
        setup=_cache_is_file,
        rc=0,
        names=("could not write", "File exists"),
        absent=("fetched again",),
    ),
    Case("cache-info-garbage", ("cache", "info"), setup=_garbage, rc=0),
    Case(
        "cache-clear-immutable",
        ("cache", "clear"),
        setup=lambda f, s: (_filled(f, s), _chattr(f / "cache", "+i")),
        names=("cache",),
        check=_undo("cache"),
    ),
]
