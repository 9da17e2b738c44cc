"""The planning rules on a frame the caller holds, with the rules and time zone of the project in effect.

``capacity.growth_vs_plan``, ``capacity.time_to_threshold`` and ``capacity.peak_load`` are these: a
``capacity.yaml`` whose ``planning:`` names other thresholds, growth rules or business hours reaches
an analyst's call as it reaches ``capacity forecast --ci`` and the reports. The pure functions of
:mod:`capacity.forecasting` take their rules as arguments (the bundled runbook's when none).
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from ..forecasting import peak as _peak
from ..forecasting import planning as _planning
from ..forecasting.rules import Planning
from .project import Project
from .project import resolve as resolve_project

__all__ = ["growth_vs_plan", "peak_load", "time_to_threshold"]

Rules = Planning | str | os.PathLike[str] | None


def _project(rules: Rules, project: Project | None) -> Project:
    return resolve_project(project).with_rules(rules)


def growth_vs_plan(
    frame: pd.DataFrame,
    *,
    rules: Rules = None,
    min_history: pd.Timedelta | None = None,
    project: Project | None = None,
    **forecast_options: Any,
) -> pd.DataFrame:
    """One row per growth rule of the project (``rules``: other rules, a Planning or a file): the
    forecast growth over the rule's period beside the plan
    (:func:`capacity.forecasting.planning.growth_vs_plan`)."""
    proj = _project(rules, project)
    return _planning.growth_vs_plan(frame, rules=proj.rules, min_history=min_history, **forecast_options)


def time_to_threshold(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta = "365d",
    *,
    rules: Rules = None,
    tz: str | None = None,
    project: Project | None = None,
    **options: Any,
) -> pd.DataFrame:
    """When each planning threshold of the project is crossed, its worst hour per day read on the
    days of ``tz`` (default: the project's time zone, as ``capacity forecast --ci`` and the reports
    read them) (:func:`capacity.forecasting.planning.time_to_threshold`)."""
    proj = _project(rules, project)
    return _planning.time_to_threshold(frame, h, rules=proj.rules, tz=tz or proj.time_zone, **options)


def peak_load(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta = "14d",
    *,
    tz: str | None = None,
    business_hours: tuple[int, int] | None = None,
    project: Project | None = None,
    **forecast_options: Any,
) -> pd.DataFrame:
    """The hourly profile's peak against the average and the forecast peak hour, in the project's
    peak rule's time zone and business hours unless given (:func:`capacity.forecasting.peak.peak_load`)."""
    rule = resolve_project(project).rules.peak
    hours = business_hours or rule.business_hours
    return _peak.peak_load(frame, h, tz=tz or rule.timezone, business_hours=hours, **forecast_options)
