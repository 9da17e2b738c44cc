"""The spec model: frozen objects, validated once when a file is loaded.

A :class:`Spec` holds SLOs (each with one :class:`SLI`), the runbook's
threshold alerts (:class:`AlertRule`) and the burn-rate table. Nothing here
reads files or checks input: the loaders (:mod:`.load_v1`,
:mod:`.load_openslo`, behind :func:`capacity.slo.loader.load`) build these
objects only from input they have validated.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from ..core.errors import SpecError
from .burnrate import BurnRateTable, default_burn_rates
from .policy import BudgetPolicy, default_budget_policy

__all__ = ["SLI_KINDS", "TIME_BASED_KINDS", "OPS", "PRIORITIES", "Query", "SLI", "SLO", "AlertRule", "Spec"]

SLI_KINDS = ("ratio", "latency_threshold", "latency_timeslice", "gauge_range", "utilization")
#: kinds whose SLI counts minutes (time slices) rather than events
TIME_BASED_KINDS = ("latency_timeslice", "gauge_range", "utilization")
#: comparison operators of a threshold alert
OPS = (">", ">=", "<", "<=", "==", "!=")
PRIORITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class Query:
    """A source query: a catalog name, a plain selector or a PromQL expression.

    ``counter=True``: the query is a plain counter selector; the engine takes
    the increases itself (reset-aware, summed across series).
    """

    text: str
    counter: bool = False


@dataclass(frozen=True)
class SLI:
    """One SLI. Which fields matter depends on ``kind`` (see SLI_KINDS).

    ratio:              good / bad / total (two of them); counters or rate expressions
    latency_threshold:  buckets (a histogram ``_bucket`` selector), threshold seconds
    latency_timeslice:  buckets, quantile, threshold: a minute is good when its quantile <= threshold
    gauge_range:        metric, lower and/or upper: a minute is good when lower <= value <= upper
    utilization:        usage, capacity, upper: a minute is good when usage/capacity <= upper
    """

    kind: str
    good: Query | None = None
    bad: Query | None = None
    total: Query | None = None
    buckets: Query | None = None
    threshold: float = math.nan
    quantile: float = math.nan
    metric: Query | None = None
    usage: Query | None = None
    capacity: Query | None = None
    lower: float = math.nan
    upper: float = math.nan
    strict: bool = False  # gauge_range: bounds exclusive (OpenSLO lt / gt)

    @property
    def time_based(self) -> bool:
        """True when the SLI counts minutes (time slices) rather than events."""
        return self.kind in TIME_BASED_KINDS

    def queries(self) -> tuple[Query, ...]:
        qs = (self.good, self.bad, self.total, self.buckets, self.metric, self.usage, self.capacity)
        return tuple(q for q in qs if q is not None)


@dataclass(frozen=True)
class SLO:
    name: str
    sli: SLI
    objective: float
    window: pd.Timedelta = pd.Timedelta(days=30)
    description: str = ""
    budgeting: str = "Occurrences"  # Occurrences | Timeslices | RatioTimeslices
    calendar: str | None = None  # "month" | "quarter" for calendar-aligned OpenSLO windows
    labels: tuple[tuple[str, str], ...] = ()
    timeslice_target: float = math.nan  # Timeslices over an event SLI: a slice is good when its ratio >= this
    timeslice_window: pd.Timedelta | None = None  # slice length for Timeslices / RatioTimeslices
    # ``alerting.burn_rate``: page (every row of the burn-rate table), ticket (its ticket rows only) or none
    burn_alerts: str = "page"


@dataclass(frozen=True)
class AlertRule:
    """A threshold alert of the runbook: ``metric op threshold`` held for ``for_``."""

    name: str
    metric: Query
    op: str
    threshold: float
    for_: pd.Timedelta
    priority: str
    response: str
    response_within: pd.Timedelta
    description: str = ""


@dataclass(frozen=True)
class Spec:
    slos: tuple[SLO, ...]
    alerts: tuple[AlertRule, ...] = ()
    burn_rates: BurnRateTable = field(default_factory=default_burn_rates)
    step: pd.Timedelta = pd.Timedelta(minutes=1)
    tz: str = "UTC"
    source: str = "<spec>"
    #: what the team does as an SLO spends its budget (:mod:`capacity.slo.policy`)
    budget_policy: BudgetPolicy = field(default_factory=default_budget_policy)

    def slo(self, name: str) -> SLO:
        for s in self.slos:
            if s.name == name:
                return s
        raise SpecError(
            f"{self.source}: no SLO named {name!r} (have: {', '.join(s.name for s in self.slos)})",
            file=self.source,
            slo=name,
        )

    def queries(self) -> tuple[Query, ...]:
        """Every distinct query the spec needs, in first-use order."""
        seen: dict[str, Query] = {}
        for s in self.slos:
            for q in s.sli.queries():
                seen.setdefault(q.text, q)
        for a in self.alerts:
            seen.setdefault(a.metric.text, a.metric)
        return tuple(seen.values())

    def query_texts(self, slos: Sequence[str] | None = None, alerts: Sequence[str] | None = ()) -> list[str]:
        """Distinct query texts, in first-use order, that the SLOs and alerts named need.

        ``None`` means all of them, an empty sequence none; an unknown SLO name raises SpecError.
        """
        chosen = list(self.slos) if slos is None else [self.slo(n) for n in slos]
        texts = [q.text for s in chosen for q in s.sli.queries()]
        texts += [a.metric.text for a in self.alerts if alerts is None or a.name in alerts]
        return list(dict.fromkeys(texts))
