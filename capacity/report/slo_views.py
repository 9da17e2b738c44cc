"""SLO results shaped for the report's charts, on top of :mod:`capacity.slo`.

Pure: the SLO engine's tidy frames in, chart-ready tidy frames out (the data is
fetched by :func:`capacity.app.slo.fetch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..core.timeutil import parse_duration
from ..core.windows import Window, rolling
from ..slo import engine
from ..slo.spec import Spec

__all__ = ["rolling_compliance", "budget_burndown", "checkpoints", "by_priority"]

PRIORITIES = ("critical", "high", "page", "medium", "ticket", "low", "info")


def by_priority(
    frame: pd.DataFrame, col: str = "priority", *, then: Sequence[str] = (), order: Sequence[str] = PRIORITIES
) -> pd.DataFrame:
    """Rows most urgent first (``order``; unknown priorities last, by name), then by ``then``
    (descending: the longest or most frequent first). The rows are not changed."""
    if frame.empty or col not in frame.columns:
        return frame
    rank = {p: i for i, p in enumerate(order)}
    key = frame[col].map(lambda p: rank.get(str(p), len(rank)))
    tmp = frame.assign(_rank=key.to_numpy(), _name=frame[col].astype(str))
    cols = ["_rank", "_name", *then]
    asc = [True, True, *[False] * len(then)]
    return tmp.sort_values(cols, ascending=asc, kind="stable").drop(columns=["_rank", "_name"]).reset_index(drop=True)


def checkpoints(start: pd.Timestamp, end: pd.Timestamp, every: str | pd.Timedelta = "1d") -> pd.DatetimeIndex:
    """``start + every, start + 2 every, ...`` up to ``end``, and ``end`` itself."""
    step = parse_duration(every, field="every")
    times = pd.date_range(start + step, end, freq=step)
    if len(times) == 0 or times[-1] != end:
        times = pd.DatetimeIndex(times.append(pd.DatetimeIndex([end])))
    return times


def rolling_compliance(
    spec: Spec,
    data: dict[str, pd.DataFrame],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    every: str | pd.Timedelta = "1d",
    slos: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each SLO's compliance over its own rolling window (``30d``...) ending at each checkpoint.

    Columns ``slo, ds, window, compliance, target, met, coverage``. Data must reach back one SLO
    window before ``start``; a window without data has NaN compliance.
    """
    times = checkpoints(start, end, every)
    parts = []
    for slo in [spec.slo(n) for n in slos] if slos else spec.slos:
        windows: list[Window] = [rolling(slo.window, t) for t in times]
        got = engine.compliance(spec, data, windows, [slo.name])
        parts.append(
            pd.DataFrame(
                {
                    "slo": slo.name,
                    "ds": got["end"].to_numpy(),
                    "window": got["window"].str.split(" ").str[0].to_numpy(),
                    "compliance": got["compliance"].to_numpy(dtype=float),
                    "target": slo.objective,
                    "met": got["met"].to_numpy(),
                    "coverage": got["coverage"].to_numpy(dtype=float),
                }
            )
        )
    cols = ["slo", "ds", "window", "compliance", "target", "met", "coverage"]
    return pd.concat(parts, ignore_index=True)[cols] if parts else pd.DataFrame(columns=cols)


def budget_burndown(
    spec: Spec,
    data: dict[str, pd.DataFrame],
    start: pd.Timestamp,
    end: pd.Timestamp,
    *,
    every: str | pd.Timedelta = "1d",
    slos: Sequence[str] | None = None,
) -> pd.DataFrame:
    """How much of the period's error budget is left at each checkpoint.

    The budget is the whole period's: ``allowed_bad = (1 - objective) x total`` over
    ``(start, end]``; at time t, ``budget_remaining = 1 - bad(start, t] / allowed_bad``
    (negative once overspent). Columns ``slo, ds, bad, allowed_bad, budget_remaining``.
    """
    times = checkpoints(start, end, every)
    windows = [Window(f"to {t.isoformat()}", start, t, "cumulative") for t in times]
    got = engine.compliance(spec, data, windows, list(slos) if slos else None)
    out = got[["slo", "end", "bad"]].rename(columns={"end": "ds"})
    full = got[got["end"] == end].set_index("slo")["allowed_bad"]
    out["allowed_bad"] = out["slo"].map(full).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["budget_remaining"] = np.where(out["allowed_bad"] > 0, 1.0 - out["bad"] / out["allowed_bad"], np.nan)
    return out[["slo", "ds", "bad", "allowed_bad", "budget_remaining"]].reset_index(drop=True)


def incidents(
    episodes: pd.DataFrame, *, priorities: Sequence[str] = ("high",), gap: str | pd.Timedelta = "15m"
) -> pd.DataFrame:
    """Alert episodes of the given priorities merged into incidents.

    Episodes that overlap or start within ``gap`` of the previous one's end form one
    incident. Columns: start, end, minutes, alerts (names, comma-separated, sorted), episodes.
    """
    cols = ["start", "end", "minutes", "alerts", "episodes"]
    e = episodes[episodes["priority"].isin(list(priorities))].sort_values("start", kind="stable")
    if e.empty:
        return pd.DataFrame(columns=cols)
    g = parse_duration(gap, field="gap")
    merged: list[_Incident] = []
    for start, end, alert in zip(e["start"], e["end"], e["alert"], strict=True):
        if merged and start <= merged[-1].end + g:
            cur = merged[-1]
            cur.end = max(cur.end, end)
            cur.alerts.add(alert)
            cur.episodes += 1
        else:
            merged.append(_Incident(start, end, {alert}))
    out = pd.DataFrame(
        {
            "start": [i.start for i in merged],
            "end": [i.end for i in merged],
            "alerts": [i.alerts for i in merged],
            "episodes": [i.episodes for i in merged],
        }
    )
    out["minutes"] = pd.to_timedelta(out["end"] - out["start"]) / pd.Timedelta(minutes=1)
    out["alerts"] = [", ".join(sorted(a)) for a in out["alerts"]]
    return out[cols]


@dataclass
class _Incident:
    """Episodes merged so far: :func:`incidents`."""

    start: pd.Timestamp
    end: pd.Timestamp
    alerts: set[str]
    episodes: int = 1


def timeline_episodes(
    episodes: pd.DataFrame, *, priorities: Sequence[str] = ("high", "medium"), limit: int = 400
) -> pd.DataFrame:
    """The episodes worth a timeline: the given priorities, the ``limit`` longest if there are more."""
    e = episodes[episodes["priority"].isin(list(priorities))]
    if len(e) > limit:
        e = e.nlargest(limit, "duration_seconds")
    return e.sort_values("start", kind="stable").reset_index(drop=True)
