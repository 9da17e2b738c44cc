"""FileSource on real data (NAB, Wikipedia) and on every kind of bad input.

The oracle for values is an independent reading of the raw CSV with the csv
module and datetime (no pandas), applying the documented rules by hand:
sort by time, the last row of a duplicate timestamp wins, gaps stay gaps.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import math
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from capacity.core import frame as F
from capacity.core.errors import ConfigError, FileFormatError, UnknownMetricError
from capacity.sources import Source, resolve
from capacity.sources.files import FileSource

REAL = Path(__file__).resolve().parents[2] / "data" / "real"
NAB = REAL / "nab-aws-cloudwatch"
WIKI = REAL / "wikipedia-pageviews" / "wp_R_daily_views.csv"
FIVE_MIN = pd.Timedelta(minutes=5)
UTC = dt.UTC


def raw_rows(path: Path) -> list[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        return [(r[0], r[1]) for r in reader]


def oracle(path: Path, tz: dt.tzinfo = UTC) -> dict[dt.datetime, float]:
    """{utc datetime: value}, last row of each timestamp winning."""
    out: dict[dt.datetime, float] = {}
    for ts, value in raw_rows(path):
        t = dt.datetime.fromisoformat(ts).replace(tzinfo=tz).astimezone(UTC)
        out[t] = float(value)
    return dict(sorted(out.items()))


def as_pairs(frame: pd.DataFrame) -> dict[dt.datetime, float]:
    return {ts.to_pydatetime(): float(y) for ts, y in zip(frame["ds"], frame["y"], strict=False)}


def whole(src: FileSource, metric: str | None = None, step: pd.Timedelta = FIVE_MIN):
    start, end = src.span()
    return src.fetch(metric, start, end, step)


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


# -- real data ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "ec2_network_in_5abac7.csv",
        "ec2_disk_write_bytes_1ef3de.csv",
        "elb_request_count_8c0756.csv",
        "ec2_cpu_utilization_825cc2.csv",
        "rds_cpu_utilization_cc0c53.csv",
        "ec2_cpu_utilization_24ae8d.csv",
    ],
)
def test_nab_values_equal_an_independent_reading(name: str) -> None:
    path = NAB / name
    src = FileSource(path)
    got = whole(src)
    F.validate(got.frame)
    assert isinstance(src, Source)
    assert set(got.frame["unique_id"]) == {path.stem}
    assert as_pairs(got.frame) == oracle(path)
    expected = oracle(path)
    assert src.span() == (pd.Timestamp(min(expected)), pd.Timestamp(max(expected)))
    assert any("no time zone" in w and "UTC" in w for w in got.warnings)


def test_duplicates_keep_the_last_row_and_are_counted() -> None:
    path = NAB / "ec2_network_in_5abac7.csv"
    rows = raw_rows(path)
    at_dup = [float(v) for ts, v in rows if ts == "2014-03-09 03:00:00"]
    assert len(at_dup) == 12 and len(set(at_dup)) > 1  # the quirk is really there
    got = whole(FileSource(path))
    row = got.frame[got.frame["ds"] == pd.Timestamp("2014-03-09 03:00:00", tz="UTC")]
    assert row["y"].tolist() == [at_dup[-1]]
    n_dups = len(rows) - len({ts for ts, _ in rows})
    assert n_dups == 11
    assert len(got.frame) == len(rows) - n_dups
    assert [w for w in got.warnings if "duplicate" in w] == [
        f"file {path}: 11 duplicate timestamp(s) in series {path.stem}; kept the last row of each"
    ]


def test_gaps_stay_missing_rows() -> None:
    path = NAB / "elb_request_count_8c0756.csv"
    stamps = sorted(dt.datetime.fromisoformat(ts) for ts, _ in raw_rows(path))
    gaps_raw = sum(1 for a, b in zip(stamps, stamps[1:], strict=False) if b - a > dt.timedelta(minutes=5))
    assert gaps_raw == 8
    got = whole(FileSource(path)).frame
    diffs = got["ds"].diff().dropna()
    assert int((diffs > FIVE_MIN).sum()) == 8
    assert not got["y"].isna().any()


def test_wikipedia_unsorted_rows_are_sorted_and_29_days_missing() -> None:
    rows = raw_rows(WIKI)
    stamps = [dt.date.fromisoformat(ts) for ts, _ in rows]
    assert stamps != sorted(stamps)  # really unsorted
    src = FileSource(WIKI)
    got = whole(src, step=pd.Timedelta(days=1)).frame
    F.validate(got)
    expected = {dt.datetime.combine(d, dt.time(), UTC): float(v) for d, (_, v) in zip(stamps, rows, strict=False)}
    assert as_pairs(got) == dict(sorted(expected.items()))
    first, last = min(stamps), max(stamps)
    # 29 gaps (the shared README's "29 days missing" counts gaps) holding 59 missing days in all
    assert (last - first).days + 1 - len(got) == 59
    assert int((got["ds"].diff().dropna() > pd.Timedelta(days=1)).sum()) == 29
    assert got["unique_id"].iloc[0] == "wp_R_daily_views"


def test_naive_timestamps_in_an_explicit_time_zone() -> None:
    path = NAB / "ec2_network_in_5abac7.csv"  # spans the 2014-03-09 US DST change
    ny = ZoneInfo("America/New_York")
    got = whole(FileSource(path, tz="America/New_York"))
    assert as_pairs(got.frame) == oracle(path, tz=ny)
    assert not any("no time zone" in w for w in got.warnings)
    first = got.frame["ds"].iloc[0]
    assert first == pd.Timestamp("2014-03-01 22:36:00", tz="UTC")  # 17:36 EST = UTC-5


def test_a_time_skipped_by_dst_is_an_error_naming_the_line(tmp_path: Path) -> None:
    p = write(tmp_path, "local.csv", "timestamp,value\n2014-03-09 01:30:00,1\n2014-03-09 02:30:00,2\n")
    with pytest.raises(FileFormatError) as err:
        FileSource(p, tz="America/New_York").span()
    assert str(err.value).startswith(f"file {p}, line 3, column timestamp: local time 2014-03-09 02:30:00")
    assert err.value.row == 3 and err.value.column == "timestamp"


def test_unknown_time_zone(tmp_path: Path) -> None:
    p = write(tmp_path, "x.csv", "ds,y\n2020-01-01,1\n")
    with pytest.raises(ConfigError, match="unknown time zone 'Mars/Olympus'"):
        FileSource(p, tz="Mars/Olympus")


# -- resampling and range --------------------------------------------------------------
def test_coarser_step_is_the_mean_per_bucket_labelled_at_bucket_start() -> None:
    path = NAB / "elb_request_count_8c0756.csv"
    truth = oracle(path)
    start = pd.Timestamp("2014-04-11 00:00:00", tz="UTC").to_pydatetime()
    end = pd.Timestamp("2014-04-13 12:00:00", tz="UTC").to_pydatetime()
    step = dt.timedelta(hours=1)
    buckets: dict[dt.datetime, list[float]] = {}
    for t, v in truth.items():
        if start <= t <= end:
            k = (t - start) // step
            buckets.setdefault(start + k * step, []).append(v)
    expected = {b: sum(vs) / len(vs) for b, vs in sorted(buckets.items())}
    got = FileSource(path).fetch("requests", pd.Timestamp(start), pd.Timestamp(end), pd.Timedelta(hours=1))
    F.validate(got.frame)
    pairs = as_pairs(got.frame)
    assert list(pairs) == list(expected)
    for key, value in expected.items():
        assert math.isclose(pairs[key], value, rel_tol=1e-12)
    assert set(got.frame["unique_id"]) == {"requests"}


def test_equal_or_finer_step_keeps_the_file_points_within_the_inclusive_range() -> None:
    path = NAB / "ec2_cpu_utilization_24ae8d.csv"
    truth = oracle(path)
    keys = list(truth)
    start, end = keys[10], keys[20]
    got = FileSource(path).fetch(None, pd.Timestamp(start), pd.Timestamp(end), pd.Timedelta(minutes=1))
    assert as_pairs(got.frame) == {k: truth[k] for k in keys[10:21]}


def test_bucket_with_only_nan_is_nan_and_empty_bucket_is_no_row(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "s.csv",
        "ds,y\n2020-01-01T00:00:00Z,NaN\n2020-01-01T00:01:00Z,nan\n"
        "2020-01-01T00:02:00Z,1\n2020-01-01T00:03:00Z,3\n2020-01-01T00:06:00Z,5\n",
    )
    src = FileSource(p)
    got = src.fetch(
        "s", pd.Timestamp("2020-01-01", tz="UTC"), pd.Timestamp("2020-01-01 00:07", tz="UTC"), pd.Timedelta(minutes=2)
    ).frame
    assert got["ds"].dt.strftime("%H:%M").tolist() == ["00:00", "00:02", "00:06"]
    assert np.isnan(got["y"].iloc[0]) and got["y"].tolist()[1:] == [2.0, 5.0]


# -- layouts --------------------------------------------------------------------------
def test_canonical_csv_with_labels_and_several_series(tmp_path: Path) -> None:
    p = write(
        tmp_path,
        "multi.csv",
        "unique_id,ds,y,job,instance\n"
        "b,2020-01-01T00:01:00Z,2,api,h2\n"
        'a,2020-01-01T00:00:00+01:00,"1.5",api,h1\n'
        "a,2019-12-31T23:01:00Z,7,api,h1\n"
        "b,2020-01-01T00:00:00Z,1e3,api,\n",
    )
    src = FileSource(p)
    assert src.series() == ("a", "b")
    assert src.span() == (pd.Timestamp("2019-12-31T23:00:00Z"), pd.Timestamp("2020-01-01T00:01:00Z"))
    a = src.fetch("a", *src.span(), pd.Timedelta(minutes=1))
    assert a.frame["ds"].tolist() == [pd.Timestamp("2019-12-31T23:00:00Z"), pd.Timestamp("2019-12-31T23:01:00Z")]
    assert a.frame["y"].tolist() == [1.5, 7.0]
    assert a.labels.to_dict("records") == [{"unique_id": "a", "instance": "h1", "job": "api"}] or a.labels.to_dict(
        "records"
    ) == [{"unique_id": "a", "job": "api", "instance": "h1"}]
    b = src.fetch("b", *src.span(), pd.Timedelta(minutes=1))
    assert b.frame["y"].tolist() == [1000.0, 2.0]
    with pytest.raises(UnknownMetricError) as err:
        src.fetch("c", *src.span(), pd.Timedelta(minutes=1))
    assert str(err.value) == f"file {p}: no series 'c'; the file holds: a, b"
    assert err.value.known == ["a", "b"]


def test_parquet_canonical_with_string_values_and_naive_datetimes(tmp_path: Path) -> None:
    p = tmp_path / "x.parquet"
    pd.DataFrame(
        {
            "unique_id": ["s", "s", "s"],
            "ds": pd.to_datetime(["2020-01-01 00:02", "2020-01-01 00:00", "2020-01-01 00:01"]),
            "y": ["3", "1", " 2 "],
            "env": ["prod", "prod", "prod"],
        }
    ).to_parquet(p, index=False)
    got = FileSource(p, tz="Europe/Paris").fetch(
        "s", pd.Timestamp("2019-12-31 22:00Z"), pd.Timestamp("2020-01-01 00:00Z"), pd.Timedelta(minutes=1)
    )
    F.validate(got.frame)
    assert got.frame["y"].tolist() == [1.0, 2.0, 3.0]
    assert got.frame["ds"].iloc[0] == pd.Timestamp("2019-12-31 23:00Z")  # Paris is UTC+1 in winter
    assert got.labels.to_dict("records") == [{"unique_id": "s", "env": "prod"}]


def test_parquet_aware_numeric(tmp_path: Path) -> None:
    p = tmp_path / "y.pq"
    pd.DataFrame(
        {
            "timestamp": pd.date_range("2020-01-01", periods=3, freq="h", tz="Asia/Tokyo"),
            "value": np.array([1, 2, 3], dtype="int64"),
        }
    ).to_parquet(p, index=False)
    got = whole(FileSource(p, metric="tokyo"), step=pd.Timedelta(hours=1))
    assert got.frame["ds"].iloc[0] == pd.Timestamp("2019-12-31 15:00Z")
    assert got.frame["unique_id"].iloc[0] == "tokyo" and got.frame["y"].dtype == np.float64
    assert got.warnings == ()


def test_csv_gz_epoch_seconds_and_uppercase_header(tmp_path: Path) -> None:
    p = tmp_path / "load.csv.gz"
    with gzip.open(p, "wt") as fh:
        fh.write("Timestamp,Value\n1600000060,2\n1600000000,1\n")
    src = FileSource(p)
    got = whole(src, step=pd.Timedelta(minutes=1))
    assert got.frame["unique_id"].tolist() == ["load", "load"]
    assert got.frame["ds"].tolist() == [
        pd.Timestamp(1600000000, unit="s", tz="UTC"),
        pd.Timestamp(1600000060, unit="s", tz="UTC"),
    ]
    assert got.warnings == ()


def test_empty_values_are_missing_rows_and_nan_text_is_nan(tmp_path: Path) -> None:
    p = write(tmp_path, "gappy.csv", "ds,y\n2020-01-01,1\n2020-01-02,\n2020-01-03,NaN\n2020-01-04,inf\n")
    got = whole(FileSource(p), step=pd.Timedelta(days=1))
    assert got.frame["ds"].dt.day.tolist() == [1, 3, 4]
    y = got.frame["y"].tolist()
    assert y[0] == 1.0 and np.isnan(y[1]) and y[2] == math.inf
    assert any("1 row(s) with an empty y left out" in w for w in got.warnings)


@pytest.mark.parametrize("empty_cell", [False, True])  # a number column; a text column (an empty cell)
def test_values_are_read_as_float_reads_them(tmp_path: Path, empty_cell: bool) -> None:
    # 17 significant digits, as in the NAB files: pandas before 3.1 reads these one ulp off by default
    texts = ["7.3020000000000005", "0.20199999999999999", "92.24799999999999", "6.2520000000000024"]
    rows = [f"2020-01-0{i + 1},{t}" for i, t in enumerate(texts)] + (["2020-01-09,"] if empty_cell else [])
    got = whole(FileSource(write(tmp_path, "digits.csv", "ds,y\n" + "\n".join(rows) + "\n")), step=pd.Timedelta(days=1))
    assert got.frame["y"].tolist() == [float(t) for t in texts]


def test_header_only_file_is_an_empty_series(tmp_path: Path) -> None:
    p = write(tmp_path, "nothing.csv", "timestamp,value\n")
    src = FileSource(p)
    assert src.span() is None
    got = src.fetch(None, pd.Timestamp("2020-01-01T00:00Z"), pd.Timestamp("2020-01-02T00:00Z"), pd.Timedelta(hours=1))
    F.validate(got.frame)
    assert got.frame.empty and src.series() == ("nothing",)


def test_one_series_file_answers_any_name_and_says_so() -> None:
    src = FileSource(WIKI)
    day = pd.Timedelta(days=1)
    got = src.fetch("r_views", pd.Timestamp("2015-12-30T00:00Z"), pd.Timestamp("2015-12-31T00:00Z"), day)
    assert got.frame["unique_id"].tolist() == ["r_views", "r_views"]
    assert got.labels["unique_id"].tolist() == ["r_views"]
    assert any("holds one series (wp_R_daily_views); returned it as 'r_views'" in w for w in got.warnings)


def test_resolve_picks_the_file_source() -> None:
    src = resolve(str(WIKI), tz="UTC")
    assert isinstance(src, FileSource) and src.name == f"file {WIKI}"


# -- read cache -------------------------------------------------------------------------
def test_reads_are_cached_per_path_and_mtime(tmp_path: Path) -> None:
    p = write(tmp_path, "c.csv", "ds,y\n2020-01-01,1\n")
    first = FileSource(p)._table()
    assert FileSource(p)._table() is first  # a second source on the same file reuses the parse
    p.write_text("ds,y\n2020-01-01,2\n2020-01-02,3\n", encoding="utf-8")
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    again = FileSource(p)
    assert again._table() is not first
    assert whole(again, step=pd.Timedelta(days=1)).frame["y"].tolist() == [2.0, 3.0]


# -- bad input: one line naming file, column and row ------------------------------------
BAD = {
    "extra_field": (
        "timestamp,value\n2020-01-01,1\n2020-01-02,2,3\n",
        "line 3: malformed CSV, 3 fields, more than the header",
    ),
    "wrong_columns": (
        "time,val\n2020-01-01,1\n",
        "column time: columns time, val match no accepted layout (unique_id,ds,y[,labels...] | timestamp,value | ds,y)",
    ),
    "not_a_number": ("ds,y\n2020-01-01,1\n2020-01-02,12O\n", "line 3, column y: cannot read '12O' as a number"),
    "bad_timestamp": (
        "ds,y\n2020-01-01,1\n2020-13-45,2\n",
        "line 3, column ds: cannot read '2020-13-45' as a timestamp",
    ),
    "empty_timestamp": ("ds,y\n2020-01-01,1\n,2\n", "line 3, column ds: empty timestamp"),
    "mixed_zones": (
        "ds,y\n2020-01-01 00:00:00,1\n2020-01-01 01:00:00Z,2\n",
        "line 3, column ds: timestamp '2020-01-01 01:00:00Z' mixes time-zone-aware and naive",
    ),
    "empty_file": ("", ": the file is empty (expected a header"),
    "empty_series_name": (
        "unique_id,ds,y\na,2020-01-01,1\n,2020-01-02,2\n",
        "line 3, column unique_id: empty series name",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_give_one_line_naming_the_place(tmp_path: Path, case: str) -> None:
    text, expected = BAD[case]
    p = write(tmp_path, f"{case}.csv", text)
    with pytest.raises(FileFormatError) as err:
        FileSource(p).span()
    msg = str(err.value)
    assert msg.startswith(f"file {p}"), msg
    assert expected in msg
    assert "\n" not in msg
    assert err.value.file == str(p)


def test_bad_value_error_carries_row_and_column(tmp_path: Path) -> None:
    p = write(tmp_path, "v.csv", "timestamp,value\n2020-01-01,1\n2020-01-02,2\n2020-01-03,abc\n")
    with pytest.raises(FileFormatError) as err:
        FileSource(p).span()
    assert (err.value.row, err.value.column) == (4, "value")


def test_unsupported_extension_and_not_parquet(tmp_path: Path) -> None:
    p = write(tmp_path, "x.xlsx", "whatever")
    with pytest.raises(FileFormatError, match=r"unsupported extension '\.xlsx'"):
        FileSource(p)
    q = write(tmp_path, "x.parquet", "ds,y\n2020-01-01,1\n")
    with pytest.raises(FileFormatError, match=rf"^file {q}: not a valid Parquet file"):
        FileSource(q).span()


def test_binary_csv_is_not_utf8(tmp_path: Path) -> None:
    p = tmp_path / "bin.csv"
    p.write_bytes(b"ds,y\n\xff\xfe\x00\x01,2\n")
    with pytest.raises(FileFormatError, match="not UTF-8 text"):
        FileSource(p).span()


def test_several_series_without_a_name(tmp_path: Path) -> None:
    p = write(tmp_path, "m.csv", "unique_id,ds,y\na,2020-01-01,1\nb,2020-01-01,1\n")
    with pytest.raises(UnknownMetricError, match="holds several series; name one of: a, b"):
        FileSource(p).fetch(
            None, pd.Timestamp("2020-01-01T00:00Z"), pd.Timestamp("2020-01-02T00:00Z"), pd.Timedelta(days=1)
        )


@pytest.mark.parametrize("name", ["damaged.csv.gz", "damaged.csv.xz", "damaged.csv.bz2"])
def test_damaged_compressed_csv(tmp_path: Path, name: str) -> None:
    p = tmp_path / name
    p.write_bytes(b"this is not compressed at all")
    with pytest.raises(FileFormatError, match=rf"^file {p}: cannot read it \("):
        FileSource(p).span()


def test_one_series_file_refuses_a_selector_it_cannot_answer(tmp_path):
    from capacity.core.errors import UnknownMetricError
    from capacity.sources.files import FileSource

    f = tmp_path / "cpu.csv"
    f.write_text("timestamp,value\n2026-01-01T00:00:00Z,1\n2026-01-01T00:01:00Z,2\n")
    src = FileSource(f)
    start, end = pd.Timestamp("2026-01-01", tz="UTC"), pd.Timestamp("2026-01-02", tz="UTC")
    # a bare name is answered (with a warning that says so)
    assert len(src.fetch("anything", start, end, pd.Timedelta("1m")).frame) == 2
    with pytest.raises(
        UnknownMetricError, match=r"holds one series \(cpu\), not 'http_request_duration_seconds_bucket\{le"
    ):
        src.fetch('http_request_duration_seconds_bucket{le="0.5"}', start, end, pd.Timedelta("1m"))


def test_a_fifo_or_directory_is_refused_without_blocking(tmp_path):
    from capacity.core.errors import FileFormatError
    from capacity.sources.files import FileSource

    fifo = tmp_path / "series.csv"
    os.mkfifo(fifo)  # reading it would wait for a writer forever
    (tmp_path / "dir.parquet").mkdir()
    for p in (fifo, tmp_path / "dir.parquet"):
        with pytest.raises(FileFormatError, match="not a regular file"):
            FileSource(p)


@pytest.mark.parametrize(
    ("rows", "line", "value"),
    [
        (["2026-01-01T00:00:00Z,1", "2300-01-01T00:00:00Z,2"], 3, "2300-01-01T00:00:00Z"),
        (["0001-01-01,1", "0001-01-02,2"], 2, "0001-01-01"),
    ],
)
def test_timestamps_pandas_cannot_hold_are_named_by_line(tmp_path, rows, line, value):
    from capacity.core.errors import FileFormatError
    from capacity.sources.files import FileSource

    path = tmp_path / "far.csv"
    path.write_text("timestamp,value\n" + "\n".join(rows) + "\n")
    with pytest.raises(FileFormatError) as err:
        FileSource(path).span()
    assert f"line {line}, column timestamp: timestamp {value!r} is outside what can be held" in str(err.value)
