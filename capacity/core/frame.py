"""The data contract shared by every stage.

A *canonical frame* is a long ``pandas.DataFrame`` with exactly these columns:

``unique_id``
    series identifier (str-like: object, string or category), e.g.
    ``'http_requests_total{job="api",status="5xx"}'`` or a catalog name.
``ds``
    timestamp, ``datetime64[ns, UTC]``.
``y``
    value, ``float64``; ``NaN`` is a value the source itself reported as NaN.
    A missing sample is a missing row, never a sentinel.

rows sorted by ``(unique_id, ds)`` with no duplicate ``(unique_id, ds)``.

Series labels live in a separate *labels table*: one row per ``unique_id``
with a ``unique_id`` column and one string column per label (``__name__``
for the metric name where known).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .errors import FrameError

COLUMNS = ("unique_id", "ds", "y")
DS_DTYPE = pd.DatetimeTZDtype("ns", "UTC")


def empty() -> pd.DataFrame:
    """An empty canonical frame."""
    return pd.DataFrame(
        {
            "unique_id": pd.Series([], dtype=object),
            "ds": pd.Series([], dtype=DS_DTYPE),
            "y": pd.Series([], dtype="float64"),
        }
    )


def empty_labels() -> pd.DataFrame:
    return pd.DataFrame({"unique_id": pd.Series([], dtype=object)})


def _is_str_like(s: pd.Series) -> bool:
    if isinstance(s.dtype, pd.CategoricalDtype):
        return True
    if s.dtype == object:  # object columns pass only when every value is a str
        return pd.api.types.infer_dtype(s, skipna=True) in ("string", "empty")
    return bool(pd.api.types.is_string_dtype(s.dtype))


def _uid_ranks(uid: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer keys that order like the ``unique_id`` strings, and the sorted names they index.

    Works on categorical codes where it can, so millions of rows are never compared as strings
    (and, when the categories are already sorted, the codes themselves are the keys: no copy).
    """
    if isinstance(uid.dtype, pd.CategoricalDtype):
        cats = np.asarray(uid.cat.categories.astype(str), dtype=object)
        codes = uid.cat.codes.to_numpy()
        if len(cats) < 2 or bool((cats[1:] > cats[:-1]).all()):
            return codes, cats
        order = np.argsort(cats, kind="stable")
        rank_of_code = np.empty(len(cats), dtype=np.int64)
        rank_of_code[order] = np.arange(len(cats))
        return rank_of_code[codes], cats[order]
    codes, uniques = pd.factorize(uid, sort=True)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def validate(frame: pd.DataFrame, *, name: str = "frame") -> pd.DataFrame:
    """Check ``frame`` against the contract; return it unchanged or raise FrameError.

    ``name`` says what is being validated (a file, a source) in the message.
    """
    if not isinstance(frame, pd.DataFrame):
        raise FrameError(f"{name}: expected a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise FrameError(
            f"{name}: missing column(s) {', '.join(missing)}; a canonical frame has unique_id, ds, y",
            column=missing[0],
        )
    extra = [c for c in frame.columns if c not in COLUMNS]
    if extra:
        raise FrameError(
            f"{name}: unexpected column(s) {', '.join(map(str, extra))}; labels belong in the labels table",
            column=str(extra[0]),
        )
    if not _is_str_like(frame["unique_id"]):
        raise FrameError(
            f"{name}: column unique_id must hold strings, got {frame['unique_id'].dtype}", column="unique_id"
        )
    if frame["unique_id"].isna().any():
        raise FrameError(f"{name}: column unique_id has missing values", column="unique_id")
    if frame["ds"].dtype != DS_DTYPE:
        raise FrameError(f"{name}: column ds must be datetime64[ns, UTC], got {frame['ds'].dtype}", column="ds")
    if frame["ds"].isna().any():
        raise FrameError(f"{name}: column ds has missing timestamps", column="ds")
    if frame["y"].dtype != np.float64:
        raise FrameError(f"{name}: column y must be float64, got {frame['y'].dtype}", column="y")
    if len(frame) > 1:
        ranks, names = _uid_ranks(frame["unique_id"])
        ds = frame["ds"].array.asi8  # int64 ns; to_numpy() of a tz-aware column is objects
        if not (ranks[1:] >= ranks[:-1]).all():
            raise FrameError(
                f"{name}: rows must be sorted by unique_id, ds (use capacity.frame.normalize)", column="unique_id"
            )
        if ((ds[1:] > ds[:-1]) | (ranks[1:] != ranks[:-1])).all():
            return frame  # times strictly increase within every series (the usual case: one fused pass)
        same = ranks[1:] == ranks[:-1]
        step = ds[1:] - ds[:-1]
        if (step[same] < 0).any():
            raise FrameError(f"{name}: rows must be sorted by ds within each series", column="ds")
        dup = same & (step == 0)
        if dup.any():
            i = int(np.flatnonzero(dup)[0])
            raise FrameError(
                f"{name}: duplicate timestamp {pd.Timestamp(int(ds[i + 1]), unit='ns', tz='UTC').isoformat()} "
                f"in series {names[ranks[i]]!s}",
                column="ds",
                series=str(names[ranks[i]]),
            )
    return frame


def normalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort by ``(unique_id, ds)`` and reset the index (no other change)."""
    out = frame.sort_values(["unique_id", "ds"], kind="stable").reset_index(drop=True)
    return out[list(COLUMNS)]


def from_arrays(unique_id: str, ds: Iterable[Any], y: Iterable[Any]) -> pd.DataFrame:
    """Build a one-series canonical frame from timestamps and values."""
    stamps: Any = list(ds) if not hasattr(ds, "__len__") else ds  # any array-like to_datetime reads
    ds_idx = pd.DatetimeIndex(pd.to_datetime(stamps, utc=True))
    ds_idx = ds_idx.as_unit("ns")
    y_arr = np.asarray(y, dtype="float64")
    frame = pd.DataFrame({"unique_id": np.full(len(ds_idx), unique_id, dtype=object), "ds": ds_idx, "y": y_arr})
    return frame


def utc_times(ns: np.ndarray) -> pd.api.extensions.ExtensionArray | pd.DatetimeIndex:
    """``datetime64[ns, UTC]`` values over int64 nanoseconds, without a copy when pandas allows."""
    values = np.ascontiguousarray(ns, dtype=np.int64).view("datetime64[ns]")
    try:  # no validation pass over millions of already-valid stamps
        # a private constructor pandas-stubs does not declare
        arr: pd.arrays.DatetimeArray = pd.arrays.DatetimeArray._simple_new(values, dtype=DS_DTYPE)  # type: ignore[attr-defined]
        return arr
    except (AttributeError, TypeError):  # pragma: no cover - other pandas versions
        return pd.DatetimeIndex(values, tz="UTC")


def code_type(n: int) -> type[np.signedinteger]:
    """The integer type pandas keeps categorical codes in for ``n`` categories (no conversion copy)."""
    return np.int8 if n < 127 else np.int16 if n < 32_767 else np.int32


def from_codes(codes: np.ndarray, categories: list[str], ns: np.ndarray, y: np.ndarray) -> pd.DataFrame:
    """A frame over arrays already in canonical form: categorical codes valid for ``categories``,
    int64 nanoseconds, float64 values (no validation pass, no copy)."""
    return pd.DataFrame(
        {
            "unique_id": pd.Categorical.from_codes(
                codes, categories=pd.Index(categories, dtype=object), validate=False
            ),
            "ds": utc_times(ns),
            "y": y,
        },
        copy=False,
    )


def concat(frames: Iterable[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate canonical frames and sort them (no de-duplication)."""
    frames = [f[list(COLUMNS)] for f in frames if len(f)]
    if not frames:
        return empty()
    if all(isinstance(f["unique_id"].dtype, pd.CategoricalDtype) for f in frames) and all(
        f["ds"].dtype == DS_DTYPE for f in frames
    ):
        return _concat_categorical(frames)
    if any(isinstance(f["unique_id"].dtype, pd.CategoricalDtype) for f in frames):
        uids = pd.api.types.union_categoricals(
            [
                pd.Categorical(f["unique_id"])
                if not isinstance(f["unique_id"].dtype, pd.CategoricalDtype)
                else f["unique_id"].array
                for f in frames
            ],
            sort_categories=True,
        )
        out = pd.concat(frames, ignore_index=True)
        out["unique_id"] = pd.Categorical(uids, categories=uids.categories)
    else:
        out = pd.concat(frames, ignore_index=True)
    ranks, _ = _uid_ranks(out["unique_id"])
    ds = pd.DatetimeIndex(out["ds"]).asi8
    if len(out) > 1 and ((ranks[1:] > ranks[:-1]) | ((ranks[1:] == ranks[:-1]) & (ds[1:] >= ds[:-1]))).all():
        return out  # already in order: nothing to sort
    order = np.lexsort((ds, ranks))
    return out.take(order).reset_index(drop=True)


def _recode(codes: np.ndarray, lookup: np.ndarray, kind: type[np.signedinteger]) -> np.ndarray:
    """``lookup[codes]``; an addition when the categories are a contiguous run of the union's."""
    if len(lookup) and (lookup == lookup[0] + np.arange(len(lookup))).all():
        shifted: np.ndarray = codes.astype(kind) + kind(lookup[0]) if lookup[0] else codes.astype(kind, copy=False)
        return shifted
    mapped: np.ndarray = lookup.astype(kind)[codes]
    return mapped


def _concat_categorical(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """:func:`concat` of frames with categorical ids, on codes: one copy of each column, sorted
    categories, and a sort only when the rows are not in (id, ds) order already."""
    cats = [[str(c) for c in f["unique_id"].cat.categories] for f in frames]
    union = sorted(set().union(*cats))
    where = pd.Index(union)
    kind = code_type(len(union))
    codes = np.concatenate(
        [
            _recode(f["unique_id"].array.codes, where.get_indexer(pd.Index(c)), kind)
            for f, c in zip(frames, cats, strict=False)
        ]
    )
    ds = np.concatenate([f["ds"].array.asi8 for f in frames])
    y = np.concatenate([f["y"].to_numpy(dtype=np.float64) for f in frames])
    if len(codes) > 1 and not ((codes[1:] > codes[:-1]) | ((codes[1:] == codes[:-1]) & (ds[1:] >= ds[:-1]))).all():
        order = np.lexsort((ds, codes))
        codes, ds, y = codes[order], ds[order], y[order]
    return from_codes(codes, union, ds, y)


def _escape_label_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def series_id(metric: str | None, labels: Mapping[str, str]) -> str:
    """Prometheus-style identifier: ``name{a="1",b="2"}`` with labels sorted and escaped."""
    inner = ",".join(f'{k}="{_escape_label_value(str(v))}"' for k, v in sorted(labels.items()) if k != "__name__")
    name = metric or ""
    return f"{name}{{{inner}}}" if inner or not name else name


def labels_table(rows: Mapping[str, Mapping[str, str]]) -> pd.DataFrame:
    """Build a labels table from ``{unique_id: {label: value}}``."""
    if not rows:
        return empty_labels()
    records = [{"unique_id": uid, **dict(lbl)} for uid, lbl in rows.items()]
    out = pd.DataFrame.from_records(records)
    cols = ["unique_id"] + sorted(c for c in out.columns if c != "unique_id")
    return out[cols].sort_values("unique_id", kind="stable").reset_index(drop=True)


def to_wide(frame: pd.DataFrame) -> pd.DataFrame:
    """Pivot to one column per series, indexed by ``ds`` (for plotting and quick looks)."""
    return frame.pivot(index="ds", columns="unique_id", values="y")
