"""Alias -> model. Every model has a unique alias; ``models=[...]`` arguments name them."""

from __future__ import annotations

from collections.abc import Iterable

from ..core.errors import ConfigError
from .base import Model
from .baselines import BASELINES, Drift, LinearTrend, Naive, SeasonalNaive
from .models import ETS, SARIMA, DecompETS, Log, Theta

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
    ETS("ets_mul", error="mul", trend="mul", damped=True),
    ETS("ets_seasonal", trend="add", damped=True, seasonal="add"),
    ETS("ets_mul_seasonal", error="mul", trend="add", damped=True, seasonal="mul"),
    SARIMA(),
    DecompETS(),
    Theta(),
):
    register(_m)
register(Log(ETS("ets", trend="add"), alias="ets_log"))
register(Log(ETS("ets_damped", trend="add", damped=True), alias="ets_damped_log"))
register(Log(DecompETS(), alias="stl_ets_log"))

#: tried by the automatic choice (cheap enough for thousands of series); the rest are opt-in by alias
AUTO: tuple[str, ...] = BASELINES + ("ets_damped", "ets_damped_log", "stl_ets", "stl_ets_log", "theta")


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
