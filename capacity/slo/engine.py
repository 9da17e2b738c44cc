"""The SLO engine: a spec and data in, tidy frames out (no I/O).

``data`` maps each query text of the spec (``Spec.queries()``) to the
canonical frame a source returned for it on the spec's step. Use
:func:`data_range` to know which span to fetch: it adds the history a burn
rate or an alert needs before the first scored time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.windows import Window
from . import alerts as _alerts
from .budget import burn_rate_frame, burn_rates, compliance_table
from .model import SLO, Spec
from .series import Grid, gauge_matrix
from .sli import Cache, Data, Events, sli_events, timeslices

__all__ = [
    "Evaluation",
    "evaluate",
    "data_range",
    "evaluate_events",
    "compliance",
    "burn_rate_series",
    "replay_alerts",
    "replay_burn_alerts",
]


def _slos(spec: Spec, names: Sequence[str] | None) -> tuple[SLO, ...]:
    return spec.slos if not names else tuple(spec.slo(n) for n in names)


def warmup(spec: Spec) -> pd.Timedelta:
    """History needed before the first scored time: the longest burn window or ``for:``."""
    cands = [spec.burn_rates.longest] + [a.for_ for a in spec.alerts]
    return max(cands) + spec.step


def data_range(
    spec: Spec, windows: Sequence[Window] = (), *, start: pd.Timestamp | None = None, end: pd.Timestamp | None = None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The span of data to fetch: covering the windows (and ``start..end``) plus the warm-up."""
    starts = [w.start for w in windows] + ([start] if start is not None else [])
    ends = [w.end for w in windows] + ([end] if end is not None else [])
    s, e = min(starts), max(ends)
    return (s - warmup(spec)).floor(spec.step), e


def evaluate_events(
    spec: Spec, data: Data, start: pd.Timestamp, end: pd.Timestamp, slos: Sequence[str] | None = None
) -> list[tuple[SLO, Events]]:
    """Per-step events of each SLO on the grid ``start..end`` (spec step)."""
    grid = Grid.between(start, end, spec.step)
    out = []
    cache: Cache = {}
    for s in _slos(spec, slos):
        ev = sli_events(s.sli, data, grid, cache)
        if s.budgeting in ("Timeslices", "RatioTimeslices") and s.timeslice_window is not None:
            ev = timeslices(ev, max(1, int(s.timeslice_window // spec.step)), s.budgeting, s.timeslice_target)
        out.append((s, ev))
    return out


def compliance(
    spec: Spec, data: Data, windows: Sequence[Window], slos: Sequence[str] | None = None, *, floor: float = 0.0
) -> pd.DataFrame:
    """Compliance and error budget of each SLO over each window (see budget.COMPLIANCE_COLUMNS); a window
    with less than ``floor`` of its steps observed has status ``too little data`` and no verdict."""
    s = min(w.start for w in windows)
    e = max(w.end for w in windows)
    return compliance_table(evaluate_events(spec, data, s, e, slos), windows, floor)


def burn_rate_series(
    spec: Spec, data: Data, start: pd.Timestamp, end: pd.Timestamp, slos: Sequence[str] | None = None
) -> pd.DataFrame:
    """Burn rate over every window of the burn-rate table at every step of ``[start, end]``.

    Data should begin ``warmup(spec)`` before ``start``; earlier steps without
    a full window of history are NaN, never a partial-window value.
    """
    ws = spec.burn_rates.windows()
    evs = evaluate_events(spec, data, start - warmup(spec), end, slos)
    parts = [burn_rate_frame(s, ev, ws, start, end) for s, ev in evs]
    return pd.concat(parts, ignore_index=True)


def replay_burn_alerts(
    spec: Spec, data: Data, start: pd.Timestamp, end: pd.Timestamp, slos: Sequence[str] | None = None
) -> pd.DataFrame:
    """Multiwindow burn-rate alert episodes (``{slo}:{row name}``) scored from ``start``.

    Each SLO alerts only on the rows its ``alerting.burn_rate`` allows
    (``SLO.burn_alerts``: page = every row, ticket = the ticket rows, none = no row).
    """
    return _burn_episodes(spec, evaluate_events(spec, data, start - warmup(spec), end, slos), start)


def _burn_episodes(
    spec: Spec,
    evs: Sequence[tuple[SLO, Events]],
    start: pd.Timestamp,
    rates: Sequence[dict[pd.Timedelta, np.ndarray]] | None = None,
) -> pd.DataFrame:
    rows = []
    for i, (slo, ev) in enumerate(evs):
        br = rates[i] if rates is not None else burn_rates(ev, slo.objective, spec.burn_rates.windows())
        times = ev.grid.times
        for r in spec.burn_rates.rows_for(slo.burn_alerts):
            long_, short = br[r.long], br[r.short]
            with np.errstate(invalid="ignore"):
                cond = (long_ > r.factor) & (short > r.factor)
            ep = _alerts.episodes(times, cond, long_, pd.Timedelta(0), score_from=start)
            rows.append(
                ep.assign(
                    alert=f"{slo.name}:{r.name}",
                    series=slo.name,
                    priority="high" if r.severity == "page" else "medium",
                    severity=r.severity,
                )
            )
    return _alerts.episode_frame(rows)


def replay_alerts(
    spec: Spec, data: Data, start: pd.Timestamp, end: pd.Timestamp, names: Sequence[str] | None = None
) -> pd.DataFrame:
    """Episodes of the spec's threshold alerts, one evaluation per step, scored from ``start``.

    Each series of an alert's metric is its own alert instance (``series``).
    """
    grid = Grid.between(start - warmup(spec), end, spec.step)
    times = grid.times
    rows = []
    for a in spec.alerts:
        if names and a.name not in names:
            continue
        frame = data.get(a.metric.text)
        if frame is None:
            continue
        m, series = gauge_matrix(frame, grid)  # a NaN value is no sample: the condition does not hold
        for j, sid in enumerate(series):
            v = m[:, j]
            cond = _alerts.condition(v, a.op, a.threshold)
            peak = "min" if a.op in ("<", "<=") else "max"
            ep = _alerts.episodes(times, cond, v, a.for_, peak=peak, score_from=start)
            rows.append(ep.assign(alert=a.name, series=sid, priority=a.priority, severity=a.response))
    return _alerts.episode_frame(rows)


@dataclass(frozen=True)
class Evaluation:
    """Everything for one spec over one span (see :func:`evaluate`)."""

    compliance: pd.DataFrame
    burn_rates: pd.DataFrame
    episodes: pd.DataFrame
    burn_episodes: pd.DataFrame


def evaluate(
    spec: Spec,
    data: Data,
    windows: Sequence[Window],
    *,
    burn_from: pd.Timestamp,
    alerts_from: pd.Timestamp,
    end: pd.Timestamp,
) -> Evaluation:
    """Compliance over ``windows``, burn rates over ``[burn_from, end]`` and alert
    replays (runbook and burn-rate) scored from ``alerts_from``, with each SLI's
    events computed once over the whole span."""
    first = min([w.start for w in windows] + [burn_from - warmup(spec), alerts_from - warmup(spec)])
    evs = evaluate_events(spec, data, first, max([end] + [w.end for w in windows]))
    comp = compliance_table(evs, windows)
    ws = spec.burn_rates.windows()
    rates = [burn_rates(ev, s.objective, ws) for s, ev in evs]
    burn = pd.concat(
        [burn_rate_frame(s, ev, ws, burn_from, end, r) for (s, ev), r in zip(evs, rates, strict=False)],
        ignore_index=True,
    )
    return Evaluation(
        comp, burn, replay_alerts(spec, data, alerts_from, end), _burn_episodes(spec, evs, alerts_from, rates)
    )
