from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capacity.core.errors import ForecastError
from capacity.forecasting.freq import horizon_steps, infer_step, regularize, seasonal_periods


def test_infer_step_takes_the_most_common_gap_despite_holes() -> None:
    ds = pd.date_range("2025-01-01", periods=100, freq="h", tz="UTC").delete([5, 6, 7, 50])
    assert infer_step(ds) == pd.Timedelta(hours=1)


@pytest.mark.parametrize(
    ("step", "n", "expected"),
    [
        ("1h", 24 * 30, (24, 168)),
        ("1h", 24 * 10, (24,)),
        ("1D", 730, (7,)),
        ("1D", 1200, (7, 365)),
        ("1D", 10, ()),
        ("7D", 200, (52,)),
        ("5min", 288 * 3, (288,)),
        ("30D", 40, (12,)),
    ],
)
def test_seasonal_periods(step: str, n: int, expected: tuple[int, ...]) -> None:
    assert seasonal_periods(pd.Timedelta(step), n) == expected


def test_horizon_from_duration_or_steps() -> None:
    assert horizon_steps("90d", pd.Timedelta(days=1)) == 90
    assert horizon_steps("2d", pd.Timedelta(hours=1)) == 48
    assert horizon_steps(7, pd.Timedelta(hours=1)) == 7
    with pytest.raises(ForecastError):
        horizon_steps("1h", pd.Timedelta(days=1))


def test_regularize_fills_gaps_by_linear_interpolation_and_sorts() -> None:
    ds = pd.to_datetime(["2025-01-04", "2025-01-01", "2025-01-02"], utc=True)
    reg = regularize("a", pd.Series(ds), pd.Series([40.0, 10.0, 20.0]))
    assert list(reg.y) == [10.0, 20.0, 30.0, 40.0]
    assert reg.filled == 1
    assert reg.future(2)[0] == pd.Timestamp("2025-01-05", tz="UTC")


def test_regularize_rejects_all_nan() -> None:
    with pytest.raises(ForecastError, match="'a'"):
        regularize("a", pd.Series(pd.date_range("2025-01-01", periods=3, tz="UTC")), pd.Series([np.nan] * 3))
