"""Automatic model choice per series from a rolling-origin backtest, and interval calibration.

The chosen model has the lowest backtest MASE among the candidates that produced a usable forecast
in every window (see guards.py); baselines are always candidates, so a model must beat them all.
When the mean of the ``COMBINE`` best models did better on the same backtest windows than the best
alone (scored on those windows, no refit), the published forecast is that mean (``combo(a+b)``):
two models that backtest alike average out each other's errors more often than one of them wins by
noise. The intervals of what is published are calibrated on other windows (conformal.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import metrics
from .backtest import WindowResult
from .base import Prediction, primary

#: how many of the best backtested models a combination averages (2 measured best on the panel of
#: benchmarks/bench_accuracy: 34 of 39 series at or under seasonal naive against 30 with 3 and 30 with 1)
COMBINE = 2


@dataclass(frozen=True)
class Score:
    model: str
    mase: float
    smape: float
    coverage: dict[int, float]
    winkler: dict[int, float]
    failed: str | None  # the first failure note, if any window failed


def score(
    y: np.ndarray, h: int, results: list[WindowResult], periods: tuple[int, ...], levels: tuple[int, ...]
) -> dict[str, Score]:
    m = primary(periods)
    by_model: dict[str, list[WindowResult]] = {}
    for r in results:
        by_model.setdefault(r.model, []).append(r)
    out: dict[str, Score] = {}
    for alias, rs in by_model.items():
        bad = next((r.note for r in rs if r.pred is None), None)
        if bad is not None:
            nan = {lv: np.nan for lv in levels}
            out[alias] = Score(alias, np.nan, np.nan, nan, dict(nan), bad)
            continue
        errs: list[np.ndarray] = []
        sm: list[np.ndarray] = []
        cov: dict[int, list[np.ndarray]] = {lv: [] for lv in levels}
        wk: dict[int, list[np.ndarray]] = {lv: [] for lv in levels}
        for cutoff, pred in [(r.cutoff, r.pred) for r in rs if r.pred is not None]:  # all of them (bad above)
            actual = y[cutoff : cutoff + h]
            scale = metrics.mase_scale(y[:cutoff], m)
            scale = scale if np.isfinite(scale) else 1.0  # a flat history: rank by plain MAE
            errs.append(np.abs(actual - pred.mean) / scale)
            sm.append(metrics.smape(actual, pred.mean))
            for lv in levels:
                cov[lv].append(metrics.covered(actual, pred.lo[lv], pred.hi[lv]))
                wk[lv].append(metrics.winkler(actual, pred.lo[lv], pred.hi[lv], lv))
        out[alias] = Score(
            alias,
            float(np.nanmean(np.concatenate(errs))),
            float(np.mean(np.concatenate(sm))),
            {lv: float(np.mean(np.concatenate(v))) for lv, v in cov.items()},
            {lv: float(np.mean(np.concatenate(v))) for lv, v in wk.items()},
            None,
        )
    return out


def best(scores: dict[str, Score], among: tuple[str, ...] | None = None) -> str | None:
    """The alias with the lowest finite MASE (first listed wins ties), or None."""
    pool = [s for a, s in scores.items() if (among is None or a in among) and np.isfinite(s.mase)]
    if not pool:
        return None
    return min(pool, key=lambda s: s.mase).model


def combination(scores: dict[str, Score], k: int = COMBINE) -> tuple[str, ...]:
    """The ``k`` models with the lowest finite backtest MASE (empty when fewer than two)."""
    ranked = sorted((s for s in scores.values() if np.isfinite(s.mase)), key=lambda s: s.mase)
    members = tuple(s.model for s in ranked[:k])
    return members if len(members) >= 2 else ()


def combine(preds: list[Prediction]) -> Prediction:
    """The mean of several predictions: the mean of their means and of their bounds."""
    levels = preds[0].lo.keys()
    return Prediction(
        np.mean([p.mean for p in preds], axis=0),
        {lv: np.mean([p.lo[lv] for p in preds], axis=0) for lv in levels},
        {lv: np.mean([p.hi[lv] for p in preds], axis=0) for lv in levels},
    )


def combined_results(results: list[WindowResult], members: tuple[str, ...], alias: str) -> list[WindowResult]:
    """The combination's backtest: per window, the mean of its members' predictions."""
    by_cut: dict[int, dict[str, Prediction]] = {}
    for r in results:
        if r.model in members and r.pred is not None:
            by_cut.setdefault(r.cutoff, {})[r.model] = r.pred
    return [
        WindowResult(cut, alias, combine([got[m] for m in members]), None)
        for cut, got in sorted(by_cut.items())
        if len(got) == len(members)
    ]
