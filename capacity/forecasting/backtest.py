"""Rolling-origin backtests: ``cross_validation`` and ``evaluate``.

Windows end at the last observation: the last cutoff is ``n - h``, earlier ones ``step_size`` steps
apart (``step_size`` defaults to ``h``: windows do not overlap). Each model forecasts ``h`` steps from
every cutoff using only the data up to it. With ``refit=False`` a model's parameters are fitted on the
first window and reused (re-filtered, not re-estimated) on later ones; ``refit=k`` re-estimates every
k windows. Steps are those of the series' grid (:meth:`~.freq.Regular.at`): calendar months or quarters
for monthly or quarterly data, so cutoffs and window dates stay on the series' day of the month.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import SeriesTooShortError
from . import metrics, registry
from .base import LEVELS, Prediction, primary
from .freq import Regular
from .guards import clip, run_model

Bounds = tuple[float | None, float | None]


def min_train(periods: tuple[int, ...]) -> int:
    return max(2 * primary(periods) + 2, 10)


#: the automatic choice's backtest windows when none are asked for
DEFAULT_WINDOWS = 3
#: at most this many when the windows are stretched to span a week (choice_windows)
WEEK_WINDOWS = 7


def backtest_horizon(n: int, h: int, n_windows: int, periods: tuple[int, ...]) -> int:
    """``h``, or less when the history cannot hold ``n_windows`` windows of ``h`` after a first training
    window of a third of the history (long-range forecasts on short histories)."""
    room = (n - max(min_train(periods), n // 3)) // max(n_windows, 1)
    return max(1, min(h, room))


def choice_windows(
    n: int, h: int, periods: tuple[int, ...], step: Any, asked: int | None, step_size: int | None
) -> tuple[int, int, int]:
    """``(windows, backtest horizon, steps between windows)`` of the automatic choice on ``n`` points.

    ``asked`` windows (None: ``DEFAULT_WINDOWS``), fewer when the history cannot hold them. When none
    were asked for, the series has a fixed step and a season, and the history has room, the windows
    span the longest season up to a week (at most ``WEEK_WINDOWS``): a day-ahead forecast of a 5-minute,
    half-hourly or hourly series is then chosen on every weekday rather than on the last three days.
    Three one-day windows had chosen by noise (on the panel of benchmarks/bench_accuracy: half-hourly
    demand over the new year 1.02 -> 0.82 times seasonal naive's error, and the sub-daily series'
    80% coverage closer to 80%: UK demand 0.65 -> 0.77, hourly JFK temperature 0.98 -> 0.88; the
    panel's geometric mean 0.647 -> 0.644), at a cost of about half again the time (a day ahead of eight
    weeks of hours: 116 -> 178 ms). Calendar steps (months, quarters) keep ``DEFAULT_WINDOWS``.
    """
    wanted = asked or DEFAULT_WINDOWS
    bt_h = backtest_horizon(n, h, wanted, periods)
    step_size = step_size or bt_h
    possible = (n - bt_h - min_train(periods)) // step_size + 1
    windows = max(0, min(wanted, possible))
    if asked is None and periods and isinstance(step, pd.Timedelta) and windows == wanted:
        span = min(max(periods), int(pd.Timedelta(days=7) / step))
        windows = max(windows, min(WEEK_WINDOWS, -(-span // step_size), possible))
    return windows, bt_h, step_size


def required_length(h: int, n_windows: int, step_size: int, periods: tuple[int, ...]) -> int:
    return h + step_size * (n_windows - 1) + min_train(periods)


def cutoffs(n: int, h: int, n_windows: int, step_size: int) -> list[int]:
    """Training lengths (the cutoff is the last training index + 1), oldest first."""
    return [n - h - step_size * (n_windows - 1 - i) for i in range(n_windows)]


@dataclass(frozen=True)
class WindowResult:
    cutoff: int  # training length
    model: str
    pred: Prediction | None
    note: str | None


def _refit_now(refit: bool | int, window: int) -> bool:
    if refit is True:
        return True
    if refit is False:
        return window == 0
    return window % int(refit) == 0


def backtest_arrays(
    y: np.ndarray,
    h: int,
    n_windows: int,
    step_size: int,
    models: tuple[str, ...],
    periods: tuple[int, ...],
    levels: tuple[int, ...] = LEVELS,
    refit: bool | int = True,
    bounds: Bounds = (None, None),
) -> list[WindowResult]:
    return forecast_at(y, cutoffs(len(y), h, n_windows, step_size), h, models, periods, levels, refit, bounds)


def forecast_at(
    y: np.ndarray,
    cuts: list[int],
    h: int,
    models: tuple[str, ...],
    periods: tuple[int, ...],
    levels: tuple[int, ...] = LEVELS,
    refit: bool | int = True,
    bounds: Bounds = (None, None),
    params: dict[str, Any] | None = None,
) -> list[WindowResult]:
    """Every model's ``h``-step forecast from each training length in ``cuts`` (in that order).

    ``params`` (alias -> fitted parameters) are re-filtered instead of estimated where ``refit`` says
    not to estimate (``refit=False``: estimate in the first window unless ``params`` has the model)."""
    out: list[WindowResult] = []
    given = set(params or ())
    params = dict(params or {})
    for w, n_train in enumerate(cuts):
        train = y[:n_train]
        for alias in models:
            model = registry.get(alias)
            fresh = _refit_now(refit, w) and not (refit is False and alias in given)
            reuse = None if fresh else params.get(alias)
            pred, note = run_model(model, train, h, periods, levels, reuse)
            if pred is None and reuse is not None:  # reused parameters failed: estimate afresh
                pred, note = run_model(model, train, h, periods, levels, None)
            if pred is not None:
                params[alias] = pred.params
                pred = clip(pred, *bounds)
            out.append(WindowResult(n_train, alias, pred, note))
    return out


def windows_frame(
    reg: Regular, h: int, results: list[WindowResult], periods: tuple[int, ...], levels: tuple[int, ...] = LEVELS
) -> pd.DataFrame:
    """The tidy rows of one series' backtest."""
    m = primary(periods)
    parts = []
    for r in results:
        ds = reg.dates(r.cutoff, h)
        cols: dict[str, Any] = {
            "unique_id": reg.unique_id,
            "cutoff": reg.at(r.cutoff - 1),
            "ds": ds,
            "y": reg.y[r.cutoff : r.cutoff + h],
            "model": r.model,
            "mean": r.pred.mean if r.pred is not None else np.nan,
        }
        for lv in levels:
            cols[f"lo-{lv}"] = r.pred.lo[lv] if r.pred is not None else np.nan
            cols[f"hi-{lv}"] = r.pred.hi[lv] if r.pred is not None else np.nan
        cols["mase_scale"] = metrics.mase_scale(reg.y[: r.cutoff], m)
        cols["note"] = r.note
        parts.append(pd.DataFrame(cols))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def check_lengths(lengths: dict[str, tuple[int, tuple[int, ...]]], h: int, n_windows: int, step_size: int) -> None:
    """Fail fast, naming every series too short for ``h``, ``n_windows`` and ``step_size``."""
    short = []
    for uid, (n, periods) in lengths.items():
        need = required_length(h, n_windows, step_size, periods)
        if n < need:
            short.append((uid, n, need))
    if short:
        names = ", ".join(f"{u} ({n} points, needs {need})" for u, n, need in short[:10])
        more = f" and {len(short) - 10} more" if len(short) > 10 else ""
        raise SeriesTooShortError(
            f"{len(short)} series too short for h={h}, n_windows={n_windows}, step_size={step_size}: {names}{more}",
            series=[u for u, _, _ in short],
        )


def evaluate(cv: pd.DataFrame, levels: tuple[int, ...] = LEVELS) -> pd.DataFrame:
    """Metrics per (unique_id, model) over all windows of a ``cross_validation`` frame.

    Columns: unique_id, model, mase, smape, coverage-80, coverage-95, winkler-80, winkler-95,
    windows (count with a forecast), failed (windows without one). A model that failed in any
    window gets NaN metrics (it cannot be trusted on that series).
    """
    rows = []
    for (uid, model), g in cv.groupby(["unique_id", "model"], sort=True, observed=True):
        ok = g["mean"].notna()
        n_win = g.loc[ok, "cutoff"].nunique()
        n_fail = g.loc[~ok, "cutoff"].nunique()
        row: dict[str, Any] = {"unique_id": uid, "model": model}
        if n_fail or not ok.any():
            row.update({"mase": np.nan, "smape": np.nan})
            row.update({f"coverage-{lv}": np.nan for lv in levels})
            row.update({f"winkler-{lv}": np.nan for lv in levels})
        else:
            y = g["y"].to_numpy()
            f = g["mean"].to_numpy()
            with np.errstate(divide="ignore", invalid="ignore"):  # a flat history has a scale of 0
                ratio = np.abs(y - f) / g["mase_scale"].to_numpy()
            ratio = ratio[~np.isnan(ratio)]
            row["mase"] = float(ratio.mean()) if ratio.size else np.nan
            row["smape"] = float(np.mean(metrics.smape(y, f)))
            for lv in levels:
                lo, hi = g[f"lo-{lv}"].to_numpy(), g[f"hi-{lv}"].to_numpy()
                row[f"coverage-{lv}"] = float(np.mean(metrics.covered(y, lo, hi)))
                row[f"winkler-{lv}"] = float(np.mean(metrics.winkler(y, lo, hi, lv)))
        row["windows"] = int(n_win)
        row["failed"] = int(n_fail)
        rows.append(row)
    return pd.DataFrame(rows)
