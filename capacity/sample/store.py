"""Parquet cache of the generated raw history (one row group per series).

Files under the data dir, keyed by the generator version:
``raw-<version>.parquet`` (sid int16, ds timestamp[ns, UTC], y float64; rows
sorted by sid then ds) and ``labels-<version>.parquet`` (the labels table,
row i describing sid i). Both are written to a temporary file and renamed
into place, labels first, so a crash never leaves a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..core.frame import series_id
from . import events as ev
from .generator import Raw

GENERATOR_VERSION = f"3-np{'.'.join(np.__version__.split('.')[:2])}"
_START_MS = int(ev.START.value // 1_000_000)


def data_dir() -> Path:
    """``$CAPACITY_DATA_DIR/sample``; else ``<repo>/data/sample`` in a checkout; else ``~/.cache/capacity/sample``."""
    env = os.environ.get("CAPACITY_DATA_DIR", "").strip()
    if env:
        return Path(env).expanduser() / "sample"
    repo = Path(__file__).resolve().parents[2]
    if (repo / "data").is_dir() and (repo / "capacity").is_dir():
        return repo / "data" / "sample"
    return Path.home() / ".cache" / "capacity" / "sample"


def paths(directory: Path | None = None) -> tuple[Path, Path]:
    d = directory or data_dir()
    return d / f"raw-{GENERATOR_VERSION}.parquet", d / f"labels-{GENERATOR_VERSION}.parquet"


def ordered(raws: list[Raw]) -> tuple[list[Raw], pd.DataFrame]:
    """Series sorted by unique_id, and their labels table (row i = sid i)."""
    keyed = sorted(((series_id(r.name, r.labels), r) for r in raws), key=lambda p: p[0])
    rows = [{"unique_id": uid, "__name__": r.name, **r.labels} for uid, r in keyed]
    table = pd.DataFrame.from_records(rows)
    cols = ["unique_id", "__name__"] + sorted(c for c in table.columns if c not in ("unique_id", "__name__"))
    return [r for _, r in keyed], table[cols]


def sample_times_ms(present: np.ndarray) -> np.ndarray:
    return _START_MS + 60_000 * np.flatnonzero(present).astype(np.int64)


def _atomic_write(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the cache is shared data, not a secret
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write(raws: list[Raw], labels: pd.DataFrame, directory: Path | None = None) -> None:
    raw_path, labels_path = paths(directory)
    _atomic_write(labels_path, lambda p: labels.to_parquet(p, index=False))
    schema = pa.schema([("sid", pa.int16()), ("ds", pa.timestamp("ns", tz="UTC")), ("y", pa.float64())])

    def _write(p: str) -> None:
        with pq.ParquetWriter(
            p,
            schema,
            compression="zstd",
            compression_level=1,
            use_dictionary=["sid"],
            column_encoding={"ds": "DELTA_BINARY_PACKED", "y": "BYTE_STREAM_SPLIT"},
        ) as w:
            for sid, r in enumerate(raws):
                t = sample_times_ms(r.present) * 1_000_000
                tbl = pa.table(
                    [
                        pa.array(np.full(len(t), sid, np.int16)),
                        pa.array(t, pa.timestamp("ns", tz="UTC")),
                        pa.array(r.values[r.present]),
                    ],
                    schema=schema,
                )
                w.write_table(tbl, row_group_size=len(t) + 1)

    _atomic_write(raw_path, _write)


def exists(directory: Path | None = None) -> bool:
    return all(p.is_file() for p in paths(directory))


def read_labels(directory: Path | None = None) -> pd.DataFrame:
    return pd.read_parquet(paths(directory)[1])


def read(
    sids: list[int] | None, start: pd.Timestamp, end: pd.Timestamp, directory: Path | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sid int16, ds int64 ns, y float64) with ds in [start, end) for the given series (None = all).

    Row group i holds series i, so only the wanted row groups are read.
    """
    pf = pq.ParquetFile(paths(directory)[0])
    groups = list(range(pf.num_row_groups)) if sids is None else sorted({int(s) for s in sids})
    table = pf.read_row_groups(groups, columns=["sid", "ds", "y"])
    sid = table.column("sid").to_numpy()
    ds = table.column("ds").cast(pa.int64()).to_numpy()
    y = table.column("y").to_numpy()
    del table
    if start > ev.START or end < ev.END:
        keep = (ds >= start.value) & (ds < end.value)
        sid, ds, y = sid[keep], ds[keep], y[keep]
    return sid, ds, y
