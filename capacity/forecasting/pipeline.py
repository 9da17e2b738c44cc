"""``forecast`` and ``cross_validation`` over the canonical frame (the public entry points).

Output frames are tidy and long:

forecast          unique_id, ds, model, mean, lo-80, hi-80, lo-95, hi-95, note
cross_validation  unique_id, cutoff, ds, y, model, mean, lo-80, hi-80, lo-95, hi-95, mase_scale, note
choice            one row per series (see ``auto_forecast``)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ..core import frame as _frame
from ..core.errors import ForecastError
from . import choose, conformal, executors, registry
from .backtest import (
    DEFAULT_WINDOWS,
    Bounds,
    WindowResult,
    backtest_arrays,
    check_lengths,
    choice_windows,
    cutoffs,
    forecast_at,
    min_train,
    windows_frame,
)
from .base import LEVELS, Prediction, Warm
from .baselines import BASELINES
from .freq import CalendarStep, Regular, horizon_steps, parse_step, regularize, seasonal_periods
from .guards import clip, run_model

BoundsArg = bool | Bounds | Mapping[str, Bounds] | None


@dataclass(frozen=True)
class Settings:
    h: int | str | pd.Timedelta
    models: tuple[str, ...]
    auto: bool
    levels: tuple[int, ...] = LEVELS
    n_windows: int | None = None  # None: the automatic choice's default (backtest.choice_windows)
    step_size: int | None = None
    refit: bool | int = False
    calibrate: bool = True
    periods: tuple[int, ...] | None = None


@dataclass(frozen=True)
class Task:
    reg: Regular
    bounds: Bounds


def _periods(settings: Settings, reg: Regular) -> tuple[int, ...]:
    if settings.periods is not None:
        return tuple(p for p in settings.periods if p > 1)
    return seasonal_periods(reg.step, len(reg.y))


def _rows(
    reg: Regular, h: int, alias: str, pred: Prediction | None, note: str | None, levels: tuple[int, ...]
) -> pd.DataFrame:
    cols: dict[str, Any] = {"unique_id": reg.unique_id, "ds": reg.future(h), "model": alias}
    cols["mean"] = pred.mean if pred is not None else np.nan
    for lv in levels:
        cols[f"lo-{lv}"] = pred.lo[lv] if pred is not None else np.nan
        cols[f"hi-{lv}"] = pred.hi[lv] if pred is not None else np.nan
    cols["note"] = note
    return pd.DataFrame(cols)


def _fallback(
    uid: str, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], order: list[str]
) -> tuple[str, Prediction]:
    why = "no baseline tried"
    for alias in order + [a for a in BASELINES if a not in order]:
        pred, note = run_model(registry.get(alias), y, h, periods, levels)
        if pred is not None:
            return alias, pred
        why = note or why
    top = float(np.nanmax(np.abs(y))) if len(y) and np.isfinite(y).any() else np.nan
    if top > 1e150:  # the variance of an interval squares the values: past ~1e154 it is infinite
        why = f"values up to {top:.3g} overflow the intervals' variance; rescale the series (another unit)"
    raise ForecastError(
        f"series {uid!r}: no model could forecast it, not even a baseline ({why}; {len(y)} points)",
        series=uid,
    )


def forecast_one(settings: Settings, task: Task) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Forecast one series: choose (if auto), fit on the whole history, guard, calibrate, clip."""
    reg, levels = task.reg, settings.levels
    periods = _periods(settings, reg)
    h = horizon_steps(settings.h, reg.step)
    y = reg.y
    info: dict[str, Any] = {"unique_id": reg.unique_id, "step": reg.step, "periods": periods, "filled": reg.filled}
    if not settings.auto:
        parts = []
        for alias in settings.models:
            pred, note = run_model(registry.get(alias), y, h, periods, levels)
            parts.append(_rows(reg, h, alias, clip(pred, *task.bounds) if pred else None, note, levels))
        return pd.concat(parts, ignore_index=True), info
    candidates = registry.for_series(settings.models, isinstance(reg.step, CalendarStep), y)
    asked = settings.n_windows or DEFAULT_WINDOWS
    n_windows, bt_h, step_size = choice_windows(len(y), h, periods, reg.step, settings.n_windows, settings.step_size)
    scores: dict[str, choose.Score] = {}
    results = []
    if n_windows >= 1:
        results = backtest_arrays(
            y, bt_h, n_windows, step_size, candidates, periods, levels, settings.refit, task.bounds
        )
        scores = choose.score(y, bt_h, results, periods, levels)
    chosen = choose.best(scores)
    members = choose.combination(scores) if chosen is not None else ()
    combo = f"combo({'+'.join(members)})" if members else None
    if combo is not None and chosen is not None:
        combo_results = choose.combined_results(results, members, combo)
        combo_score = choose.score(y, bt_h, combo_results, periods, levels).get(combo)
        if combo_score is not None and np.isfinite(combo_score.mase) and combo_score.mase < scores[chosen].mase:
            scores[combo] = combo_score
            results = results + combo_results
        else:
            combo = None
    notes: list[str] = []
    if n_windows < asked:
        short = f"history of {len(y)} points allows {n_windows} of {asked} backtest windows"
        if periods and settings.periods is not None and min_train(periods) >= len(y) - bt_h:
            short += f" (a season of {max(periods)} steps needs {min_train(periods)} points to train on)"
        notes.append(short)
    if n_windows and bt_h < h:
        notes.append(f"model chosen on a {bt_h}-step backtest (history too short to backtest {h} steps)")
    fallback = False
    pred = None
    if combo is not None:
        got = [run_model(registry.get(m), y, h, periods, levels, _warm(results, m))[0] for m in members]
        if all(p is not None for p in got):
            pred, chosen = choose.combine([p for p in got if p is not None]), combo
    if chosen is not None and pred is None:
        pred, why = run_model(registry.get(chosen), y, h, periods, levels, _warm(results, chosen))
        if pred is None:
            # re-estimation failed (often non-convergence on a very smooth series): the parameters the
            # model had in its last backtest window, re-filtered on the whole history, before a baseline
            last = [r.pred for r in results if r.model == chosen and r.pred is not None and r.pred.params is not None]
            if last:
                pred, _ = run_model(registry.get(chosen), y, h, periods, levels, last[-1].params)
            if pred is not None:
                notes.append(f"{why} on the full history; used the parameters of its last backtest window")
            else:
                notes.append(f"fallback: {why} on the full history")
                fallback = True
    if pred is None or chosen is None:  # (no model chosen: no prediction either)
        # the next best on the backtest that forecasts the whole history (a log model fails where the newest
        # points hold a zero), then the baselines
        ranked = sorted(
            (s for a, s in scores.items() if a in candidates and a != chosen and np.isfinite(s.mase)),
            key=lambda s: s.mase,
        )
        order = [s.model for s in ranked] or ["drift", "naive"]
        alias, pred = _fallback(reg.unique_id, y, h, periods, levels, order)
        if chosen is None:
            notes.append(f"fallback: no model could be backtested; using {alias}")
            fallback = True
        else:
            notes[-1] += f"; using {alias}, the next best on the backtest"
        chosen = alias
    cal = conformal.none(levels, h)
    if settings.calibrate and results:
        cal = _calibration(y, bt_h, h, chosen, members if chosen == combo else (chosen,), results, settings, task)
        pred = conformal.apply(pred, cal.factors)
        if not cal.held_out and cal.windows:
            notes.append("intervals calibrated on the windows that chose the model (too short to hold others out)")
        elif not cal.windows:
            notes.append(f"intervals not calibrated (fewer than {conformal.MIN_POINTS} backtest errors)")
    pred = clip(pred, *task.bounds)
    widest = max(levels)
    if np.all(pred.hi[widest] - pred.lo[widest] == 0):
        notes.append(
            "zero-width intervals: the model fits the history without error, so there is none to widen them by"
        )
    if reg.filled:
        inf = f" ({reg.infinite} of them infinite values)" if reg.infinite else ""
        notes.append(f"{reg.filled} missing points interpolated{inf}")
    note = "; ".join(notes) or None
    s = scores.get(chosen)
    snaive = scores.get("seasonal_naive")
    info.update(
        {
            "model": chosen,
            "mase": s.mase if s else np.nan,
            "smape": s.smape if s else np.nan,
            **{f"coverage-{lv}": cal.coverage[lv] for lv in levels},
            **{f"backtest_coverage-{lv}": (s.coverage[lv] if s else np.nan) for lv in levels},
            "seasonal_naive_mase": snaive.mase if snaive else np.nan,
            "windows": n_windows,
            "fallback": fallback,
            **{f"calibration-{lv}": cal.typical(lv) for lv in levels},
            "calibration_windows": cal.windows,
            "candidates": ",".join(a for a in candidates if a in scores and np.isfinite(scores[a].mase)),
            "note": note,
        }
    )
    return _rows(reg, h, chosen, pred, note, levels), info


def _warm(results: list[WindowResult], alias: str) -> Warm | None:
    """Start the full-history fit from the model's parameters in its last backtest window."""
    last = [r.pred.params for r in results if r.model == alias and r.pred is not None and r.pred.params is not None]
    return Warm(last[-1]) if last else None


def _calibration(
    y: np.ndarray,
    bt_h: int,
    h: int,
    chosen: str,
    members: tuple[str, ...],
    results: list[WindowResult],
    settings: Settings,
    task: Task,
) -> conformal.Calibration:
    """The published model's backtest on held-out windows before the choosing ones, then its factors."""
    periods = _periods(settings, task.reg)
    first = min(r.cutoff for r in results)
    params = {
        r.model: r.pred.params for r in results if r.cutoff == first and r.pred is not None and r.model in members
    }
    cuts = conformal.held_out_cutoffs(len(y), bt_h, first, periods)
    held = forecast_at(y, cuts, bt_h, members, periods, settings.levels, settings.refit, task.bounds, params)
    if len(members) > 1:
        held = choose.combined_results(held, members, chosen)
    choosing = [r for r in results if r.model == chosen]
    return conformal.calibrate(y, bt_h, h, [r for r in held if r.model == chosen], choosing, settings.levels)


def cv_one(settings: Settings, task: Task) -> pd.DataFrame:
    reg = task.reg
    periods = _periods(settings, reg)
    h = horizon_steps(settings.h, reg.step)
    step_size = settings.step_size or h
    results = backtest_arrays(
        reg.y,
        h,
        settings.n_windows or DEFAULT_WINDOWS,
        step_size,
        registry.for_series(settings.models, isinstance(reg.step, CalendarStep), reg.y),
        periods,
        settings.levels,
        settings.refit,
        task.bounds,
    )
    return windows_frame(reg, h, results, periods, settings.levels)


def _bounds_for(uid: str, y: np.ndarray, bounds: BoundsArg) -> Bounds:
    if bounds is False:
        return (None, None)
    if isinstance(bounds, Mapping) and uid in bounds:
        return tuple(bounds[uid])  # type: ignore[return-value]
    if bounds is None or bounds is True or isinstance(bounds, Mapping):  # auto, also for ids not in a mapping
        return (0.0, None) if len(y) and bool((y[np.isfinite(y)] >= 0).all()) else (None, None)
    return tuple(bounds)  # type: ignore[return-value]


def _tasks(frame: pd.DataFrame, freq: Any, bounds: BoundsArg) -> list[Task]:
    if not isinstance(frame, pd.DataFrame):
        raise ForecastError(f"forecast: expected a canonical frame, got {type(frame).__name__}")
    if (
        "ds" in frame.columns
        and pd.api.types.is_datetime64_any_dtype(frame["ds"])
        and frame["ds"].dtype != _frame.DS_DTYPE
    ):
        frame = frame.assign(ds=pd.to_datetime(frame["ds"], utc=True).dt.as_unit("ns"))  # tz-naive is read as UTC
    if "y" in frame.columns and pd.api.types.is_numeric_dtype(frame["y"]) and frame["y"].dtype != np.float64:
        frame = frame.assign(y=frame["y"].astype("float64"))
    frame = _frame.validate(_frame.normalize(frame), name="forecast input")
    if frame.empty:
        raise ForecastError("forecast: the frame holds no series")
    step = parse_step(freq, field="freq") if freq is not None else None
    tasks = []
    for uid, g in frame.groupby("unique_id", sort=True, observed=True):
        y = g["y"].to_numpy(dtype="float64")
        reg = regularize(str(uid), g["ds"], g["y"], step)
        tasks.append(Task(reg, _bounds_for(str(uid), y, bounds)))
    return tasks


def _season(season: int | Iterable[int] | None) -> tuple[int, ...] | None:
    if season is None:
        return None
    if isinstance(season, (int, np.integer)):
        return (int(season),)
    return tuple(int(s) for s in season)


def auto_forecast(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta,
    *,
    models: str | Iterable[str] | None = "auto",
    n_windows: int | None = None,
    step_size: int | None = None,
    refit: bool | int = False,
    calibrate: bool = True,
    freq: str | pd.Timedelta | CalendarStep | None = None,
    season: int | Iterable[int] | None = None,
    bounds: BoundsArg = None,
    executor: Any = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Choose a model per series by backtest and forecast ``h`` ahead.

    ``n_windows``: backtest windows of the choice; None = 3, or on a series with a fixed step (hourly,
    5-minute, daily...) and a season, as many as span its longest season up to a week, at most 7
    (:func:`~.backtest.choice_windows`). ``step_size``: steps between windows (default: the horizon).

    Returns ``(forecast, choice)``. ``choice`` has one row per series: unique_id, step (a Timedelta, or a
    :class:`~.freq.CalendarStep` for monthly and quarterly data), periods, filled,
    model, mase, smape, coverage-80, coverage-95 (of the published, calibrated intervals on backtest windows
    that did not calibrate them; NaN when the history is too short to hold windows out), backtest_coverage-80,
    backtest_coverage-95 (the chosen model's own intervals on the choosing windows), seasonal_naive_mase,
    windows, fallback (bool), calibration-80, calibration-95 (median factor over the leads),
    calibration_windows, candidates, note.
    """
    settings = Settings(
        h, registry.resolve(models), True, LEVELS, n_windows, step_size, refit, calibrate, _season(season)
    )
    out = executors.run(partial(forecast_one, settings), _tasks(frame, freq, bounds), executor)
    fc = pd.concat([o[0] for o in out], ignore_index=True)
    info = pd.DataFrame([o[1] for o in out])
    return fc, info


def forecast(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta,
    *,
    models: str | Iterable[str] | None = "auto",
    n_windows: int | None = None,
    step_size: int | None = None,
    refit: bool | int = False,
    calibrate: bool = True,
    freq: str | pd.Timedelta | CalendarStep | None = None,
    season: int | Iterable[int] | None = None,
    bounds: BoundsArg = None,
    executor: Any = None,
) -> pd.DataFrame:
    """Forecast every series of a canonical frame ``h`` ahead (steps, or a duration like ``'90d'``).

    ``models='auto'`` (default): per series, the model with the best rolling-origin backtest MASE
    (``n_windows`` windows ``step_size`` apart, see :func:`auto_forecast`) among the baselines and the
    automatic statsmodels set, with intervals calibrated on the backtest (``calibrate``); rows of that
    model only. A list of
    aliases: every listed model, uncalibrated, no choice. ``bounds``: None = keep never-negative series
    non-negative; ``(lower, upper)`` for all series; ``{unique_id: (lower, upper)}`` (ids not in it: as
    None); False = none.
    ``freq``: the step, inferred per series when None (a duration; monthly and quarterly data are on
    calendar months: ``'MS'``, ``'ME'``, ``'QS'``, ``'QE'`` or a :class:`~.freq.CalendarStep`).
    ``executor``: see :mod:`capacity.forecast.executors`. Returns unique_id, ds, model, mean, lo-80,
    hi-80, lo-95, hi-95, note (why a fallback happened, gaps filled, ...; None when nothing to say).
    """
    if models is None or models == "auto":
        return auto_forecast(
            frame,
            h,
            models=models,
            n_windows=n_windows,
            step_size=step_size,
            refit=refit,
            calibrate=calibrate,
            freq=freq,
            season=season,
            bounds=bounds,
            executor=executor,
        )[0]
    settings = Settings(h, registry.resolve(models), False, LEVELS, periods=_season(season))
    out = executors.run(partial(forecast_one, settings), _tasks(frame, freq, bounds), executor)
    return pd.concat([o[0] for o in out], ignore_index=True)


def cross_validation(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta,
    n_windows: int = 3,
    step_size: int | None = None,
    *,
    models: str | Iterable[str] | None = "auto",
    refit: bool | int = True,
    freq: str | pd.Timedelta | CalendarStep | None = None,
    season: int | Iterable[int] | None = None,
    bounds: BoundsArg = None,
    executor: Any = None,
) -> pd.DataFrame:
    """Rolling-origin backtest of every model on every series (see backtest.py for the windows).

    Fails fast with :class:`SeriesTooShortError` naming every series too short for the request.
    Returns unique_id, cutoff (last training timestamp), ds, y (actual), model, mean, lo-80, hi-80,
    lo-95, hi-95, mase_scale, note (why a model gave no forecast in that window; mean is then NaN).
    """
    if n_windows < 1:
        raise ForecastError(f"cross_validation: n_windows must be at least 1, got {n_windows}")
    settings = Settings(h, registry.resolve(models), False, LEVELS, n_windows, step_size, refit, False, _season(season))
    tasks = _tasks(frame, freq, bounds)
    lengths = {}
    hs = {}
    for t in tasks:
        hs[t.reg.unique_id] = horizon_steps(h, t.reg.step)
        lengths[t.reg.unique_id] = (len(t.reg.y), _periods(settings, t.reg))
    for hh in sorted(set(hs.values())):
        sub = {u: v for u, v in lengths.items() if hs[u] == hh}
        check_lengths(sub, hh, n_windows, step_size or hh)
    parts = executors.run(partial(cv_one, settings), tasks, executor)
    return pd.concat(parts, ignore_index=True)


__all__ = ["forecast", "auto_forecast", "cross_validation", "cutoffs"]
