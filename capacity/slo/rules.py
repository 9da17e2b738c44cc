"""Prometheus recording and alerting rules for a spec, the way Sloth lays them out.

Per SLO: one recording rule per window of the burn-rate table plus the SLO
period, ``slo:sli_error:ratio_rate<W>{slo="<name>"}`` (the error ratio over
W), and one alert per row of the burn-rate table (``SLOBurnRate``, labels
``slo``, ``burn_window``, ``severity``) firing when the error ratio over both
the row's long and short windows exceeds ``factor x (1 - objective)``; only
the rows the SLO's ``alerting.burn_rate`` allows (ticket: the ticket rows;
none: no alert group, the recording rules stay).
Per runbook alert: an alerting rule ``(<query>) <op> <threshold>`` with its
``for:``. Selectors built from the spec go through :mod:`capacity.promql`.

Pure: catalog names are resolved through the ``queries`` mapping the caller
passes (name -> PromQL); other query texts are used as PromQL as they are.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TypedDict

import pandas as pd
import yaml

from ..core.errors import SpecError
from ..core.timeutil import format_duration
from ..metrics.promql import Matcher, Selector, parse_selector
from .model import SLO, AlertRule, Query, Spec

RECORD = "slo:sli_error:ratio_rate{window}"

#: one recording or alerting rule, as Prometheus reads it (``for`` is a keyword: functional syntax)
Rule = TypedDict(
    "Rule",
    {"record": str, "alert": str, "expr": str, "for": str, "labels": dict[str, str], "annotations": dict[str, str]},
    total=False,
)


class RuleGroup(TypedDict):
    name: str
    interval: str
    rules: list[Rule]


class RuleFile(TypedDict):
    groups: list[RuleGroup]


def _num(x: float) -> str:
    """A float literal PromQL reads back to the same float64."""
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    r = repr(float(x))
    return r[:-2] if r.endswith(".0") else r


def _sel(q: Query, spec_file: str, slo: str, field: str) -> Selector:
    sel = parse_selector(q.text)
    if sel is None:
        raise SpecError(
            f"{spec_file}: SLO {slo!r}: {field}: rules need a plain selector, got {q.text!r}",
            file=spec_file,
            slo=slo,
            field=field,
        )
    return sel


def _le_pattern(th: float) -> str:
    """A regex matching the ``le`` label of a bucket bound ``th`` however a client wrote it (0.5, 0.50, 1, 1.0)."""
    r = repr(float(th))
    base = r[:-2] if r.endswith(".0") else r
    if "." in base:
        return re.escape(base) + "0*"
    return re.escape(base) + r"(\.0*)?"


def _expr(q: Query, queries: Mapping[str, str]) -> str:
    return queries.get(q.text, q.text)


_MINUTE = pd.Timedelta(minutes=1)


def error_ratio_expr(
    slo: SLO,
    window: pd.Timedelta,
    *,
    queries: Mapping[str, str] | None = None,
    file: str = "<spec>",
    step: pd.Timedelta = _MINUTE,
) -> str:
    """PromQL of the SLO's error ratio over ``window``."""
    qs = queries or {}
    w = format_duration(window)
    st = format_duration(step)
    sli = slo.sli

    def rate(q: Query, field: str) -> str:
        if q.counter:
            return f"sum(rate({_sel(q, file, slo.name, field)}[{w}]))"
        return f"sum_over_time((sum({_expr(q, qs)}))[{w}:{st}])"

    if sli.kind == "ratio":
        if sli.bad is not None and sli.total is not None:
            return f"({rate(sli.bad, 'sli.bad')}) / ({rate(sli.total, 'sli.total')})"
        if sli.good is not None and sli.total is not None:
            return f"1 - (({rate(sli.good, 'sli.good')}) / ({rate(sli.total, 'sli.total')}))"
        assert sli.good is not None and sli.bad is not None
        b = rate(sli.bad, "sli.bad")
        return f"({b}) / (({rate(sli.good, 'sli.good')}) + ({b}))"
    if sli.kind == "latency_threshold":
        assert sli.buckets is not None
        sel = _sel(sli.buckets, file, slo.name, "sli.buckets")
        ms = tuple(m for m in sel.matchers if m.label != "le")
        good = Selector(sel.metric, ms + (Matcher("le", "=~", _le_pattern(sli.threshold)),))
        total = Selector(sel.metric, ms + (Matcher("le", "=", "+Inf"),))
        return f"1 - ((sum(rate({good}[{w}]))) / (sum(rate({total}[{w}]))))"
    if sli.kind == "latency_timeslice":
        assert sli.buckets is not None
        sel = _sel(sli.buckets, file, slo.name, "sli.buckets")
        quant = f"histogram_quantile({_num(sli.quantile)}, sum by (le) (rate({sel}[{st}])))"
        return f"avg_over_time(({quant} > bool {_num(sli.threshold)})[{w}:{st}])"
    if sli.kind == "gauge_range":
        assert sli.metric is not None
        m = _expr(sli.metric, qs)
        parts = []
        if not math.isnan(sli.lower):
            parts.append(f"(({m}) < bool {_num(sli.lower)})")
        if not math.isnan(sli.upper):
            parts.append(f"(({m}) > bool {_num(sli.upper)})")
        return f"avg(avg_over_time(({' + '.join(parts)})[{w}:{st}]))"
    assert sli.usage is not None and sli.capacity is not None
    u, c = _expr(sli.usage, qs), _expr(sli.capacity, qs)
    return f"avg_over_time((sum({u}) / sum({c}) > bool {_num(sli.upper)})[{w}:{st}])"


def slo_rules(spec: Spec, slo: SLO, queries: Mapping[str, str] | None = None) -> list[RuleGroup]:
    """The recording-rule group and the burn-rate alert group of one SLO (no alert
    group when its ``alerting.burn_rate`` is none)."""
    windows = sorted(set(spec.burn_rates.windows()) | {slo.window})
    rec: list[Rule] = []
    for w in windows:
        rec.append(
            {
                "record": RECORD.format(window=format_duration(w)),
                "expr": error_ratio_expr(slo, w, queries=queries, file=spec.source, step=spec.step),
                "labels": {"slo": slo.name},
            }
        )
    alerts: list[Rule] = []
    for r in spec.burn_rates.rows_for(slo.burn_alerts):
        lw, sw = format_duration(r.long), format_duration(r.short)
        sel_l = Selector(RECORD.format(window=lw), (Matcher("slo", "=", slo.name),))
        sel_s = Selector(RECORD.format(window=sw), (Matcher("slo", "=", slo.name),))
        thr = f"({_num(r.factor)} * (1 - {_num(slo.objective)}))"
        alerts.append(
            {
                "alert": "SLOBurnRate",
                "expr": f"({sel_l} > {thr}) and ({sel_s} > {thr})",
                "labels": {"slo": slo.name, "burn_window": r.name, "severity": r.severity},
                "annotations": {
                    "summary": f"SLO {slo.name}: error budget burning at more than {_num(r.factor)}x "
                    f"over {lw} and {sw}",
                    "description": f"{_num(r.budget_consumed * 100)}% of the {format_duration(spec.burn_rates.period)} "
                    f"error budget "
                    f"(objective {_num(slo.objective)}) spent in {lw}",
                },
            }
        )
    interval = format_duration(spec.step)
    groups: list[RuleGroup] = [{"name": f"capacity-slo-{slo.name}-recordings", "interval": interval, "rules": rec}]
    if alerts:
        groups.append({"name": f"capacity-slo-{slo.name}-alerts", "interval": interval, "rules": alerts})
    return groups


def alert_rule(a: AlertRule, queries: Mapping[str, str] | None = None) -> Rule:
    q = _expr(a.metric, queries or {})
    rule: Rule = {"alert": a.name, "expr": f"({q}) {a.op} {_num(a.threshold)}"}
    if a.for_ > pd.Timedelta(0):
        rule["for"] = format_duration(a.for_)
    rule["labels"] = {"priority": a.priority, "severity": "page" if a.priority == "high" else "ticket"}
    rule["annotations"] = {"summary": a.description or a.name, "response": a.response or ""}
    return rule


def generate(
    spec: Spec, queries: Mapping[str, str] | None = None, *, slos: bool = True, alerts: bool = True
) -> RuleFile:
    """The rules file (``{"groups": [...]}``) for ``spec``."""
    groups: list[RuleGroup] = []
    if slos:
        for s in spec.slos:
            groups.extend(slo_rules(spec, s, queries))
    if alerts and spec.alerts:
        groups.append(
            {
                "name": "capacity-runbook-alerts",
                "interval": format_duration(spec.step),
                "rules": [alert_rule(a, queries) for a in spec.alerts],
            }
        )
    return {"groups": groups}


class _Dumper(yaml.SafeDumper):
    pass


def _str_repr(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_repr)


def to_yaml(rules: Mapping[str, object], *, header: str = "") -> str:
    """YAML text of a rules mapping (stable key order, long lines kept whole)."""
    body = yaml.dump(
        dict(rules), Dumper=_Dumper, sort_keys=False, width=10_000, allow_unicode=True, default_flow_style=False
    )
    return (header + body) if header else body


def rules_table(rules: RuleFile) -> pd.DataFrame:
    """One row per rule: group, kind, name, expr, for, labels."""
    rows = []
    for g in rules.get("groups", []):
        for r in g["rules"]:
            rows.append(
                {
                    "group": g["name"],
                    "kind": "alert" if "alert" in r else "record",
                    "name": r.get("alert") or r.get("record"),
                    "expr": r["expr"],
                    "for": r.get("for", ""),
                    "labels": ",".join(f"{k}={v}" for k, v in r.get("labels", {}).items()),
                }
            )
    return pd.DataFrame(rows, columns=["group", "kind", "name", "expr", "for", "labels"])
