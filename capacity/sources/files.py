"""Series from a CSV or Parquet file: ``FileSource(path, tz=None, metric=None)``.

Accepted layouts (chosen by the columns of the header):

``unique_id, ds, y`` [+ label columns]
    the canonical schema; extra columns go to the labels table.
``timestamp, value``
    one series (Numenta Anomaly Benchmark style).
``ds, y``
    one series (Prophet style).

A one-series file's ``unique_id`` is the ``metric=`` given to the constructor,
else the file name without its extensions (``cpu.csv.gz`` -> ``cpu``).

Formats by extension: ``.csv``, ``.csv.gz`` (also ``.csv.bz2``, ``.csv.xz``),
``.parquet``/``.pq``.

Real-data quirks and what happens to them:

* unsorted rows are sorted by ``(unique_id, ds)``;
* duplicate timestamps in a series: the row written *last* in the file wins;
  how many were dropped is said in ``Pulled.warnings``;
* gaps stay gaps (missing rows, never filled); an empty value cell is a
  missing sample (the row is dropped and counted in the warnings); the text
  ``NaN`` is a NaN value; ``inf``/``-inf`` are read as infinities;
* timestamps: ISO 8601 / RFC 3339 (``2014-02-14 14:30:00``,
  ``2026-10-01T00:00:00Z``, ``...+02:00``), other date formats pandas can
  read, or Unix epoch seconds (or milliseconds). Timestamps with an offset are
  converted to UTC. Naive timestamps are local time in ``tz`` when it is given
  (a time skipped by a DST change is an error; a repeated hour is resolved by
  file order); without ``tz`` they are read as UTC and a warning says so. A
  file mixing naive and offset timestamps is an error;
* numbers written as strings (Parquet ``string`` columns, quoted CSV cells)
  are parsed;
* an empty file (no header) is an error; a header with no rows is a file with
  an empty series.

``fetch(metric, start, end, step)`` returns the points in ``[start, end]``
(both inclusive). When ``step`` is coarser than the series' own step (the
median spacing of its points), points are averaged per bucket
``[start + k*step, start + (k+1)*step)`` (NaN values skipped; a bucket with
no point is no row) and labelled at the bucket start, so they fall on the
grid ``start, start+step, ...``. Otherwise the file's points are returned
unchanged. For a one-series file any ``metric`` name selects the series,
which is returned under that name (so ``pull("cpu_utilization",
source="nab.csv")`` yields ``unique_id == "cpu_utilization"``); a
multi-series file needs a ``unique_id`` present in it.

Reads are cached per (path, modification time, size, options) within a
process, so repeated fetches parse the file once. Errors are
:class:`~capacity.errors.FileFormatError` naming the file, column and line
(CSV: line of the file, header = line 1; Parquet: row, first row = 1).
"""

from __future__ import annotations

import re
import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ..core import frame as _frame
from ..core.errors import ConfigError, FileFormatError, UnknownMetricError
from ..core.windows import check_tz
from ..metrics.promql import is_metric_name
from .base import Progress, Pulled
from .registry import register

CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz")
PARQUET_SUFFIXES = (".parquet", ".pq")
LAYOUTS = "unique_id,ds,y[,labels...] | timestamp,value | ds,y"

_NAN_TEXT = frozenset({"nan", "+nan", "-nan"})
_AWARE_RE = r"\d[T ]?\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)$"
_EPOCH_RE = r"\d{9,14}(?:\.\d+)?"
_CACHE_SIZE = 16
_PANDAS = tuple(int(n) for n in re.findall(r"\d+", pd.__version__)[:2])
# Before 3.1 pandas turns decimal text into floats (read_csv's default converter, to_numeric) with a parser of its
# own that is at times one ulp off ("7.3020000000000005" -> 7.302); from 3.1 they are correctly rounded, as by
# Python's float() (and read_csv's float_precision is deprecated). Before 3.1, numbers are read by float():
# read_csv's float_precision="round_trip", and _parse_y reads again what to_numeric read.
_EXACT_FLOATS = _PANDAS >= (3, 1)
_FLOAT_PRECISION: Literal["round_trip"] | None = None if _EXACT_FLOATS else "round_trip"


@dataclass(frozen=True)
class _Table:
    """A parsed file: every series, sorted and de-duplicated."""

    series: dict[str, pd.DataFrame]  # unique_id -> canonical frame of that series
    labels: pd.DataFrame
    steps: dict[str, pd.Timedelta | None]  # unique_id -> median spacing
    warnings: tuple[str, ...]  # about the whole file
    series_warnings: dict[str, tuple[str, ...]]
    one_series: bool


_cache: OrderedDict[tuple, _Table] = OrderedDict()
_cache_lock = threading.Lock()


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in CSV_SUFFIXES + PARQUET_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _stem(path: Path) -> str:
    name = path.name
    suffix = _suffix(path)
    return name[: -len(suffix)] if suffix and name.lower().endswith(suffix) else path.stem


class FileSource:
    """A CSV or Parquet file as a :class:`~capacity.sources.base.Source`."""

    def __init__(self, path: str | Path, *, tz: str | None = None, metric: str | None = None) -> None:
        self.path = Path(path)
        self.tz = tz
        self.metric = metric
        self.name = f"file {self.path}"
        suffix = _suffix(self.path)
        if suffix not in CSV_SUFFIXES + PARQUET_SUFFIXES:
            raise FileFormatError(
                f"file {self.path}: unsupported extension {suffix or '(none)'!r}; "
                f"use {', '.join(CSV_SUFFIXES + PARQUET_SUFFIXES)}",
                file=str(self.path),
            )
        if self.path.exists() and not self.path.is_file():  # a FIFO or device would block the read forever
            raise FileFormatError(
                f"file {self.path}: not a regular file (a directory, pipe or device); give a CSV or Parquet file",
                file=str(self.path),
            )
        if tz is not None:
            try:
                check_tz(tz)
            except ConfigError as exc:
                raise ConfigError(
                    f"tz: unknown time zone {tz!r} for file {self.path} (examples: UTC, Europe/Paris)",
                    file=str(self.path),
                    field="tz",
                ) from exc

    # -- Source protocol -------------------------------------------------
    def span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        table = self._table()
        parts = [s["ds"] for s in table.series.values() if len(s)]
        if not parts:
            return None
        return min(p.iloc[0] for p in parts), max(p.iloc[-1] for p in parts)

    def series(self) -> tuple[str, ...]:
        """The ``unique_id`` of every series in the file, sorted."""
        return tuple(self._table().series)

    def fetch(
        self,
        metric: str | None,
        start: pd.Timestamp,
        end: pd.Timestamp,
        step: pd.Timedelta,
        *,
        progress: Progress | None = None,
    ) -> Pulled:
        table = self._table()
        uid, name, notes = self._select(table, metric)
        start, end = _utc(start), _utc(end)
        data = table.series[uid]
        data = data[(data["ds"] >= start) & (data["ds"] <= end)]
        own = table.steps[uid]
        if own is not None and step is not None and pd.Timedelta(step) > own:
            data = _bucket_mean(data, start, pd.Timedelta(step))
        else:
            data = data.reset_index(drop=True)
        data = data.copy()
        labels = table.labels[table.labels["unique_id"] == uid].reset_index(drop=True)
        if name != uid:
            data["unique_id"] = name
            labels = labels.assign(unique_id=name)
        if progress is not None:
            progress(len(data), len(data))
        warnings = table.warnings + table.series_warnings.get(uid, ()) + notes
        return Pulled(data, labels, warnings)

    # -- helpers ---------------------------------------------------------
    def _select(self, table: _Table, metric: str | None) -> tuple[str, str, tuple[str, ...]]:
        ids = list(table.series)
        if metric is not None and metric in table.series:
            return metric, metric, ()
        if table.one_series:
            uid = ids[0]
            if metric is None:
                return uid, uid, ()
            if is_metric_name(metric):
                return uid, metric, (f"{self.name} holds one series ({uid}); returned it as {metric!r}",)
            # a selector or expression asks for particular series (an SLO's histogram buckets, say):
            # answering with the file's one series would feed the wrong data on
            raise UnknownMetricError(
                f"{self.name} holds one series ({uid}), not {metric!r}; a file answers a selector or "
                "expression only with a series of that exact unique_id (canonical layout)",
                name=metric,
                known=ids,
            )
        shown = ", ".join(ids[:20]) + (f", ... ({len(ids)} in all)" if len(ids) > 20 else "")
        if metric is None:
            raise UnknownMetricError(f"{self.name} holds several series; name one of: {shown}", name=None, known=ids)
        raise UnknownMetricError(
            f"{self.name}: no series {metric!r}; the file holds: {shown or '(none)'}", name=metric, known=ids
        )

    def _table(self) -> _Table:
        try:
            st = self.path.stat()
        except OSError as exc:
            raise FileFormatError(f"file {self.path}: cannot read it ({exc.strerror})", file=str(self.path)) from exc
        key = (str(self.path.resolve()), st.st_mtime_ns, st.st_size, self.tz, self.metric)
        with _cache_lock:
            hit = _cache.get(key)
            if hit is not None:
                _cache.move_to_end(key)
                return hit
        table = _read(self.path, tz=self.tz, metric=self.metric)
        with _cache_lock:
            _cache[key] = table
            while len(_cache) > _CACHE_SIZE:
                _cache.popitem(last=False)
        return table


def _utc(ts: pd.Timestamp) -> pd.Timestamp:
    ts = pd.Timestamp(ts)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def _bucket_mean(data: pd.DataFrame, start: pd.Timestamp, step: pd.Timedelta) -> pd.DataFrame:
    """Mean of ``y`` per bucket ``[start + k*step, start + (k+1)*step)``, labelled at the bucket start."""
    if data.empty:
        return data.reset_index(drop=True)
    offset = pd.DatetimeIndex(data["ds"]).asi8 - start.as_unit("ns").value
    k = offset // step.as_unit("ns").value
    means = data["y"].groupby(k).mean()  # NaN skipped; a bucket of NaN only gives NaN
    offsets = means.index.to_numpy(dtype="int64") * step.as_unit("ns").value
    ds = start.as_unit("ns") + pd.to_timedelta(offsets, unit="ns")
    return pd.DataFrame(
        {
            "unique_id": np.full(len(means), data["unique_id"].iloc[0], dtype=object),
            "ds": pd.DatetimeIndex(ds).as_unit("ns"),
            "y": means.to_numpy(dtype="float64"),
        }
    )


# -- reading -----------------------------------------------------------------
class _Where:
    """Names a data row the way a person finds it in the file."""

    def __init__(self, path: Path, is_csv: bool) -> None:
        self.path, self.is_csv = path, is_csv

    def row(self, i: int) -> int:
        return i + 2 if self.is_csv else i + 1

    def error(self, i: int | None, column: str | None, text: str) -> FileFormatError:
        parts = [f"file {self.path}"]
        row = None
        if i is not None:
            row = self.row(i)
            parts.append(f"{'line' if self.is_csv else 'row'} {row}")
        if column is not None:
            parts.append(f"column {column}")
        return FileFormatError(f"{', '.join(parts)}: {text}", file=str(self.path), column=column, row=row)


@dataclass(frozen=True)
class _Layout:
    ts: str
    y: str
    uid: str | None  # None: one series named after the file
    labels: tuple[str, ...]
    ignored: tuple[str, ...]


def _layout(cols: list[str], where: _Where) -> _Layout:
    if {"unique_id", "ds", "y"} <= set(cols):
        return _Layout("ds", "y", "unique_id", tuple(c for c in cols if c not in ("unique_id", "ds", "y")), ())
    lower = {c.lower(): c for c in cols}
    for ts, y in (("timestamp", "value"), ("ds", "y")):
        if ts in lower and y in lower:
            pair = (lower[ts], lower[y])
            return _Layout(pair[0], pair[1], None, (), tuple(c for c in cols if c not in pair))
    raise where.error(
        None, cols[0] if cols else None, f"columns {', '.join(cols) or '(none)'} match no accepted layout ({LAYOUTS})"
    )


def _read(path: Path, *, tz: str | None, metric: str | None) -> _Table:
    is_csv = _suffix(path) in CSV_SUFFIXES
    where = _Where(path, is_csv)
    raw, lay = _read_csv(path, where) if is_csv else _read_parquet(path, where)
    notes: list[str] = []
    if lay.ignored:
        notes.append(f"file {path}: ignored column(s) {', '.join(lay.ignored)}")
    name = metric or _stem(path)
    if lay.uid is not None:
        uid = _text(raw[lay.uid])
        empty = np.flatnonzero((uid == "").to_numpy())
        if len(empty):
            raise where.error(int(empty[0]), lay.uid, "empty series name")
    ds, tz_note = _parse_ds(raw[lay.ts], lay.ts, tz, where)
    if tz_note:
        notes.append(tz_note)
    y, present = _parse_y(raw[lay.y], lay.y, where)
    if lay.uid is not None:
        codes, names = pd.factorize(uid, sort=True)
    else:
        codes, names = np.zeros(len(raw), dtype=np.intp), pd.Index([name], dtype=object)
    keep = np.flatnonzero(present)
    if len(keep) < len(raw):
        notes.append(f"file {path}: {len(raw) - len(keep)} row(s) with an empty {lay.y} left out (missing samples)")
    ds_i8 = ds.asi8[keep]
    codes_k = codes[keep]
    order = keep[np.lexsort((ds_i8, codes_k))]  # stable: among equal (series, time) file order is kept
    c_sorted, t_sorted = codes[order], ds.asi8[order]
    same_as_next = (c_sorted[1:] == c_sorted[:-1]) & (t_sorted[1:] == t_sorted[:-1])
    dup = np.r_[same_as_next, False]  # a row equal to the next one is dropped: the last one wins
    series_notes: dict[str, tuple[str, ...]] = {}
    if dup.any():
        for code, n in zip(*np.unique(c_sorted[dup], return_counts=True), strict=False):
            sid = str(names[code])
            series_notes[sid] = (
                f"file {path}: {int(n)} duplicate timestamp(s) in series {sid}; kept the last row of each",
            )
        order, c_sorted = order[~dup], c_sorted[~dup]
    labels = (
        _labels(uid, raw, lay.labels, path, notes) if lay.labels else _frame.labels_table({str(n): {} for n in names})
    )
    series: dict[str, pd.DataFrame] = {}
    steps: dict[str, pd.Timedelta | None] = {}
    if not len(order):
        notes.append(f"file {path}: no data rows")
        if lay.uid is None:
            series[name], steps[name] = _frame.empty(), None
    bounds = np.flatnonzero(np.r_[True, c_sorted[1:] != c_sorted[:-1], True]) if len(order) else np.array([0])
    ds_all, y_all = ds[order], y[order]
    for a, b in zip(bounds[:-1], bounds[1:], strict=False):
        sid = str(names[c_sorted[a]])
        part_ds = ds_all[a:b]
        series[sid] = pd.DataFrame({"unique_id": np.full(b - a, sid, dtype=object), "ds": part_ds, "y": y_all[a:b]})
        diffs = np.diff(part_ds.asi8)
        steps[sid] = pd.Timedelta(int(np.median(diffs)), unit="ns") if len(diffs) else None
    return _Table(series, labels, steps, tuple(notes), series_notes, lay.uid is None)


def _text(col: pd.Series) -> pd.Series:
    """A column as stripped str (missing -> "")."""
    if not pd.api.types.is_string_dtype(col.dtype) or col.dtype == object:
        col = col.astype(object).where(col.notna(), "").astype(str)
    return col.fillna("").str.strip()


def _read_csv(path: Path, where: _Where) -> tuple[pd.DataFrame, _Layout]:
    try:
        head = pd.read_csv(
            path, nrows=0, compression="infer", encoding="utf-8-sig", keep_default_na=False, na_filter=False
        )
        cols = [str(c).strip() for c in head.columns]
        lay = _layout(cols, where)
        # every column as text but the value column, which pandas parses as numbers when it can (fast path);
        # a value column with anything else (empty cells, NaN text, typos) stays text for _parse_y
        dtypes = {orig: str for orig, c in zip(head.columns, cols, strict=False) if c != lay.y}
        raw = pd.read_csv(
            path,
            dtype=dtypes,
            skipinitialspace=True,
            compression="infer",
            encoding="utf-8-sig",
            keep_default_na=False,
            na_filter=False,
            float_precision=_FLOAT_PRECISION,
        )
    except pd.errors.EmptyDataError as exc:
        raise where.error(None, None, f"the file is empty (expected a header: {LAYOUTS})") from exc
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+), saw (\d+)", str(exc))
        detail = (
            f"line {m.group(1)}: malformed CSV, {m.group(2)} fields, more than the header"
            if m
            else ("malformed CSV: " + " ".join(str(exc).split()))
        )
        raise FileFormatError(f"file {path}, {detail}", file=str(path), row=int(m.group(1)) if m else None) from exc
    except UnicodeDecodeError as exc:
        raise where.error(None, None, f"not UTF-8 text (byte {exc.start}): is it really a CSV file?") from exc
    except FileFormatError:
        raise
    except Exception as exc:  # OSError, EOFError, lzma/bz2 errors of a damaged compressed file...
        raise where.error(
            None, None, f"cannot read it ({type(exc).__name__}: {' '.join(str(exc).split())[:200]})"
        ) from exc
    raw.columns = cols
    return raw, lay


def _read_parquet(path: Path, where: _Where) -> tuple[pd.DataFrame, _Layout]:
    try:
        raw = pd.read_parquet(path)
    except OSError as exc:
        raise where.error(None, None, f"cannot read it as Parquet ({' '.join(str(exc).split())[:200]})") from exc
    except Exception as exc:  # pyarrow.ArrowInvalid and friends
        raise where.error(None, None, f"not a valid Parquet file ({' '.join(str(exc).split())[:200]})") from exc
    raw.columns = [str(c).strip() for c in raw.columns]
    return raw.reset_index(drop=True), _layout(list(raw.columns), where)


def _parse_ds(col: pd.Series, name: str, tz: str | None, where: _Where) -> tuple[pd.DatetimeIndex, str | None]:
    try:
        return _parse_ds_any(col, name, tz, where)
    except (pd.errors.OutOfBoundsDatetime, OverflowError):
        i = _first_out_of_range(col)
        what = f"timestamp {col.iloc[i]!r}" if i is not None else "a timestamp"
        raise where.error(i, name, f"{what} is outside what can be held (1677-09-22 to 2262-04-11 UTC)") from None


def _first_out_of_range(col: pd.Series) -> int | None:
    for i, v in enumerate(col.to_numpy(dtype=object)):
        try:
            ts = pd.Timestamp(v)
            ts.as_unit("ns")
        except (ValueError, OverflowError, TypeError):
            return i
    return None


def _parse_ds_any(col: pd.Series, name: str, tz: str | None, where: _Where) -> tuple[pd.DatetimeIndex, str | None]:
    if isinstance(col.dtype, pd.DatetimeTZDtype):
        return pd.DatetimeIndex(col).tz_convert("UTC").as_unit("ns"), None
    if pd.api.types.is_datetime64_dtype(col.dtype):
        return _localize(pd.DatetimeIndex(col), tz, where, name)
    if pd.api.types.is_numeric_dtype(col.dtype) and not pd.api.types.is_bool_dtype(col.dtype):
        col = col.astype("float64").map(lambda v: "" if np.isnan(v) else repr(v))
    text = _text(col)
    empty = np.flatnonzero((text == "").to_numpy())
    if len(empty):
        raise where.error(int(empty[0]), name, "empty timestamp")
    if not len(text):
        return pd.DatetimeIndex([], dtype=_frame.DS_DTYPE), None
    if re.fullmatch(_EPOCH_RE, text.iloc[0]) and text.str.fullmatch(_EPOCH_RE).all():
        num = text.astype("float64")
        unit: Literal["ms", "s"] = "ms" if num.abs().max() >= 1e11 else "s"
        return pd.DatetimeIndex(pd.to_datetime(num, unit=unit, utc=True)).as_unit("ns"), None
    try:  # fast path: ISO 8601, all naive or all with the same offset
        idx = _iso8601(text)
    except (ValueError, TypeError, OverflowError):
        idx = _parse_ds_slowly(text, name, where)
    if idx.tz is not None:
        return idx.tz_convert("UTC").as_unit("ns"), None
    return _localize(idx, tz, where, name)


def _iso8601(text: pd.Series) -> pd.DatetimeIndex:
    """``text`` read as ISO 8601; ValueError when offsets differ (or some have one and some not)."""
    if _PANDAS >= (3, 0):
        return pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601"))  # raises on mixed offsets
    with warnings.catch_warnings():  # pandas 2 gives objects, and warns that 3 raises: DatetimeIndex raises then
        warnings.filterwarnings("ignore", "In a future version of pandas, parsing datetimes with mixed time zones")
        parsed = pd.to_datetime(text, format="ISO8601")
    return pd.DatetimeIndex(parsed)


def _parse_ds_slowly(text: pd.Series, name: str, where: _Where) -> pd.DatetimeIndex:
    """Mixed offsets, other date formats, or a bad cell to point at."""
    aware = text.str.contains(_AWARE_RE, case=False, regex=True).to_numpy()
    if aware.any() and not aware.all():
        i = int(np.flatnonzero(aware != aware[0])[0])
        raise where.error(i, name, f"timestamp {text.iloc[i]!r} mixes time-zone-aware and naive timestamps in one file")
    is_aware = bool(aware[0])
    out = None
    for fmt in ("ISO8601", "mixed"):
        try:
            out = pd.to_datetime(text, format=fmt, utc=is_aware, errors="coerce")
        except (ValueError, TypeError, OverflowError):
            continue
        if not out.isna().any():
            return pd.DatetimeIndex(out)
    bad = np.flatnonzero(pd.isna(out)) if out is not None else np.array([0])
    i = int(bad[0])
    raise where.error(
        i,
        name,
        f"cannot read {text.iloc[i]!r} as a timestamp (ISO 8601 like 2014-02-14 14:30:00 or 2026-10-01T00:00:00Z)",
    )


def _localize(idx: pd.DatetimeIndex, tz: str | None, where: _Where, name: str) -> tuple[pd.DatetimeIndex, str | None]:
    if tz is None:
        note = f"file {where.path}: timestamps have no time zone; read as UTC (give tz= / --tz if they are local time)"
        return idx.tz_localize("UTC").as_unit("ns"), note if len(idx) else None
    try:
        return idx.tz_localize(tz, ambiguous="infer", nonexistent="raise").tz_convert("UTC").as_unit("ns"), None
    except Exception as exc:  # AmbiguousTimeError / NonExistentTimeError / ValueError
        probe = idx.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
        bad = np.flatnonzero(pd.isna(probe))
        i = int(bad[0]) if len(bad) else None
        shown = idx[i].isoformat(sep=" ") if i is not None else ""
        raise where.error(
            i,
            name,
            f"local time {shown} does not exist or is ambiguous in {tz} (a DST change); give timestamps with an offset",
        ) from exc


def _parse_y(col: pd.Series, name: str, where: _Where) -> tuple[np.ndarray, np.ndarray]:
    if pd.api.types.is_bool_dtype(col.dtype):
        raise where.error(None, name, "values are booleans, expected numbers")
    if pd.api.types.is_numeric_dtype(col.dtype):
        values = col.astype("float64").to_numpy()
        return values, np.ones(len(values), dtype=bool)
    text = _text(col)
    present = (text != "").to_numpy()
    values = pd.to_numeric(text.where(present, "nan"), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    if not _EXACT_FLOATS:  # the numbers to_numeric read, read again by float() (into a copy: may be read-only)
        read = ~np.isnan(values)
        values = values.copy()
        values[read] = text.to_numpy(dtype=object)[read].astype("float64")
    bad = np.isnan(values) & present & ~text.str.lower().isin(_NAN_TEXT).to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise where.error(i, name, f"cannot read {text.iloc[i]!r} as a number")
    return values, present


def _labels(uid: pd.Series, raw: pd.DataFrame, cols: tuple[str, ...], path: Path, notes: list[str]) -> pd.DataFrame:
    """One row per series: its label values (the last row's when they vary), as str; empty -> missing."""
    table = raw[list(cols)].copy()
    table.insert(0, "unique_id", uid.to_numpy(dtype=object))
    distinct = table.drop_duplicates()  # small: one row per series unless labels vary
    varying = distinct["unique_id"].duplicated()
    if varying.any():
        notes.append(
            f"file {path}: labels vary within series {distinct.loc[varying, 'unique_id'].iloc[0]}; kept the last row's"
        )
    out = distinct.drop_duplicates("unique_id", keep="last").sort_values("unique_id", kind="stable")
    for c in cols:
        v = out[c]
        out[c] = [
            None if x is None or (isinstance(x, float) and np.isnan(x)) or str(x).strip() == "" else str(x).strip()
            for x in v
        ]
    return out.reset_index(drop=True).astype(object)


register(FileSource, kind="file", fallback=True)
