"""``capacity pull`` through the real command line (``python -m capacity``), and the shared CLI helpers."""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capacity.cli import _common as C
from capacity.core import frame as F
from capacity.core.errors import ConfigError
from capacity.sources.files import FileSource

ROOT = Path(__file__).resolve().parents[2]
NAB = ROOT / "data" / "real" / "nab-aws-cloudwatch"
WIKI = ROOT / "data" / "real" / "wikipedia-pageviews" / "wp_R_daily_views.csv"
SENTINEL = b"precious earlier output\n"


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("CAPACITY_CATALOG", None)
    return subprocess.run(
        [sys.executable, "-m", "capacity", "pull", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def one_error_line(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if not ln.startswith("capacity pull: warning: ")]
    assert len(lines) == 1, proc.stderr  # (warnings before it: waits between retries)
    assert lines[0].startswith("capacity pull: error: "), lines[0]
    return lines[0]


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the block ends


# -- round trips ---------------------------------------------------------------------------
def expected_frame(path: Path, metric: str, start: str, end: str, step: pd.Timedelta) -> pd.DataFrame:
    got = FileSource(path).fetch(metric, pd.Timestamp(start), pd.Timestamp(end), step)
    return got.frame


def test_pull_to_parquet_round_trip(tmp_path: Path) -> None:
    src = NAB / "ec2_network_in_5abac7.csv"
    out = tmp_path / "net.parquet"
    proc = cli(
        "network_in",
        "--source",
        str(src),
        "--start",
        "2014-03-08",
        "--end",
        "2014-03-10T12:00:00Z",
        "--step",
        "5m",
        "--out",
        str(out),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    back = pd.read_parquet(out)
    F.validate(back)
    want = expected_frame(src, "network_in", "2014-03-08T00:00Z", "2014-03-10T12:00Z", pd.Timedelta(minutes=5))
    assert len(want) > 500
    pd.testing.assert_frame_equal(back, want, check_dtype=False)
    assert back["ds"].dtype == F.DS_DTYPE and back["y"].dtype == np.float64
    assert "11 duplicate timestamp(s)" in proc.stderr  # the source's warnings are shown, not dropped
    assert f"wrote {len(want)} rows of 1 series to {out}" in proc.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_pull_to_csv_round_trip_through_the_file_source(tmp_path: Path) -> None:
    out = tmp_path / "views.csv"
    labels = tmp_path / "labels.csv"
    proc = cli(
        "views",
        "--source",
        str(WIKI),
        "--start",
        "2015-01-01",
        "--end",
        "2015-12-31",
        "--step",
        "7d",
        "--out",
        str(out),
        "--labels",
        str(labels),
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    want = expected_frame(WIKI, "views", "2015-01-01T00:00Z", "2015-12-31T00:00Z", pd.Timedelta(days=7))
    back = FileSource(out).fetch(
        "views", pd.Timestamp("2015-01-01T00:00Z"), pd.Timestamp("2015-12-31T00:00Z"), pd.Timedelta(days=7)
    )
    pd.testing.assert_frame_equal(back.frame, want, check_dtype=False)
    assert not any("no time zone" in w for w in back.warnings)  # timestamps were written with Z
    text = out.read_text().splitlines()
    assert text[0] == "unique_id,ds,y" and text[1].startswith("views,2015-01-01T00:00:00Z,")
    assert pd.read_csv(labels)["unique_id"].tolist() == ["views"]
    # 7-day means labelled at the bucket start: the first one averages 2015-01-01..07 of the raw file
    raw = pd.read_csv(WIKI)
    first_week = raw[(raw["ds"] >= "2015-01-01") & (raw["ds"] <= "2015-01-07")]["y"]
    assert math.isclose(float(text[1].split(",")[2]), float(first_week.mean()), rel_tol=1e-12)


def test_pull_to_stdout_as_json_and_csv(tmp_path: Path) -> None:
    src = tmp_path / "s.csv"
    src.write_text("ds,y\n2020-01-01T00:00:00Z,1.5\n2020-01-01T00:01:00Z,NaN\n2020-01-01T00:02:00Z,3\n")
    proc = cli(
        "s",
        "--source",
        str(src),
        "--start",
        "2020-01-01",
        "--end",
        "2020-01-02",
        "--step",
        "1m",
        "--format",
        "json",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == [
        {"unique_id": "s", "ds": "2020-01-01T00:00:00Z", "y": 1.5},
        {"unique_id": "s", "ds": "2020-01-01T00:01:00Z", "y": None},
        {"unique_id": "s", "ds": "2020-01-01T00:02:00Z", "y": 3.0},
    ]
    proc = cli(
        "s",
        "--source",
        str(src),
        "--start",
        "2020-01-01",
        "--end",
        "2020-01-02",
        "--step",
        "1m",
        "--format",
        "csv",
        cwd=tmp_path,
    )
    assert proc.stdout.splitlines() == [
        "unique_id,ds,y",
        "s,2020-01-01T00:00:00Z,1.5",
        "s,2020-01-01T00:01:00Z,NaN",
        "s,2020-01-01T00:02:00Z,3.0",
    ]
    proc = cli("s", "--source", str(src), "--start", "2020-01-01", "--end", "2020-01-02", "--step", "1m", cwd=tmp_path)
    assert proc.stdout.splitlines()[0].split() == ["unique_id", "ds", "(UTC)", "y"]
    assert proc.stdout.splitlines()[2].split() == ["s", "2020-01-01", "00:01:00", "NaN"]


def test_list_series_of_a_file_and_help(tmp_path: Path) -> None:
    multi = tmp_path / "m.csv"
    multi.write_text("unique_id,ds,y\nbeta,2020-01-01,1\nalpha,2020-01-01,2\n")
    proc = cli("--list", "--source", str(multi), cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout.split() == ["unique_id", "alpha", "beta"]
    helptext = cli("--help", cwd=tmp_path).stdout
    assert "examples:" in helptext and "--out FILE" in helptext and "--labels FILE" in helptext


def test_list_prints_the_catalog(tmp_path: Path) -> None:
    from capacity.metrics.catalog import default_catalog

    proc = cli("--list", "--format", "json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    names = [r["name"] for r in json.loads(proc.stdout)]
    assert names == default_catalog().names() and "request_rate" in names


# -- bad input: one line, non-zero exit, existing --out untouched ------------------------------------
BAD_FILES = {
    "malformed.csv": ("timestamp,value\n2014-01-01 00:00:00,1\n2014-01-01 00:05:00,2,9\n", "line 3: malformed CSV"),
    "wrongcols.csv": ("when,amount\n2014-01-01,1\n", "columns when, amount match no accepted layout"),
    "letters.csv": ("ds,y\n2014-01-01,1\n2014-01-02,one\n", "line 3, column y: cannot read 'one' as a number"),
    "badtime.csv": (
        "ds,y\n2014-01-01,1\nlast tuesday,2\n",
        "line 3, column ds: cannot read 'last tuesday' as a timestamp",
    ),
    "empty.csv": ("", "the file is empty"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_files_give_one_line_and_leave_out_untouched(tmp_path: Path, name: str) -> None:
    text, expected = BAD_FILES[name]
    src = tmp_path / name
    src.write_text(text)
    out = tmp_path / "out.parquet"
    out.write_bytes(SENTINEL)
    line = one_error_line(
        cli("m", "--source", str(src), "--start", "2014-01-01", "--end", "2014-01-02", "--out", str(out), cwd=tmp_path)
    )
    assert f"file {src}" in line and expected in line, line
    assert out.read_bytes() == SENTINEL
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "out.parquet"])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["nope", "--source", "{multi}"], "no series 'nope'; the file holds: a, b"),
        (
            ["a", "--source", "does/not/exist.csv"],
            "'does/not/exist.csv' is not 'sample', an http(s):// URL, or an existing file",
        ),
        (["a", "--source", "{multi}", "--start", "yesterday"], "--start: cannot read 'yesterday' as a time"),
        (["a", "--source", "{multi}", "--step", "5 minutes"], "--step: cannot read '5 minutes' as a duration"),
        (["a", "--source", "{multi}", "--start", "2020-02-01", "--end", "2020-01-01"], "is after --end"),
        (["a", "--source", "{multi}", "--tz", "Mars/Base"], "unknown time zone 'Mars/Base'"),
        (["a", "--tz", "UTC"], "--tz applies to file sources only"),
        (["a", "--source", "ftp://example.org/x"], "unsupported URL scheme"),
        (["--source", "{multi}"], "give at least one METRIC"),
        (["a", "--source", "{multi}", "--out", "{dir}/x.xlsx"], "cannot tell the format from the extension"),
    ],
)
def test_bad_options_give_one_line(tmp_path: Path, args: list[str], expected: str) -> None:
    multi = tmp_path / "multi.csv"
    multi.write_text("unique_id,ds,y\na,2020-01-01T00:00:00Z,1\nb,2020-01-01T00:00:00Z,2\n")
    out = tmp_path / "keep.csv"
    out.write_bytes(SENTINEL)
    argv = [a.format(multi=multi, dir=tmp_path) for a in args]
    line = one_error_line(
        cli(*argv, "--out", str(out), cwd=tmp_path) if "--out" not in argv else cli(*argv, cwd=tmp_path)
    )
    assert expected in line, line
    assert out.read_bytes() == SENTINEL


def test_unknown_catalog_metric_gives_one_line(tmp_path: Path) -> None:
    line = one_error_line(cli("request_rat", "--start", "2026-09-01", "--end", "2026-09-02", cwd=tmp_path))
    assert "request_rat" in line


def test_unreachable_url_gives_one_line(tmp_path: Path) -> None:
    port = closed_port()
    out = tmp_path / "up.parquet"
    out.write_bytes(SENTINEL)
    line = one_error_line(
        cli(
            "up",
            "--source",
            f"http://127.0.0.1:{port}",
            "--start",
            "2026-09-01",
            "--end",
            "2026-09-02",
            "--step",
            "1h",
            "--no-cache",
            "--out",
            str(out),
            cwd=tmp_path,
        )
    )
    assert f"127.0.0.1:{port}" in line, line
    assert out.read_bytes() == SENTINEL


# -- shared helpers (capacity.cli._common) ---------------------------------------------------------
def ns(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"format": None, "out": None, **kw})


def test_output_format_by_extension_and_flag() -> None:
    assert C.output_format(ns()) == "table"
    assert C.output_format(ns(format="csv")) == "csv"
    assert C.output_format(ns(out="a.parquet")) == "parquet"
    assert C.output_format(ns(out="a.csv.gz")) == "csv"
    assert C.output_format(ns(out="a.json")) == "json"
    assert C.output_format(ns(out="a.txt", format="csv")) == "csv"
    with pytest.raises(ConfigError, match="cannot hold --format json"):
        C.output_format(ns(out="a.parquet", format="json"))


def test_emit_table_rounds_for_display_only() -> None:
    f = F.from_arrays("x", ["2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"], [0.123456789, 12345.6789])
    buf = io.StringIO()
    C.emit(f, ns(), stream=buf)
    lines = buf.getvalue().splitlines()
    assert lines[1].split() == ["x", "2026-01-01", "00:00:00", "0.1235"]  # one number of decimals a column
    assert lines[2].split() == ["x", "2026-01-01", "00:01:00", "12,345.6789"]
    assert len({len(line) for line in lines}) == 1  # aligned
    assert f["y"].tolist() == [0.123456789, 12345.6789]  # the frame itself is untouched
    csv_text = C.render(f, "csv")
    assert "0.123456789" in csv_text and "12345.6789" in csv_text  # full precision in files


def test_json_handles_nan_inf_and_other_zones() -> None:
    f = pd.DataFrame(
        {
            "when": pd.to_datetime(["2026-01-01T01:00:00+01:00"], utc=True).tz_convert("Asia/Tokyo"),
            "v": [np.nan],
            "w": [np.inf],
            "n": [np.int64(3)],
            "s": ["a"],
        }
    )
    assert json.loads(C.render(f, "json")) == [
        {"when": "2026-01-01T00:00:00Z", "v": None, "w": "+Inf", "n": 3, "s": "a"}
    ]


def test_emit_to_out_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "t.csv"
    target.write_bytes(SENTINEL)
    with pytest.raises(RuntimeError):
        with C.atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed mid-write")
    assert target.read_bytes() == SENTINEL
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]
    f = F.from_arrays("x", ["2026-01-01T00:00:00Z"], [1.0])
    C.emit(f, ns(out=str(target)))
    assert target.read_text().splitlines() == ["unique_id,ds,y", "x,2026-01-01T00:00:00Z,1.0"]
    with pytest.raises(ConfigError, match="does not exist"):
        C.emit(f, ns(out=str(tmp_path / "no" / "dir.csv")))


def test_range_from_args_defaults_to_the_last_week_of_the_source() -> None:
    src = FileSource(WIKI)
    start, end, step = C.range_from_args(ns(start=None, end=None, step=None), src)
    assert end == pd.Timestamp("2015-12-31T00:00Z") and start == end - pd.Timedelta(days=7) and step is None
    start, end, step = C.range_from_args(ns(start="2015-01-01", end="now", step="1d"), src)
    assert start == pd.Timestamp("2015-01-01T00:00Z") and step == pd.Timedelta(days=1)


def test_progress_bar_draws_only_when_enabled() -> None:
    buf = io.StringIO()
    with C.ProgressBar(True, delay=0, file=buf) as bar:
        bar(0, 200)
        bar(100, 200)
        bar(200, 200)
    assert "200/200" in buf.getvalue()
    silent = C.progress_bar(False)  # stderr is captured by pytest, not a TTY
    silent(5, 10)
    silent.close()
    assert silent._bar is None
