"""Reading ``query_range`` answers fast, and building/merging canonical frames
with categorical series ids (sorting and de-duplicating on integer codes).

The fast paths cut the compact JSON Prometheus writes into its series: the
small ``metric`` objects go through ``json``; the long ``values`` arrays are
read by the optional C reader (``_valuesc``, built at install time: straight
into int64 nanoseconds and float64), or without it become one CSV buffer parsed
by Arrow. Both give correctly rounded floats, ``NaN``/``+Inf`` included. Any
answer that does not have exactly the expected shape is read with ``json``
instead, so a fast path can only be faster.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv

from ...core import frame as _frame
from ...core.errors import SourceError

_valuesc: ModuleType | None
try:  # the C reader is optional: without a compiler at install time, Arrow reads the values
    from . import _valuesc
except ImportError:  # pragma: no cover - depends on the build
    _valuesc = None

_STR = rb'"(?:[^"\\]|\\.)*"'
_METRIC = rb"\{(?:" + _STR + rb":" + _STR + rb"(?:," + _STR + rb":" + _STR + rb")*)?\}"
_HEAD = re.compile(rb'\{"metric":(' + _METRIC + rb'),"values":\[\[')
_CSV_READ = pcsv.ReadOptions(
    column_names=["_", "t", "v"], use_threads=False
)  # the pull runs pieces side by side already
_CSV_CONVERT = pcsv.ConvertOptions(
    column_types={"t": pa.float64(), "v": pa.float64()},
    null_values=[],
    strings_can_be_null=False,
    include_columns=["t", "v"],
)
#: one pass over the values text: '1,"0.5"],[2,"0.6"' -> '1,0.5\n,2,0.6' (rows ',t,v' after a leading comma)
_TO_CSV = bytes.maketrans(b"]", b"\n")
#: joins the values texts of two series: a row whose time is NaN marks where the next series starts
_SERIES_BREAK = b"\n,nan,0\n,"


@dataclass
class Piece:
    """Parsed answer for grid indexes i0..i1: raw series id -> (ns, y), labels, warnings."""

    i0: int
    i1: int
    series: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    labels: dict[str, dict[str, str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    increasing: bool = False  # every series' times strictly increase (the C reader checks it)


def _add(
    piece: Piece, metric: dict[str, Any], ns: np.ndarray, y: np.ndarray, lo: int, hi: int, *, increasing: bool = False
) -> None:
    """Keep the series' points in [lo, hi]; ``increasing``: the times are known to increase (a slice, no mask)."""
    metric = {str(k): str(v) for k, v in metric.items()}
    if increasing:
        if len(ns) and (ns[0] < lo or ns[-1] > hi):
            a, b = np.searchsorted(ns, lo, side="left"), np.searchsorted(ns, hi, side="right")
            ns, y = ns[a:b], y[a:b]
    else:
        keep = (ns >= lo) & (ns <= hi)
        if not keep.all():
            ns, y = ns[keep], y[keep]
    rid = _frame.series_id(metric.get("__name__"), metric)
    piece.series[rid] = (ns, y)
    piece.labels[rid] = metric


def _envelope(body: dict[str, Any], piece: Piece) -> None:
    if body.get("status") != "success":
        raise SourceError(f"unexpected answer status {body.get('status')!r}")
    data = body.get("data")
    if not isinstance(data, dict):
        raise SourceError(
            f"the answer's 'data' is {type(data).__name__}, not an object; is this a Prometheus-API server?"
        )
    if data.get("resultType") not in ("matrix", None):
        raise SourceError(f"expected a matrix from query_range, got {data.get('resultType')!r}")
    if not isinstance(data.get("result", []), list):
        raise SourceError(
            f"the answer's 'result' is {type(data['result']).__name__}, not a list; is this a Prometheus-API server?"
        )
    for key in ("warnings", "infos"):
        piece.warnings.extend(str(w) for w in body.get(key) or ())


def parse_json(body: dict[str, Any], lo: int, hi: int, piece: Piece) -> None:
    """The plain path: an already decoded answer."""
    _envelope(body, piece)
    for item in body["data"].get("result") or ():
        metric = item.get("metric") or {}
        if not isinstance(metric, dict):
            raise SourceError(f"a series' 'metric' is {type(metric).__name__}, not an object of labels")
        values = item.get("values") or ()
        if not values:
            continue
        try:
            ts = np.array([v[0] for v in values], dtype=np.float64)
            y = np.array([v[1] for v in values], dtype=np.float64)  # "NaN", "+Inf", "-Inf" parse as floats
        except (TypeError, ValueError, IndexError) as exc:
            name = _frame.series_id(metric.get("__name__"), metric) if isinstance(metric, dict) else metric
            raise SourceError(f'series {name}: a sample is not [time, "number"]: {exc}') from None
        _add(piece, metric, _ns(ts), y, lo, hi)


def _ns(seconds: np.ndarray) -> np.ndarray:
    """Float seconds (millisecond precision) -> int64 ns."""
    bad = ~(np.abs(seconds) < 9_223_372_035.0)  # NaN too
    if bad.any():
        raise SourceError(
            f"time {float(seconds[bad][0]):g} s is outside what nanosecond timestamps hold (years 1677..2262)"
        )
    return np.rint(seconds * 1000.0).astype(np.int64) * 1_000_000


def _items(raw: bytes) -> list[tuple[int, int, bytes, int, int]] | None:
    """(start, end, metric JSON, values start, values end) of each series, or None if the shape is unexpected."""
    out = []
    pos = raw.find(b'{"metric":')
    while pos >= 0:
        head = _HEAD.match(raw, pos)
        if head is None:
            return None
        stop = raw.find(b"]]}", head.end())
        if stop < 0:
            return None
        out.append((pos, stop + 3, head.group(1), head.end(), stop))
        nxt = raw[stop + 3 : stop + 4]
        if nxt == b"]":
            return out
        if nxt != b",":
            return None
        pos = stop + 4
        if raw[pos : pos + 10] != b'{"metric":':
            return None
    return None


def _fast_c(raw: bytes, lo: int, hi: int, piece: Piece) -> bool:
    """Series by series: the metric object through ``json``, the values through the C reader."""
    reader = _valuesc
    pos = raw.find(b'{"metric":')
    if pos < 0 or reader is None:
        return False
    first, cap = pos, piece.i1 - piece.i0 + 1  # a series has at most one point per grid step
    found: list[tuple[bytes, np.ndarray, np.ndarray]] = []
    while True:
        head = _HEAD.match(raw, pos)
        if head is None:
            return False
        at = head.end() - 2  # the values array's '['
        ns, y = np.empty(cap, np.int64), np.empty(cap, np.float64)
        n, end = reader.parse_values(raw, at, ns, y)
        if n < 0:  # more points than steps (a server off our grid): size the buffers by counting
            size = raw.count(b"],[", at, raw.find(b"]]", at)) + 1
            ns, y = np.empty(size, np.int64), np.empty(size, np.float64)
            n, end = reader.parse_values(raw, at, ns, y)
        found.append((head.group(1), ns[:n], y[:n]))
        nxt = raw[end : end + 2]
        if nxt == b"}]":
            break
        if nxt != b"},":
            return False
        pos = end + 2
    env = json.loads(raw[:first] + raw[end + 1 :])
    if (env.get("data") or {}).get("result") != []:
        return False
    _envelope(env, piece)
    for metric, ns, y in found:
        _add(piece, json.loads(metric), ns, y, lo, hi, increasing=True)  # the C reader checked the order
    piece.increasing = len(piece.series) == len(found)  # (no two series with the same id)
    return True


def _fast(raw: bytes, lo: int, hi: int, piece: Piece) -> bool:
    """Read a compact answer on a fast path; False (nothing added) when its shape is unexpected."""
    return _fast_c(raw, lo, hi, piece) if _valuesc is not None else _fast_arrow(raw, lo, hi, piece)


def _fast_arrow(raw: bytes, lo: int, hi: int, piece: Piece) -> bool:
    items = _items(raw)
    if not items:
        return False
    env = json.loads(raw[: items[0][0]] + raw[items[-1][1] :])
    if (env.get("data") or {}).get("result") != []:
        return False
    view = memoryview(raw)  # the values texts are joined without copying each one first
    text = (b"," + _SERIES_BREAK.join([view[a:b] for _, _, _, a, b in items])).translate(_TO_CSV, b'"[')
    table = pcsv.read_csv(pa.py_buffer(text), read_options=_CSV_READ, convert_options=_CSV_CONVERT)
    if table.num_columns != 2:
        return False
    ts, y = table.column("t").to_numpy(), table.column("v").to_numpy()
    breaks = np.flatnonzero(np.isnan(ts))  # the rows between series (no answer has a NaN time)
    if len(breaks) != len(items) - 1:
        return False
    _envelope(env, piece)
    bounds = [-1, *breaks.tolist(), len(ts)]
    for k, it in enumerate(items):
        a, b = bounds[k] + 1, bounds[k + 1]
        _add(piece, json.loads(it[2]), _ns(ts[a:b]), y[a:b], lo, hi)
    return True


def parse(raw: bytes, lo: int, hi: int, piece: Piece) -> None:
    """Fill ``piece`` from a raw ``query_range`` answer, keeping points in ``[lo, hi]`` (ns)."""
    try:
        if _fast(raw, lo, hi, piece):
            return
    except (ValueError, pa.ArrowException):
        piece.series.clear()
        piece.labels.clear()
        piece.warnings.clear()
    try:
        body = json.loads(raw)
    except ValueError as exc:
        raise SourceError(f"answer is not JSON: {exc}") from None
    except RecursionError:
        raise SourceError("the answer is JSON nested too deeply to be a Prometheus answer") from None
    try:
        parse_json(body, lo, hi, piece)
    except (AttributeError, TypeError, KeyError) as exc:  # "data": [1, 2], "result": {"a": 1}, ...
        raise SourceError(
            f"the answer is JSON of an unexpected shape, not a Prometheus query_range answer "
            f"({type(exc).__name__}: {exc}); is this a Prometheus-API server?"
        ) from None


# --------------------------------------------------------------------------- frames


def frame_from_pieces(pieces: list[Piece]) -> pd.DataFrame:
    """Canonical frame (categorical raw ids, sorted) from pieces that do not overlap in time.

    Series are laid out piece after piece; pieces not known to hold increasing
    times are sorted and de-duplicated afterwards (:func:`merge_frames`)."""
    frame = _concat_pieces(pieces)
    return frame if all(p.increasing for p in pieces) else merge_frames(frame)


def _concat_pieces(pieces: list[Piece]) -> pd.DataFrame:
    chunks: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for p in sorted(pieces, key=lambda p: p.i0):
        for rid, arrays in p.series.items():
            chunks.setdefault(rid, []).append(arrays)
    if not chunks:
        return _frame.empty()
    ids = sorted(chunks)
    ordered = [c for r in ids for c in chunks[r]]  # one copy of every sample, straight into the frame's arrays
    codes = np.repeat(
        np.arange(len(ids), dtype=_frame.code_type(len(ids))), [sum(len(c[0]) for c in chunks[r]) for r in ids]
    )
    return _frame.from_codes(
        codes, ids, np.concatenate([c[0] for c in ordered]), np.concatenate([c[1] for c in ordered])
    )


def _codes(frame: pd.DataFrame, categories: list[str]) -> np.ndarray:
    uid = frame["unique_id"]
    if isinstance(uid.dtype, pd.CategoricalDtype):
        lookup = pd.Index(categories).get_indexer(uid.cat.categories.astype(str))
        return lookup[uid.cat.codes.to_numpy()] if len(uid) else np.zeros(0, dtype=np.int64)
    return pd.Index(categories).get_indexer(pd.Index(uid.astype(str), copy=False))


def ns_of(frame: pd.DataFrame) -> np.ndarray:
    """The ``ds`` column as int64 nanoseconds (no copy when it already is)."""
    ds = frame["ds"]
    return ds.array.asi8 if ds.dtype == _frame.DS_DTYPE else ds.dt.as_unit("ns").array.asi8


def _is_canonical(frame: pd.DataFrame) -> bool:
    """Categorical ids with sorted categories, rows sorted by (id, ds), no duplicate: nothing to do."""
    uid = frame["unique_id"]
    if not isinstance(uid.dtype, pd.CategoricalDtype):
        return False
    cats = [str(c) for c in uid.cat.categories]
    if cats != sorted(cats) or len(set(cats)) != len(cats):
        return False
    codes, ds = uid.cat.codes.to_numpy(), ns_of(frame)
    if len(codes) < 2:
        return bool((codes >= 0).all())
    step = codes[1:] != codes[:-1]  # a new series starts
    return bool((codes[1:] >= codes[:-1]).all() and (step | (ds[1:] > ds[:-1])).all() and codes[0] >= 0)


def merge_frames(*frames: pd.DataFrame) -> pd.DataFrame:
    """Sorted canonical frame with categorical ids; on a duplicate (id, ds) the later frame wins."""
    frames = tuple(f for f in frames if len(f))
    if not frames:
        return _frame.empty()
    if len(frames) == 1 and _is_canonical(frames[0]):
        return frames[0]
    cats: set[str] = set()
    for f in frames:
        uid = f["unique_id"]
        cats.update(
            uid.cat.categories.astype(str) if isinstance(uid.dtype, pd.CategoricalDtype) else uid.astype(str).unique()
        )
    categories = sorted(cats)
    codes = np.concatenate([_codes(f, categories) for f in frames])
    ds = np.concatenate([ns_of(f) for f in frames])
    y = np.concatenate([f["y"].to_numpy(dtype=np.float64) for f in frames])
    rank = np.concatenate([np.full(len(f), i, dtype=np.int32) for i, f in enumerate(frames)])
    order = np.lexsort((rank, ds, codes))
    codes, ds, y = codes[order], ds[order], y[order]
    last = np.ones(len(codes), dtype=bool)
    last[:-1] = (codes[1:] != codes[:-1]) | (ds[1:] != ds[:-1])
    codes, ds, y = codes[last], ds[last], y[last]
    used = np.unique(codes)
    if len(used) != len(categories):  # drop categories no row uses
        remap = np.full(len(categories), -1, dtype=np.int64)
        remap[used] = np.arange(len(used))
        codes, categories = remap[codes], [categories[i] for i in used]
    return _frame.from_codes(codes.astype(_frame.code_type(len(categories))), categories, ds, y)


def rename_series(frame: pd.DataFrame, mapping: dict[str, str]) -> pd.DataFrame:
    """Rename categorical ids (the mapping must be one-to-one) and restore the (unique_id, ds) order."""
    if not len(frame) or all(k == v for k, v in mapping.items()):
        return frame
    uid = frame["unique_id"]
    if not isinstance(uid.dtype, pd.CategoricalDtype):
        uid = uid.astype("category")
    renamed = [mapping.get(str(c), str(c)) for c in uid.cat.categories]
    out = pd.DataFrame(
        {
            "unique_id": pd.Categorical.from_codes(
                uid.cat.codes.to_numpy(), categories=pd.Index(renamed, dtype=object)
            ),
            "ds": frame["ds"].array,
            "y": frame["y"].to_numpy(),
        }
    )
    return out if renamed == sorted(renamed) else merge_frames(out)
