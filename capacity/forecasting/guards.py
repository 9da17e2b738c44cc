"""Run one model defensively: what statsmodels does on bad days becomes a note, never a crash or a NaN.

A model's forecast is rejected (``None`` plus a note saying why) when fitting raises, when the
optimiser reports non-convergence, when any value is NaN/inf, or when it explodes: the mean
moves further from the last value than ``EXPLODE`` times the history's range (scaled up when
the horizon is longer than the history).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .base import Model, Prediction

EXPLODE = 10.0


def _converged_warning(w: warnings.WarningMessage) -> bool:
    name = type(w.message).__name__ if isinstance(w.message, Warning) else ""
    return name == "ConvergenceWarning"


def run_model(
    model: Model, y: np.ndarray, h: int, periods: tuple[int, ...], levels: tuple[int, ...], params: Any = None
) -> tuple[Prediction | None, str | None]:
    if not model.applicable(y, periods):
        why = "too short a history, or a value at or below zero for a log or multiplicative model"
        return None, f"{model.alias}: not applicable ({why})"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with np.errstate(all="ignore"):
                pred = model.predict(y, h, periods, levels, params)
        except Exception as exc:  # statsmodels raises many types (LinAlgError, ValueError, ...)
            return (
                None,
                f"{model.alias}: fit failed ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0][:80] if str(exc) else ''})",
            )
    if any(_converged_warning(w) for w in caught):
        return None, f"{model.alias}: optimiser did not converge"
    arrays = [pred.mean, *pred.lo.values(), *pred.hi.values()]
    if any(len(a) != h for a in arrays):
        return None, f"{model.alias}: returned a forecast of the wrong length"
    if not all(np.isfinite(a).all() for a in arrays):
        return None, f"{model.alias}: produced NaN or infinite forecasts"
    span = float(np.ptp(y)) or abs(float(y[-1])) or 1.0
    limit = EXPLODE * span * max(1.0, h / len(y))
    if float(np.max(np.abs(pred.mean - y[-1]))) > limit:
        return None, f"{model.alias}: forecast exploded (moves more than {EXPLODE:g}x the history's range)"
    lo = {lv: np.minimum(pred.lo[lv], pred.mean) for lv in levels}
    hi = {lv: np.maximum(pred.hi[lv], pred.mean) for lv in levels}
    return Prediction(pred.mean, lo, hi, pred.params, pred.notes), None


def clip(pred: Prediction, lower: float | None, upper: float | None) -> Prediction:
    """Keep mean and intervals inside physical bounds (``None`` = unbounded on that side)."""
    if lower is None and upper is None:
        return pred
    lo_b = -np.inf if lower is None else lower
    hi_b = np.inf if upper is None else upper

    def c(a: np.ndarray) -> np.ndarray:
        return np.clip(a, lo_b, hi_b)

    return Prediction(
        c(pred.mean),
        {k: c(v) for k, v in pred.lo.items()},
        {k: c(v) for k, v in pred.hi.items()},
        pred.params,
        pred.notes,
    )
