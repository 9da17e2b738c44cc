"""OpenSLO v1 import: ``kind: SLO`` and ``kind: SLI`` documents into :class:`SLO` objects.

Supported: ``ratioMetric`` (good or bad over total; ``counter: true`` for a
plain counter selector whose increases the engine takes itself, else an
expression that already yields a rate) and ``thresholdMetric`` (a gauge
compared with the objective's ``op``/``value``), ``budgetingMethod``
Occurrences, Timeslices and RatioTimeslices, rolling and calendar
``timeWindow`` (calendar: 1M month or 1Q quarter, in its ``timeZone``),
Prometheus metric sources, inline ``indicator`` or ``indicatorRef``.
Anything else (other metric sources, rawMetric, alertPolicies, other kinds,
several time windows) is refused with a SpecError naming the file, the SLO
and the field.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import replace

import pandas as pd

from ..core.errors import SpecError
from ..core.timeutil import parse_duration
from ._parse import Ctx, Raw, RawMap, duration, known, mapping, merge, number, query, time_zone
from .burnrate import default_burn_rates
from .model import SLI, SLO, Query, Spec

__all__ = ["parse_openslo", "load_openslo"]

KINDS = ("SLO", "SLI")
METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")
THRESHOLD_OPS = ("lt", "lte", "gt", "gte")


def _known(ctx: Ctx, data: RawMap, allowed: Sequence[str], prefix: str) -> None:
    known(ctx, data, allowed, prefix, refusal="not supported by capacity's OpenSLO import (supported here: {})")


def _source_query(ctx: Ctx, v: Raw, field: str, counter: bool) -> Query:
    d = mapping(ctx, v, field)
    _known(ctx, d, ("metricSource",), f"{field}.")
    ms = mapping(ctx, d.get("metricSource"), f"{field}.metricSource")
    _known(ctx, ms, ("type", "spec", "metricSourceRef"), f"{field}.metricSource.")
    if ms.get("type") != "Prometheus":
        raise ctx.err(
            f"{field}.metricSource.type", f"only Prometheus metric sources are supported, got {ms.get('type')!r}"
        )
    spec = mapping(ctx, ms.get("spec"), f"{field}.metricSource.spec")
    _known(ctx, spec, ("query",), f"{field}.metricSource.spec.")
    return query(ctx, spec.get("query"), f"{field}.metricSource.spec.query", counter)


def _sli_spec(ctx: Ctx, v: Raw, field: str) -> tuple[str, dict[str, Query]]:
    d = mapping(ctx, v, field)
    _known(ctx, d, ("ratioMetric", "thresholdMetric", "description"), f"{field}.")
    if "ratioMetric" in d:
        rm = mapping(ctx, d["ratioMetric"], f"{field}.ratioMetric")
        _known(ctx, rm, ("counter", "good", "bad", "total"), f"{field}.ratioMetric.")
        counter = rm.get("counter", False)
        if not isinstance(counter, bool):
            raise ctx.err(f"{field}.ratioMetric.counter", f"expected true or false, got {counter!r}")
        if "total" not in rm or (("good" in rm) == ("bad" in rm)):
            raise ctx.err(f"{field}.ratioMetric", "needs total and exactly one of good, bad")
        q = {
            k: _source_query(ctx, rm[k], f"{field}.ratioMetric.{k}", counter)
            for k in ("good", "bad", "total")
            if k in rm
        }
        return "ratio", q
    if "thresholdMetric" in d:
        return "threshold", {"metric": _source_query(ctx, d["thresholdMetric"], f"{field}.thresholdMetric", False)}
    raise ctx.err(field, "needs ratioMetric or thresholdMetric (rawMetric is not supported)")


def _window(ctx: Ctx, v: Raw) -> tuple[pd.Timedelta, str | None, str | None]:
    if not isinstance(v, list) or len(v) != 1:
        raise ctx.err("spec.timeWindow", "expected a list with exactly one time window")
    d = mapping(ctx, v[0], "spec.timeWindow[0]")
    _known(ctx, d, ("duration", "isRolling", "calendar"), "spec.timeWindow[0].")
    dur = str(d.get("duration", ""))
    rolling = d.get("isRolling", "calendar" not in d)
    if rolling:
        m = re.fullmatch(r"(\d+)([mhdw])", dur)
        if not m:
            raise ctx.err(
                "spec.timeWindow[0].duration", f"a rolling window needs a duration like 28d, 1w, 6h, got {dur!r}"
            )
        return parse_duration(dur, field="duration"), None, None
    cal = mapping(ctx, d.get("calendar"), "spec.timeWindow[0].calendar")
    _known(ctx, cal, ("startTime", "timeZone"), "spec.timeWindow[0].calendar.")
    kind = {"1M": "month", "1Q": "quarter"}.get(dur)
    if kind is None:
        raise ctx.err(
            "spec.timeWindow[0].duration", f"calendar windows of 1M (month) or 1Q (quarter) are supported, got {dur!r}"
        )
    tz = time_zone(ctx, cal.get("timeZone", "UTC"), "spec.timeWindow[0].calendar.timeZone")
    return pd.Timedelta(days=31 if kind == "month" else 92), kind, tz


def parse_openslo(docs: Sequence[Raw], *, file: str) -> list[SLO]:
    """SLOs of a multi-document OpenSLO v1 file."""
    ctx = Ctx(file)
    slis: dict[str, tuple[str, dict[str, Query]]] = {}
    slo_docs = []
    for i, doc in enumerate(docs):
        d = mapping(ctx, doc, f"document {i + 1}")
        if d.get("apiVersion") != "openslo/v1":
            raise ctx.err(f"document {i + 1}.apiVersion", f"expected 'openslo/v1', got {d.get('apiVersion')!r}")
        if d.get("kind") not in KINDS:
            raise ctx.err(f"document {i + 1}.kind", f"only kind SLO and SLI are supported, got {d.get('kind')!r}")
        meta = mapping(ctx, d.get("metadata"), f"document {i + 1}.metadata")
        name = meta.get("name")
        if not isinstance(name, str) or not name:
            raise ctx.err(f"document {i + 1}.metadata.name", "required")
        if d["kind"] == "SLI":
            slis[name] = _sli_spec(Ctx(file, name), d.get("spec"), "spec")
        else:
            slo_docs.append((name, d))
    if not slo_docs:
        raise ctx.err("kind", "the file has no kind: SLO document")
    out = []
    for name, d in slo_docs:
        c = Ctx(file, name)
        spec = mapping(c, d.get("spec"), "spec")
        _known(
            c,
            spec,
            ("description", "service", "indicator", "indicatorRef", "timeWindow", "budgetingMethod", "objectives"),
            "spec.",
        )
        if "indicator" in spec:
            ind = mapping(c, spec["indicator"], "spec.indicator")
            sli = _sli_spec(c, ind.get("spec"), "spec.indicator.spec")
        elif "indicatorRef" in spec:
            ref = spec["indicatorRef"]
            if ref not in slis:
                raise c.err("spec.indicatorRef", f"no kind: SLI document named {ref!r} in the file")
            sli = slis[ref]
        else:
            raise c.err("spec", "needs indicator or indicatorRef")
        method = spec.get("budgetingMethod")
        if method not in METHODS:
            raise c.err("spec.budgetingMethod", f"expected one of {', '.join(METHODS)}, got {method!r}")
        window, cal, tz = _window(c, spec.get("timeWindow"))
        objs = spec.get("objectives")
        if not isinstance(objs, list) or not objs:
            raise c.err("spec.objectives", "expected a non-empty list")
        for j, o in enumerate(objs):
            o = mapping(c, o, f"spec.objectives[{j}]")
            f = f"spec.objectives[{j}]"
            _known(
                c,
                o,
                ("displayName", "op", "value", "target", "targetPercent", "timeSliceTarget", "timeSliceWindow"),
                f"{f}.",
            )
            if "target" in o:
                target = number(c, o["target"], f"{f}.target", lo=0, hi=1, open_lo=True, open_hi=True)
            elif "targetPercent" in o:
                target = (
                    number(c, o["targetPercent"], f"{f}.targetPercent", lo=0, hi=100, open_lo=True, open_hi=True) / 100
                )
            else:
                raise c.err(f"{f}.target", "required (target or targetPercent)")
            ts_window = None
            ts_target = math.nan
            if method != "Occurrences":
                if o.get("timeSliceWindow") is None:
                    raise c.err(f"{f}.timeSliceWindow", f"required for {method} (e.g. 1m, 5m)")
                ts_window = duration(c, o["timeSliceWindow"], f"{f}.timeSliceWindow")
                if method == "Timeslices" and sli[0] == "ratio":
                    ts_target = number(c, o.get("timeSliceTarget"), f"{f}.timeSliceTarget", lo=0, hi=1)
            kind, qs = sli
            if kind == "ratio":
                if "op" in o or "value" in o:
                    raise c.err(f"{f}.op", "op/value apply to thresholdMetric SLIs only")
                model = SLI("ratio", good=qs.get("good"), bad=qs.get("bad"), total=qs.get("total"))
                if method == "RatioTimeslices" or method == "Timeslices":
                    budgeting = method
                else:
                    budgeting = "Occurrences"
            else:
                op = o.get("op")
                if op not in THRESHOLD_OPS:
                    raise c.err(f"{f}.op", f"expected one of {', '.join(THRESHOLD_OPS)}, got {op!r}")
                value = number(c, o.get("value"), f"{f}.value")
                strict = op in ("lt", "gt")
                if op in ("lt", "lte"):
                    model = SLI("gauge_range", metric=qs["metric"], upper=value, strict=strict)
                else:
                    model = SLI("gauge_range", metric=qs["metric"], lower=value, strict=strict)
                budgeting = "Timeslices" if method != "RatioTimeslices" else "RatioTimeslices"
                if method == "RatioTimeslices":
                    raise c.err("spec.budgetingMethod", "RatioTimeslices needs a ratioMetric SLI")
                if ts_window is not None and ts_window != pd.Timedelta(minutes=1):
                    raise c.err(
                        f"{f}.timeSliceWindow",
                        f"a thresholdMetric is judged one 1-minute sample at a time; "
                        f"timeSliceWindow {o.get('timeSliceWindow')!r} is not supported (use 1m)",
                    )
                ts_window = None  # one slice per step: each sample is an occurrence / a slice
            label = name if len(objs) == 1 else f"{name}-{o.get('displayName') or j}"
            out.append(
                SLO(
                    name=str(label),
                    sli=model,
                    objective=target,
                    window=window,
                    description=str(spec.get("description") or ""),
                    budgeting=budgeting,
                    calendar=cal,
                    labels=(("tz", tz),) if tz else (),
                    timeslice_target=ts_target,
                    timeslice_window=ts_window,
                )
            )
    names = [s.name for s in out]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise SpecError(f"{file}: SLO {dup!r} is defined twice", file=file, slo=dup, field="metadata.name")
    return out


def load_openslo(docs: Sequence[Raw], *, file: str, base: Spec | None = None) -> Spec:
    """The spec of an OpenSLO file's documents; with ``base``, its SLOs override or add to the base's."""
    slos = parse_openslo(docs, file=file)
    if base is not None:
        return replace(base, slos=tuple(merge(base.slos, slos)), source=file)
    return Spec(tuple(slos), (), default_burn_rates(), source=file)
