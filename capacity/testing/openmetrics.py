"""Write canonical frames as OpenMetrics text (for ``promtool`` backfill) or as
Prometheus text with millisecond timestamps (for VictoriaMetrics' import API).

Formatting is vectorised with Arrow (float -> shortest round-trip decimal), so
millions of samples are written in a second or two, and every value reads
back bit for bit.

    write_openmetrics(frame, labels, "history.om", kinds={"http_requests_total": "counter"})
    backfill(frame, labels, "tsdb/")            # runs promtool tsdb create-blocks-from openmetrics
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..core.errors import DataError, SourceError
from ..core.frame import series_id
from ..metrics.promql import is_metric_name

__all__ = ["write_openmetrics", "write_vm_import", "backfill", "family_of"]

_SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}


def family_of(name: str, kinds: Mapping[str, str]) -> tuple[str, str]:
    """The OpenMetrics family name and type of series named ``name``.

    ``kinds`` may be keyed by the series name (``http_requests_total``) or by
    the family (``http_request_duration_seconds`` for its ``_bucket``...).
    A counter without ``_total`` or a name of unknown kind is typed ``unknown``.
    """
    kind = kinds.get(name)
    if kind is not None:
        for suffix in _SUFFIXES.get(kind, ()):
            if name.endswith(suffix) and len(name) > len(suffix):
                return name[: -len(suffix)], kind
        return (name, kind) if kind == "gauge" else (name, "unknown")
    for kind_name, suffixes in _SUFFIXES.items():
        for suffix in suffixes:
            base = name[: -len(suffix)] if name.endswith(suffix) else None
            if base and kinds.get(base) == kind_name:
                return base, kind_name
    return name, "unknown"


def _label_rows(labels: pd.DataFrame) -> dict[str, dict[str, str]]:
    if "unique_id" not in labels.columns:
        raise DataError("labels table: missing column unique_id", column="unique_id")
    cols = [c for c in labels.columns if c != "unique_id"]
    out: dict[str, dict[str, str]] = {}
    for rec in labels.itertuples(index=False, name=None):
        uid, values = rec[0], rec[1:]
        out[str(uid)] = {c: str(v) for c, v in zip(cols, values, strict=False) if isinstance(v, str) and v != ""}
    return out


def _series_texts(uids: list[str], labels: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """unique_id -> (metric name, exposition text ``name{a="x"}``)."""
    rows = _label_rows(labels)
    out = {}
    for uid in uids:
        lbl = rows.get(uid)
        if lbl is None:
            if not is_metric_name(uid):
                raise DataError(f"series {uid!r} has no row in the labels table and is not a metric name", series=uid)
            lbl = {"__name__": uid}
        name = lbl.get("__name__")
        if not name or not is_metric_name(name):
            raise DataError(
                f"series {uid!r}: labels table gives no valid __name__ ({name!r})", series=uid, column="__name__"
            )
        out[uid] = (name, series_id(name, lbl))
    return out


def _values_text(y: np.ndarray) -> pa.Array:
    text = pc.cast(pa.array(y, type=pa.float64()), pa.string())
    finite = np.isfinite(y)
    if not finite.all():
        special = np.where(np.isnan(y), "NaN", np.where(y > 0, "+Inf", "-Inf"))
        text = pc.if_else(pa.array(~finite), pa.array(special, type=pa.string()), text)
    return text


def _times_text(ms: np.ndarray, unit: str) -> pa.Array:
    if unit == "ms":
        return pc.cast(pa.array(ms), pa.string())
    secs, frac = np.divmod(ms, 1000)
    text = pc.cast(pa.array(secs), pa.string())
    if frac.any():
        dec = pc.utf8_lpad(pc.cast(pa.array(frac), pa.string()), 3, "0")
        dotted = pc.binary_join_element_wise(text, dec, ".")
        text = pc.if_else(pa.array(frac != 0), dotted, text)
    return text


def _lines(prefix: str, y: np.ndarray, ms: np.ndarray, unit: str) -> memoryview:
    """``prefix value timestamp\\n`` for every sample, as one contiguous buffer."""
    joined = pc.binary_join_element_wise(pa.scalar(prefix), _values_text(y), _times_text(ms, unit), " ")
    joined = pc.binary_join_element_wise(joined, pa.scalar(""), "\n")
    if isinstance(joined, pa.ChunkedArray):
        joined = joined.combine_chunks()
    joined = joined.cast(pa.large_string())
    _, offsets, data = joined.buffers()
    off = np.frombuffer(offsets, dtype=np.int64)[joined.offset : joined.offset + len(joined) + 1]
    return memoryview(data)[int(off[0]) : int(off[-1])]


def _groups(frame: pd.DataFrame) -> Iterator[tuple[str, np.ndarray, np.ndarray]]:
    """(unique_id, y, ms timestamps) per series, samples in time order."""
    if not len(frame):
        return
    ordered = frame.sort_values(["unique_id", "ds"], kind="stable")
    uid = ordered["unique_id"].astype(str).to_numpy()
    ms = ordered["ds"].to_numpy(dtype="datetime64[ns]").view(np.int64) // 1_000_000
    y = ordered["y"].to_numpy(dtype=np.float64)
    cuts = np.flatnonzero(uid[1:] != uid[:-1]) + 1
    bounds = np.concatenate(([0], cuts, [len(uid)]))
    for a, b in zip(bounds[:-1], bounds[1:], strict=False):
        yield uid[a], y[a:b], ms[a:b]


def _open(out: str | os.PathLike[str] | BinaryIO) -> tuple[BinaryIO, bool]:
    if isinstance(out, (str, os.PathLike)):
        return open(out, "wb"), True
    return out, False


def _write(frame, labels, out, kinds, unit: str, typed: bool) -> int:
    texts = _series_texts(sorted(frame["unique_id"].astype(str).unique()), labels)
    kinds = dict(kinds or {})
    data = {uid: (y, ms) for uid, y, ms in _groups(frame)}
    by_family: dict[tuple[str, str], list[str]] = {}
    for uid, (name, _) in texts.items():
        by_family.setdefault(family_of(name, kinds), []).append(uid)
    fh, close = _open(out)
    count = 0
    try:
        for (family, kind), uids in sorted(by_family.items()):
            if typed:
                fh.write(f"# TYPE {family} {kind}\n".encode())
            for uid in sorted(uids, key=lambda u: texts[u][1]):
                if uid not in data:
                    continue
                y, ms = data[uid]
                fh.write(_lines(texts[uid][1], y, ms, unit))
                count += len(y)
        if typed:
            fh.write(b"# EOF\n")
    finally:
        if close:
            fh.close()
    return count


def write_openmetrics(
    frame: pd.DataFrame,
    labels: pd.DataFrame,
    out: str | os.PathLike[str] | BinaryIO,
    kinds: Mapping[str, str] | None = None,
) -> int:
    """Write ``frame`` as OpenMetrics text with timestamps (seconds); return the sample count.

    Series are grouped by family (one ``# TYPE`` line each), samples in time
    order per series, ``# EOF`` at the end. ``labels`` gives each series'
    ``__name__`` and labels; ``kinds`` maps metric (or family) names to
    ``counter`` / ``gauge`` / ``histogram``.
    """
    return _write(frame, labels, out, kinds, "s", typed=True)


def write_vm_import(frame: pd.DataFrame, labels: pd.DataFrame, out: str | os.PathLike[str] | BinaryIO) -> int:
    """Prometheus text format with millisecond timestamps, as VictoriaMetrics'
    ``/api/v1/import/prometheus`` reads it; return the sample count."""
    return _write(frame, labels, out, None, "ms", typed=False)


def _promtool(promtool: str | None) -> str:
    name = promtool or os.environ.get("CAPACITY_PROMTOOL") or "promtool"
    path = shutil.which(name)
    if path is None:
        raise SourceError(
            f"promtool not found ({name!r}): install Prometheus 2.x or set CAPACITY_PROMTOOL", source="promtool"
        )
    return path


def backfill(
    frame: pd.DataFrame,
    labels: pd.DataFrame,
    tsdb_dir: str | os.PathLike[str],
    kinds: Mapping[str, str] | None = None,
    promtool: str | None = None,
    max_block_duration: str = "744h",
) -> Path:
    """Write ``frame`` as OpenMetrics and turn it into TSDB blocks under ``tsdb_dir``
    with ``promtool tsdb create-blocks-from openmetrics`` (do it before starting the server).

    Raises SourceError carrying promtool's stderr when it fails.
    """
    tool = _promtool(promtool)
    target = Path(tsdb_dir)
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="capacity-om-", dir=target.parent) as tmp:
        path = Path(tmp) / "history.om"
        write_openmetrics(frame, labels, path, kinds)
        cmd = [
            tool,
            "tsdb",
            "create-blocks-from",
            "openmetrics",
            f"--max-block-duration={max_block_duration}",
            str(path),
            str(target),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = " | ".join((done.stderr or done.stdout).strip().splitlines()[-5:])
        raise SourceError(
            f"promtool backfill into {target} failed (exit {done.returncode}): {tail}",
            source="promtool",
            stderr=done.stderr,
        )
    return target
