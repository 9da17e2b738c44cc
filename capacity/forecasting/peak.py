"""Peak load: traffic peaks in business hours (runbook: 9:00-18:00 local), and capacity is sized for peaks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import ForecastError
from ..core.status import history_length, too_little
from .pipeline import auto_forecast
from .rules import load_rules

#: the business-hours peak needs two days of hourly data
PEAK_NEEDS = pd.Timedelta(days=2)


def peak_load(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta = "14d",
    *,
    tz: str | None = None,
    business_hours: tuple[int, int] | None = None,
    **forecast_options: Any,
) -> pd.DataFrame:
    """Per series: the hourly profile's peak against the average, and the forecast peak hour.

    The series is averaged per hour (if finer), and hours are read in ``tz`` (default: the planning
    rules' America/New_York). Columns: unique_id, average (over all hours), business_average
    (hours in [start, end) local), peak_hour (local hour of day with the highest mean), peak_hour_mean,
    peak_to_average (peak_hour_mean / average), business_to_average, peak_in_business_hours (bool),
    forecast_peak_ds (UTC), forecast_peak, forecast_peak_lo_95, forecast_peak_hi_95 (the hourly
    forecast's highest mean over ``h`` and its interval), forecast_peak_to_average, model.
    """
    rule = load_rules().peak
    tz = tz or rule.timezone
    start, end = business_hours or rule.business_hours
    rows = []
    for uid, g in frame.groupby("unique_id", sort=True, observed=True):
        s = g.set_index("ds")["y"].dropna()
        if history_length(s.index.to_series()) < PEAK_NEEDS or len(s) < 48:
            raise ForecastError(
                f"peak_load: series {uid!r}: {too_little(history_length(s.index.to_series()), PEAK_NEEDS)}; "
                f"needs at least 2 days of hourly data ({len(s)} points)",
                series=str(uid),
            )
        hourly = s.resample("1h").mean().dropna()
        local_hour = pd.DatetimeIndex(hourly.index).tz_convert(tz).hour
        profile = hourly.groupby(local_hour).mean()
        business = (local_hour >= start) & (local_hour < end)
        average = float(hourly.mean())
        peak_hour = int(profile.index[int(profile.argmax())])  # the label (a local hour) of the highest mean
        one = pd.DataFrame({"unique_id": str(uid), "ds": hourly.index, "y": hourly.to_numpy(dtype="float64")})
        fc, _ = auto_forecast(one, h, executor="serial", **forecast_options)
        i = int(np.argmax(fc["mean"].to_numpy()))
        top = fc.iloc[i]
        rows.append(
            {
                "unique_id": str(uid),
                "average": average,
                "business_average": float(hourly[business].mean()),
                "peak_hour": peak_hour,
                "peak_hour_mean": float(profile.max()),
                "peak_to_average": float(profile.max()) / average if average else np.nan,
                "business_to_average": float(hourly[business].mean()) / average if average else np.nan,
                "peak_in_business_hours": bool(start <= peak_hour < end),
                "forecast_peak_ds": top["ds"],
                "forecast_peak": float(top["mean"]),
                "forecast_peak_lo_95": float(top["lo-95"]),
                "forecast_peak_hi_95": float(top["hi-95"]),
                "forecast_peak_to_average": float(top["mean"]) / average if average else np.nan,
                "model": top["model"],
            }
        )
    return pd.DataFrame(rows)
