"""The use cases: the one floor every way in (the ``capacity.*`` API, the CLI, the notebooks) calls.

Each rule lives here once: what a source string means, time ranges and default ends, default
steps, SLO window planning, what a spec needs fetched, forecast history ranges, the CI forecast.
Below this layer nothing reads configuration or the environment; above it nothing computes.

- :mod:`.project`: the configuration in effect (catalog, SLO spec, planning rules, time zone);
- :mod:`.history`: pulls, ranges, default steps, warnings as data;
- :mod:`.slo`: window planning, fetching a spec's queries, compliance, burn rates, alert replay;
- :mod:`.forecast`: forecast and backtest inputs, the CI capacity forecast;
- :mod:`.frames`: the project (catalog bounds, planning rules, time zone) on a frame the caller holds;
- :mod:`.review`: the quarterly review's computations, phase by phase.
"""

from __future__ import annotations

from . import forecast, frames, history, project, review, slo
from .history import History
from .project import Project

__all__ = ["History", "Project", "forecast", "frames", "history", "project", "review", "slo"]
