"""SLO specifications (``apiVersion: capacity/v1``) validated once into frozen objects.

A spec holds SLOs (each with one SLI), the runbook's alert rules and the
burn-rate table. :func:`load_spec` reads a file (capacity/v1 or OpenSLO),
:func:`default_spec` the runbook's baselines shipped in
``capacity/defaults/slo.yaml``; :func:`parse_spec` validates a mapping.
Every problem raises :class:`~capacity.errors.SpecError` naming the file, the
SLO and the field.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ..core.errors import ConfigError, SpecError
from ..metrics.promql import parse_selector
from ..core.timeutil import parse_duration
from .burnrate import BURN_ALERTING, BurnRateTable, default_burn_rates, parse_burn_rates

API_VERSION = "capacity/v1"
SLI_KINDS = ("ratio", "latency_threshold", "latency_timeslice", "gauge_range", "utilization")
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
        return self.kind in ("latency_timeslice", "gauge_range", "utilization")

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

    def slo(self, name: str) -> SLO:
        for s in self.slos:
            if s.name == name:
                return s
        raise SpecError(f"{self.source}: no SLO named {name!r} (have: {', '.join(s.name for s in self.slos)})", file=self.source, slo=name)

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


# --------------------------------------------------------------------------- validation helpers


class _Ctx:
    def __init__(self, file: str, slo: str | None = None) -> None:
        self.file, self.slo = file, slo

    def err(self, field_: str, message: str) -> SpecError:
        where = f"{self.file}: " + (f"SLO {self.slo!r}: " if self.slo else "")
        return SpecError(f"{where}{field_}: {message}", file=self.file, slo=self.slo, field=field_)


def _mapping(ctx: _Ctx, value: Any, field_: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ctx.err(field_, f"expected a mapping, got {type(value).__name__}")
    return value


def _unknown(ctx: _Ctx, data: Mapping[str, Any], allowed: Sequence[str], prefix: str) -> None:
    extra = sorted(set(map(str, data)) - set(allowed))
    if extra:
        raise ctx.err(f"{prefix}{extra[0]}", f"unknown field (allowed: {', '.join(allowed)})")


def _number(ctx: _Ctx, value: Any, field_: str, *, lo: float = -math.inf, hi: float = math.inf, open_lo: bool = False, open_hi: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ctx.err(field_, f"expected a number, got {value!r}")
    v = float(value)
    if math.isnan(v) or v < lo or v > hi or (open_lo and v == lo) or (open_hi and v == hi):
        lb = "(" if open_lo else "["
        rb = ")" if open_hi else "]"
        raise ctx.err(field_, f"{v!r} is out of range {lb}{lo}, {hi}{rb}")
    return v


def _duration(ctx: _Ctx, value: Any, field_: str, *, zero_ok: bool = False) -> pd.Timedelta:
    if zero_ok and value in (0, "0", "0s", "0m"):
        return pd.Timedelta(0)
    try:
        return parse_duration(value, field=field_)
    except ConfigError as exc:
        raise ctx.err(field_, str(exc).split(": ", 1)[-1]) from exc


def _query(ctx: _Ctx, value: Any, field_: str) -> Query:
    if isinstance(value, str):
        text, counter = value, None
    else:
        data = _mapping(ctx, value, field_)
        _unknown(ctx, data, ("query", "counter"), f"{field_}.")
        text = data.get("query")
        counter = data.get("counter")
        if counter is not None and not isinstance(counter, bool):
            raise ctx.err(f"{field_}.counter", f"expected true or false, got {counter!r}")
    if not isinstance(text, str) or not text.strip():
        raise ctx.err(field_ if isinstance(value, str) else f"{field_}.query", "expected a non-empty query string")
    text = text.strip()
    if counter is None:
        counter = text.endswith(("_total", "_bucket", "_count", "_sum")) or ("_total{" in text or "_bucket{" in text or "_count{" in text)
    if counter:
        try:
            sel = parse_selector(text)
        except ConfigError as exc:
            raise ctx.err(field_, str(exc)) from exc
        if sel is None:
            raise ctx.err(field_, f"counter: true needs a plain counter selector like name{{label=\"v\"}}, got {text!r}")
    return Query(text, bool(counter))


def _parse_sli(ctx: _Ctx, value: Any) -> SLI:
    data = _mapping(ctx, value, "sli")
    kind = data.get("kind")
    if kind not in SLI_KINDS:
        raise ctx.err("sli.kind", f"expected one of {', '.join(SLI_KINDS)}, got {kind!r}")
    allowed = {
        "ratio": ("kind", "good", "bad", "total"),
        "latency_threshold": ("kind", "buckets", "threshold"),
        "latency_timeslice": ("kind", "buckets", "threshold", "quantile"),
        "gauge_range": ("kind", "metric", "lower", "upper"),
        "utilization": ("kind", "usage", "capacity", "upper"),
    }[kind]
    _unknown(ctx, data, allowed, "sli.")

    def need(name: str) -> Any:
        if name not in data or data[name] is None:
            raise ctx.err(f"sli.{name}", f"required for kind {kind}")
        return data[name]

    if kind == "ratio":
        q = {k: _query(ctx, data[k], f"sli.{k}") for k in ("good", "bad", "total") if data.get(k) is not None}
        if len(q) != 2:
            raise ctx.err("sli", f"a ratio SLI needs exactly two of good, bad, total (got {', '.join(q) or 'none'})")
        if len({x.counter for x in q.values()}) != 1:
            raise ctx.err("sli", "the two queries of a ratio SLI must both be counters or both rate expressions")
        return SLI(kind, good=q.get("good"), bad=q.get("bad"), total=q.get("total"))
    if kind in ("latency_threshold", "latency_timeslice"):
        b = _query(ctx, need("buckets"), "sli.buckets")
        sel = parse_selector(b.text)
        if sel is None or not (sel.name or "").endswith("_bucket"):
            raise ctx.err("sli.buckets", f"expected a histogram bucket selector like name_bucket{{...}}, got {b.text!r}")
        b = Query(b.text, True)
        th = _number(ctx, need("threshold"), "sli.threshold", lo=0, open_lo=True)
        qt = _number(ctx, need("quantile"), "sli.quantile", lo=0, hi=1, open_lo=True, open_hi=True) if kind == "latency_timeslice" else math.nan
        return SLI(kind, buckets=b, threshold=th, quantile=qt)
    if kind == "gauge_range":
        m = _query(ctx, need("metric"), "sli.metric")
        lo = _number(ctx, data["lower"], "sli.lower") if data.get("lower") is not None else math.nan
        hi = _number(ctx, data["upper"], "sli.upper") if data.get("upper") is not None else math.nan
        if math.isnan(lo) and math.isnan(hi):
            raise ctx.err("sli", "a gauge_range SLI needs lower, upper or both")
        if not math.isnan(lo) and not math.isnan(hi) and lo > hi:
            raise ctx.err("sli.lower", f"lower {lo} is above upper {hi}")
        return SLI(kind, metric=Query(m.text, False), lower=lo, upper=hi)
    u = _query(ctx, need("usage"), "sli.usage")
    c = _query(ctx, need("capacity"), "sli.capacity")
    hi = _number(ctx, need("upper"), "sli.upper", lo=0, open_lo=True)
    return SLI(kind, usage=Query(u.text, False), capacity=Query(c.text, False), upper=hi)


def _parse_slo(file: str, value: Any, index: int) -> SLO:
    ctx = _Ctx(file)
    data = _mapping(ctx, value, f"slos[{index}]")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ctx.err(f"slos[{index}].name", "every SLO needs a non-empty name")
    ctx = _Ctx(file, name)
    _unknown(ctx, data, ("name", "description", "objective", "window", "sli", "labels", "alerting"), "")
    if "objective" not in data:
        raise ctx.err("objective", "required (a ratio in (0, 1), e.g. 0.99)")
    objective = _number(ctx, data["objective"], "objective", lo=0, hi=1, open_lo=True, open_hi=True)
    window = _duration(ctx, data.get("window", "30d"), "window")
    labels = data.get("labels") or {}
    labels = _mapping(ctx, labels, "labels")
    sli = _parse_sli(ctx, data.get("sli"))
    return SLO(
        name=name,
        sli=sli,
        objective=objective,
        window=window,
        description=str(data.get("description") or ""),
        budgeting="Timeslices" if sli.time_based else "Occurrences",
        labels=tuple(sorted((str(k), str(v)) for k, v in labels.items())),
        burn_alerts=_alerting(ctx, data.get("alerting")),
    )


def _alerting(ctx: _Ctx, value: Any) -> str:
    """``alerting: {burn_rate: page|ticket|none}`` (absent: page) -> the SLO's burn-rate alerting level."""
    if value is None:
        return "page"
    data = _mapping(ctx, value, "alerting")
    _unknown(ctx, data, ("burn_rate",), "alerting.")
    level = data.get("burn_rate", "page")
    if level not in BURN_ALERTING:
        hint = " (quote it: YAML reads an unquoted no/off/false as a boolean)" if isinstance(level, bool) else ""
        raise ctx.err("alerting.burn_rate", f"expected one of {', '.join(BURN_ALERTING)}, got {level!r}{hint}")
    return str(level)


def _parse_alert(file: str, value: Any, index: int) -> AlertRule:
    ctx = _Ctx(file)
    data = _mapping(ctx, value, f"alerts[{index}]")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ctx.err(f"alerts[{index}].name", "every alert needs a non-empty name")
    ctx = _Ctx(file, None)
    pre = f"alert {name!r}: "
    allowed = ("name", "metric", "op", "threshold", "for", "priority", "response", "response_within", "description")
    extra = sorted(set(map(str, data)) - set(allowed))
    if extra:
        raise ctx.err(f"{pre}{extra[0]}", f"unknown field (allowed: {', '.join(allowed)})")
    if data.get("op") not in OPS:
        raise ctx.err(f"{pre}op", f"expected one of {' '.join(OPS)}, got {data.get('op')!r}")
    if data.get("priority") not in PRIORITIES:
        raise ctx.err(f"{pre}priority", f"expected one of {', '.join(PRIORITIES)}, got {data.get('priority')!r}")
    if "metric" not in data:
        raise ctx.err(f"{pre}metric", "required")
    m = _query(ctx, data["metric"], f"{pre}metric")
    return AlertRule(
        name=name,
        metric=Query(m.text, False),
        op=data["op"],
        threshold=_number(ctx, data.get("threshold"), f"{pre}threshold"),
        for_=_duration(ctx, data.get("for", 0), f"{pre}for", zero_ok=True),
        priority=data["priority"],
        response=str(data.get("response") or ""),
        response_within=_duration(ctx, data.get("response_within", 0), f"{pre}response_within", zero_ok=True),
        description=str(data.get("description") or ""),
    )


def parse_spec(data: Any, *, file: str = "<spec>", base: Spec | None = None) -> Spec:
    """Validate a capacity/v1 mapping into a :class:`Spec`.

    With ``base`` (e.g. the default spec), SLOs and alerts of the same name
    replace the base's, new ones are added: a user overrides targets and
    queries or adds SLOs without restating the rest.
    """
    ctx = _Ctx(file)
    data = _mapping(ctx, data, "document")
    if data.get("apiVersion") != API_VERSION:
        raise ctx.err("apiVersion", f"expected {API_VERSION!r}, got {data.get('apiVersion')!r}")
    _unknown(ctx, data, ("apiVersion", "kind", "step", "tz", "slos", "alerts", "burn_rates", "extends"), "")
    if data.get("kind", "SLOSpec") != "SLOSpec":
        raise ctx.err("kind", f"expected 'SLOSpec', got {data.get('kind')!r}")
    if data.get("extends") not in (None, "default"):
        raise ctx.err("extends", f"only 'default' can be extended, got {data.get('extends')!r}")
    if data.get("extends") == "default" and base is None:
        base = default_spec()
    slos_in = data.get("slos") or []
    alerts_in = data.get("alerts") or []
    if not isinstance(slos_in, list):
        raise ctx.err("slos", "expected a list")
    if not isinstance(alerts_in, list):
        raise ctx.err("alerts", "expected a list")
    slos = [_parse_slo(file, s, i) for i, s in enumerate(slos_in)]
    alerts = [_parse_alert(file, a, i) for i, a in enumerate(alerts_in)]
    for kind_, items in (("SLO", slos), ("alert", alerts)):
        names = [x.name for x in items]
        dup = next((n for n in names if names.count(n) > 1), None)
        if dup:
            raise SpecError(f"{file}: {kind_} {dup!r} is defined twice", file=file, slo=dup, field="name")
    if base is not None:
        slos = _merge(base.slos, slos)
        alerts = _merge(base.alerts, alerts)
    if not slos and not alerts:
        raise ctx.err("slos", "the spec defines no SLO and no alert")
    step = _duration(ctx, data.get("step", base.step if base else "1m"), "step")
    tz = data.get("tz", base.tz if base else "UTC")
    try:
        pd.Timestamp("2026-01-01", tz=tz)
    except Exception as exc:  # noqa: BLE001 - any tz failure is a spec error
        raise ctx.err("tz", f"unknown time zone {tz!r}") from exc
    burn = base.burn_rates if base is not None else default_burn_rates()
    if data.get("burn_rates") is not None:
        try:
            if isinstance(data["burn_rates"], str):  # a file, relative to the spec's directory
                from .burnrate import load_burn_rates

                path = Path(data["burn_rates"])
                if not path.is_absolute() and file not in ("<spec>",):
                    path = Path(file).parent / path
                burn = load_burn_rates(path)
            else:
                burn = parse_burn_rates(data["burn_rates"], file=file)
        except ConfigError as exc:
            raise SpecError(f"{file}: burn_rates: {exc}", file=file, field="burn_rates") from exc
    return Spec(tuple(slos), tuple(alerts), burn, step, str(tz), file)


def _merge(base: Sequence[Any], new: Sequence[Any]) -> list[Any]:
    by_name = {x.name: x for x in new}
    out = [by_name.pop(x.name, x) for x in base]
    return out + [x for x in new if x.name in by_name]


def _read_yaml_docs(path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read spec file: {exc.strerror or exc}", file=str(path)) from exc
    try:
        docs = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise SpecError(f"{path}:{where} invalid YAML: {getattr(exc, 'problem', None) or exc}", file=str(path)) from exc
    if not docs:
        raise SpecError(f"{path}: the file is empty", file=str(path))
    return docs


def load_spec(path: "str | os.PathLike[str]", *, extend_default: bool = False) -> Spec:
    """Load a spec file: ``capacity/v1`` or OpenSLO v1 (``kind: SLO`` / ``SLI`` documents).

    With ``extend_default=True`` the file's SLOs and alerts override or add
    to the default spec's.
    """
    p = Path(path)
    docs = _read_yaml_docs(p)
    base = default_spec() if extend_default else None
    first = docs[0] if isinstance(docs[0], Mapping) else {}
    if str(first.get("apiVersion", "")).startswith("openslo/"):
        from .openslo import parse_openslo

        slos = parse_openslo(docs, file=str(p))
        if base is not None:
            return replace(base, slos=tuple(_merge(base.slos, slos)), source=str(p))
        return Spec(tuple(slos), (), default_burn_rates(), source=str(p))
    if len(docs) != 1:
        raise SpecError(f"{p}: a capacity/v1 spec is one YAML document, found {len(docs)}", file=str(p))
    return parse_spec(docs[0], file=str(p), base=base)


def default_spec() -> Spec:
    """The runbook's Performance Baselines and Critical Alerts (capacity/defaults/slo.yaml)."""
    res = Path(__file__).resolve().parent.parent / "defaults" / "slo.yaml"
    data = yaml.safe_load(res.read_text(encoding="utf-8"))
    return parse_spec(data, file="capacity/defaults/slo.yaml")
