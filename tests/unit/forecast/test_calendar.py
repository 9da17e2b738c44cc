"""Monthly and quarterly series on calendar months and quarters, end to end (not on a fixed 31-day step)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from capacity.core.errors import ForecastError
from capacity.forecasting import auto_forecast, cross_validation, evaluate, forecast
from capacity.forecasting.freq import CalendarStep, horizon_steps, infer_step, regularize, seasonal_periods

from .conftest import make_frame

#: a strong yearly pattern, one value per month (a December peak, a summer plateau)
MONTHS = np.array([10.0, 8.0, 12.0, 15.0, 20.0, 25.0, 30.0, 28.0, 22.0, 18.0, 14.0, 40.0])
#: one value per quarter
QUARTERS = np.array([10.0, 25.0, 15.0, 40.0])


def _seasonal(pattern: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n)
    return 100.0 + 0.2 * t + pattern[t % len(pattern)] + rng.normal(0, 0.5, n)


def _monthly(rng: np.random.Generator, n: int = 144, freq: str = "MS", start: str = "2012-01-01") -> pd.DataFrame:
    return make_frame({"s": _seasonal(MONTHS, n, rng)}, start=start, freq=freq)


def _quarterly(rng: np.random.Generator, n: int = 48, freq: str = "QS") -> pd.DataFrame:
    return make_frame({"s": _seasonal(QUARTERS, n, rng)}, start="2010-01-01", freq=freq)


# --- step inference and the grid ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "start", "expected"),
    [
        ("MS", "2012-01-01", CalendarStep(1, day=1)),
        ("ME", "2012-01-31", CalendarStep(1, day=0)),
        ("QS", "2010-01-01", CalendarStep(3, day=1, phase=0)),
        ("QE", "2010-03-31", CalendarStep(3, day=0, phase=2)),
        ("QS-FEB", "2010-02-01", CalendarStep(3, day=1, phase=1)),
    ],
)
def test_infer_step_finds_calendar_months_and_quarters(freq: str, start: str, expected: CalendarStep) -> None:
    ds = pd.date_range(start, periods=60, freq=freq, tz="UTC")
    gaps = set(np.diff(ds.as_unit("ns").asi8) // 86_400_000_000_000)
    assert len(gaps) > 1  # 28-31 (89-92) days: no fixed step fits
    assert infer_step(ds) == expected


def test_infer_step_on_a_day_of_month_past_28_clips_to_short_months() -> None:
    ds = pd.DatetimeIndex(
        [pd.Timestamp(2021, m, min(30, pd.Timestamp(2021, m, 1).days_in_month), tz="UTC") for m in range(1, 13)]
    )
    step = infer_step(ds)
    assert step == CalendarStep(1, day=30)
    reg = regularize("s", pd.Series(ds), pd.Series(np.arange(12.0)))
    assert reg.filled == 0 and list(reg.y) == list(range(12))
    assert reg.at(1) == pd.Timestamp("2021-02-28", tz="UTC")
    assert list(reg.future(3)) == [pd.Timestamp(d, tz="UTC") for d in ("2022-01-30", "2022-02-28", "2022-03-30")]


def test_day_31_is_the_month_end() -> None:
    assert CalendarStep(1, day=31) == CalendarStep(1, day=0)
    ds = CalendarStep(1, day=31).points(np.arange(1, 4), "UTC")
    assert list(ds) == [pd.Timestamp(d, tz="UTC") for d in ("1970-02-28", "1970-03-31", "1970-04-30")]


def test_a_fixed_30_day_step_is_not_taken_for_months() -> None:
    ds = pd.date_range("2020-01-01", periods=50, freq="30D", tz="UTC")
    assert infer_step(ds) == pd.Timedelta(days=30)


@pytest.mark.parametrize(
    ("freq", "n", "step", "periods"),
    [
        ("5min", 288 * 3, pd.Timedelta(minutes=5), (288,)),
        ("h", 24 * 30, pd.Timedelta(hours=1), (24, 168)),
        ("D", 730, pd.Timedelta(days=1), (7,)),
        ("W-MON", 200, pd.Timedelta(days=7), (52,)),
    ],
)
def test_fixed_steps_are_unchanged(freq: str, n: int, step: pd.Timedelta, periods: tuple[int, ...]) -> None:
    ds = pd.date_range("2024-01-01", periods=n, freq=freq, tz="UTC")
    assert infer_step(ds) == step and isinstance(infer_step(ds), pd.Timedelta)
    assert seasonal_periods(step, n) == periods
    reg = regularize("s", pd.Series(ds), pd.Series(np.arange(float(n))))
    assert reg.step == step and reg.filled == 0
    assert list(reg.future(3)) == list(pd.date_range(ds[-1] + step, periods=3, freq=step))
    assert reg.at(n - 1) == ds[-1]


def test_monthly_grid_has_one_point_per_month_none_averaged(rng: np.random.Generator) -> None:
    frame = _monthly(rng, 144)  # 12 years of month starts
    reg = regularize("s", frame["ds"], frame["y"])
    assert reg.step == CalendarStep(1, day=1)
    assert len(reg.y) == 144 and reg.filled == 0
    assert np.array_equal(reg.y, frame["y"].to_numpy())  # nothing collided and was averaged
    assert [reg.at(i) for i in range(144)] == list(frame["ds"])
    assert seasonal_periods(reg.step, len(reg.y)) == (12,)


def test_monthly_grid_snaps_a_late_point_to_its_month_and_fills_a_missing_month() -> None:
    ds = pd.date_range("2024-01-01", periods=12, freq="MS", tz="UTC").delete(3)  # no April
    ds = ds.where(ds != pd.Timestamp("2024-03-01", tz="UTC"), pd.Timestamp("2024-03-03", tz="UTC"))  # March late
    y = np.arange(1.0, 13.0)
    reg = regularize("s", pd.Series(ds), pd.Series(np.delete(y, 3)))
    assert reg.step == CalendarStep(1, day=1)
    assert list(reg.y) == list(y)
    assert reg.filled == 1
    assert reg.at(2) == pd.Timestamp("2024-03-01", tz="UTC")


def test_a_monthly_series_with_some_late_samples_is_still_monthly() -> None:
    ds = pd.date_range("2019-01-01", periods=60, freq="MS", tz="UTC")
    late = ds + pd.Timedelta(days=1, hours=3)
    ds = ds.where(np.arange(60) % 5 != 0, late)  # every 5th sample a day late
    reg = regularize("s", pd.Series(ds), pd.Series(np.arange(60.0)))
    assert reg.step == CalendarStep(1, day=1)
    assert len(reg.y) == 60 and reg.filled == 0 and list(reg.y) == list(range(60))


def test_monthly_grid_keeps_the_time_of_day() -> None:
    ds = pd.date_range("2020-01-01 05:00", periods=30, freq="MS", tz="UTC")  # local midnight, as UTC
    reg = regularize("s", pd.Series(ds), pd.Series(np.arange(30.0)))
    assert reg.step == CalendarStep(1, day=1, time=pd.Timedelta(hours=5))
    assert reg.future(1)[0] == pd.Timestamp("2022-07-01 05:00", tz="UTC")


# --- horizons ------------------------------------------------------------------------------------


def test_horizon_durations_on_calendar_steps_round_to_whole_months() -> None:
    month, quarter = CalendarStep(1), CalendarStep(3)
    assert horizon_steps("365d", month) == 12
    assert horizon_steps("1y", month) == 12
    assert horizon_steps("90d", month) == 3
    assert horizon_steps("730d", month) == 24
    assert horizon_steps("28d", month) == 1
    assert horizon_steps(5, month) == 5  # a number stays a number of steps
    assert horizon_steps("365d", quarter) == 4
    assert horizon_steps("90d", quarter) == 1
    with pytest.raises(ForecastError):
        horizon_steps("7d", month)


def test_a_365d_horizon_on_monthly_data_is_12_months(rng: np.random.Generator) -> None:
    frame = _monthly(rng, 60)
    out = forecast(frame, "365d", models=["seasonal_naive"], executor="serial")
    assert len(out) == 12
    assert list(out["ds"]) == list(pd.date_range("2017-01-01", periods=12, freq="MS", tz="UTC"))


# --- forecasts end to end ------------------------------------------------------------------------


def _assert_keeps_the_season(mean: np.ndarray, pattern: np.ndarray, n: int) -> None:
    """The forecast of ``_seasonal(pattern, n, ...)`` follows its truth to within a tenth of the season's
    range (a line through the season, or the season shifted by a step, misses by a third of it or more)."""
    t = np.arange(n, n + len(mean))
    truth = 100.0 + 0.2 * t + pattern[t % len(pattern)]
    assert np.max(np.abs(mean - truth)) < 0.1 * np.ptp(pattern)


def test_auto_forecast_monthly_keeps_the_season_and_beats_a_line(rng: np.random.Generator) -> None:
    frame = _monthly(rng, 144)
    fc, choice = auto_forecast(frame, "365d", executor="serial")
    row = choice.iloc[0]
    assert row["periods"] == (12,)
    assert row["step"] == CalendarStep(1, day=1)
    assert row["filled"] == 0
    assert list(fc["ds"]) == list(pd.date_range("2024-01-01", periods=12, freq="MS", tz="UTC"))
    assert row["model"] not in ("naive", "drift", "linear_trend")
    _assert_keeps_the_season(fc["mean"].to_numpy(), MONTHS, 144)
    assert np.argmax(fc["mean"].to_numpy()) == 11  # the December peak stays in December
    cv = cross_validation(frame, 12, 3, models=[row["model"], "linear_trend"], executor="serial")
    m = evaluate(cv).set_index("model")["mase"]
    assert m[row["model"]] < m["linear_trend"] / 3


def test_seasonal_naive_on_month_ends_repeats_the_last_year(rng: np.random.Generator) -> None:
    frame = _monthly(rng, 120, freq="ME", start="2014-01-31")
    out = forecast(frame, 24, models=["seasonal_naive", "ets_seasonal"], executor="serial")
    sn = out[out.model == "seasonal_naive"]
    assert list(sn["ds"]) == list(pd.date_range("2024-01-31", periods=24, freq="ME", tz="UTC"))
    assert all(d.is_month_end for d in out["ds"])
    y = frame["y"].to_numpy()
    assert np.allclose(sn["mean"].to_numpy(), np.tile(y[-12:], 2))
    _assert_keeps_the_season(out[out.model == "ets_seasonal"]["mean"].to_numpy(), MONTHS, 120)


def test_auto_forecast_quarterly_keeps_the_season(rng: np.random.Generator) -> None:
    frame = _quarterly(rng, 48)  # 12 years of quarter starts
    fc, choice = auto_forecast(frame, "730d", executor="serial")
    row = choice.iloc[0]
    assert row["periods"] == (4,)
    assert row["step"] == CalendarStep(3, day=1)
    assert list(fc["ds"]) == list(pd.date_range("2022-01-01", periods=8, freq="QS", tz="UTC"))
    assert row["model"] not in ("naive", "drift", "linear_trend")
    _assert_keeps_the_season(fc["mean"].to_numpy(), QUARTERS, 48)


def test_quarter_ends_forecast_on_quarter_ends(rng: np.random.Generator) -> None:
    frame = _quarterly(rng, 40, freq="QE")
    out = forecast(frame, "365d", models=["seasonal_naive"], executor="serial")
    assert list(out["ds"]) == list(pd.date_range("2020-03-31", periods=4, freq="QE", tz="UTC"))


def test_freq_can_name_calendar_months(rng: np.random.Generator) -> None:
    frame = _monthly(rng, 48)
    a = forecast(frame, 6, models=["seasonal_naive"], freq="MS", executor="serial")
    b = forecast(frame, 6, models=["seasonal_naive"], freq=CalendarStep(1), executor="serial")
    pd.testing.assert_frame_equal(a, b)
    assert list(a["ds"]) == list(pd.date_range("2016-01-01", periods=6, freq="MS", tz="UTC"))


# --- backtests -----------------------------------------------------------------------------------


def test_cross_validation_cutoffs_on_monthly_data_are_month_starts(rng: np.random.Generator) -> None:
    frame = _monthly(rng, 120)
    cv = cross_validation(frame, 12, n_windows=3, step_size=6, models=["seasonal_naive"], executor="serial")
    cutoffs = sorted(cv["cutoff"].unique())
    # the last cutoff is the last point before the final 12 months; windows 6 months apart
    assert cutoffs == [pd.Timestamp(d, tz="UTC") for d in ("2019-12-01", "2020-06-01", "2020-12-01")]
    assert all(d.is_month_start for d in cv["ds"])
    actual = frame.set_index("ds")["y"]
    assert np.array_equal(cv["y"].to_numpy(), actual.loc[cv["ds"]].to_numpy())  # each window's actuals, by date
    last = cv[cv.cutoff == cutoffs[-1]]
    assert list(last["ds"]) == list(pd.date_range("2021-01-01", periods=12, freq="MS", tz="UTC"))


def test_cross_validation_horizon_as_a_duration_on_quarterly_data(rng: np.random.Generator) -> None:
    frame = _quarterly(rng, 40)
    cv = cross_validation(frame, "365d", n_windows=2, models=["seasonal_naive"], executor="serial")
    assert cv.groupby("cutoff").size().tolist() == [4, 4]
    assert all(d.is_quarter_start for d in cv["ds"]) and all(d.is_quarter_start for d in cv["cutoff"])
