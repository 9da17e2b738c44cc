"""What a fitted service says, as one tidy row: the rate the SLO can take, when the forecast traffic
reaches it, the replicas that hold it through the horizon, and a what-if. Pure.

The date comes from the forecast of the daily peak request rate (the forecasting engine's, with its
80% interval) and the limit's own 80% interval together: earliest = the first day the forecast's
high edge reaches the limit's low edge, most likely = the mean reaching the limit, latest = the
low edge reaching the high edge. Both uncertainties widen the range; neither is dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..core.status import OK
from .compute import LEVEL, Fitted

__all__ = ["COLUMNS", "WhatIf", "answer", "breaks", "threshold_rows"]

ALREADY, WITHIN, MAY, NOT_WITHIN, NO_FORECAST = (
    "already over",
    "breaks within horizon",
    "may break within horizon",
    "not within horizon",
    "no forecast",
)

COLUMNS = [
    "service", "title", "status", "note", "objective", "replicas", "today_peak", "latency_at_peak",
    "limit", "max_rate", "max_rate_lo", "max_rate_hi", "headroom",
    "latency_status", "latency_max_rate", "latency_max_rate_lo", "latency_max_rate_hi",
    "cpu_status", "cpu_max_rate", "cpu_max_rate_lo", "cpu_max_rate_hi",
    "usl_status", "usl_peak", "usl_peak_lo", "usl_peak_hi", "usl_peak_at",
    "forecast_peak", "breaks_status", "breaks", "breaks_early", "breaks_late",
    "latency_breaks_status", "latency_breaks", "latency_breaks_early", "latency_breaks_late",
    "replicas_needed", "replicas_needed_hi", "capacity_change",
    "whatif_replicas", "whatif_traffic", "whatif_load", "whatif_latency", "whatif_latency_lo",
    "whatif_latency_hi", "whatif_cpu", "whatif_holds",
]  # fmt: skip


@dataclass(frozen=True)
class WhatIf:
    """Run today's peak with ``replicas`` (None: today's) and ``traffic`` more of it (0.2 = +20%)."""

    replicas: float | None = None
    traffic: float = 0.0


def _first(ds: pd.Series, hit: pd.Series) -> pd.Timestamp | None:
    idx = np.flatnonzero(hit.to_numpy(dtype=bool))
    return pd.Timestamp(ds.iloc[int(idx[0])]) if len(idx) else None


def breaks(
    today_peak: float, rate: float, lo: float, hi: float, forecast: pd.DataFrame | None, level: int = 80
) -> tuple[str, pd.Timestamp | None, pd.Timestamp | None, pd.Timestamp | None]:
    """(status, most likely, earliest, latest) day the forecast daily peak (``mean``, ``lo-{level}``,
    ``hi-{level}``) reaches ``rate`` (its interval ``lo``..``hi``)."""
    if today_peak >= rate:
        return ALREADY, None, None, None
    if forecast is None or forecast.empty:
        return NO_FORECAST, None, None, None
    ds = forecast["ds"]
    likely = _first(ds, forecast["mean"] >= rate)
    early = _first(ds, forecast[f"hi-{level}"] >= lo)
    late = _first(ds, forecast[f"lo-{level}"] >= hi)
    status = WITHIN if likely is not None else MAY if early is not None else NOT_WITHIN
    return status, likely, early, late


def _needed(peak: float, per_replica: float) -> float:
    if not (math.isfinite(peak) and math.isfinite(per_replica)) or per_replica <= 0:
        return math.nan
    return float(max(math.ceil(peak / per_replica - 1e-9), 1))


def answer(
    f: Fitted, today_peak: float, forecast: pd.DataFrame | None = None, whatif: WhatIf | None = None
) -> dict[str, Any]:
    """One row of :data:`COLUMNS` for the fitted service ``f``."""
    svc = f.service
    name, lim = f.limit
    # one reason shared by the three models (too little data of the request rate) is said once
    notes = list(dict.fromkeys(n for n in (f.latency.note, f.cpu.note, f.usl.note) if n))
    row: dict[str, Any] = {c: math.nan for c in COLUMNS}
    row.update(
        service=svc.name,
        title=svc.display,
        objective=svc.objective.text,
        replicas=f.replicas,
        today_peak=today_peak,
        latency_status=f.latency.status,
        cpu_status=f.cpu.status,
        usl_status=f.usl.status,
        breaks_status="",
        latency_breaks_status="",
        **{f"{p}{c}": pd.NaT for p in ("", "latency_") for c in ("breaks", "breaks_early", "breaks_late")},
        limit=name,
        status=lim.status,
        note="; ".join(notes),
        whatif_holds=None,
    )
    for key, one in (("latency_max_rate", f.latency), ("cpu_max_rate", f.cpu), ("usl_peak", f.usl)):
        if one.ok and math.isfinite(one.rate):
            row.update({key: one.rate, f"{key}_lo": one.lo, f"{key}_hi": one.hi})
    if f.usl.ok:
        row["usl_peak_at"] = f.usl_at
    if f.latency.ok and today_peak > 0:
        status, likely, early, late = breaks(today_peak, f.latency.rate, f.latency.lo, f.latency.hi, forecast)
        row.update(
            latency_breaks_status=status,
            latency_breaks=likely or pd.NaT,
            latency_breaks_early=early or pd.NaT,
            latency_breaks_late=late or pd.NaT,
        )
    if f.latency_fit is not None and f.replicas > 0:
        row["latency_at_peak"] = float(f.latency_fit.predict(today_peak / f.replicas)[0])
    if not lim.ok:
        return row
    row.update(max_rate=lim.rate, max_rate_lo=lim.lo, max_rate_hi=lim.hi)
    row["headroom"] = lim.rate / today_peak - 1 if today_peak > 0 else math.nan
    status, likely, early, late = breaks(today_peak, lim.rate, lim.lo, lim.hi, forecast)
    row.update(breaks_status=status, breaks=likely or pd.NaT, breaks_early=early or pd.NaT, breaks_late=late or pd.NaT)
    hi_col = f"hi-{int(LEVEL * 100)}"
    peak = float(forecast[hi_col].max()) if forecast is not None and len(forecast) else today_peak
    row["forecast_peak"] = float(forecast["mean"].max()) if forecast is not None and len(forecast) else math.nan
    per_replica, per_replica_lo = lim.rate / f.replicas, lim.lo / f.replicas
    row["replicas_needed"] = _needed(peak, per_replica)
    row["replicas_needed_hi"] = _needed(peak, per_replica_lo)
    row["capacity_change"] = row["replicas_needed"] / f.replicas - 1 if f.replicas > 0 else math.nan
    if whatif is not None:
        row.update(_whatif(f, today_peak, whatif))
    return row


def _whatif(f: Fitted, today_peak: float, w: WhatIf) -> dict[str, Any]:
    n = float(w.replicas) if w.replicas is not None else f.replicas
    load = today_peak * (1 + w.traffic)
    x = np.array([load / n])
    out: dict[str, Any] = {"whatif_replicas": n, "whatif_traffic": w.traffic, "whatif_load": load}
    holds = True
    if f.latency_fit is not None and f.latency.status == OK:
        lat = float(f.latency_fit.predict(x)[0])
        lo, hi = f.latency_fit.band(x, LEVEL)
        out.update(whatif_latency=lat, whatif_latency_lo=float(lo[0]), whatif_latency_hi=float(hi[0]))
        holds = holds and lat < f.service.objective.latency
    if f.cpu_fit is not None and f.service.cpu_range is not None:
        cpu = float(f.cpu_fit.predict(x)[0])
        out["whatif_cpu"] = cpu
        holds = holds and cpu <= f.service.cpu_range[1]
    out["whatif_holds"] = holds if ("whatif_latency" in out or "whatif_cpu" in out) else None
    return out


_TTT_STATUS = {
    ALREADY: "already crossed",
    WITHIN: "crosses within horizon",
    MAY: "may cross within horizon",
    NOT_WITHIN: "not within horizon",
}


def threshold_rows(
    table: pd.DataFrame, end: pd.Timestamp, metric: dict[str, str], forecasts: Mapping[str, pd.DataFrame]
) -> pd.DataFrame:
    """Each service's latency SLO as a planning threshold ("latency SLO at forecast load"), in the
    columns of :func:`capacity.forecasting.planning.time_to_threshold`: the level is the highest
    rate the SLO holds at, the series the daily peak request rate (``metric``: service -> its
    throughput series), the dates from its forecast's 95% band (``forecasts``: service -> the
    forecast frame), as the other thresholds'. A service without a latency answer is ``no data`` /
    ``too little data`` with why."""
    rows = []
    for _, r in table.iterrows():
        base = {
            "threshold": f"latency_slo_{r['service']}",
            "metric": metric.get(str(r["service"]), ""),
            "text": f"Latency SLO ({r['objective']}) at forecast load: {r['title']}",
            "direction": "above",
        }
        if r["latency_status"] != OK:
            why = r["note"] or str(r["latency_status"])
            status = "too little data" if r["latency_status"] != "no data" else "no data"
            rows.append({**base, "status": status, "note": why})
            continue
        fc = forecasts.get(str(r["service"]))
        lim = (r["latency_max_rate"], r["latency_max_rate_lo"], r["latency_max_rate_hi"])
        status, likely, early, late = breaks(r["today_peak"], *lim, fc, level=95)
        rows.append(
            {
                **base,
                "level": r["latency_max_rate"],
                "last_ds": end,
                "last": r["today_peak"],
                "status": _TTT_STATUS.get(status, "not within horizon"),
                "earliest": early,
                "most_likely": likely,
                "latest": late,
                "note": "" if fc is not None else "no request-rate forecast",
            }
        )
    out = pd.DataFrame(rows)
    for c in ("earliest", "most_likely", "latest", "last_ds"):
        if c in out.columns:
            out[c] = pd.to_datetime(out[c], utc=True)
    return out
