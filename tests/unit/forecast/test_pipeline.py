"""forecast / cross_validation / evaluate over the canonical frame."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from capacity.core.errors import ConfigError, SeriesTooShortError
from capacity.forecasting import auto_forecast, cross_validation, evaluate, forecast, registry
from capacity.forecasting.base import Prediction, Warm, normal_prediction

from .conftest import make_frame

COLS = ["unique_id", "ds", "model", "mean", "lo-80", "hi-80", "lo-95", "hi-95", "note"]


@dataclass(frozen=True)
class _Faulty:
    """Fault injection: what statsmodels does on a bad day, on demand."""

    alias: str
    kind: str

    def applicable(self, y: np.ndarray, periods: tuple[int, ...]) -> bool:
        return True

    def predict(
        self, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
    ) -> Prediction:
        estimating = params is None or isinstance(params, Warm)  # (a Warm start is an estimation too)
        if self.kind == "noconv_on_full" and estimating and len(y) >= 200:
            from statsmodels.tools.sm_exceptions import ConvergenceWarning

            warnings.warn("Maximum Likelihood optimization failed to converge", ConvergenceWarning, stacklevel=2)
        if self.kind == "raise":
            raise np.linalg.LinAlgError("Schur decomposition solver error")
        if self.kind == "explode":
            mean = y[-1] * np.exp(np.arange(1, h + 1))
        elif self.kind == "nan_on_full" and len(y) >= 200:  # only the whole history of _line()
            mean = np.full(h, np.nan)
        else:  # a perfect oracle in the backtest (the series below is a clean line)
            mean = y[-1] + (y[-1] - y[-2]) * np.arange(1, h + 1)
        return normal_prediction(mean, np.ones(h), levels, params=("fitted", len(y)))


for _kind in ("raise", "explode", "nan_on_full", "noconv_on_full"):
    if f"faulty_{_kind}" not in registry.names():
        registry.register(_Faulty(f"faulty_{_kind}", _kind))


def _line(n: int = 200) -> np.ndarray:
    return 50.0 + 2.0 * np.arange(n)


def test_forecast_columns_dtypes_and_horizon(rng: np.random.Generator) -> None:
    f = make_frame({"b": 10 + rng.normal(0, 1, 120), "a": _line(120)})
    out = forecast(f, "14d", models=["naive", "drift"], executor="serial")
    assert list(out.columns) == COLS
    assert out["ds"].dtype == pd.DatetimeTZDtype("ns", "UTC")
    assert len(out) == 2 * 2 * 14
    first = out[(out.unique_id == "a")].ds.min()
    assert first == pd.Timestamp("2025-01-01", tz="UTC") + pd.Timedelta(days=120)
    assert (out["lo-95"] <= out["lo-80"]).all() and (out["hi-80"] <= out["hi-95"]).all()


def test_auto_choice_follows_a_clean_trend(rng: np.random.Generator) -> None:
    y = _line(300) + rng.normal(0, 0.5, 300)
    fc, choice = auto_forecast(make_frame({"s": y}), 30, executor="serial")
    truth = 50.0 + 2.0 * np.arange(300, 330)
    assert choice.loc[0, "model"] not in ("naive", "seasonal_naive")
    assert np.max(np.abs(fc["mean"].to_numpy() - truth)) < 5.0  # a flat forecast would be off by up to 60
    assert choice.loc[0, "mase"] < choice.loc[0, "seasonal_naive_mase"]
    assert fc["model"].nunique() == 1


def test_non_negative_series_stay_non_negative(rng: np.random.Generator) -> None:
    y = np.maximum(0.0, 100 - 0.6 * np.arange(160) + rng.normal(0, 2, 160))  # falling towards zero
    out = forecast(make_frame({"s": y}), 120, models=["drift", "linear_trend"], executor="serial")
    assert (out[["mean", "lo-80", "lo-95"]] >= 0).all().all()
    unbounded = forecast(make_frame({"s": y}), 120, models=["drift"], bounds=False, executor="serial")
    assert (unbounded["lo-95"] < 0).any()  # the clip above did something


def test_bounds_for_ratios(rng: np.random.Generator) -> None:
    y = np.clip(0.5 + 0.004 * np.arange(150) + rng.normal(0, 0.01, 150), 0, 1)
    out = forecast(make_frame({"cpu": y}), 90, models=["linear_trend"], bounds={"cpu": (0.0, 1.0)}, executor="serial")
    assert out["hi-95"].max() == 1.0 and out["mean"].max() <= 1.0


@pytest.mark.parametrize("kind", ["raise", "explode"])
def test_failing_models_are_never_chosen(kind: str) -> None:
    fc, choice = auto_forecast(make_frame({"s": _line()}), 10, models=["naive", f"faulty_{kind}"], executor="serial")
    assert choice.loc[0, "model"] == "naive"
    assert "naive" in choice.loc[0, "candidates"] and kind not in choice.loc[0, "candidates"]


def test_nan_on_the_full_history_falls_back_to_the_next_best_and_says_so() -> None:
    models = ["faulty_nan_on_full", "naive", "drift"]  # ties go to the first listed
    fc, choice = auto_forecast(make_frame({"s": _line()}), 10, models=models, executor="serial")
    # the faulty model is perfect in the backtest, so it is chosen, then fails on the whole history
    assert choice.loc[0, "fallback"]
    assert choice.loc[0, "model"] == "drift"  # drift is exact on a line: the next best
    assert "faulty_nan_on_full: produced NaN" in fc["note"].iloc[0]
    assert "using drift, the next best on the backtest" in fc["note"].iloc[0]
    assert fc["mean"].notna().all()


def test_the_fallback_is_the_next_best_model_not_only_a_baseline() -> None:
    """On a line, after the failing model, ETS (a damped trend) backtests better than naive and seasonal
    naive, and is what is published (the fallback used to jump to the best baseline)."""
    models = ["faulty_nan_on_full", "naive", "seasonal_naive", "ets_auto"]
    fc, choice = auto_forecast(make_frame({"s": _line()}), 10, models=models, executor="serial")
    assert choice.loc[0, "fallback"] and choice.loc[0, "model"] == "ets_auto"
    assert "using ets_auto, the next best on the backtest" in fc["note"].iloc[0]


def test_cross_validation_layout_and_actuals() -> None:
    y = _line(100)
    cv = cross_validation(make_frame({"s": y}), h=5, n_windows=3, step_size=10, models=["naive", "drift"])
    assert list(cv.columns) == [
        "unique_id",
        "cutoff",
        "ds",
        "y",
        "model",
        "mean",
        "lo-80",
        "hi-80",
        "lo-95",
        "hi-95",
        "mase_scale",
        "note",
    ]
    start = pd.Timestamp("2025-01-01", tz="UTC")
    # last cutoff is n - h - 1 = index 94; windows 10 apart: 74, 84, 94
    assert sorted(cv.cutoff.unique()) == [start + pd.Timedelta(days=d) for d in (74, 84, 94)]
    naive = cv[cv.model == "naive"]
    assert np.allclose(naive["y"], 50 + 2 * ((naive.ds - start).dt.days.to_numpy()))
    m = evaluate(cv).set_index("model")
    assert m.loc["drift", "mase"] == pytest.approx(0.0, abs=1e-9)
    # naive misses by 2, 4, .., 10 on a line rising 2/day: mean error 6; scale (lag-7 MAE) 14
    assert m.loc["naive", "mase"] == pytest.approx(6 / 14)


def test_cross_validation_names_every_short_series() -> None:
    f = make_frame({"long": _line(200), "short1": _line(30), "short2": _line(20)})
    with pytest.raises(SeriesTooShortError) as info:
        cross_validation(f, h=14, n_windows=3)
    assert info.value.series == ["short1", "short2"]
    assert "short1 (30 points" in str(info.value)


def test_unknown_model_alias_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="known: .*drift"):
        forecast(make_frame({"s": _line()}), 5, models=["prophet"])


def test_gaps_are_filled_and_reported() -> None:
    f = make_frame({"s": _line(100)}).drop(index=[40, 41, 42]).reset_index(drop=True)
    fc, choice = auto_forecast(f, 5, models=["drift", "naive"], executor="serial")
    assert choice.loc[0, "filled"] == 3
    assert "3 missing points interpolated" in fc["note"].iloc[0]


def test_non_convergence_on_the_full_history_reuses_the_backtest_parameters() -> None:
    models = ["faulty_noconv_on_full", "naive", "drift"]  # ties go to the first listed
    fc, choice = auto_forecast(make_frame({"s": _line()}), 10, models=models, executor="serial")
    assert choice.loc[0, "model"] == "faulty_noconv_on_full" and not choice.loc[0, "fallback"]
    assert "did not converge on the full history; used the parameters of its last backtest window" in fc["note"].iloc[0]
    assert fc["mean"].to_numpy() == pytest.approx(50 + 2 * np.arange(200, 210))


@pytest.mark.parametrize(
    ("n", "h", "periods", "step", "asked", "windows"),
    [
        (8 * 168, 24, (24, 168), pd.Timedelta(hours=1), None, 7),  # a day ahead of 8 weeks of hours: every weekday
        (8 * 168, 24, (24, 168), pd.Timedelta(hours=1), 3, 3),  # asked for: exactly that
        (8 * 168, 48, (24, 168), pd.Timedelta(hours=1), None, 4),  # two days ahead: 4 windows span the week
        (14 * 24, 24, (24,), pd.Timedelta(hours=1), None, 3),  # no weekly season: the day is spanned by one
        (730, 90, (7, 365), pd.Timedelta(days=1), None, 3),  # 90 days ahead: one window already spans a week
        (400, 1, (7,), pd.Timedelta(days=1), None, 7),  # a day ahead of daily data
        (4 * 24 + 24 * 3, 24, (24,), pd.Timedelta(hours=1), None, 3),  # the week capped by the longest season
        (120, 12, (12,), "calendar month", None, 3),  # calendar steps keep the default
        (26, 12, (12,), "calendar month", None, 0),  # too short for any window
    ],
)
def test_choice_windows_span_a_week_on_fixed_steps_when_none_are_asked(
    n: int, h: int, periods: tuple[int, ...], step: Any, asked: int | None, windows: int
) -> None:
    from capacity.forecasting.backtest import choice_windows

    got, bt_h, step_size = choice_windows(n, h, periods, step, asked, None)
    assert got == windows
    assert bt_h == min(h, bt_h) and step_size == bt_h


@pytest.mark.parametrize(("days", "windows"), [(6, 3), (7, 4), (8, 5), (10, 7), (30, 7)])
def test_choice_windows_stretch_only_as_far_as_the_history_trains(days: int, windows: int) -> None:
    """Hours with a weekly season, a day ahead: each added window still leaves its first one the minimum
    training length (two days and two points)."""
    from capacity.forecasting.backtest import choice_windows, cutoffs, min_train

    n = days * 24
    got, bt_h, step_size = choice_windows(n, 24, (24, 168), pd.Timedelta(hours=1), None, None)
    assert got == windows
    assert min(cutoffs(n, bt_h, got, step_size)) >= min_train((24, 168))
    assert got == 7 or min(cutoffs(n, bt_h, got + 1, step_size)) < min_train((24, 168))


def test_hourly_choice_is_made_on_a_week_of_windows_unless_told(rng: np.random.Generator) -> None:
    t = np.arange(6 * 168)
    y = 100 + 20 * np.sin(2 * np.pi * t / 24) + 10 * (t % 168 >= 120) + rng.normal(0, 2, len(t))
    frame = make_frame({"s": y}, freq="h")
    _, default = auto_forecast(frame, 24, season=(24, 168), executor="serial")
    _, told = auto_forecast(frame, 24, season=(24, 168), n_windows=3, executor="serial")
    assert default["windows"].iloc[0] == 7
    assert told["windows"].iloc[0] == 3


def test_zero_width_intervals_are_explained(rng: np.random.Generator) -> None:
    line = 5 + 2 * np.arange(12.0)
    fc, choice = auto_forecast(make_frame({"line": line, "noisy": line + rng.normal(0, 1, 12)}), 3, executor="serial")
    width = (fc["hi-95"] - fc["lo-95"]).groupby(fc["unique_id"]).max()
    notes = choice.set_index("unique_id")["note"]
    assert width["line"] == 0 and "zero-width intervals" in notes["line"]
    assert width["noisy"] > 0 and "zero-width" not in notes["noisy"]


def test_a_log_model_chosen_then_refused_by_a_new_zero_says_why() -> None:
    """A positive series whose newest point is zero: the log models can be backtested (their windows end
    before it) but not fitted on the whole history; the note says why, and the next best is published."""
    t = np.arange(300)
    y = 10 * np.exp(0.01 * t)  # exact on the log scale
    y[-1] = 0.0
    fc, choice = auto_forecast(make_frame({"s": y}), 7, models=["ets_auto_log", "naive", "drift"], executor="serial")
    note = fc["note"].iloc[0]
    assert choice.loc[0, "fallback"] and choice.loc[0, "model"] in ("naive", "drift")
    assert "ets_auto_log: not applicable (" in note and "at or below zero" in note


def test_the_choice_tries_drift_only_where_the_history_drifts(rng: np.random.Generator) -> None:
    t = np.arange(400, dtype="float64")
    frame = make_frame(
        {
            "cycle": 100 + 40 * np.sin(2 * np.pi * t / 100) + rng.normal(0, 2, 400),  # four whole cycles
            "growth": 100 + 0.5 * t + rng.normal(0, 2, 400),
        }
    )
    _, choice = auto_forecast(frame, 14, executor="serial")
    tried = dict(zip(choice["unique_id"], choice["candidates"].str.split(","), strict=True))
    assert "drift" in tried["growth"] and "naive" in tried["growth"]
    assert "drift" not in tried["cycle"] and "naive" in tried["cycle"]
