"""The threshold series: each local day's worst hour, one row per calendar date, across DST changes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from capacity.forecasting.planning import worst_per_period

TZ = "America/New_York"


def test_local_days_across_the_fall_back_change_are_one_row_per_date():
    ds = pd.date_range("2025-10-30T04:00Z", "2025-11-05T04:00Z", freq="h")  # to 23:00 EST Nov 4; 25 h on Nov 2
    y = np.arange(len(ds), dtype=float) % 24
    frame = pd.DataFrame({"unique_id": "m", "ds": ds, "y": y})
    got = worst_per_period(frame, "above", tz=TZ)
    wall = ds.tz_convert(TZ).tz_localize(None)
    want = pd.Series(y).groupby(wall.normalize()).max()  # by hand: the local calendar date of each hour
    assert got["ds"].is_unique
    assert got["ds"].dt.strftime("%Y-%m-%d").tolist() == [d.strftime("%Y-%m-%d") for d in want.index]
    assert got["y"].tolist() == want.tolist()
    assert (got["ds"].dt.hour == 0).all() and str(got["ds"].dt.tz) == "UTC"  # each date as its UTC midnight


def test_a_last_local_day_the_data_does_not_cover_is_left_out():
    ds = pd.date_range("2026-09-28T04:00Z", "2026-10-01T04:00Z", freq="h")  # ends at local midnight Oct 1
    frame = pd.DataFrame({"unique_id": "m", "ds": ds, "y": 1.0})
    got = worst_per_period(frame, "below", tz=TZ)
    assert got["ds"].dt.strftime("%Y-%m-%d").tolist() == ["2026-09-28", "2026-09-29", "2026-09-30"]
    utc = worst_per_period(frame, "below")  # UTC days: Sep 28 (from 04:00) to Oct 1 (04:00 only: dropped)
    assert utc["ds"].dt.strftime("%Y-%m-%d").tolist() == ["2026-09-28", "2026-09-29", "2026-09-30"]
