"""When each SLO's error budget runs out at its current burn rate.

A burn rate ``b`` spends a window's whole budget in ``window / b``; so a window with a share ``r``
of its budget left runs out ``r * window / b`` after its end, if that rate holds (and, for event
SLOs, the traffic does too). The budget that old bad events give back as the rolling window moves
on is not counted: the date is the pessimistic one, and the table says which rate it assumed.
"""

from __future__ import annotations

import math

import pandas as pd

from ..core.timeutil import format_duration, parse_duration

__all__ = ["EXHAUSTION_COLUMNS", "budget_exhaustion"]

EXHAUSTION_COLUMNS = [
    "slo",
    "budget_remaining",
    "burn_rate",
    "rate_window",
    "runs_out",
    "days_left",
    "verdict",
]


def budget_exhaustion(compliance: pd.DataFrame, burn: pd.DataFrame, *, rate_window: str = "6h") -> pd.DataFrame:
    """One row per SLO of ``compliance`` (rolling windows: ``slo, start, end, budget_remaining,
    status``): its burn rate over the last ``rate_window`` at the window's end (from ``burn``,
    :func:`capacity.slo.engine.burn_rate_series`) and when the remaining budget runs out at that rate.

    ``verdict``: ``exhausted`` (nothing left), ``runs out`` (``runs_out`` is the date), ``not this
    window`` (later than one window length from now), ``not burning`` (a zero rate), ``no data``.
    """
    label = format_duration(parse_duration(rate_window, field="rate_window"))
    rows = []
    for slo, start, end, left, status in zip(
        compliance["slo"], compliance["start"], compliance["end"], compliance["budget_remaining"],
        compliance["status"], strict=True,
    ):  # fmt: skip
        row: dict = {"slo": str(slo), "budget_remaining": float(left), "rate_window": label}
        mine = burn[(burn["slo"] == slo) & (burn["window"] == label) & (burn["ds"] <= end)]
        rate = float(mine["burn_rate"].iloc[-1]) if len(mine) else math.nan
        row["burn_rate"] = rate
        length = pd.Timestamp(end) - pd.Timestamp(start)
        if status != "ok" or math.isnan(left) or math.isnan(rate):
            row.update(runs_out=pd.NaT, days_left=math.nan, verdict="no data")
        elif left <= 0:
            row.update(runs_out=pd.Timestamp(end), days_left=0.0, verdict="exhausted")
        elif rate <= 0:
            row.update(runs_out=pd.NaT, days_left=math.inf, verdict="not burning")
        else:
            wait = length * (left / rate)
            days = wait / pd.Timedelta(days=1)
            within = wait <= length
            row.update(
                runs_out=pd.Timestamp(end) + wait if within else pd.NaT,
                days_left=days,
                verdict="runs out" if within else "not this window",
            )
        rows.append(row)
    out = pd.DataFrame(rows, columns=EXHAUSTION_COLUMNS)
    out["runs_out"] = pd.to_datetime(out["runs_out"], utc=True)
    return out
