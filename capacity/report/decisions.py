"""The quarterly review's first screen: one status line per area and the top actions, each with its
evidence and a date relative to the day the report is read (not the quarter's end).

Pure functions of the review's computed parts (:mod:`capacity.app.review`): what an SLO means in
words, what a missed SLO needs (computed from its data), incidents that merge page-level burn-rate
episodes with threshold-alert incidents, and the summary that ranks it all.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.status import UNAVAILABLE
from ..present import in_unit, percent
from ..slo.model import SLO, Spec

__all__ = [
    "Summary",
    "compare_growth",
    "compare_quarters",
    "good_means",
    "incidents",
    "range_scale",
    "relative",
    "slo_actions",
    "summary",
]

#: a budget used past this share (and not overspent) is "at risk"
AT_RISK = 0.75


def relative(due: Any, today: pd.Timestamp) -> str:
    """``due`` against ``today`` in words: ``in 22 days``, ``today``, ``overdue since 2026-10-01 (61 days)``;
    ``""`` for no date."""
    if due is None or pd.isna(due):
        return ""
    days = (pd.Timestamp(due).normalize() - pd.Timestamp(today).normalize()) / pd.Timedelta(days=1)
    if days > 0:
        return f"in {days:,.0f} day{'s' if days != 1 else ''}"
    if days == 0:
        return "today"
    return f"overdue since {pd.Timestamp(due):%Y-%m-%d} ({-days:,.0f} day{'s' if days != -1 else ''})"


def _pct(v: float) -> str:
    return percent(v, 2, trim=True)


def _seconds(v: float) -> str:
    return f"{v * 1000:g} ms" if v < 1 else f"{v:g} s"


def good_means(slo: SLO, unit: str = "") -> str:
    """What "good" means for ``slo``, in words: ``5xx < 1% of requests``, ``p95 < 500 ms``."""
    sli, obj = slo.sli, slo.objective
    if sli.kind == "ratio":
        return f"bad events < {_pct(1 - obj)} of all"
    if sli.kind == "latency_threshold":
        return f"p{obj * 100:g} < {_seconds(sli.threshold)}"
    if sli.kind == "latency_timeslice":
        return f"each minute's p{sli.quantile * 100:g} < {_seconds(sli.threshold)}, {_pct(obj)} of minutes"
    if sli.kind == "gauge_range":
        lo = "" if math.isnan(sli.lower) else f"{in_unit(sli.lower, unit)} <= "
        hi = "" if math.isnan(sli.upper) else f" <= {in_unit(sli.upper, unit)}"
        name = sli.metric.text if sli.metric is not None else "value"
        return f"{lo}{name}{hi}, {_pct(obj)} of minutes"
    if sli.kind == "utilization":
        return f"usage < {_pct(sli.upper)} of capacity, {_pct(obj)} of minutes"
    return slo.description or slo.name


def range_scale(values: np.ndarray, lower: float, upper: float, objective: float) -> float | None:
    """The factor ``k`` capacity must be multiplied by (utilisation divided by) for the share of
    ``values / k`` inside ``[lower, upper]`` to reach ``objective``: > 1 add capacity, < 1 remove
    some; 1.0 when already met; None when no single factor gets there (the values spread wider than
    the range allows)."""
    v = values[np.isfinite(values)]
    if not len(v):
        return None

    def inside(k: float) -> float:
        x = v / k
        ok = np.ones(len(x), dtype=bool)
        if not math.isnan(lower):
            ok &= x >= lower
        if not math.isnan(upper):
            ok &= x <= upper
        return float(ok.mean())

    if inside(1.0) >= objective:
        return 1.0
    grid = np.unique(np.concatenate([np.arange(1.0, 4.0, 0.01), 1 / np.arange(1.0, 4.0, 0.01)]))
    good = [k for k in grid if inside(float(k)) >= objective]
    if not good:
        return None
    return float(min(good, key=lambda k: abs(math.log(k))))  # the smallest change that meets it


def _values(data: Mapping[str, pd.DataFrame], query: str, start: pd.Timestamp, end: pd.Timestamp) -> np.ndarray:
    f = data.get(query)
    if f is None or f.empty:
        return np.array([])
    inside = (f["ds"] > start) & (f["ds"] <= end)
    return f.loc[inside, "y"].to_numpy(dtype=float)


def slo_actions(
    compliance: pd.DataFrame,
    spec: Spec,
    data: Mapping[str, pd.DataFrame],
    *,
    units: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """A recommendation for every missed or at-risk SLO, its number computed from the data:
    priority (1 missed, 3 at risk), area, action, evidence, due (NaT: now), slo."""
    rows: list[dict[str, Any]] = []
    r: Any  # a row of the compliance table: a record of mixed columns
    for r in compliance.itertuples(index=False):
        if r.status != "ok" or pd.isna(r.compliance):
            continue
        missed = not bool(r.met)
        used = float(r.budget_consumed)
        if not missed and not used >= AT_RISK:
            continue
        slo = spec.slo(str(r.slo))
        sli = slo.sli
        evidence = (
            f"{r.slo}: {_pct(float(r.compliance))} against {_pct(slo.objective)}, {_pct(used)} of its budget used"
        )
        action = ""
        if sli.kind == "gauge_range" and sli.metric is not None:
            values = _values(data, sli.metric.text, r.start, r.end)
            k = range_scale(values, sli.lower, sli.upper, slo.objective)
            above, below = float(r.share_above or 0), float(r.share_below or 0)
            what = sli.metric.text
            if k is None:
                action = f"Look at {what}: no change of capacity alone brings it inside its range"
            elif k > 1:
                bound = in_unit(sli.upper, (units or {}).get(what, ""))
                action = f"Add {percent(k - 1, 0)} capacity for {what}: brings its peaks back under {bound}"
            elif k < 1:
                bound = in_unit(sli.lower, (units or {}).get(what, ""))
                action = f"Remove {percent(1 - k, 0)} capacity for {what}: brings its troughs back over {bound}"
            evidence += f"; {_pct(above)} of minutes above the range, {_pct(below)} below"
        elif sli.kind == "utilization":
            action = f"Raise the capacity behind {r.slo} (more pool/connections) or cut its peak usage"
        else:
            action = f"Apply the error budget policy for {r.slo}: reliability work before risky releases"
        if not action:
            continue
        rows.append(
            {
                "priority": 1 if missed else 3,
                "area": "SLOs",
                "action": action if missed else f"Watch: {action[:1].lower()}{action[1:]}",
                "evidence": evidence,
                "due": pd.NaT,
                "slo": str(r.slo),
            }
        )
    return pd.DataFrame(rows, columns=["priority", "area", "action", "evidence", "due", "slo"])


def incidents(burn_episodes: pd.DataFrame, alert_incidents: pd.DataFrame, *, gap: str = "15min") -> pd.DataFrame:
    """Page-level burn-rate episodes (merged per SLO across their windows) and threshold-alert
    incidents, merged when they overlap or follow within ``gap``: start, end, minutes, what (the SLOs
    and alerts), page (True when a page-level burn alert fired), peak_burn."""
    parts = []
    if len(burn_episodes):
        pages = burn_episodes[burn_episodes["severity"] == "page"]
        for slo_name, g in pages.groupby("series", sort=True):
            parts.append(
                pd.DataFrame(
                    {"start": g["start"], "end": g["end"], "what": str(slo_name), "page": True, "peak": g["peak"]}
                )
            )
    if len(alert_incidents):
        parts.append(
            pd.DataFrame(
                {
                    "start": alert_incidents["start"],
                    "end": alert_incidents["end"],
                    "what": alert_incidents["alerts"].astype(str),
                    "page": False,
                    "peak": np.nan,
                }
            )
        )
    cols = ["start", "end", "minutes", "what", "page", "peak_burn"]
    if not parts:
        return pd.DataFrame(columns=cols)
    ev = pd.concat(parts, ignore_index=True).sort_values("start", kind="stable")
    out: list[dict[str, Any]] = []
    slack = pd.Timedelta(gap)
    e: Any  # a row of mixed columns
    for e in ev.itertuples(index=False):
        if out and e.start <= out[-1]["end"] + slack:
            cur = out[-1]
            cur["end"] = max(cur["end"], e.end)
            cur["what"] = ", ".join(dict.fromkeys([*cur["what"].split(", "), *str(e.what).split(", ")]))
            cur["page"] = cur["page"] or bool(e.page)
            cur["peak_burn"] = np.nanmax([cur["peak_burn"], e.peak]) if not np.isnan(e.peak) else cur["peak_burn"]
        else:
            out.append(
                {"start": e.start, "end": e.end, "what": str(e.what), "page": bool(e.page), "peak_burn": float(e.peak)}
            )
    frame = pd.DataFrame(out)
    frame["minutes"] = [(b - a) / pd.Timedelta(minutes=1) for a, b in zip(frame["start"], frame["end"], strict=True)]
    return frame[cols].sort_values(["page", "minutes"], ascending=[False, False], kind="stable").reset_index(drop=True)


#: a change of compliance smaller than this (in points of share) reads "same"
SAME = 0.0005


def _pages(episodes: pd.DataFrame) -> dict[str, int]:
    if not len(episodes):
        return {}
    pages = episodes[episodes["severity"] == "page"]
    return {str(k): int(v) for k, v in pages.groupby("series").size().items()}


def compare_quarters(
    current: pd.DataFrame,
    previous: pd.DataFrame,
    episodes: pd.DataFrame,
    previous_episodes: pd.DataFrame,
) -> pd.DataFrame:
    """Each SLO this quarter against the one before: compliance (and its change in points), budget
    used, page-level burn episodes, and a direction word (``better``, ``worse``, ``same``; ``no
    comparison`` when either quarter could not be scored), so the table reads without colour."""
    prev = previous.set_index("slo") if len(previous) else pd.DataFrame()
    now_pages, prev_pages = _pages(episodes), _pages(previous_episodes)
    rows = []
    r: Any  # a row of mixed columns
    for r in current.itertuples(index=False):
        name = str(r.slo)
        p: Any = prev.loc[name] if name in prev.index else None
        judged = r.status == "ok" and p is not None and p["status"] == "ok"
        comp, prev_comp = float(r.compliance), float(p["compliance"]) if p is not None else math.nan
        change = comp - prev_comp if judged else math.nan
        if not judged:
            word = "no comparison" if p is None or p["status"] != "ok" else "not scored"
        elif abs(change) < SAME:
            word = "same"
        else:
            word = "better" if change > 0 else "worse"
        rows.append(
            {
                "slo": name,
                "compliance": comp,
                "previous_compliance": prev_comp,
                "change": change,
                "direction": word,
                "budget_used": float(r.budget_consumed),
                "previous_budget_used": float(p["budget_consumed"]) if p is not None else math.nan,
                "pages": now_pages.get(name, 0),
                "previous_pages": prev_pages.get(name, 0) if p is not None and p["status"] == "ok" else math.nan,
            }
        )
    return pd.DataFrame(rows)


def compare_growth(now: pd.DataFrame, before: pd.DataFrame) -> pd.DataFrame:
    """Each growth metric's growth this quarter (``now``: :func:`capacity.report.digest.growth`) and
    the quarter before (``before``, the same function), with a direction word: ``faster``,
    ``slower``, ``same`` (within a point), ``no comparison`` (either quarter without a figure)."""
    prev = before.set_index("series")["pct"] if len(before) else pd.Series(dtype=float)
    rows = []
    for series, pct in zip(now.get("series", []), now.get("pct", []), strict=True):
        then = float(prev.get(series, math.nan))
        pct = float(pct)
        if math.isnan(pct) or math.isnan(then):
            word = "no comparison"
        elif abs(pct - then) < 1.0:
            word = "same"
        else:
            word = "faster" if pct > then else "slower"
        rows.append({"series": str(series), "growth": pct / 100, "previous_growth": then / 100, "direction": word})
    return pd.DataFrame(rows, columns=["series", "growth", "previous_growth", "direction"])


@dataclass(frozen=True)
class Summary:
    """The first screen: ``areas`` (area, status, detail), ``actions`` (priority, area, action,
    evidence, due, when: relative to ``today``), in order."""

    today: pd.Timestamp
    areas: pd.DataFrame
    actions: pd.DataFrame
    #: what to say when ``actions`` is empty: "no action needed" only when every SLO was scored and
    #: every threshold forecast; else what could not be judged, and why
    quiet: str = ""


def _count(n: int, word: str) -> str:
    """``1 incident``, ``5 incidents``, ``0 incidents``."""
    return f"{n} {word}{'' if n == 1 else 's'}"


def _verdict_of(compliance: pd.DataFrame) -> tuple[str, str]:
    scored = compliance[(compliance["status"] == "ok") & compliance["compliance"].notna()]
    met = int(scored["met"].fillna(False).astype(bool).sum())
    missed = [str(s) for s in scored.loc[~scored["met"].fillna(False).astype(bool), "slo"]]
    worst = scored.sort_values("budget_consumed", ascending=False).head(1)
    detail = f"{met} of {len(compliance)} met"
    if missed:
        detail += f"; missed: {', '.join(missed)}"
    if len(worst):
        w = worst.iloc[0]
        detail += f"; most budget used: {w['slo']} ({_pct(float(w['budget_consumed']))})"
    unscored = len(compliance) - len(scored)
    if unscored:
        detail += f"; {unscored} not scored (too little data)"
    return ("missed" if missed else "met" if len(scored) else "not scored"), detail


def _quiet(compliance: pd.DataFrame, thresholds: pd.DataFrame | None, plan: pd.DataFrame | None) -> str:
    """The sentence for a review with no action: what was judged quiet, and what could not be judged
    (SLOs not scored, thresholds not forecast, growth rules not checked: too little data or none)."""
    scored = (compliance["status"] == "ok") & compliance["compliance"].notna()
    parts = [(int((~scored).sum()), len(compliance), "SLO", "scored", "met its objective", "every SLO met")]
    for table, col, noun, verb, fine, all_fine in (
        (
            thresholds,
            "status",
            "threshold",
            "forecast",
            "is forecast to be crossed",
            "no threshold forecast to be crossed",
        ),
        (plan, "verdict", "growth rule", "checked", "covers the forecast", "every growth plan covers the forecast"),
    ):
        if table is not None and len(table):
            parts.append((int(table[col].isin(UNAVAILABLE).sum()), len(table), noun, verb, fine, all_fine))
    if not any(out for out, *_ in parts):
        return f"**No action needed**: {', '.join(p[5] for p in parts)}."
    said = [f"{out} of {_count(total, noun)} could not be {verb}" for out, total, noun, verb, *_ in parts if out]
    judged = [
        all_fine if not out else f"{'no' if noun == 'threshold' else 'every'} {noun} that was {verb} {fine}"
        for out, total, noun, verb, fine, all_fine in parts
        if out < total
    ]
    lead = "No action found, but not everything could be judged" if judged else "Nothing could be judged"
    text = f"**{lead}**: {', '.join(said)} (each section says why)"
    return text + (f"; {', '.join(judged)}." if judged else ".")


def summary(
    compliance: pd.DataFrame,
    incident_table: pd.DataFrame,
    capacity_actions: pd.DataFrame,
    slo_action_table: pd.DataFrame,
    *,
    today: pd.Timestamp,
    thresholds: pd.DataFrame | None = None,
    policy: pd.DataFrame | None = None,
    comparison: pd.DataFrame | None = None,
    previous_label: str = "",
    plan: pd.DataFrame | None = None,
    top: int = 5,
) -> Summary:
    """Rank everything the review found into one status line per area and the ``top`` actions.

    ``capacity_actions``: :func:`capacity.report.forecast_views.recommendations` (priority, by,
    action, reason); ``slo_action_table``: :func:`slo_actions`; ``thresholds``: the time-to-threshold
    frame (status per rule); ``comparison``: :func:`compare_quarters` against ``previous_label``;
    ``plan``: :func:`capacity.forecasting.planning.growth_vs_plan` (verdict per growth rule)."""
    slo_status, slo_detail = _verdict_of(compliance)
    if comparison is not None and len(comparison):
        counts = comparison["direction"].value_counts()
        said = [f"{int(counts[w])} {w}" for w in ("better", "worse", "same") if w in counts]
        slo_detail += (
            f"; against {previous_label}: {', '.join(said)}"
            if said
            else f"; no comparison with {previous_label} (too little data)"
        )
    pages = int(incident_table["page"].sum()) if len(incident_table) else 0
    inc_detail = f"{_count(len(incident_table), 'incident')}, {pages} with a page-level burn-rate alert"
    if len(incident_table):
        first = incident_table.iloc[0]
        inc_detail += (
            f"; longest page: {first['what']} on {pd.Timestamp(first['start']):%Y-%m-%d}, {first['minutes']:,.0f} min"
        )
        if "budget" in incident_table.columns and str(first["budget"] or ""):
            inc_detail += f"; it spent {first['budget']} of the quarter's budget"
    cap = capacity_actions.rename(columns={"by": "due", "reason": "evidence"}).assign(area="Capacity")
    acts = pd.concat(
        [
            slo_action_table.drop(columns=["slo"], errors="ignore"),
            cap[["priority", "area", "action", "evidence", "due"]],
        ],
        ignore_index=True,
    )
    acts["due"] = pd.to_datetime(acts["due"], utc=True)
    acts = acts.sort_values(["priority", "due"], na_position="last", kind="stable").reset_index(drop=True)
    acts["when"] = [
        relative(d, today) or ("now" if p == 1 else "") for d, p in zip(acts["due"], acts["priority"], strict=True)
    ]
    due_soon = acts[acts["area"] == "Capacity"]
    cap_detail = _count(len(due_soon), "capacity action")
    cap_status = "act" if len(due_soon) else "ok"
    if thresholds is not None and len(thresholds):
        crossing = thresholds[thresholds["status"].isin(["already crossed", "crosses within horizon"])]
        cap_detail += f"; {_count(len(crossing), 'threshold')} crossed or forecast to cross"
        unforecast = int(thresholds["status"].isin(UNAVAILABLE).sum())
        if unforecast:
            cap_detail += f"; {unforecast} not forecast (too little data)"
        if unforecast == len(thresholds) and not len(due_soon):
            cap_status = "not forecast"
    if len(due_soon):
        nxt = due_soon.iloc[0]
        cap_detail += f"; first: {nxt['action']} ({nxt['when'] or 'no date'})"
    areas_rows = [{"area": "SLOs", "status": slo_status, "detail": slo_detail}]
    if policy is not None and len(policy):
        acting = policy[(policy["verdict"] != "") & (policy["verdict"] != "normal")]
        by: dict[str, list[str]] = {}
        for verdict, slo_name in zip(acting["verdict"], acting["slo"], strict=True):
            by.setdefault(str(verdict), []).append(str(slo_name))
        unscored = int((policy["verdict"] == "").sum())
        detail = "; ".join(f"{v}: {', '.join(n)}" for v, n in by.items()) or (
            "no SLO scored" if unscored == len(policy) else "every SLO at normal cadence"
        )
        if unscored and unscored < len(policy):
            detail += f" ({unscored} not scored)"
        policy_action = str(acting["action"].iloc[0]) if len(acting) else ""
        areas_rows.append(
            {
                "area": "Budget policy",
                "status": ", ".join(by) or ("none" if unscored == len(policy) else "normal"),
                "detail": detail + (f". {policy_action}" if policy_action else ""),
            }
        )
    areas = pd.DataFrame(
        [
            *areas_rows,
            {
                "area": "Incidents",
                "status": "paged" if pages else ("some" if len(incident_table) else "none"),
                "detail": inc_detail,
            },
            {"area": "Capacity", "status": cap_status, "detail": cap_detail},
        ]
    )
    return Summary(pd.Timestamp(today), areas, acts.head(top), _quiet(compliance, thresholds, plan))
