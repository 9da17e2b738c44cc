"""Real data: daily Wikipedia page views of the R article (2008-2015, unsorted, 59 missing days).

From six origins 90 days apart (the last ending at the data's end), the model chosen by the
library's own backtest on the data before each origin is compared with seasonal naive on the 90
days after it. Every number here is computed from the actuals, not taken from the code under test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from capacity.forecasting import auto_forecast, forecast

CSV = Path(__file__).resolve().parents[2] / "data" / "real" / "wikipedia-pageviews" / "wp_R_daily_views.csv"
H = 90
ORIGINS = 6

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def views() -> pd.DataFrame:
    raw = pd.read_csv(CSV)
    return (
        pd.DataFrame(
            {
                "unique_id": "wp_R",
                "ds": pd.to_datetime(raw["ds"], utc=True).dt.as_unit("ns"),
                "y": raw["y"].astype("float64"),
            }
        )
        .sort_values("ds")
        .reset_index(drop=True)
    )


def _scale(train: pd.DataFrame) -> float:
    """In-sample MAE of the weekly seasonal naive on the observed days (gaps skipped, not filled)."""
    s = train.set_index("ds")["y"]
    lagged = s.shift(freq=pd.Timedelta(days=7))
    both = pd.concat([s, lagged], axis=1, keys=["y", "lag"], sort=True).dropna()
    return float((both["y"] - both["lag"]).abs().mean())


@pytest.fixture(scope="module")
def results(views: pd.DataFrame) -> pd.DataFrame:
    last = views["ds"].max()
    rows = []
    for k in range(ORIGINS, 0, -1):
        origin = last - pd.Timedelta(days=H * k)
        train = views[views["ds"] <= origin]
        actual = views[(views["ds"] > origin) & (views["ds"] <= origin + pd.Timedelta(days=H))].set_index("ds")["y"]
        chosen, _ = auto_forecast(train, H, executor="serial")
        snaive = forecast(train, H, models=["seasonal_naive"], executor="serial")
        c = chosen.set_index("ds").reindex(actual.index)
        s = snaive.set_index("ds").reindex(actual.index)
        scale = _scale(train)
        rows.append(
            {
                "origin": origin,
                "model": c["model"].iloc[0],
                "mase": float(np.mean(np.abs(actual - c["mean"]))) / scale,
                "snaive_mase": float(np.mean(np.abs(actual - s["mean"]))) / scale,
                "inside_80": int(((actual >= c["lo-80"]) & (actual <= c["hi-80"])).sum()),
                "inside_95": int(((actual >= c["lo-95"]) & (actual <= c["hi-95"])).sum()),
                "n": len(actual),
            }
        )
    return pd.DataFrame(rows)


def test_chosen_model_beats_seasonal_naive_over_the_origins(results: pd.DataFrame) -> None:
    assert results["mase"].mean() < results["snaive_mase"].mean()


def test_80_percent_interval_covers_70_to_90_percent_of_actuals(results: pd.DataFrame) -> None:
    coverage = results["inside_80"].sum() / results["n"].sum()
    assert 0.70 <= coverage <= 0.90
    coverage_95 = results["inside_95"].sum() / results["n"].sum()
    assert coverage_95 >= coverage
