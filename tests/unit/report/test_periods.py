"""Which quarter a report covers, in the platform's time zone."""

from __future__ import annotations

import pandas as pd
import pytest

from capacity.core.errors import ConfigError
from capacity.core.windows import report_quarter

TZ = "America/New_York"
SPAN = (pd.Timestamp("2025-08-01", tz="UTC"), pd.Timestamp("2026-10-01", tz="UTC"))


def test_latest_quarter_of_the_bundled_span_is_2026q3():
    p = report_quarter("latest", SPAN, TZ)
    assert p.label == "2026Q3"
    # local midnights: EDT is UTC-4 in July and October
    assert p.start == pd.Timestamp("2026-07-01T04:00Z") and p.end == pd.Timestamp("2026-10-01T04:00Z")
    assert p.data_start == p.start and p.data_end == SPAN[1]  # the export stops 4 h short of the local end
    assert "2026-07-01 to 2026-09-30" in p.describe() and "data through 2026-09-30 20:00 EDT" in p.describe()


def test_latest_skips_a_quarter_the_history_ends_inside():
    span = (SPAN[0], pd.Timestamp("2026-09-15", tz="UTC"))
    assert report_quarter("latest", span, TZ).label == "2026Q2"
    assert report_quarter("latest", span, "UTC").label == "2026Q2"


def test_latest_needs_a_full_quarter_at_the_start_too():
    # 2025Q4 ends 2026-01-01 05:00Z: 41 h short is too short, and 2025Q3 starts a month before the data
    # no whole quarter: the one in progress at the end of the data, clipped to it and said to be partial
    span = (pd.Timestamp("2025-08-01", tz="UTC"), pd.Timestamp("2025-12-30T12:00", tz="UTC"))
    p = report_quarter("latest", span, TZ)
    assert p.label == "2025Q4" and p.partial and p.data_end == span[1] and p.data_start == p.start
    assert "partial quarter" in p.describe()
    # 17 h short is within the one-day tolerance
    span2 = (pd.Timestamp("2025-08-01", tz="UTC"), pd.Timestamp("2025-12-31T12:00", tz="UTC"))
    assert report_quarter("latest", span2, TZ).label == "2025Q4"


def test_named_quarter_is_clipped_to_the_data_and_outside_is_an_error():
    p = report_quarter("2025Q3", SPAN, TZ)
    assert p.data_start == SPAN[0] and p.data_end == p.end
    with pytest.raises(ConfigError) as info:
        report_quarter("2027Q1", SPAN, TZ)
    assert info.value.field == "quarter" and "2027Q1" in str(info.value)
    with pytest.raises(ConfigError):
        report_quarter("latest", None, TZ)
    assert report_quarter("2026Q1", None, TZ).data_end == report_quarter("2026Q1", None, TZ).end


def test_a_history_of_minutes_reviews_the_quarter_in_progress():
    span = (pd.Timestamp("2026-12-01T10:00", tz="UTC"), pd.Timestamp("2026-12-01T10:10", tz="UTC"))
    p = report_quarter("latest", span, TZ)
    assert p.label == "2026Q4" and p.partial
    assert (p.data_start, p.data_end) == span
    assert "from 2026-12-01 05:00 through 2026-12-01 05:10 EST only (partial quarter)" in p.describe()
    assert not report_quarter("latest", SPAN, TZ).partial


def test_latest_without_a_span_names_the_parameter():
    with pytest.raises(ConfigError) as info:
        report_quarter("latest", None, TZ)
    assert "quarter=" in str(info.value) and info.value.field == "quarter"
