"""SLO use cases: which windows, which data, then the pure engine.

Each use case takes a :class:`Request` (source, spec, names, :class:`Windows`, project). Window
planning lives here once: explicit windows (``window`` in the window grammar ``30d`` / ``2026-09`` /
``2026Q3``, plus any ``months`` and ``quarters``) score every SLO asked for; with none, each SLO is
scored over its own window (rolling, or its calendar month/quarter to date) ending at ``end``
(default: the end of the source's data, else now).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from ..core.errors import ConfigError
from ..core.status import Status, rows_status
from ..core.timeutil import format_time
from ..core.windows import Window, calendar_kind, check_tz, month, parse_window, quarter, rolling, to_date
from ..slo import engine, overtime
from ..slo.model import SLI, SLO, Spec
from ..sources import Progress, Source, resolve
from ..sources.base import MAX_POINTS
from .history import default_end, fetch_each
from .project import Project, source_of
from .project import resolve as resolve_project

__all__ = [
    "AlertResult",
    "SloResult",
    "Plan",
    "Request",
    "Windows",
    "WindowReport",
    "window_report",
    "alert_replay",
    "burn_rates",
    "compliance",
    "fetch",
    "history_for",
    "budget_runs_out",
    "own_window",
    "plan",
    "spec_of",
]

#: windows and the SLOs scored over them
Plan = list[tuple[list[Window], list[str]]]


@dataclass(frozen=True)
class SloResult:
    """A tidy result frame, the windows it covers, and what the fetch noticed (no data, server warnings)."""

    table: pd.DataFrame
    windows: tuple[Window, ...]
    warnings: tuple[str, ...] = field(default=())
    #: the queries the source had no data for (their SLOs and alerts are not scored)
    missing: tuple[str, ...] = field(default=())

    @property
    def complete(self) -> bool:
        """Every query had data and every SLO row (if any) is scored (status ``ok``)."""
        statuses = self.table["status"] if "status" in self.table.columns else pd.Series(dtype=object)
        return not self.missing and bool((statuses == "ok").all())


AlertResult = SloResult


def spec_of(spec: Any = None, project: Project | None = None) -> Spec:
    """The SLO spec: ``spec`` (a Spec or a capacity/v1 / OpenSLO path), else the project's."""
    return resolve_project(project).with_spec(spec).spec


def own_window(slo: SLO, end: pd.Timestamp) -> Window:
    """An SLO's own window ending at ``end``: rolling, or its calendar month/quarter to date."""
    if slo.calendar is None:
        return rolling(slo.window, end)
    return to_date(slo.calendar, end, dict(slo.labels).get("tz", "UTC"))


@dataclass(frozen=True)
class Windows:
    """Which windows to score, as data: ``window`` in the window grammar (``30d`` ending at ``end``,
    ``2026-09``, ``2026Q3``), calendar ``months`` and ``quarters``, all in ``tz`` (None: the spec's).
    None of them: each SLO's own window ending at ``end``."""

    window: str | pd.Timedelta | None = None
    months: tuple[str, ...] = ()
    quarters: tuple[str, ...] = ()
    end: Any = None
    tz: str | None = None

    def explicit(self, spec: Spec, src: Source) -> list[Window]:
        """The windows named, in order (rolling first), or [] when none is."""
        tz = check_tz(self.tz) if self.tz is not None else spec.tz
        out = [month(m, tz) for m in self.months] + [quarter(q, tz) for q in self.quarters]
        rolling_asked = self.window is not None and (
            not isinstance(self.window, str) or calendar_kind(self.window) is None
        )
        if self.end is not None and not rolling_asked and (self.window is not None or out):
            raise ConfigError("end applies to a rolling window, not to a month or quarter", field="end")
        if self.window is not None:
            out.insert(0, parse_window(self.window, default_end(src, self.end) if rolling_asked else None, tz))
        return out


@dataclass(frozen=True)
class Request:
    """What an SLO use case works on: a source, a spec (a Spec, a capacity/v1 or OpenSLO path, None:
    the project's), the SLOs or alerts named (None: all), the windows, and the project."""

    source: Any = None
    spec: Any = None
    names: Sequence[str] | None = None
    windows: Windows = field(default_factory=Windows)
    project: Project | None = None

    def resolved(self) -> tuple[Spec, Source, Windows]:
        """The spec, the source and the windows, calendar ones in the project's time zone (the config's
        ``timezone``, else the spec's) unless the windows name theirs."""
        proj = resolve_project(self.project)
        spec = spec_of(self.spec, proj)
        zone = self.windows.tz or proj.zone_for(spec)
        return spec, source_of(self.source, proj), replace(self.windows, tz=zone)


def plan(spec: Spec, src: Source, slos: Sequence[str] | None = None, windows: Windows | None = None) -> Plan:
    """Which windows score which SLOs (see the module docstring)."""
    chosen = [s.name for s in (spec.slo(n) for n in slos)] if slos else [s.name for s in spec.slos]
    if not chosen:
        raise ConfigError(f"{spec.source}: the spec has no SLO", field="slos")
    w = windows or Windows()
    explicit = w.explicit(spec, src)
    if explicit:
        return [(explicit, chosen)]
    stop = default_end(src, w.end)
    groups: dict[Window, list[str]] = {}
    for name in chosen:
        groups.setdefault(own_window(spec.slo(name), stop), []).append(name)
    return [([win], names) for win, names in groups.items()]


def fetch(
    spec: Spec,
    source: Any,
    queries: Iterable[str],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    progress: Progress | None = None,
    max_points: int = MAX_POINTS,
) -> tuple[dict[str, pd.DataFrame], tuple[str, ...]]:
    """Each query from ``source`` over ``start..end`` on the spec's step: ``(data, warnings)``.

    A query the source has no data for (or does not know) maps to an empty frame and adds a warning:
    the other queries are still fetched. The one place SLO data is fetched.
    """
    src = resolve(source)
    data: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    lo = pd.Timestamp(start).floor(spec.step)
    wanted = list(dict.fromkeys(queries))
    pulled = fetch_each(src, [(q, lo, end, spec.step) for q in wanted], progress=progress, max_points=max_points)
    for q, got in zip(wanted, pulled, strict=True):
        data[q] = got.frame
    bad_sides = _bad_sides(spec)
    span = f"in {format_time(lo)} .. {format_time(end)} from {src.name}"
    for q, got in zip(wanted, pulled, strict=True):
        notes.extend(w for w in got.warnings if w not in notes)
        if not got.frame.empty or any(q in w for w in got.warnings):  # else the source said why
            continue
        total = bad_sides.get(q)
        if total is not None and total in data and not data[total].empty:
            notes.append(f"no series of {q!r} {span}: no bad event seen (counted as none)")
        else:
            notes.append(f"no data for {q!r} {span}")
    return data, tuple(notes)


def _bad_side(sli: SLI) -> tuple[str, str] | None:
    """A ratio SLI's bad-event query beside a total, with the total: no series of it where the total
    has some is no bad event seen, not missing data."""
    if sli.kind == "ratio" and sli.bad is not None and sli.total is not None:
        return sli.bad.text, sli.total.text
    return None


def _bad_sides(spec: Spec) -> dict[str, str]:
    """:func:`_bad_side` of every SLO of ``spec``: bad-event query -> its total."""
    return dict(pair for item in spec.slos if (pair := _bad_side(item.sli)) is not None)


def history_for(
    spec: Spec,
    source: Any,
    w: Window,
    slos: Sequence[str] | None = None,
    *,
    progress: Progress | None = None,
    max_points: int = MAX_POINTS,
) -> tuple[dict[str, pd.DataFrame], tuple[str, ...]]:
    """The data to chart ``slos`` over ``w``: from the longest of their windows (and the warm-up of
    the burn-rate alerts) before ``w`` to its end, so every point of an over-time chart has a full window."""
    names = list(slos) if slos else [s.name for s in spec.slos]
    longest = max(spec.slo(n).window for n in names)
    return fetch(
        spec,
        source,
        spec.query_texts(names),
        w.start - longest - engine.warmup(spec),
        w.end,
        progress=progress,
        max_points=max_points,
    )


def _load(
    spec: Spec,
    src: Source,
    queries: Sequence[str],
    windows: Sequence[Window],
    *,
    warm: bool,
    progress: Progress | None,
    project: Project | None,
) -> tuple[dict[str, pd.DataFrame], tuple[str, ...]]:
    if warm:
        start, end = engine.data_range(spec, windows)
    else:
        start, end = min(w.start for w in windows).floor(spec.step), max(w.end for w in windows)
    limit = resolve_project(project).limits.max_points
    return fetch(spec, src, queries, start, end, progress=progress, max_points=limit)


@dataclass(frozen=True)
class _Scored:
    """A request's planned windows scored: what :func:`compliance` and :func:`budget_runs_out` share."""

    spec: Spec
    names: list[str]
    windows: list[Window]
    data: dict[str, pd.DataFrame]
    notes: tuple[str, ...]
    table: pd.DataFrame


def _scored(req: Request, *, warm: bool, progress: Progress | None) -> _Scored:
    sp, src, wins = req.resolved()
    steps = plan(sp, src, req.names, wins)
    names = sorted({n for _, ns in steps for n in ns}, key=[s.name for s in sp.slos].index)
    windows = [w for ws, _ in steps for w in ws]
    data, notes = _load(sp, src, sp.query_texts(names), windows, warm=warm, progress=progress, project=req.project)
    proj = resolve_project(req.project)
    table = pd.concat([score(sp, data, ws, ns, proj, src.name) for ws, ns in steps], ignore_index=True)
    return _Scored(sp, names, windows, data, notes, table)


def compliance(req: Request, *, progress: Progress | None = None) -> SloResult:
    """Compliance and error budget of each SLO over the planned windows (``capacity.slo.COMPLIANCE_COLUMNS``)."""
    got = _scored(req, warm=False, progress=progress)
    return SloResult(got.table, tuple(got.windows), got.notes, _missing(got.data))


def score(
    spec: Spec,
    data: dict[str, pd.DataFrame],
    windows: Sequence[Window],
    slos: Sequence[str] | None,
    project: Project | None,
    source: str,
) -> pd.DataFrame:
    """The compliance table with the project's coverage floor, the reason of a row without data
    naming the queries ``source`` had nothing for."""
    floor = resolve_project(project).coverage_floor
    return _why_no_data(engine.compliance(spec, data, windows, slos, floor=floor), spec, data, source)


def _missing(data: dict[str, pd.DataFrame]) -> tuple[str, ...]:
    return tuple(q for q, f in data.items() if f.empty)


def _why_no_data(table: pd.DataFrame, spec: Spec, data: dict[str, pd.DataFrame], source: str) -> pd.DataFrame:
    """The reason of a row without data names the queries the source had nothing for."""
    missing = {q for q, f in data.items() if f.empty}
    reasons = []
    for name, state, reason in zip(table["slo"], table["status"], table["reason"], strict=True):
        sli = spec.slo(name).sli
        optional = (_bad_side(sli) or ("",))[0]
        lacking = [q.text for q in sli.queries() if q.text in missing and q.text != optional]
        if state != "ok" and lacking:
            reason = f"no data for {', '.join(repr(q) for q in lacking)} from {source}"
        reasons.append(reason)
    return table.assign(reason=reasons)


def burn_rates(req: Request, *, progress: Progress | None = None) -> SloResult:
    """The burn-rate series (every window of the burn-rate table) of each SLO over the first planned window."""
    sp, src, wins = req.resolved()
    steps = plan(sp, src, req.names, wins)
    names = [n for _, ns in steps for n in ns]
    first = steps[0][0][0]
    data, notes = _load(sp, src, sp.query_texts(names), [first], warm=True, progress=progress, project=req.project)
    series = engine.burn_rate_series(sp, data, first.start, first.end, names)
    return SloResult(series, (first,), notes, _missing(data))


def budget_runs_out(req: Request, *, rate_window: str = "6h", progress: Progress | None = None) -> SloResult:
    """When each SLO's error budget runs out at its current burn rate (the rate over the last
    ``rate_window`` at the end of its window): :func:`capacity.slo.exhaustion.budget_exhaustion`
    over each SLO's rolling window (its own, or the one asked for)."""
    from ..slo.exhaustion import budget_exhaustion

    got = _scored(req, warm=True, progress=progress)
    ends = max(w.end for w in got.windows)
    burn = engine.burn_rate_series(got.spec, got.data, ends - pd.Timedelta(hours=1), ends, got.names)
    out = budget_exhaustion(got.table, burn, rate_window=rate_window)
    return SloResult(out, tuple(got.windows), got.notes, _missing(got.data))


def alert_replay(req: Request, *, burn: bool = False, progress: Progress | None = None) -> SloResult:
    """Every firing episode of the spec's alerts named in ``req.names`` (all by default) and, with
    ``burn``, of its SLOs' multiwindow burn-rate alerts, over the windows (default: 30 days ending at
    ``end``), replayed with ``for:`` semantics after a warm-up of the longest ``for:`` / burn window."""
    sp, src, wins = req.resolved()
    names = list(dict.fromkeys(req.names or []))
    known = {a.name for a in sp.alerts}
    bad = [n for n in names if n not in known]
    if bad:
        raise ConfigError(
            f"alert: no alert named {bad[0]!r} in {sp.source} (have: {', '.join(sorted(known))})", field="alert"
        )
    ws = wins.explicit(sp, src) or [rolling("30d", default_end(src, wins.end))]
    start, stop = min(w.start for w in ws), max(w.end for w in ws)
    data, notes = _load(
        sp,
        src,
        sp.query_texts(None if burn else (), names or None),
        ws,
        warm=True,
        progress=progress,
        project=req.project,
    )
    parts = [engine.replay_alerts(sp, data, start, stop, names or None)]
    if burn:
        parts.append(engine.replay_burn_alerts(sp, data, start, stop))
    nonempty = [p for p in parts if len(p)]
    eps = pd.concat(nonempty, ignore_index=True) if nonempty else parts[0]
    eps = eps[eps["start"] <= stop].sort_values(["start", "alert", "series"], kind="stable").reset_index(drop=True)
    return SloResult(eps, tuple(ws), notes, _missing(data))


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
    #: ok when one SLO could be scored (the others named in the reason), else why none could
    status: Status = field(default_factory=Status)


def window_report(
    req: Request,
    *,
    window: str | pd.Timedelta = "30d",
    every: str | pd.Timedelta = "1d",
    progress: Progress | None = None,
) -> WindowReport:
    """Compliance, compliance over time, budget burn-down and burn-rate episodes of the SLOs named
    (all by default) over one ``window`` (the window grammar: ``30d`` ending at ``req.windows.end``,
    ``2026-09``, ``2026Q3`` in the spec's time zone), ``every`` between the points over time."""
    sp, src, wins = req.resolved()
    w = parse_window(window, default_end(src, wins.end), wins.tz or sp.tz)
    names = tuple(req.names) if req.names else tuple(s.name for s in sp.slos)
    limit = resolve_project(req.project).limits.max_points
    data, notes = history_for(sp, src, w, names, progress=progress, max_points=limit)
    times = overtime.checkpoints(w.start, w.end, every)
    table = score(sp, data, [w], list(names), req.project, src.name)
    return WindowReport(
        sp,
        w,
        names,
        table,
        overtime.rolling_compliance(sp, data, times, names),
        overtime.budget_burndown(sp, data, w.start, times, names),
        engine.replay_burn_alerts(sp, data, w.start, w.end, list(names)),
        notes,
        rows_status(table, "status", "slo", "SLO", note="reason"),
    )
