"""Alias -> model. Every model has a unique alias; ``models=[...]`` arguments name them."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from ..core.errors import ConfigError
from .base import Model
from .baselines import Drift, LinearTrend, Naive, SeasonalNaive, drift_supported
from .models import ETS, SARIMA, AutoTrendETS, DecompETS, Log
from .theta import Theta

_MODELS: dict[str, Model] = {}


def register(model: Model) -> Model:
    if model.alias in _MODELS:
        raise ConfigError(f"forecast model alias {model.alias!r} is already registered", field="alias")
    _MODELS[model.alias] = model
    return model


for _m in (
    Naive(),
    SeasonalNaive(),
    Drift(),
    LinearTrend(),
    ETS("ets", trend="add"),
    ETS("ets_damped", trend="add", damped=True),
    AutoTrendETS(),
    ETS("ets_mul", error="mul", trend="mul", damped=True),
    ETS("ets_seasonal", trend="add", damped=True, seasonal="add"),
    ETS("ets_mul_seasonal", error="mul", trend="add", damped=True, seasonal="mul"),
    SARIMA(),
    DecompETS(),
    Theta(),
    Theta("theta_opt", optimize=True),
):
    register(_m)
register(Log(ETS("ets", trend="add"), alias="ets_log"))
register(Log(ETS("ets_damped", trend="add", damped=True), alias="ets_damped_log"))
register(Log(AutoTrendETS(), alias="ets_auto_log"))
register(Log(DecompETS(), alias="stl_ets_log"))

#: tried by the automatic choice (cheap enough for thousands of series); the rest are opt-in by alias.
#: ``linear_trend`` (PromQL's ``predict_linear``) is not in it: one straight line through the whole history
#: carries every old level shift forward, and it won backtests just before a shift then missed by 2x
#: (5-minute CPU with level shifts on the panel of benchmarks/bench_accuracy: 1.25 -> 0.70 times seasonal
#: naive's error without it; the panel's geometric mean 0.660 -> 0.646). ETS, Theta and drift cover trends.
#: ``drift`` stays although the panel would gain a little without it (0.6438 -> 0.6420: quarterly GDP
#: 0.66 -> 0.61, 5-minute ELB requests 0.82 -> 0.79): it is the best backtest of steady growth, which is
#: what capacity series mostly are (the bundled database size: the next best, Theta, 13% behind it). It is a
#: candidate only where a drift term lowers a random walk's AICc (:func:`for_series`; 0.6438 -> 0.6433).
#: ETS is ``ets_auto`` (no trend or a damped one, by AICc) rather than ``ets_damped``, whose forced trend
#: followed the last years' slope into a turn (monthly sunspots 1.048 -> 1.015; the panel 0.6443 -> 0.6438).
#: Theta is the optimised one (``theta_opt``: the share of the slope estimated): the classic method's half
#: slope projected the bundled API's daily peaks at +22% a year where they had grown +79%; on the panel the
#: two are alike (0.6462 -> 0.6468).
AUTO: tuple[str, ...] = (
    "naive",
    "seasonal_naive",
    "drift",
    "ets_auto",
    "ets_auto_log",
    "stl_ets",
    "stl_ets_log",
    "theta_opt",
)
#: added to the automatic choice for monthly and quarterly series (calendar steps): seasonal ETS, additive
#: and multiplicative (a seasonal swing that grows with the level). Short histories keep them cheap; on the
#: 16 monthly and quarterly series of benchmarks/bench_accuracy they took the geometric-mean MASE ratio to
#: seasonal naive from 0.760 to 0.733 (UK gas 1.03 -> 0.83, J&J earnings 0.59 -> 0.46)
AUTO_CALENDAR: tuple[str, ...] = ("ets_seasonal", "ets_mul_seasonal")


def for_series(models: tuple[str, ...], calendar: bool, y: np.ndarray | None = None) -> tuple[str, ...]:
    """The candidates for one series: the automatic set grows by ``AUTO_CALENDAR`` on calendar steps, and
    keeps ``drift`` only where the history ``y`` supports a drift term (:func:`~.baselines.drift_supported`).
    Models named by the caller are kept as named."""
    if models != AUTO:
        return models
    out = models + AUTO_CALENDAR if calendar else models
    if y is not None and not drift_supported(y):
        out = tuple(a for a in out if a != "drift")
    return out


def get(alias: str) -> Model:
    try:
        return _MODELS[alias]
    except KeyError:
        raise ConfigError(
            f"unknown forecast model {alias!r}; known: {', '.join(sorted(_MODELS))}", field="models"
        ) from None


def names() -> tuple[str, ...]:
    return tuple(_MODELS)


def resolve(models: str | Iterable[str] | None) -> tuple[str, ...]:
    """``None``/``'auto'`` -> the automatic set; ``'all'`` -> every model; else the given aliases (checked)."""
    if models is None or models == "auto":
        return AUTO
    if models == "all":
        return names()
    items = (models,) if isinstance(models, str) else tuple(models)
    if not items:
        raise ConfigError("forecast: models is empty", field="models")
    for a in items:
        get(a)
    return tuple(dict.fromkeys(items))
