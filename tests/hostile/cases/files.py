"""CSV and Parquet files given as ``--source``: empty, binary, truncated, wrong columns, times out of
pandas' range, special files, and numbers that break models."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..harness import Case


def _csv(n: int = 120, y: object = None, start: str = "2026-01-01", freq: str = "D") -> str:
    ds = pd.date_range(start, periods=n, freq=freq, tz="UTC")
    values = np.arange(n, dtype=float) + 10 if y is None else y
    return pd.DataFrame({"ds": ds.strftime("%Y-%m-%dT%H:%M:%SZ"), "y": values}).to_csv(index=False)


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def _fifo(folder: Path, subs) -> None:
    os.mkfifo(folder / "pipe.csv")


def _symlink_loop(folder: Path, subs) -> None:
    (folder / "a.csv").symlink_to(folder / "b.csv")
    (folder / "b.csv").symlink_to(folder / "a.csv")


def _directory(folder: Path, subs) -> None:
    (folder / "dir.csv").mkdir()


GOOD = _csv()
PARQUET = _parquet(pd.DataFrame({"ds": pd.date_range("2026-01-01", periods=120, freq="D", tz="UTC"), "y": 1.0}))
FAR = pd.DataFrame({"ds": pd.array([pd.Timestamp("2300-01-01").to_datetime64()], dtype="datetime64[us]"), "y": [1.0]})


def pull(source: str, *more: str) -> tuple[str, ...]:
    return ("pull", "s", "--source", source, "--format", "csv", *more)


def fc(source: str, *more: str) -> tuple[str, ...]:
    return ("forecast", "--source", source, "--horizon", "14d", "--format", "csv", *more)


CASES = [
    Case("file-empty", pull("empty.csv"), files={"empty.csv": ""}, names=("empty.csv",)),
    Case("file-header-only", pull("h.csv"), files={"h.csv": "ds,y\n"}, rc=0, names=("h.csv", "no data rows")),
    Case("file-binary", pull("bin.csv"), files={"bin.csv": os.urandom(2048)}, names=("bin.csv",)),
    Case("file-no-ds", pull("nods.csv"), files={"nods.csv": "when,y\n2026-01-01,1\n"}, names=("nods.csv",)),
    Case("file-no-y", pull("noy.csv"), files={"noy.csv": "ds,value_x\n2026-01-01,1\n"}, names=("noy.csv",)),
    Case(
        "file-y-text",
        pull("ytext.csv"),
        files={"ytext.csv": "ds,y\n2026-01-01,1\n2026-01-02,lots\n"},
        names=("ytext.csv", "lots"),
    ),
    Case(
        "file-ds-words",
        pull("dsw.csv"),
        files={"dsw.csv": "ds,y\nyesterday,1\n2026-01-02,2\n"},
        names=("dsw.csv", "yesterday"),
    ),
    Case("file-year-2300", pull("y2300.csv"), files={"y2300.csv": "ds,y\n2300-01-01,1\n"}, names=("y2300.csv", "line")),
    Case("file-year-1", pull("y1.csv"), files={"y1.csv": "ds,y\n0001-01-01,1\n"}, names=("y1.csv", "line")),
    Case(
        "file-epoch-ms-overflow",
        pull("ms.csv"),
        files={"ms.csv": "ds,y\n99999999999999999,1\n99999999999999998,2\n"},
        names=("ms.csv",),
    ),
    Case(
        "file-mixed-zones",
        pull("tz.csv", "--start", "2026-01-01"),
        files={"tz.csv": "ds,y\n2026-01-01T00:00:00+01:00,1\n2026-01-01T01:00:00Z,2\n2026-01-01T02:00:00,3\n"},
        names=("tz.csv",),
    ),
    Case(
        "file-duplicates-warned",
        pull("dup.csv", "--start", "2026-01-01"),
        files={"dup.csv": "ds,y\n2026-01-01T00:00:00Z,1\n2026-01-01T00:00:00Z,2\n2026-01-01T01:00:00Z,3\n"},
        rc=0,
        names=("dup.csv", "duplicate"),
    ),
    Case("file-one-row", fc("one.csv"), files={"one.csv": "ds,y\n2026-01-01T00:00:00Z,1\n"}, names=("one.csv",)),
    Case("file-missing", pull("nope.csv"), names=("nope.csv",)),
    Case("file-fifo", pull("pipe.csv"), setup=_fifo, names=("pipe.csv",), timeout=30),
    Case("file-symlink-loop", pull("a.csv"), setup=_symlink_loop, names=("a.csv",)),
    Case("file-directory", pull("dir.csv"), setup=_directory, names=("dir.csv",)),
    Case("file-unknown-extension", pull("data.xlsx"), files={"data.xlsx": GOOD}, names=("data.xlsx",)),
    Case("file-parquet-truncated", pull("cut.parquet"), files={"cut.parquet": PARQUET[:-40]}, names=("cut.parquet",)),
    Case("file-parquet-is-csv", pull("fake.parquet"), files={"fake.parquet": GOOD}, names=("fake.parquet",)),
    Case(
        "file-parquet-wrong-columns",
        pull("cols.parquet"),
        files={"cols.parquet": _parquet(pd.DataFrame({"a": [1], "b": [2]}))},
        names=("cols.parquet",),
    ),
    Case("file-parquet-year-2300", pull("far.parquet"), files={"far.parquet": _parquet(FAR)}, names=("far.parquet",)),
    Case(
        "file-csv-gz-truncated",
        pull("cut.csv.gz"),
        files={"cut.csv.gz": b"\x1f\x8b\x08\x00" + b"\x00" * 10},
        names=("cut.csv.gz",),
    ),
    Case(
        "file-latin1-ids",
        pull("latin.csv", "--start", "2026-01-01"),
        files={"latin.csv": b"unique_id,ds,y\ncaf\xe9,2026-01-01T00:00:00Z,1\n"},
        names=("latin.csv",),
    ),
    Case(
        "file-line-of-8mb",
        pull("long.csv"),
        files={"long.csv": "ds,y\n2026-01-01," + "9" * (8 * 2**20) + "\n"},
        names=("long.csv",),
    ),
    Case(
        "file-ansi-series-name",
        ("pull", "--list", "--source", "ansi.csv"),
        files={"ansi.csv": "unique_id,ds,y\n\x1b[2J\x1b[31mevil,2026-01-01T00:00:00Z,1\n"},
        rc=0,
        absent=("\x1b",),
    ),
    Case("file-tz-mars", pull("good.csv", "--tz", "Mars/Olympus"), files={"good.csv": GOOD}, names=("Mars/Olympus",)),
    Case(
        "file-all-same-time",
        fc("same.csv"),
        files={"same.csv": "ds,y\n" + "2026-01-01T00:00:00Z,1\n" * 50},
        names=("same.csv",),
    ),
    Case("file-five-points", fc("five.csv"), files={"five.csv": _csv(5)}, names=("five", "too little data")),
    Case(
        "file-flat-backtest-no-warnings",
        ("backtest", "--source", "flat.csv", "--horizon", "14d", "--format", "csv"),
        files={"flat.csv": _csv(200, y=np.zeros(200))},
        rc=0,
    ),
    Case("file-zeros-forecast", fc("zeros.csv"), files={"zeros.csv": _csv(200, y=np.zeros(200))}, rc=0),
    Case(
        "file-huge-values",
        fc("huge.csv"),
        files={"huge.csv": _csv(200, y=1e300 * np.arange(1, 201))},
        rc=0,
    ),
    Case(
        "file-huge-and-zero-values",
        fc("hz.csv"),
        files={"hz.csv": _csv(200, y=np.where(np.arange(200) % 2, 1e305, 0.0))},
        names=("'hz'", "values up to 1e+305 overflow", "rescale"),
    ),
    Case(
        "file-inf-and-nan",
        fc("inf.csv"),
        files={"inf.csv": _csv(200, y=np.where(np.arange(200) % 7 == 0, np.inf, np.arange(200.0)))},
        rc=0,
        check=lambda run: _says(run.stdout, "28 missing points interpolated (28 of them infinite values)"),
    ),
    Case(
        "file-many-series-no-metric",
        ("forecast", "--source", "multi.csv", "--horizon", "7d"),
        files={"multi.csv": "unique_id,ds,y\na,2026-01-01T00:00:00Z,1\nb,2026-01-01T00:00:00Z,2\n"},
        names=("multi.csv", "2 series"),
    ),
]


def _says(text: str, needle: str) -> None:
    assert needle in text, f"{needle!r} not in the output"
