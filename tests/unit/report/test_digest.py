"""History summary and growth, checked against values built by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capacity.core import frame as cf
from capacity.report.digest import growth, history_summary


def test_history_summary_against_numpy():
    ds = pd.date_range("2026-07-01", periods=100, freq="h", tz="UTC")
    y = np.linspace(0, 99, 100)
    y[5] = np.nan
    frame = cf.concat([cf.from_arrays("a", ds, y), cf.from_arrays("b", ds[:3], [1.0, 2.0, 3.0])])
    out = history_summary(frame, {"a": "1/s"}).set_index("series")
    finite = y[np.isfinite(y)]
    assert out.loc["a", "unit"] == "1/s" and out.loc["b", "unit"] == ""
    assert out.loc["a", "samples"] == 100
    assert out.loc["a", "mean"] == pytest.approx(finite.mean())
    assert out.loc["a", "p95"] == pytest.approx(np.quantile(finite, 0.95))
    assert (out.loc["a", "min"], out.loc["a", "max"], out.loc["a", "last"]) == (0.0, 99.0, 99.0)
    assert out.loc["b", "from"] == ds[0] and out.loc["b", "to"] == ds[2]


def test_growth_compares_edge_medians_and_scales_to_a_quarter():
    start = pd.Timestamp("2026-07-01", tz="UTC")
    end = start + pd.Timedelta(days=98)  # edges of 7 days: centres 91 days apart
    ds = pd.date_range(start, end, freq="h", inclusive="left")
    y = np.where(ds < start + pd.Timedelta(days=7), 100.0, np.where(ds >= end - pd.Timedelta(days=7), 150.0, 5.0))
    y[::2] += 1000.0 * (ds[::2] < start + pd.Timedelta(days=1))  # spikes in under half of day one: median ignores
    zero = np.where(ds < start + pd.Timedelta(days=7), 0.0, 3.0)
    frame = cf.concat([cf.from_arrays("users", ds, y), cf.from_arrays("zero", ds, zero)])
    out = growth(frame, start, end).set_index("series")
    assert out.loc["users", "start_value"] == 100.0 and out.loc["users", "end_value"] == 150.0
    assert out.loc["users", "pct"] == pytest.approx(50.0)
    assert out.loc["users", "pct_per_quarter"] == pytest.approx(50.0)
    assert np.isnan(out.loc["zero", "pct"]) and np.isnan(out.loc["zero", "pct_per_quarter"])
    # cut mid-quarter: the last week is the 5.0 plateau, 95% below the first
    half = growth(frame[frame["ds"] < start + pd.Timedelta(days=52.5)], start, start + pd.Timedelta(days=52.5))
    h = half.set_index("series").loc["users"]
    assert h["pct"] == pytest.approx(-95.0)
    # 45.5 days between edge centres is half a quarter: the ratio compounds to 0.05 ** 2 per quarter
    assert h["pct_per_quarter"] == pytest.approx((0.05**2 - 1) * 100)
