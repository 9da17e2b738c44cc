"""Alert episodes shaped for the report's tables and charts: priority order, incidents, timelines.

Pure reshaping of the SLO engine's tidy frames (the numbers come from :mod:`capacity.slo`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from ..core.timeutil import parse_duration

__all__ = ["by_priority", "incidents", "timeline_episodes"]

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
