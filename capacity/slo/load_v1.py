"""The ``apiVersion: capacity/v1`` loader, and the default spec written in it.

A capacity/v1 file is one YAML document (``kind: SLOSpec``) with ``slos``,
``alerts``, ``step``, ``tz``, ``burn_rates`` (a table or a file next to the
spec), ``budget_policy`` (:mod:`capacity.slo.policy`: rules or a file) and
``extends: default``. :func:`parse_spec` validates such a mapping;
:func:`default_spec` is the runbook's baselines shipped in
``capacity/defaults/slo.yaml``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from ..core.errors import ConfigError, SpecError
from ..metrics.promql import parse_selector
from ._parse import Ctx, Raw, RawMap, duration, known, mapping, merge, number, open_named, query, time_zone
from .burnrate import BURN_ALERTING, BurnRateTable, default_burn_rates, load_burn_rates, parse_burn_rates
from .model import OPS, PRIORITIES, SLI, SLI_KINDS, SLO, AlertRule, Query, Spec
from .policy import BudgetPolicy, default_budget_policy, load_budget_policy, parse_budget_policy

__all__ = ["API_VERSION", "parse_spec", "load_v1", "default_spec"]

API_VERSION = "capacity/v1"
DEFAULT_SPEC = Path(__file__).resolve().parent.parent / "defaults" / "slo.yaml"


def _query(ctx: Ctx, value: Raw, field: str, *, gauge: bool = False) -> Query:
    """A query field: a query string or ``{query: ..., counter: true|false}``.

    ``gauge=True``: the field is read as a gauge (never a counter), whatever its name looks like.
    """
    if isinstance(value, str):
        return query(ctx, value, field, False if gauge else None)
    data = mapping(ctx, value, field)
    known(ctx, data, ("query", "counter"), f"{field}.")
    counter = data.get("counter")
    if counter is not None and not isinstance(counter, bool):
        raise ctx.err(f"{field}.counter", f"expected true or false, got {counter!r}")
    text = data.get("query")
    return query(
        ctx,
        text,
        f"{field}.query" if not isinstance(text, str) or not text.strip() else field,
        False if gauge else counter,
    )


# --------------------------------------------------------------------------- SLI kinds


def _ratio(ctx: Ctx, data: RawMap, need: Callable[[str], Raw]) -> SLI:
    q = {k: _query(ctx, data[k], f"sli.{k}") for k in ("good", "bad", "total") if data.get(k) is not None}
    if len(q) != 2:
        raise ctx.err("sli", f"a ratio SLI needs exactly two of good, bad, total (got {', '.join(q) or 'none'})")
    if len({x.counter for x in q.values()}) != 1:
        raise ctx.err("sli", "the two queries of a ratio SLI must both be counters or both rate expressions")
    return SLI("ratio", good=q.get("good"), bad=q.get("bad"), total=q.get("total"))


def _buckets(ctx: Ctx, value: Raw) -> Query:
    b = _query(ctx, value, "sli.buckets")
    sel = parse_selector(b.text)  # parsed once already: it does not raise
    if sel is None or not (sel.name or "").endswith("_bucket"):
        raise ctx.err("sli.buckets", f"expected a histogram bucket selector like name_bucket{{...}}, got {b.text!r}")
    return Query(b.text, True)


def _latency_threshold(ctx: Ctx, data: RawMap, need: Callable[[str], Raw]) -> SLI:
    return SLI(
        "latency_threshold",
        buckets=_buckets(ctx, need("buckets")),
        threshold=number(ctx, need("threshold"), "sli.threshold", lo=0, open_lo=True),
    )


def _latency_timeslice(ctx: Ctx, data: RawMap, need: Callable[[str], Raw]) -> SLI:
    return SLI(
        "latency_timeslice",
        buckets=_buckets(ctx, need("buckets")),
        threshold=number(ctx, need("threshold"), "sli.threshold", lo=0, open_lo=True),
        quantile=number(ctx, need("quantile"), "sli.quantile", lo=0, hi=1, open_lo=True, open_hi=True),
    )


def _gauge_range(ctx: Ctx, data: RawMap, need: Callable[[str], Raw]) -> SLI:
    m = _query(ctx, need("metric"), "sli.metric", gauge=True)
    lo = number(ctx, data["lower"], "sli.lower") if data.get("lower") is not None else math.nan
    hi = number(ctx, data["upper"], "sli.upper") if data.get("upper") is not None else math.nan
    if math.isnan(lo) and math.isnan(hi):
        raise ctx.err("sli", "a gauge_range SLI needs lower, upper or both")
    if not math.isnan(lo) and not math.isnan(hi) and lo > hi:
        raise ctx.err("sli.lower", f"lower {lo} is above upper {hi}")
    return SLI("gauge_range", metric=m, lower=lo, upper=hi)


def _utilization(ctx: Ctx, data: RawMap, need: Callable[[str], Raw]) -> SLI:
    u = _query(ctx, need("usage"), "sli.usage", gauge=True)
    c = _query(ctx, need("capacity"), "sli.capacity", gauge=True)
    return SLI("utilization", usage=u, capacity=c, upper=number(ctx, need("upper"), "sli.upper", lo=0, open_lo=True))


#: kind -> (its fields, its reader)
_SLI_READERS: dict[str, tuple[tuple[str, ...], Callable[[Ctx, RawMap, Callable[[str], Raw]], SLI]]] = {
    "ratio": (("good", "bad", "total"), _ratio),
    "latency_threshold": (("buckets", "threshold"), _latency_threshold),
    "latency_timeslice": (("buckets", "threshold", "quantile"), _latency_timeslice),
    "gauge_range": (("metric", "lower", "upper"), _gauge_range),
    "utilization": (("usage", "capacity", "upper"), _utilization),
}


def _sli(ctx: Ctx, value: Raw) -> SLI:
    data = mapping(ctx, value, "sli")
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in _SLI_READERS:
        raise ctx.err("sli.kind", f"expected one of {', '.join(SLI_KINDS)}, got {kind!r}")
    fields, read = _SLI_READERS[kind]
    known(ctx, data, ("kind",) + fields, "sli.")

    def need(name: str) -> Raw:
        if data.get(name) is None:
            raise ctx.err(f"sli.{name}", f"required for kind {kind}")
        return data[name]

    return read(ctx, data, need)


# --------------------------------------------------------------------------- SLOs and alerts


def _slo(file: str, value: Raw, index: int) -> SLO:
    ctx, data, name = open_named(Ctx(file), value, f"slos[{index}]")
    known(ctx, data, ("name", "description", "objective", "window", "sli", "labels", "alerting"), "")
    if "objective" not in data:
        raise ctx.err("objective", "required (a ratio in (0, 1), e.g. 0.99)")
    objective = number(ctx, data["objective"], "objective", lo=0, hi=1, open_lo=True, open_hi=True)
    window = duration(ctx, data.get("window", "30d"), "window")
    labels = mapping(ctx, data.get("labels") or {}, "labels")
    sli = _sli(ctx, data.get("sli"))
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


def _alerting(ctx: Ctx, value: Raw) -> str:
    """``alerting: {burn_rate: page|ticket|none}`` (absent: page) -> the SLO's burn-rate alerting level."""
    if value is None:
        return "page"
    data = mapping(ctx, value, "alerting")
    known(ctx, data, ("burn_rate",), "alerting.")
    level = data.get("burn_rate", "page")
    if not isinstance(level, str) or level not in BURN_ALERTING:
        hint = " (quote it: YAML reads an unquoted no/off/false as a boolean)" if isinstance(level, bool) else ""
        raise ctx.err("alerting.burn_rate", f"expected one of {', '.join(BURN_ALERTING)}, got {level!r}{hint}")
    return level


def _alert(file: str, value: Raw, index: int) -> AlertRule:
    ctx, data, name = open_named(Ctx(file, what="alert"), value, f"alerts[{index}]")
    fields = ("name", "metric", "op", "threshold", "for", "priority", "response", "response_within", "description")
    known(ctx, data, fields, "")
    op, priority = data.get("op"), data.get("priority")
    if not isinstance(op, str) or op not in OPS:
        raise ctx.err("op", f"expected one of {' '.join(OPS)}, got {op!r}")
    if not isinstance(priority, str) or priority not in PRIORITIES:
        raise ctx.err("priority", f"expected one of {', '.join(PRIORITIES)}, got {priority!r}")
    if "metric" not in data:
        raise ctx.err("metric", "required")
    return AlertRule(
        name=name,
        metric=_query(ctx, data["metric"], "metric", gauge=True),
        op=op,
        threshold=number(ctx, data.get("threshold"), "threshold"),
        for_=duration(ctx, data.get("for", 0), "for", zero_ok=True),
        priority=priority,
        response=str(data.get("response") or ""),
        response_within=duration(ctx, data.get("response_within", 0), "response_within", zero_ok=True),
        description=str(data.get("description") or ""),
    )


def _burn_rates(ctx: Ctx, value: Raw) -> BurnRateTable:
    """``burn_rates``: a table, or a file (relative to the spec's directory)."""
    try:
        if isinstance(value, str):
            path = Path(value)
            if not path.is_absolute() and ctx.file != "<spec>":
                path = Path(ctx.file).parent / path
            return load_burn_rates(path)
        return parse_burn_rates(value, file=ctx.file)
    except ConfigError as exc:
        raise SpecError(f"{ctx.file}: burn_rates: {exc}", file=ctx.file, field="burn_rates") from exc


def parse_spec(data: Raw, *, file: str = "<spec>", base: Spec | None = None) -> Spec:
    """Validate a capacity/v1 mapping into a :class:`Spec`.

    With ``base`` (e.g. the default spec), SLOs and alerts of the same name
    replace the base's, new ones are added: a user overrides targets and
    queries or adds SLOs without restating the rest.
    """
    ctx = Ctx(file)
    doc = mapping(ctx, data, "document")
    if doc.get("apiVersion") != API_VERSION:
        raise ctx.err("apiVersion", f"expected {API_VERSION!r}, got {doc.get('apiVersion')!r}")
    known(
        ctx, doc, ("apiVersion", "kind", "step", "tz", "slos", "alerts", "burn_rates", "budget_policy", "extends"), ""
    )
    if doc.get("kind", "SLOSpec") != "SLOSpec":
        raise ctx.err("kind", f"expected 'SLOSpec', got {doc.get('kind')!r}")
    if doc.get("extends") not in (None, "default"):
        raise ctx.err("extends", f"only 'default' can be extended, got {doc.get('extends')!r}")
    if doc.get("extends") == "default" and base is None:
        base = default_spec()
    slos_in = doc.get("slos") or []
    alerts_in = doc.get("alerts") or []
    if not isinstance(slos_in, list):
        raise ctx.err("slos", "expected a list")
    if not isinstance(alerts_in, list):
        raise ctx.err("alerts", "expected a list")
    slos = [_slo(file, s, i) for i, s in enumerate(slos_in)]
    alerts = [_alert(file, a, i) for i, a in enumerate(alerts_in)]
    _unique(file, "SLO", [s.name for s in slos])
    _unique(file, "alert", [a.name for a in alerts])
    if base is not None:
        slos = merge(base.slos, slos)
        alerts = merge(base.alerts, alerts)
    if not slos and not alerts:
        raise ctx.err("slos", "the spec defines no SLO and no alert")
    step = duration(ctx, doc.get("step", base.step if base else "1m"), "step")
    tz = time_zone(ctx, doc.get("tz", base.tz if base else "UTC"), "tz")
    burn = base.burn_rates if base is not None else default_burn_rates()
    if doc.get("burn_rates") is not None:
        burn = _burn_rates(ctx, doc["burn_rates"])
    policy = base.budget_policy if base is not None else default_budget_policy()
    if doc.get("budget_policy") is not None:
        policy = _budget_policy(ctx, doc["budget_policy"])
    return Spec(tuple(slos), tuple(alerts), burn, step, tz, file, policy)


def _budget_policy(ctx: Ctx, value: Raw) -> BudgetPolicy:
    """``budget_policy``: ``{rules: [...]}``, or a file (relative to the spec's directory)."""
    if isinstance(value, str):
        path = Path(value) if Path(value).is_absolute() else Path(ctx.file).resolve().parent / value
        return load_budget_policy(path)
    return parse_budget_policy(value, file=ctx.file)


def _unique(file: str, what: str, names: Sequence[str]) -> None:
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise SpecError(f"{file}: {what} {dup!r} is defined twice", file=file, slo=dup, field="name")


def load_v1(docs: Sequence[Raw], *, file: str, base: Spec | None = None) -> Spec:
    """The spec of a capacity/v1 file's documents (exactly one)."""
    if len(docs) != 1:
        raise SpecError(f"{file}: a capacity/v1 spec is one YAML document, found {len(docs)}", file=file)
    return parse_spec(docs[0], file=file, base=base)


@functools.cache
def default_spec() -> Spec:
    """The runbook's Performance Baselines and Critical Alerts (capacity/defaults/slo.yaml): parsed once
    per process (a frozen Spec; every command and ``capacity.pull`` asks for the project in effect)."""
    return parse_spec(yaml.safe_load(DEFAULT_SPEC.read_text(encoding="utf-8")), file="capacity/defaults/slo.yaml")
