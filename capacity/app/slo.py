"""SLO use cases: which windows, which data, then the pure engine.

Window planning lives here once: explicit windows (``window`` in the window grammar ``30d`` /
``2026-09`` / ``2026Q3``, plus any ``months`` and ``quarters``) score every SLO asked for; with
none, each SLO is scored over its own window (rolling, or its calendar month/quarter to date)
ending at ``end`` (default: the end of the source's data, else now).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..core.errors import ConfigError
from ..core.timeutil import format_time
from ..core.windows import Window, check_tz, month, parse_window, quarter, rolling, to_date
from ..slo import engine, overtime
from ..slo.model import SLO, Spec
from ..sources import Progress, Source, fetch_all, resolve
from .history import default_end
from .project import Project
from .project import resolve as resolve_project

__all__ = [
    "AlertResult",
    "SloResult",
    "Plan",
    "alert_replay",
    "burn_rates",
    "compliance",
    "fetch",
    "history_for",
    "own_window",
    "plan",
    "spec_of",
]

SpecLike = "Spec | str | os.PathLike[str] | None"
#: windows and the SLOs scored over them
Plan = list[tuple[list[Window], list[str]]]


@dataclass(frozen=True)
class SloResult:
    """A tidy result frame, the windows it covers, and what the fetch noticed (no data, server warnings)."""

    table: pd.DataFrame
    windows: tuple[Window, ...]
    warnings: tuple[str, ...] = field(default=())


AlertResult = SloResult


def spec_of(spec: Any = None, project: Project | None = None) -> Spec:
    """The SLO spec: ``spec`` (a Spec or a capacity/v1 / OpenSLO path), else the project's."""
    return resolve_project(project).with_spec(spec).spec


def own_window(slo: SLO, end: pd.Timestamp) -> Window:
    """An SLO's own window ending at ``end``: rolling, or its calendar month/quarter to date."""
    if slo.calendar is None:
        return rolling(slo.window, end)
    return to_date(slo.calendar, end, dict(slo.labels).get("tz", "UTC"))


def _explicit(
    spec: Spec, src: Source, *, window: Any, months: Sequence[str], quarters: Sequence[str], end: Any, tz: str
) -> list[Window]:
    out = [month(m, tz) for m in months] + [quarter(q, tz) for q in quarters]
    if window is not None:
        is_rolling = (
            not isinstance(window, str) or parse_window(window, pd.Timestamp(0, tz="UTC"), tz).kind == "rolling"
        )
        if not is_rolling and end is not None:
            raise ConfigError("end applies to a rolling window, not to a month or quarter", field="end")
        out.insert(0, parse_window(window, default_end(src, end) if is_rolling else None, tz))
    elif out and end is not None:
        raise ConfigError("end applies to a rolling window, not to a month or quarter", field="end")
    return out


def plan(
    spec: Spec,
    src: Source,
    slos: Sequence[str] | None = None,
    *,
    window: Any = None,
    months: Sequence[str] = (),
    quarters: Sequence[str] = (),
    end: Any = None,
    tz: str | None = None,
) -> Plan:
    """Which windows score which SLOs (see the module docstring); ``tz`` defaults to the spec's."""
    zone = check_tz(tz) if tz is not None else spec.tz
    chosen = [s.name for s in (spec.slo(n) for n in slos)] if slos else [s.name for s in spec.slos]
    if not chosen:
        raise ConfigError(f"{spec.source}: the spec has no SLO", field="slos")
    explicit = _explicit(spec, src, window=window, months=list(months), quarters=list(quarters), end=end, tz=zone)
    if explicit:
        return [(explicit, chosen)]
    stop = default_end(src, end)
    groups: dict[Window, list[str]] = {}
    for name in chosen:
        groups.setdefault(own_window(spec.slo(name), stop), []).append(name)
    return [([w], names) for w, names in groups.items()]


def fetch(
    spec: Spec,
    source: Any,
    queries: Iterable[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    progress: Progress | None = None,
) -> tuple[dict[str, pd.DataFrame], tuple[str, ...]]:
    """Each query from ``source`` over ``start..end`` on the spec's step: ``(data, warnings)``.

    A query the source has no data for maps to an empty frame and adds a warning. The one place
    SLO data is fetched.
    """
    src = resolve(source)
    data: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    lo = pd.Timestamp(start).floor(spec.step)
    wanted = list(dict.fromkeys(queries))
    for q, got in zip(
        wanted, fetch_all(src, [(q, lo, end, spec.step) for q in wanted], progress=progress), strict=False
    ):
        notes.extend(w for w in got.warnings if w not in notes)
        if got.frame.empty:
            notes.append(f"no data for {q!r} in {format_time(lo)} .. {format_time(end)} from {src.name}")
        data[q] = got.frame
    return data, tuple(notes)


def history_for(
    spec: Spec, source: Any, w: Window, slos: Sequence[str] | None = None, *, progress: Progress | None = None
) -> tuple[dict[str, pd.DataFrame], tuple[str, ...]]:
    """The data to chart ``slos`` over ``w``: from the longest of their windows (and the warm-up of
    the burn-rate alerts) before ``w`` to its end, so every point of an over-time chart has a full window."""
    names = list(slos) if slos else [s.name for s in spec.slos]
    longest = max(spec.slo(n).window for n in names)
    return fetch(
        spec, source, spec.query_texts(names), w.start - longest - engine.warmup(spec), w.end, progress=progress
    )


def _load(
    spec: Spec, src: Source, queries: Sequence[str], windows: Sequence[Window], *, warm: bool, progress: Progress | None
) -> tuple[dict[str, pd.DataFrame], tuple[str, ...]]:
    if warm:
        start, end = engine.data_range(spec, windows)
    else:
        start, end = min(w.start for w in windows).floor(spec.step), max(w.end for w in windows)
    return fetch(spec, src, queries, start, end, progress=progress)


def compliance(
    *,
    source: Any = "sample",
    spec: Any = None,
    slos: Sequence[str] | None = None,
    window: Any = None,
    months: Sequence[str] = (),
    quarters: Sequence[str] = (),
    end: Any = None,
    tz: str | None = None,
    project: Project | None = None,
    progress: Progress | None = None,
) -> SloResult:
    """Compliance and error budget of each SLO over the planned windows (``capacity.slo.COMPLIANCE_COLUMNS``)."""
    sp = spec_of(spec, project)
    src = resolve(source)
    steps = plan(sp, src, slos, window=window, months=months, quarters=quarters, end=end, tz=tz)
    names = sorted({n for _, ns in steps for n in ns}, key=[s.name for s in sp.slos].index)
    windows = [w for ws, _ in steps for w in ws]
    data, notes = _load(sp, src, sp.query_texts(names), windows, warm=False, progress=progress)
    table = pd.concat([engine.compliance(sp, data, ws, ns) for ws, ns in steps], ignore_index=True)
    return SloResult(table, tuple(windows), notes)


def burn_rates(
    *,
    source: Any = "sample",
    spec: Any = None,
    slos: Sequence[str] | None = None,
    window: Any = None,
    months: Sequence[str] = (),
    quarters: Sequence[str] = (),
    end: Any = None,
    tz: str | None = None,
    project: Project | None = None,
    progress: Progress | None = None,
) -> SloResult:
    """The burn-rate series (every window of the burn-rate table) of each SLO over the first planned window."""
    sp = spec_of(spec, project)
    src = resolve(source)
    steps = plan(sp, src, slos, window=window, months=months, quarters=quarters, end=end, tz=tz)
    names = [n for _, ns in steps for n in ns]
    first = steps[0][0][0]
    data, notes = _load(sp, src, sp.query_texts(names), [first], warm=True, progress=progress)
    return SloResult(engine.burn_rate_series(sp, data, first.start, first.end, names), (first,), notes)


def alert_replay(
    *,
    source: Any = "sample",
    spec: Any = None,
    alerts: Sequence[str] | None = None,
    burn: bool = False,
    window: Any = None,
    months: Sequence[str] = (),
    quarters: Sequence[str] = (),
    end: Any = None,
    tz: str | None = None,
    project: Project | None = None,
    progress: Progress | None = None,
) -> SloResult:
    """Every firing episode of the spec's alerts (and, with ``burn``, of its SLOs' multiwindow burn-rate
    alerts) over the windows (default: 30 days ending at ``end``), replayed with ``for:`` semantics after
    a warm-up of the longest ``for:`` / burn window before the first window."""
    sp = spec_of(spec, project)
    names = list(dict.fromkeys(alerts or []))
    known = {a.name for a in sp.alerts}
    bad = [n for n in names if n not in known]
    if bad:
        raise ConfigError(
            f"alert: no alert named {bad[0]!r} in {sp.source} (have: {', '.join(sorted(known))})", field="alert"
        )
    src = resolve(source)
    zone = check_tz(tz) if tz is not None else sp.tz
    ws = _explicit(sp, src, window=window, months=list(months), quarters=list(quarters), end=end, tz=zone) or [
        rolling("30d", default_end(src, end))
    ]
    start, stop = min(w.start for w in ws), max(w.end for w in ws)
    data, notes = _load(sp, src, sp.query_texts(None if burn else (), names or None), ws, warm=True, progress=progress)
    parts = [engine.replay_alerts(sp, data, start, stop, names or None)]
    if burn:
        parts.append(engine.replay_burn_alerts(sp, data, start, stop))
    nonempty = [p for p in parts if len(p)]
    eps = pd.concat(nonempty, ignore_index=True) if nonempty else parts[0]
    eps = eps[eps["start"] <= stop].sort_values(["start", "alert", "series"], kind="stable").reset_index(drop=True)
    return SloResult(eps, tuple(ws), notes)


@dataclass(frozen=True)
class WindowReport:
    """Everything the SLO compliance report shows for one window."""

    spec: Spec
    window: Window
    slos: tuple[str, ...]
    compliance: pd.DataFrame
    rolling: pd.DataFrame  # each SLO over its own rolling window at each checkpoint
    burndown: pd.DataFrame  # the window's error budget left at each checkpoint
    burn_episodes: pd.DataFrame  # multiwindow burn-rate alert episodes
    warnings: tuple[str, ...] = field(default=())


def window_report(
    *,
    source: Any = "sample",
    spec: Any = None,
    window: str | pd.Timedelta = "30d",
    end: Any = None,
    slos: Sequence[str] | None = None,
    every: str | pd.Timedelta = "1d",
    project: Project | None = None,
    progress: Progress | None = None,
) -> WindowReport:
    """Compliance, compliance over time, budget burn-down and burn-rate episodes of ``slos`` (all by
    default) over one window (the window grammar: ``30d`` ending at ``end``, ``2026-09``, ``2026Q3``
    in the spec's time zone), with ``every`` between the points of the over-time series."""
    sp = spec_of(spec, project)
    src = resolve(source)
    w = parse_window(window, default_end(src, end), sp.tz)
    names = tuple(slos) if slos else tuple(s.name for s in sp.slos)
    data, notes = history_for(sp, src, w, names, progress=progress)
    return WindowReport(
        sp,
        w,
        names,
        engine.compliance(sp, data, [w], list(names)),
        overtime.rolling_compliance(sp, data, w.start, w.end, every=every, slos=names),
        overtime.budget_burndown(sp, data, w.start, w.end, every=every, slos=names),
        engine.replay_burn_alerts(sp, data, w.start, w.end, list(names)),
        notes,
    )
