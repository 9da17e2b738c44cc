"""The presentation layer: values worked out by hand from the conventions in capacity.present."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from capacity import present as f
from capacity.report import table_html, table_text

EVIL = '<script>alert("x")</script><b>bold</b>'


@pytest.mark.parametrize(
    "value,text",
    [
        (1.994195e11, "199.4 GB"),  # SI: 1 GB = 10**9 B
        (4.442e12, "4.442 TB"),
        (1e9, "1 GB"),
        (512, "512 B"),
        (999_960, "1 MB"),  # 999.96 kB would print as "1,000 kB"
        (-2.282e10, "-22.82 GB"),
        (0, "0 B"),
    ],
)
def test_bytes_are_si_decimal(value, text):
    assert f.bytes_si(value) == text


@pytest.mark.parametrize(
    "value,text",
    [
        (0.6447, "+64.5%"),
        (-0.03, "-3.0%"),
        (0.0, "0.0%"),
        (-0.00001, "0.0%"),
        (1.0, "+100.0%"),
    ],
)
def test_growth_is_signed(value, text):
    assert f.growth(value) == text


def test_percent_never_rounds_a_partial_share_to_its_bounds():
    assert f.percent(0.99995, 2) == ">99.99%"  # would round to 100.00%
    assert f.percent(0.00001, 1) == "<0.1%"
    assert f.percent(1.0, 2) == "100.00%" and f.percent(0.0, 1) == "0.0%"
    assert f.percent(1.178, 1) == "117.8%"  # budget used beyond 100%
    assert f.percent(0.99, 2, trim=True) == "99%"


@pytest.mark.parametrize(
    "seconds,text",
    [
        (86400 + 2 * 3600 + 16 * 60, "1d 2h 16m"),
        (0.3833 * 3600, "23m"),
        (45, "45s"),
        (3600 + 300, "1h 5m"),
        (7200, "2h"),
        (0, "0s"),
    ],
)
def test_durations(seconds, text):
    assert f.duration(seconds) == text


def test_numbers_counts_and_missing_values():
    assert f.number(1.386760e-01) == "0.1387" and f.number(86.8123) == "86.81" and f.number(123456.7) == "123,457"
    assert "e" not in f.number(2.2e11)
    assert f.count(2217179.0) == "2,217,179"
    for fn in (f.number, f.count, f.bytes_si, f.percent, f.growth, f.duration, f.met, f.timestamp):
        assert fn(float("nan")) == "–" and fn(None) == "–"
    assert f.timestamp(pd.NaT) == "–"


def test_met_reads_without_colour():
    assert f.met(True) == "✓ met" and f.met(np.bool_(False)) == "✗ missed"


def test_units_from_the_catalog():
    assert f.in_unit(0.1387, "ratio") == "13.9%"
    assert f.in_unit(2.684e11, "bytes") == "268.4 GB"
    assert f.in_unit(1.5e6, "bytes/s") == "1.5 MB/s"
    assert f.in_unit(0.25, "seconds") == "250 ms" and f.in_unit(1.5, "seconds") == "1.5 s"
    assert f.in_unit(86.81, "1/s") == "86.81 /s" and f.in_unit(206800.0, "users") == "206,800 users"


def test_times_in_the_report_zone():
    t = pd.Timestamp("2026-09-03 15:06", tz="UTC")
    assert f.timestamp(t, "America/New_York") == "2026-09-03 11:06 EDT"
    assert f.timestamp(pd.Timestamp("2026-12-01 15:06", tz="UTC"), "America/New_York") == "2026-12-01 10:06 EST"
    # 04:00 UTC is local midnight in New York during summer time: the column shows dates only
    frame = pd.DataFrame({"from": pd.to_datetime(["2026-07-01 04:00", "2026-08-01 04:00"], utc=True)})
    assert f.format_frame(frame, tz="America/New_York").rows == [["2026-07-01"], ["2026-08-01"]]
    assert f.format_frame(frame).rows[0] == ["2026-07-01 04:00 UTC"]


def test_format_frame_headers_units_and_full_precision_kept():
    frame = pd.DataFrame(
        {
            "slo": ["error-rate", "cpu"],
            "compliance": [0.996778, 0.8822],
            "met": [True, False],
            "budget_consumed": [0.3222, 1.178],
            "coverage": [0.999879, 1.0],
            "metric": ["db_size_bytes", "disk_free_ratio"],
            "level": [2.684e11, 0.1],
        }
    )
    before = frame.copy()
    t = f.format_frame(
        frame,
        ["slo", "compliance", "met", "budget_consumed", "coverage", "level"],
        units={"db_size_bytes": "bytes", "disk_free_ratio": "ratio"},
    )
    assert t.headers == ["SLO", "Compliance", "Result", "Budget used", "Data coverage", "Threshold"]
    assert t.rows[0] == ["error-rate", "99.68%", "✓ met", "32.2%", "99.99%", "268.4 GB"]
    assert t.rows[1] == ["cpu", "88.22%", "✗ missed", "117.8%", "100.00%", "10.0%"]
    assert t.right == [False, True, False, True, True, True]
    pd.testing.assert_frame_equal(frame, before)  # display only
    assert frame.loc[0, "compliance"] == 0.996778


def test_specs_override_and_unknown_columns_get_words():
    frame = pd.DataFrame({"firing_hours": [0.3833], "my_ratio": [0.5], "n": [3]})
    t = f.format_frame(frame, specs={"my_ratio": f.Col("Share", "ratio"), "n": "Count"})
    assert t.headers == ["Firing hours", "Share", "Count"]
    assert t.rows == [["0.3833", "50.0%", "3"]]


def test_tables_escape_label_values_and_align_numbers():
    frame = pd.DataFrame({"series": [EVIL], "pct": [12.5], "x": [math.nan]})
    out = table_html(frame)
    assert "<script>" not in out and "<b>" not in out and "&lt;script&gt;" in out
    assert '<td class="num">+12.5%</td>' in out and '<th class="num">Growth</th>' in out
    assert '<td class="num">–</td>' in out
    text = table_text(frame)
    assert text.splitlines()[0].startswith("Series") and "+12.5%" in text
