"""Adapting to your own Prometheus: ``capacity init`` (a starter project file from what the server
holds) and ``capacity check`` (does every metric, SLO, alert and planning rule in effect have data,
and enough history?).

Both talk to a Prometheus-API server through :class:`~capacity.sources.prometheus.PrometheusSource`
(its client, auth and errors); the mapping itself is :mod:`.discover` (pure).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ..core.errors import ConfigError
from ..core.files import write_atomic
from ..core.status import days
from ..core.timeutil import format_time
from ..core.timeutil import now as _now
from ..forecasting.peak import PEAK_NEEDS
from ..forecasting.planning import needs
from ..sources.prometheus import PrometheusSource
from . import config as _config
from .discover import Discovery, Inventory, discover, render_config, render_spec
from .project import Project, source_of
from .project import resolve as resolve_project
from .span import probe

__all__ = ["CheckResult", "InitResult", "check", "init", "inventory", "CHECK_COLUMNS"]

#: names and label sets are read from the series with samples in this last stretch
LOOKBACK = pd.Timedelta(days=1)
#: the label sets of at most this many series are read per metric name
SERIES_SAMPLE = 200
#: metric names whose labels the families look at (the rest are only listed)
_INTERESTING = re.compile(
    r"^(up|node_(cpu_seconds_total|memory_Mem(Available|Total)_bytes|filesystem_(avail|size)_bytes"
    r"|network_(receive|transmit)_bytes_total)|kube_node_status_allocatable|kube_job_status_failed"
    r"|container_(cpu_usage_seconds_total|memory_working_set_bytes)|pg_.*|redis_.*"
    r"|.*_requests(_total)?|.*_requests_seconds_count|.*_seconds_bucket|.*_milliseconds_bucket|.*_(free|avail).*)$"
)


def _server(source: Any, project: Project | None) -> PrometheusSource:
    src = source_of(source, project, cache=False) if not isinstance(source, PrometheusSource) else source
    if not isinstance(src, PrometheusSource):
        raise ConfigError(
            f"{getattr(src, 'name', source)}: init and check need a Prometheus-API server (--source http://...)",
            field="source",
        )
    return src


def inventory(src: PrometheusSource, *, lookback: pd.Timedelta = LOOKBACK) -> Inventory:
    """Names (with samples in the last ``lookback``), metadata types and the labels of the names
    the families look at (a sample of their series)."""
    end = _now()
    start = end - lookback
    names = src.metric_names(start, end)
    types = src.metadata()
    wanted = [n for n in names if _INTERESTING.match(n)]
    labels: dict[str, dict[str, tuple[str, ...]]] = {}

    def one(name: str) -> tuple[str, dict[str, tuple[str, ...]]]:
        seen: dict[str, set[str]] = {}
        for lbl in src.label_sets(name, start, end)[:SERIES_SAMPLE]:
            for k, v in lbl.items():
                if k != "__name__":
                    seen.setdefault(k, set()).add(v)
        return name, {k: tuple(sorted(v)) for k, v in seen.items()}

    with ThreadPoolExecutor(max_workers=src.concurrency) as ex:
        for name, got in ex.map(one, wanted):
            labels[name] = got
    return Inventory(tuple(names), types, labels)


@dataclass(frozen=True)
class InitResult:
    discovery: Discovery
    config_text: str
    spec_text: str | None
    written: tuple[Path, ...]


def spec_path_for(out: Path) -> Path:
    """Where the SLO spec of ``out`` goes: ``capacity.yaml`` -> ``capacity.slos.yaml`` beside it."""
    return out.with_name(f"{out.stem}.slos{out.suffix or '.yaml'}")


def init(
    source: str,
    out: str | Path | None = "capacity.yaml",
    *,
    force: bool = False,
    lookback: pd.Timedelta = LOOKBACK,
) -> InitResult:
    """Read the server at ``source`` and write a starter project file to ``out`` (and its SLO spec
    beside it), atomically; an existing file is refused unless ``force``. ``out=None`` writes nothing."""
    src = _server(source, None)
    try:
        inv = inventory(src, lookback=lookback)
    finally:
        src.close()
    d = discover(inv, source=src.url)
    stamp = format_time(_now().floor("s"))
    if out is None:
        spec = render_spec(d)
        return InitResult(d, render_config(d, spec_file="capacity.slos.yaml" if spec else None), spec, ())
    target = Path(out)
    spec_target = spec_path_for(target)
    spec = render_spec(d)
    text = render_config(d, spec_file=spec_target.name if spec else None, generated=stamp)
    targets = [target] + ([spec_target] if spec else [])
    if not force:
        for t in targets:
            if t.exists():
                raise ConfigError(f"--out {t}: the file exists (use --force to replace it)", field="out", file=str(t))
    written = []
    if spec is not None:
        written.append(write_atomic(spec_target, spec))
    written.append(write_atomic(target, text))
    return InitResult(d, text, spec, tuple(written))


# ------------------------------------------------------------------ check

CHECK_COLUMNS = [
    "kind",
    "name",
    "status",
    "history_days",
    "needs_days",
    "earliest",
    "latest",
    "required",
    "query",
    "note",
]


@dataclass(frozen=True)
class _Item:
    kind: str
    name: str
    queries: tuple[str, ...]  # each must have data
    optional: tuple[str, ...]  # may have none (the 5xx side of an error ratio)
    needs: pd.Timedelta
    required: bool


#: the history a headroom service needs to be checked ok: one daily cycle of load
SERVICE_NEEDS = pd.Timedelta(days=1)


@dataclass(frozen=True)
class CheckResult:
    table: pd.DataFrame
    ok: bool
    source: str


def _items(proj: Project) -> list[_Item]:
    cfg = _config.load(proj.config) if proj.config is not None else None
    explicit = cfg is not None
    out: list[_Item] = []
    referenced: set[str] = set()
    zero = pd.Timedelta(0)
    for slo in proj.spec.slos:
        sli = slo.sli
        optional = (sli.bad.text,) if sli.kind == "ratio" and sli.bad is not None and sli.total is not None else ()
        qs = tuple(q.text for q in sli.queries() if q.text not in optional)
        referenced.update(q.text for q in sli.queries())
        out.append(_Item("slo", slo.name, qs, optional, slo.window, True))
    for a in proj.spec.alerts:
        referenced.add(a.metric.text)
        out.append(_Item("alert", a.name, (a.metric.text,), (), max(a.for_, zero), True))
    for t in proj.rules.thresholds:
        qs = (t.metric,) + ((t.relative_to,) if t.relative_to else ())
        referenced.update(qs)
        out.append(_Item("threshold", t.name, qs, (), needs(t), True))
    for g in proj.rules.growth:
        qs = (g.metric,) + ((g.capacity,) if g.capacity else ())
        referenced.update(qs)
        out.append(_Item("growth", g.name, qs, (), needs(g), True))
    referenced.add(proj.rules.peak.metric)
    out.append(_Item("peak", proj.rules.peak.metric, (proj.rules.peak.metric,), (), PEAK_NEEDS, True))
    # headroom services: the request rate and the latency histogram must have data, the rest may not;
    # a day of history holds a load cycle to fit on (required when the config names services)
    for svc in proj.services:
        roles = svc.queries()
        must = tuple(roles[r] for r in ("throughput", "latency_buckets") if r in roles)
        rest = tuple(q for r, q in roles.items() if r not in ("throughput", "latency_buckets") and q not in must)
        referenced.update(roles.values())
        out.append(_Item("service", svc.name, must, rest, SERVICE_NEEDS, cfg is None or cfg.services is not None))
    # catalog entries: asked for when the config names them or something above uses them
    # (without a config file, the bundled catalog is what is in effect: all of it)
    asked = set(cfg.catalog) if cfg is not None else set()
    cat = [
        _Item("catalog", n, (n,), (), zero, (not explicit) or n in asked or n in referenced)
        for n in proj.catalog.names()
    ]
    return cat + out


def check(
    source: Any = None,
    project: Project | None = None,
    *,
    end: pd.Timestamp | None = None,
    points: int = 600,
    progress: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """For each catalog entry, SLO, alert and planning rule of the project: ``ok``, ``no data`` or
    ``too little data`` (history found against history needed), with the query used. Coarse:
    one range query of at most ``points`` points per distinct query, none of them cached."""
    proj = resolve_project(project)
    src = _server(source, proj)
    items = _items(proj)
    stop = pd.Timestamp(end) if end is not None else _now().floor("s")
    longest = max((i.needs for i in items), default=pd.Timedelta(days=30))
    span = min(max(2 * longest, pd.Timedelta(days=14)), pd.Timedelta(days=800))
    step = max(pd.Timedelta(minutes=1), (span / points).ceil("min"))
    begin = stop - step * points
    texts = list(dict.fromkeys(q for i in items for q in (*i.queries, *i.optional)))
    names = set(proj.catalog.names())

    def one(text: str) -> tuple[str, list[pd.Timestamp], str]:
        expr = proj.catalog[text].query if text in names else text
        return text, probe(src, expr, begin, stop, step), expr

    found: dict[str, tuple[list[pd.Timestamp], str]] = {}
    try:
        with ThreadPoolExecutor(max_workers=src.concurrency) as ex:
            for k, (text, times, expr) in enumerate(ex.map(one, texts), start=1):
                found[text] = (times, expr)
                if progress is not None:
                    progress(k, len(texts))
    finally:
        src.close()
    rows = [_row(i, found, step) for i in items]
    table = pd.DataFrame(rows, columns=CHECK_COLUMNS)
    for col in ("earliest", "latest"):
        table[col] = pd.to_datetime(table[col], utc=True)
    ok = bool(((table["status"] == "ok") | ~table["required"]).all())
    return CheckResult(table, ok, src.url)


def _row(item: _Item, found: dict[str, tuple[list[pd.Timestamp], str]], step: pd.Timedelta) -> dict[str, Any]:
    firsts: list[pd.Timestamp] = []
    lasts: list[pd.Timestamp] = []
    missing: list[str] = []
    for q in item.queries:
        times, _ = found[q]
        if not times:
            missing.append(q)
        else:
            firsts.append(times[0])
            lasts.append(times[-1])
    notes = []
    for q in item.optional:
        if not found[q][0]:
            notes.append(f"no series of {q}" + (" (no errors seen)" if item.kind == "slo" else ""))
    queries = "; ".join(found[q][1] for q in (*item.queries, *item.optional))
    if missing or not firsts:
        status = "no data"
        notes.insert(0, "no data: " + ", ".join(missing))
        history = 0.0
        first = last = None
    else:
        first, last = max(firsts), min(lasts)  # every query must cover it
        # a probe point counts the step before it (count_over_time) or the instant itself
        have = last - first + step
        history = have / pd.Timedelta(days=1)
        status = "ok" if have >= item.needs else "too little data"
        if status != "ok":
            # samples in one probe step only: the step bounds the history from above (minutes, or hours)
            has = f"under {days(step)}" if last == first else days(have)
            notes.insert(0, f"has {has} of history, needs {days(item.needs)}")
    return {
        "kind": item.kind,
        "name": item.name,
        "status": status,
        "history_days": history,
        "needs_days": item.needs / pd.Timedelta(days=1),
        "earliest": first,
        "latest": last,
        "required": item.required,
        "query": queries,
        "note": "; ".join(notes),
    }


def summary_line(result: CheckResult) -> str:
    t = result.table
    req = t[t["required"]]
    counts = req["status"].value_counts()
    parts = [f"{int(counts.get(s, 0))} {s}" for s in ("ok", "too little data", "no data")]
    return f"{result.source}: {len(req)} required: " + ", ".join(parts)
