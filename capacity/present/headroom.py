"""How a headroom row is said: the CLI's table, the review's and CI's sentences. One place."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from . import MISSING, growth, is_missing, number, percent, timestamp

__all__ = ["rate_text", "sentence", "view", "when_text", "whatif_text"]

_LIMIT_WORDS = {"latency": "the latency SLO", "cpu": "the CPU range"}


def rate_text(rate: Any, lo: Any = None, hi: Any = None) -> str:
    """``312 req/s (80%: 301–322)``; ``–`` when missing."""
    if is_missing(rate):
        return MISSING
    text = f"{number(rate, 3)} req/s"
    if not is_missing(lo) and not is_missing(hi) and math.isfinite(float(hi)):
        text += f" (80%: {number(lo, 3)}–{number(hi, 3)})"
    return text


def when_text(row: Any, tz: str = "UTC", prefix: str = "") -> str:
    """When a limit is reached (``prefix`` "" for the binding one, "latency_" for the latency SLO):
    ``2027-03-10 (80%: 2027-02-01 to 2027-05-20)``, ``already over``, ``not within horizon``."""
    status = str(row[f"{prefix}breaks_status"] or "")
    likely_v, early_v, late_v = (row[f"{prefix}{c}"] for c in ("breaks", "breaks_early", "breaks_late"))
    if is_missing(likely_v) and is_missing(early_v):
        return status or MISSING
    after = "after the horizon"
    likely = timestamp(likely_v, tz, date_only=True) if not is_missing(likely_v) else after
    early = timestamp(early_v, tz, date_only=True) if not is_missing(early_v) else "?"
    late = timestamp(late_v, tz, date_only=True) if not is_missing(late_v) else after
    return f"{likely} (80%: {early} to {late})"


def whatif_text(row: Any) -> str:
    """``281 req/s on 3 replicas: p95 0.31 s (80%: 0.29–0.33), CPU 72%: breaks``; ``–`` without a what-if."""
    if is_missing(row["whatif_load"]):
        return MISSING
    change, reps = growth(row["whatif_traffic"], 0), number(row["whatif_replicas"], 3)
    load = f"{number(row['whatif_load'], 3)} req/s ({change}) on {reps} replicas"
    parts = []
    if not is_missing(row["whatif_latency"]):
        q = str(row["objective"]).split(" ")[0]
        band = f" (80%: {number(row['whatif_latency_lo'], 2)}–{number(row['whatif_latency_hi'], 2)})"
        parts.append(
            f"{q} {number(row['whatif_latency'], 2)} s{band if not is_missing(row['whatif_latency_hi']) else ''}"
        )
    if not is_missing(row["whatif_cpu"]):
        parts.append(f"CPU {percent(row['whatif_cpu'], 0)}")
    verdict = {True: "holds", False: "breaks"}.get(row["whatif_holds"], "not known")
    return f"{load}: {', '.join(parts)}: {verdict}" if parts else f"{load}: {verdict}"


def _needed(row: Any) -> str:
    """``5 (+67%)``: the replicas that hold the limits through the horizon, and the capacity change."""
    if is_missing(row["replicas_needed"]):
        return MISSING
    change = "" if is_missing(row["capacity_change"]) else f" ({growth(row['capacity_change'], 0)})"
    return number(row["replicas_needed"], 3) + change


def view(table: pd.DataFrame, tz: str = "UTC") -> pd.DataFrame:
    """The CLI's table: one row per service, each answer one readable cell."""
    rows = []
    for _, r in table.iterrows():
        latency_ok, cpu_ok = r["latency_status"] == "ok", r["cpu_status"] == "ok"
        row = {
            "service": r["service"],
            "objective": r["objective"],
            "replicas": number(r["replicas"], 3),
            "today's peak": rate_text(r["today_peak"]),
            "latency SLO holds to": rate_text(r["latency_max_rate"], r["latency_max_rate_lo"], r["latency_max_rate_hi"])
            if latency_ok
            else str(r["latency_status"]),
            "latency SLO breaks": when_text(r, tz, "latency_") if latency_ok else MISSING,
            "CPU range holds to": rate_text(r["cpu_max_rate"], r["cpu_max_rate_lo"], r["cpu_max_rate_hi"])
            if cpu_ok
            else str(r["cpu_status"] or MISSING),
            "headroom": growth(r["headroom"], 0) if not is_missing(r["headroom"]) else MISSING,
            "replicas needed": _needed(r),
            "status": r["status"],
        }
        if not is_missing(r["whatif_load"]):
            row["what-if"] = whatif_text(r)
        rows.append(row)
    return pd.DataFrame(rows)


def sentence(row: Any, tz: str = "UTC", horizon_end: pd.Timestamp | None = None) -> str:
    """The review's and CI's line for one service."""
    name = f"{row['title']}: "
    if row["status"] != "ok":
        return f"{name}no headroom answer ({row['status']}: {row['note']})"
    parts = []
    if row["latency_status"] == "ok":
        lat = rate_text(row["latency_max_rate"], row["latency_max_rate_lo"], row["latency_max_rate_hi"])
        parts.append(f"the latency SLO ({row['objective']}) holds up to {lat} at {number(row['replicas'], 3)} replicas")
        status = row["latency_breaks_status"]
        if status == "already over":
            parts.append("today's peak is already over it")
        elif status in ("breaks within horizon", "may break within horizon"):
            parts.append(f"at the forecast growth it breaks around {when_text(row, tz, 'latency_')}")
        elif status == "not within horizon":
            parts.append("the forecast peak stays under it through the horizon")
    else:
        parts.append(f"latency SLO: {row['latency_status']}")
    if row["limit"] == "cpu":
        cpu = rate_text(row["cpu_max_rate"], row["cpu_max_rate_lo"], row["cpu_max_rate_hi"])
        parts.append(f"the CPU range binds first, at {cpu}")
    if not is_missing(row["headroom"]):
        peak = f"today's peak {number(row['today_peak'], 3)} req/s"
        if float(row["headroom"]) >= 0:
            parts.append(f"{peak} ({percent(row['headroom'], 0)} headroom)")
        else:  # over the binding limit: say by how much, not a negative headroom
            over = float(row["today_peak"]) / float(row["max_rate"]) - 1
            parts.append(f"{peak} is {percent(over, 0)} over it")
    if not is_missing(row["replicas_needed"]):
        until = f" through {timestamp(horizon_end, tz, date_only=True)}" if horizon_end is not None else ""
        what = "both" if row["cpu_status"] == "ok" and row["latency_status"] == "ok" else "it"
        change = "" if is_missing(row["capacity_change"]) else f" ({growth(row['capacity_change'], 0)})"
        parts.append(f"{number(row['replicas_needed'], 3)} replicas{change} hold {what}{until}")
    return name + "; ".join(parts) + "."
