"""The runbook's planning rules and thresholds (``capacity/defaults/planning.yaml``) as frozen specs."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from importlib import resources
from typing import Any

import pandas as pd

from ..core import yamlio
from ..core.errors import ConfigError
from ..core.timeutil import parse_duration


@dataclass(frozen=True)
class GrowthRule:
    name: str
    metric: str
    period: pd.Timedelta
    plan: float | None  # planned growth over the period (0.5 = +50%); None = watch against capacity
    capacity: str | None
    text: str


@dataclass(frozen=True)
class Threshold:
    name: str
    metric: str
    direction: str  # "above" | "below"
    value: float | None  # a fixed level, or None when relative to another series
    relative_to: str | None
    fraction: float
    text: str


@dataclass(frozen=True)
class PeakRule:
    metric: str
    timezone: str
    business_hours: tuple[int, int]


@dataclass(frozen=True)
class Planning:
    growth: tuple[GrowthRule, ...]
    thresholds: tuple[Threshold, ...]
    peak: PeakRule
    too_tight_above: float
    far_too_generous_ratio: float


def _need(d: dict[str, Any], key: str, where: str, file: str) -> Any:
    if key not in d:
        raise ConfigError(f"{file}: {where}: missing field {key!r}", file=file, field=f"{where}.{key}")
    return d[key]


def parse_rules(doc: dict[str, Any], *, file: str = "planning rules") -> Planning:
    if not isinstance(doc, dict):
        raise ConfigError(f"{file}: expected a mapping at the top level", file=file)
    growth = []
    for name, r in (doc.get("growth") or {}).items():
        plan = r.get("plan")
        if plan is not None and (not isinstance(plan, (int, float)) or plan <= -1):
            raise ConfigError(
                f"{file}: growth.{name}.plan must be a number above -1 (0.5 = +50%), got {plan!r}",
                file=file,
                field=f"growth.{name}.plan",
            )
        growth.append(
            GrowthRule(
                name,
                str(_need(r, "metric", f"growth.{name}", file)),
                parse_duration(_need(r, "period", f"growth.{name}", file), field=f"growth.{name}.period"),
                None if plan is None else float(plan),
                r.get("capacity"),
                str(r.get("text", name)),
            )
        )
    thresholds = []
    for name, t in (doc.get("thresholds") or {}).items():
        metric = str(_need(t, "metric", f"thresholds.{name}", file))
        if "above_metric" in t:
            thresholds.append(
                Threshold(
                    name,
                    metric,
                    "above",
                    None,
                    str(t["above_metric"]),
                    float(t.get("fraction", 1.0)),
                    str(t.get("text", name)),
                )
            )
            continue
        keys = [k for k in ("above", "below") if k in t]
        if len(keys) != 1:
            raise ConfigError(
                f"{file}: thresholds.{name} needs exactly one of above, below, above_metric",
                file=file,
                field=f"thresholds.{name}",
            )
        thresholds.append(Threshold(name, metric, keys[0], float(t[keys[0]]), None, 1.0, str(t.get("text", name))))
    p = doc.get("peak") or {}
    bh = tuple(int(x) for x in p.get("business_hours", (9, 18)))
    if len(bh) != 2 or not 0 <= bh[0] < bh[1] <= 24:
        raise ConfigError(
            f"{file}: peak.business_hours must be [start, end) hours, got {bh!r}",
            file=file,
            field="peak.business_hours",
        )
    peak = PeakRule(str(p.get("metric", "request_rate")), str(p.get("timezone", "UTC")), (bh[0], bh[1]))
    v = doc.get("verdicts") or {}
    return Planning(
        tuple(growth),
        tuple(thresholds),
        peak,
        float(v.get("too_tight_above", 0.10)),
        float(v.get("far_too_generous_ratio", 2.0)),
    )


def load_rules(path: str | os.PathLike[str] | None = None) -> Planning:
    """The packaged planning rules, or those in ``path``."""
    if path is None:
        return _default_rules()
    name = os.fspath(path)
    return parse_rules(yamlio.read(name, what="planning rules"), file=name)


@functools.cache
def _default_rules() -> Planning:
    """The packaged rules, parsed once per process (a frozen Planning)."""
    text = resources.files("capacity.defaults").joinpath("planning.yaml").read_text(encoding="utf-8")
    name = "capacity/defaults/planning.yaml"
    return parse_rules(yamlio.parse(text, file=name, what="planning rules"), file=name)
