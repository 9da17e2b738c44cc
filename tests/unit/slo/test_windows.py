import pandas as pd
import pytest

from capacity.core.errors import ConfigError
from capacity.core.windows import calendar_windows, month, quarter, rolling


def test_rolling_window_is_length_before_end():
    w = rolling("30d", "2026-10-01T00:00:00Z")
    assert w.end == pd.Timestamp("2026-10-01T00:00:00Z")
    assert w.start == pd.Timestamp("2026-09-01T00:00:00Z")


def test_month_in_new_york_across_dst_end():
    # DST ends 2026-11-01 02:00 EDT: November starts at 04:00Z, December at 05:00Z; 30 days + 1 hour
    w = month("2026-11", "America/New_York")
    assert w.start == pd.Timestamp("2026-11-01T04:00:00Z")
    assert w.end == pd.Timestamp("2026-12-01T05:00:00Z")
    assert w.length == pd.Timedelta(days=30, hours=1)


def test_month_across_dst_start_is_an_hour_short():
    # DST starts 2026-03-08 in New York: March = 31 days - 1 hour
    assert month("2026-03", "America/New_York").length == pd.Timedelta(days=31) - pd.Timedelta(hours=1)
    assert month("2026-03", "UTC").length == pd.Timedelta(days=31)


def test_quarter():
    w = quarter("2026Q3", "America/New_York")
    assert (w.start, w.end) == (pd.Timestamp("2026-07-01T04:00:00Z"), pd.Timestamp("2026-10-01T04:00:00Z"))
    assert quarter("2026-q4", "UTC").end == pd.Timestamp("2027-01-01T00:00:00Z")


@pytest.mark.parametrize("fn, text", [(month, "2026-13"), (month, "Oct"), (quarter, "2026Q5")])
def test_bad_calendar_text(fn, text):
    with pytest.raises(ConfigError):
        fn(text, "UTC")


def test_unknown_tz():
    with pytest.raises(ConfigError, match="Mars/Base"):
        month("2026-10", "Mars/Base")


def test_calendar_windows_lists_whole_months_only():
    ws = calendar_windows(pd.Timestamp("2026-07-15T00:00Z"), pd.Timestamp("2026-10-01T04:00Z"), "America/New_York")
    assert [w.label for w in ws] == ["2026-08", "2026-09"]
