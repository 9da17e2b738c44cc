"""What ``forecast`` would have published, scored out of sample: the whole procedure from past origins.

``cross_validation`` scores each model on windows it could also have been chosen on. A user is given
something else: the model chosen by its own backtest (or the combination), with intervals calibrated on
other windows. ``published_cv`` replays that procedure from each origin of a rolling-origin backtest,
given only the history up to the origin, and returns its forecasts beside the actual values, in the
``cross_validation`` frame (``model`` = ``'published'``, ``note`` = what was chosen there), so
``evaluate`` gives the coverage and accuracy a user of the forecast would have seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import pandas as pd

from . import executors, metrics, registry
from .backtest import cutoffs
from .base import LEVELS, primary
from .freq import CalendarStep, horizon_steps
from .pipeline import BoundsArg, Settings, Task, _periods, _season, _tasks, forecast_one

PUBLISHED = "published"


@dataclass(frozen=True)
class _Replay:
    settings: Settings
    n_windows: int
    step_size: int | None


def _replay_one(replay: _Replay, task: Task) -> pd.DataFrame:
    reg, settings = task.reg, replay.settings
    h = horizon_steps(settings.h, reg.step)
    periods = _periods(settings, reg)
    parts = []
    for cut in cutoffs(len(reg.y), h, replay.n_windows, replay.step_size or h):
        if cut < 2:
            continue
        given = Task(replace(reg, y=reg.y[:cut]), task.bounds)
        fc, info = forecast_one(settings, given)
        cols: dict[str, Any] = {
            "unique_id": reg.unique_id,
            "cutoff": reg.at(cut - 1),
            "ds": reg.dates(cut, h),
            "y": reg.y[cut : cut + h],
            "model": PUBLISHED,
        }
        for c in ("mean", *(f"{side}-{lv}" for lv in settings.levels for side in ("lo", "hi"))):
            cols[c] = fc[c].to_numpy(dtype="float64")
        cols["mase_scale"] = metrics.mase_scale(reg.y[:cut], primary(periods))
        cols["note"] = str(info.get("model"))
        parts.append(pd.DataFrame(cols))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def published_cv(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta,
    n_windows: int = 3,
    step_size: int | None = None,
    *,
    models: str | Iterable[str] | None = "auto",
    choice_windows: int | None = None,
    freq: str | pd.Timedelta | CalendarStep | None = None,
    season: int | Iterable[int] | None = None,
    bounds: BoundsArg = None,
    executor: Any = None,
) -> pd.DataFrame:
    """The published forecast (automatic choice among ``models`` on ``choice_windows`` windows, None: as
    :func:`~.pipeline.auto_forecast` chooses by default; combination,
    calibration) from each of ``n_windows`` origins ``step_size`` apart (default ``h``), the last one
    ``h`` before the end; rows as :func:`~.pipeline.cross_validation`'s."""
    settings = Settings(h, registry.resolve(models), True, LEVELS, choice_windows, periods=_season(season))
    replay = _Replay(settings, n_windows, step_size)
    parts = executors.run(partial(_replay_one, replay), _tasks(frame, freq, bounds), executor)
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


__all__ = ["PUBLISHED", "published_cv"]
