"""``capacity.pull`` (the analyst's entry point) over file sources."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

import capacity
from capacity.core import frame as F
from capacity.core.errors import ConfigError, FileFormatError, UnknownMetricError
from capacity.sources.files import FileSource

ROOT = Path(__file__).resolve().parents[2]
RDS = ROOT / "data" / "real" / "nab-aws-cloudwatch" / "rds_cpu_utilization_cc0c53.csv"
WIKI = ROOT / "data" / "real" / "wikipedia-pageviews" / "wp_R_daily_views.csv"


def test_pull_from_a_file_path_equals_the_raw_rows_in_range() -> None:
    got = capacity.pull("rds_cpu", source=str(RDS), start="2014-02-20T00:00:00Z", end="2014-02-20T06:00:00Z", step="5m")
    F.validate(got)
    with open(RDS, newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    lo, hi = dt.datetime(2014, 2, 20, 0, 0), dt.datetime(2014, 2, 20, 6, 0)
    want = [(dt.datetime.fromisoformat(t), float(v)) for t, v in rows if lo <= dt.datetime.fromisoformat(t) <= hi]
    assert [(ts.tz_localize(None).to_pydatetime(), y) for ts, y in zip(got["ds"], got["y"], strict=False)] == want
    assert set(got["unique_id"]) == {"rds_cpu"}


def test_pull_defaults_to_the_last_week_of_a_file_and_returns_labels() -> None:
    frame, labels = capacity.pull("views", source=WIKI, labels=True, step="1d")
    assert frame["ds"].max() == pd.Timestamp("2015-12-31T00:00Z")
    assert frame["ds"].min() == pd.Timestamp("2015-12-24T00:00Z")
    assert len(frame) == 8
    assert labels["unique_id"].tolist() == ["views"]


def test_pull_several_series_from_a_canonical_file(tmp_path: Path) -> None:
    p = tmp_path / "two.csv"
    p.write_text(
        "unique_id,ds,y,job\nb,2026-01-01T00:00:00Z,2,web\na,2026-01-01T00:00:00Z,1,api\na,2026-01-01T00:01:00Z,3,api\n"
    )
    frame, labels = capacity.pull(
        ["b", "a"], source=FileSource(p), start="2026-01-01", end="2026-01-02", step="1m", labels=True
    )
    assert frame["unique_id"].tolist() == ["a", "a", "b"]
    assert frame["y"].tolist() == [1.0, 3.0, 2.0]
    assert labels.to_dict("records") == [{"unique_id": "a", "job": "api"}, {"unique_id": "b", "job": "web"}]


def test_pull_tz_option_reaches_the_file_source(tmp_path: Path) -> None:
    p = tmp_path / "local.csv"
    p.write_text("timestamp,value\n2026-07-01 09:00:00,1\n")
    got = capacity.pull("x", source=p, tz="Europe/Paris", start="2026-07-01", end="2026-07-02", step="1m")
    assert got["ds"].tolist() == [pd.Timestamp("2026-07-01T07:00Z")]  # CEST = UTC+2


def test_pull_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is after end"):
        capacity.pull("x", source=WIKI, start="2015-02-01", end="2015-01-01")
    with pytest.raises(ConfigError, match="at least one metric"):
        capacity.pull([], source=WIKI)
    multi = tmp_path / "m.csv"
    multi.write_text("unique_id,ds,y\na,2026-01-01,1\n")
    with pytest.raises(UnknownMetricError, match="no series 'zz'"):
        capacity.pull("zz", source=multi, start="2026-01-01", end="2026-01-02")
    bad = tmp_path / "bad.csv"
    bad.write_text("ds,y\n2026-01-01,x\n")
    with pytest.raises(FileFormatError, match="line 2, column y"):
        capacity.pull("b", source=bad, start="2026-01-01", end="2026-01-02")
