"""The project in effect on a frame the caller holds: ``capacity.forecast`` and friends.

The pure functions of :mod:`capacity.forecasting` take everything as arguments (the bundled runbook's
planning rules when none, no bounds but "never negative" for a series that never was). The
analyst's entry points are these: what ``capacity.yaml`` says reaches a call in a notebook as it
reaches ``capacity forecast``, ``capacity forecast --ci`` and the reports:

- a series named after a catalog metric keeps the catalog's bounds (a ratio stays within 0..1);
- the planning rules are the project's (``planning:``), read on the days of its time zone, and the
  peak rule's business hours and zone are its.

An argument the caller gives (``bounds=``, ``rules=``, ``tz=``, ``business_hours=``) wins.
"""

from __future__ import annotations

import os
from typing import Any

import pandas as pd

from .. import forecasting as _fc
from ..forecasting import peak as _peak
from ..forecasting import planning as _planning
from ..forecasting.rules import Planning
from .forecast import bounds_for
from .project import Project
from .project import resolve as resolve_project

__all__ = ["auto_forecast", "cross_validation", "forecast", "growth_vs_plan", "peak_load", "time_to_threshold"]

Rules = Planning | str | os.PathLike[str] | None


def _bounds(frame: Any, bounds: Any, project: Project | None) -> Any:
    """``bounds`` as given, else the catalog's for the series named after its metrics (None: none known)."""
    if bounds is not None or not isinstance(frame, pd.DataFrame) or "unique_id" not in frame.columns:
        return bounds  # (a frame that is not canonical: the forecasting function says what is wrong)
    return bounds_for([str(u) for u in frame["unique_id"].unique()], resolve_project(project).catalog)


def forecast(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta,
    *,
    bounds: Any = None,
    project: Project | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`capacity.forecasting.forecast` with the catalog's bounds for series named after its metrics."""
    return _fc.forecast(frame, h, bounds=_bounds(frame, bounds, project), **options)


def auto_forecast(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta,
    *,
    bounds: Any = None,
    project: Project | None = None,
    **options: Any,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`capacity.forecasting.auto_forecast` with the catalog's bounds for series named after its
    metrics: the forecast and the choice per series."""
    return _fc.auto_forecast(frame, h, bounds=_bounds(frame, bounds, project), **options)


def cross_validation(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta,
    n_windows: int = 3,
    step_size: int | None = None,
    *,
    bounds: Any = None,
    project: Project | None = None,
    **options: Any,
) -> pd.DataFrame:
    """:func:`capacity.forecasting.cross_validation` with the catalog's bounds for series named after
    its metrics."""
    return _fc.cross_validation(frame, h, n_windows, step_size, bounds=_bounds(frame, bounds, project), **options)


def growth_vs_plan(
    frame: pd.DataFrame,
    *,
    rules: Rules = None,
    min_history: pd.Timedelta | None = None,
    bounds: Any = None,
    project: Project | None = None,
    **forecast_options: Any,
) -> pd.DataFrame:
    """One row per growth rule of the project (``rules``: other rules, a Planning or a file): the
    forecast growth over the rule's period beside the plan
    (:func:`capacity.forecasting.planning.growth_vs_plan`)."""
    proj = resolve_project(project).with_rules(rules)
    return _planning.growth_vs_plan(
        frame, rules=proj.rules, min_history=min_history, bounds=_bounds(frame, bounds, proj), **forecast_options
    )


def time_to_threshold(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta = "365d",
    *,
    rules: Rules = None,
    tz: str | None = None,
    bounds: Any = None,
    project: Project | None = None,
    **options: Any,
) -> pd.DataFrame:
    """When each planning threshold of the project is crossed, its worst hour per day read on the
    days of ``tz`` (default: the project's time zone, as ``capacity forecast --ci`` and the reports
    read them) (:func:`capacity.forecasting.planning.time_to_threshold`)."""
    proj = resolve_project(project).with_rules(rules)
    zone = tz or proj.time_zone
    return _planning.time_to_threshold(
        frame, h, rules=proj.rules, tz=zone, bounds=_bounds(frame, bounds, proj), **options
    )


def peak_load(
    frame: pd.DataFrame,
    h: int | str | pd.Timedelta = "14d",
    *,
    tz: str | None = None,
    business_hours: tuple[int, int] | None = None,
    bounds: Any = None,
    project: Project | None = None,
    **forecast_options: Any,
) -> pd.DataFrame:
    """The hourly profile's peak against the average and the forecast peak hour, in the project's
    peak rule's time zone and business hours unless given (:func:`capacity.forecasting.peak.peak_load`)."""
    proj = resolve_project(project)
    rule = proj.rules.peak
    hours = business_hours or rule.business_hours
    return _peak.peak_load(
        frame, h, tz=tz or rule.timezone, business_hours=hours, bounds=_bounds(frame, bounds, proj), **forecast_options
    )
